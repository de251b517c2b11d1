from datetime import timedelta

from odoo import _, api, fields, models

from .stock_lot import SERIAL_READERS

WARRANTY_DAYS_KEY = "serial_warranty_days"  # context: the warranty outreach's horizon
WARRANTY_DAYS_DEFAULT = 30
WARRANTY_MAIL_TEMPLATE = "pos_serial_tracking.serial_warranty_ending_mail_template"


class ResPartner(models.Model):
    _inherit = "res.partner"

    serial_count = fields.Integer(
        string="Units Owned",
        compute="_compute_serial_count",
        groups=SERIAL_READERS,
        help="The serialized units sold to this customer (or its contacts) and not "
        "returned.",
    )
    serial_warranty_ending_lot_ids = fields.Many2many(
        "stock.lot",
        string="Warranty Ending",
        compute="_compute_serial_warranty_ending_lot_ids",
        groups=SERIAL_READERS,
        help="The units sold to this customer, in the current company, whose "
        "warranty ends within the warranty outreach's days (30 by default).",
    )

    def _compute_serial_count(self):
        Lot = self.env["stock.lot"]
        for partner in self:
            partner.serial_count = (
                Lot.search_count(partner._owned_serials_domain()) if partner.id else 0
            )

    @api.depends_context(WARRANTY_DAYS_KEY, "company")
    def _compute_serial_warranty_ending_lot_ids(self):
        days = self.env.context.get(WARRANTY_DAYS_KEY, WARRANTY_DAYS_DEFAULT)
        lots = self.env["stock.lot"].search(
            [
                *self._warranty_ending_domain(days),
                ("serial_partner_id", "in", self.ids),
            ],
            order="warranty_end_date, name",
        )
        lot_ids_of = {}
        for lot in lots:
            lot_ids_of.setdefault(lot.serial_partner_id.id, []).append(lot.id)
        for partner in self:
            partner.serial_warranty_ending_lot_ids = lots.browse(
                lot_ids_of.get(partner.id, [])
            )

    @api.model
    def mail_allowed_qweb_expressions(self):
        # the warranty outreach's mail (serial_warranty_ending_mail_template)
        return (
            *super().mail_allowed_qweb_expressions(),
            "object.id",
            "object.lang",
        )

    def action_view_serials(self):
        self.ensure_one()
        self.check_access("read")
        self.env["stock.lot"].browse().check_access("read")
        return (
            self.env["stock.lot"]
            .search(self._owned_serials_domain())
            ._action_open_serials(_("Units of %s", self.display_name))
        )

    def _owned_serials_domain(self):
        return [
            ("serial_partner_id", "child_of", self.ids),
            ("serial_state", "=", "sold"),
        ]

    @api.model
    def _warranty_ending_domain(self, days):
        """Units sold in the current company (or of no company) whose warranty ends
        from today to `days` days from now."""
        today = fields.Date.context_today(self)
        return [
            ("serial_state", "=", "sold"),
            ("serial_partner_id", "!=", False),
            ("company_id", "in", [self.env.company.id, False]),
            ("warranty_end_date", ">=", today),
            ("warranty_end_date", "<=", today + timedelta(days=days)),
        ]

    @api.model
    def _queue_warranty_notices(self, days=WARRANTY_DAYS_DEFAULT):
        """Queue one "warranty ending" mail per customer holding units whose warranty
        ends within `days` days (current company), naming those units and their end
        dates, for the `mail` cron; nothing changes on the units. Customers without
        an email address are left out. Returns the mails queued."""
        # the gate is the warranty outreach's own right (Serial Managers)
        self.env["serial.warranty.outreach"].check_access("create")
        lots = self.env["stock.lot"].search(self._warranty_ending_domain(days))
        customers = lots.serial_partner_id.filtered("email_normalized")
        if not customers:
            return self.env["mail.mail"]
        template = self.env.ref(WARRANTY_MAIL_TEMPLATE).with_context(
            **{WARRANTY_DAYS_KEY: days}
        )
        return template._queue_mail_batch(customers.ids)
