from odoo import _, api, fields, models

from ..models.res_partner import WARRANTY_DAYS_DEFAULT


class SerialWarrantyOutreach(models.TransientModel):
    """Tell the customers whose units' warranty ends soon: the units sold in the
    current company whose warranty ends within the days given, one mail per customer
    through the mail queue; nothing changes on the units."""

    _name = "serial.warranty.outreach"
    _description = "Warranty Outreach"

    days = fields.Integer(
        default=WARRANTY_DAYS_DEFAULT,
        required=True,
        help="Units whose warranty ends between today and this many days from now.",
    )
    unit_count = fields.Integer(string="Units", compute="_compute_preview")
    customer_count = fields.Integer(string="Customers", compute="_compute_preview")
    unreachable_count = fields.Integer(
        string="Customers Without Email",
        compute="_compute_preview",
        help="They get no mail: reach them another way.",
    )

    @api.depends("days")
    def _compute_preview(self):
        Partner = self.env["res.partner"]
        for wizard in self:
            lots = self.env["stock.lot"].search(
                Partner._warranty_ending_domain(max(wizard.days, 0))
            )
            customers = lots.serial_partner_id
            wizard.unit_count = len(lots)
            wizard.customer_count = len(customers)
            wizard.unreachable_count = len(
                customers.filtered(lambda p: not p.email_normalized)
            )

    def action_send(self):
        self.ensure_one()
        mails = self.env["res.partner"]._queue_warranty_notices(max(self.days, 0))
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "type": "success",
                "message": _(
                    "%(count)s warranty mails queued; they leave with the next run "
                    "of the mail queue.",
                    count=len(mails),
                ),
                "next": {"type": "ir.actions.act_window_close"},
            },
        }
