from odoo import fields, models


class SerialLossReport(models.TransientModel):
    """The period of the loss prevention report (report.pos_serial_tracking.
    report_serial_loss computes it from the audit lines of that period)."""

    _name = "serial.loss.report"
    _description = "Loss Prevention Report"

    date_from = fields.Date(
        string="From",
        required=True,
        default=lambda self: fields.Date.context_today(self).replace(day=1),
    )
    date_to = fields.Date(
        string="To",
        required=True,
        default=fields.Date.context_today,
        help="Included: the events of this whole day, in your time zone.",
    )

    def action_print(self):
        self.ensure_one()
        return self.env.ref(
            "pos_serial_tracking.serial_loss_report_print"
        ).report_action(self)
