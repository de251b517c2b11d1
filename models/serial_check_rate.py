from datetime import datetime, timedelta

from odoo import api, fields, models
from odoo.tools import SQL
from odoo.tools.misc import hmac

from ..tools.serial_public_check import RateVerdict

EPOCH = datetime(1970, 1, 1)
DEFAULT_LIMIT = 30  # checks per address and window
DEFAULT_WINDOW_MINUTES = 10


class SerialCheckRate(models.Model):
    """The public check's per-address rate limit: one row per address and window
    (fixed windows of pos_serial_tracking.public_check_window_minutes, 10 unless set),
    counting its checks; past pos_serial_tracking.public_check_limit (30 unless set,
    0: no limit) the page answers 429 until the window ends. Odoo 18 has no rate
    limit for public routes to reuse: the login cooldown (res.users._assert_can_auth,
    _on_login_cooldown) counts failed logins per worker in memory, the websocket's
    (bus) counts one connection's messages, auth_totp_mail_enforce's log is per user.
    The address is kept as a keyed hash (tools.misc.hmac with the database secret),
    so the table holds no address; its rows are purged daily by the cron of
    serial.check.attempt."""

    _name = "serial.check.rate"
    _description = "Public Check Rate Limit"

    address_key = fields.Char(required=True, readonly=True)
    window_start = fields.Datetime(required=True, readonly=True, index=True)
    hits = fields.Integer(required=True, readonly=True, default=0)

    _sql_constraints = [  # noqa: RUF012 Odoo reads this class attribute
        (
            "address_window_unique",
            "unique(address_key, window_start)",
            "One counter per address and window.",
        )
    ]

    @api.model
    def _rate_settings(self):
        """(checks allowed per window, window in minutes), from the system
        parameters."""
        get = self.env["ir.config_parameter"].sudo().get_param
        try:
            limit = int(get("pos_serial_tracking.public_check_limit", DEFAULT_LIMIT))
            minutes = int(
                get(
                    "pos_serial_tracking.public_check_window_minutes",
                    DEFAULT_WINDOW_MINUTES,
                )
            )
        except ValueError:
            limit, minutes = DEFAULT_LIMIT, DEFAULT_WINDOW_MINUTES
        return limit, max(minutes, 1)

    @api.model
    def _count_hit(self, address):
        """One more check from `address` counted (an upsert: concurrent checks add
        up), and whether it is over the limit."""
        limit, minutes = self._rate_settings()
        if limit <= 0:
            return RateVerdict(limited=False, hits=0, retry_minutes=0)
        now = fields.Datetime.now()
        seconds = int((now - EPOCH).total_seconds())
        start = seconds - seconds % (minutes * 60)
        key = hmac(self.env(su=True), "pos_serial_tracking-public-check", address or "")
        self.env.cr.execute(
            SQL(
                """INSERT INTO serial_check_rate
                       (address_key, window_start, hits, create_date, write_date)
                   VALUES (%s, %s, 1, %s, %s)
                   ON CONFLICT (address_key, window_start)
                   DO UPDATE SET hits = serial_check_rate.hits + 1,
                                 write_date = EXCLUDED.write_date
                   RETURNING hits""",
                key,
                EPOCH + timedelta(seconds=start),
                now,
                now,
            )
        )
        hits = self.env.cr.fetchone()[0]
        retry = -(-(start + minutes * 60 - seconds) // 60)  # whole minutes, rounded up
        return RateVerdict(limited=hits > limit, hits=hits, retry_minutes=max(retry, 1))

    @api.model
    def _purge_old_windows(self):
        """The windows that ended deleted."""
        __, minutes = self._rate_settings()
        self.flush_model()
        self.env.cr.execute(
            SQL(
                "DELETE FROM serial_check_rate WHERE window_start < %s",
                fields.Datetime.now() - timedelta(minutes=minutes),
            )
        )
        self.invalidate_model()
