from odoo import fields, models

from ..models.serial_recall_line import RESOLUTIONS


class SerialRecallClose(models.TransientModel):
    """Closing a recall: release or scrap every unit it still holds recalled, with the
    reason (required while units still wait for their customer). The recall closes
    itself (serial.recall._close)."""

    _name = "serial.recall.close"
    _description = "Close a Serial Recall"

    recall_id = fields.Many2one("serial.recall", required=True, ondelete="cascade")
    resolution = fields.Selection(
        RESOLUTIONS,
        string="Units Still Recalled",
        required=True,
        default="released",
        help="Released: each unit goes back to the state it had before the recall "
        "(in stock, returned). Scrapped: each unit is scrapped from where it is.",
    )
    open_count = fields.Integer(
        string="Units Waiting for Their Customer", related="recall_id.open_count"
    )
    reason = fields.Text(
        help="Required while units still wait for their customer (to notify, "
        "notified or unreachable). Kept in the units' history: write no personal "
        "data.",
    )

    def action_confirm(self):
        self.ensure_one()
        self.recall_id._close(resolution=self.resolution, reason=self.reason)
        return {"type": "ir.actions.act_window_close"}
