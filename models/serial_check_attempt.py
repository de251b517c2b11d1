from datetime import timedelta

from odoo import api, fields, models

# how long an attempt (its address: personal data) is kept, in days
DEFAULT_KEEP_DAYS = 90


class SerialCheckAttempt(models.Model):
    """A check of a unit reported stolen on the public page (asset recovery): when,
    and from which address. Only Serial Managers read them, on the unit's form; the
    caller is told nothing of it. An IP address is personal data: the rows are
    deleted after pos_serial_tracking.public_check_attempt_days days (90 unless set),
    by the daily cron. Not in the serial's history: that ledger is append-only and
    could not forget an address."""

    _name = "serial.check.attempt"
    _description = "Public Check of a Stolen Unit"
    _order = "date desc, id desc"
    _check_company_auto = True

    lot_id = fields.Many2one(
        "stock.lot",
        string="Serial",
        required=True,
        readonly=True,
        index=True,
        ondelete="cascade",
        check_company=True,
    )
    company_id = fields.Many2one(
        "res.company", required=True, readonly=True, index=True
    )
    date = fields.Datetime(
        required=True, readonly=True, index=True, default=fields.Datetime.now
    )
    address = fields.Char(
        string="IP Address",
        readonly=True,
        help="The address the check came from, as the server saw it (behind a proxy, "
        "the client's only in proxy mode).",
    )

    @api.model
    def _keep_days(self):
        value = (
            self.env["ir.config_parameter"]
            .sudo()
            .get_param("pos_serial_tracking.public_check_attempt_days")
        )
        try:
            return max(int(value), 1) if value else DEFAULT_KEEP_DAYS
        except ValueError:
            return DEFAULT_KEEP_DAYS

    @api.model
    def _cron_purge_public_checks(self):
        """Daily: the attempts older than _keep_days() and the rate limit's past
        windows deleted."""
        limit = fields.Datetime.now() - timedelta(days=self._keep_days())
        self.sudo().search([("date", "<", limit)]).unlink()
        self.env["serial.check.rate"]._purge_old_windows()
