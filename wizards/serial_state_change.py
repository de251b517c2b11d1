from odoo import fields, models

from ..tools.serial_lifecycle import MANAGER_EVENTS


class SerialStateChange(models.TransientModel):
    """A Serial Manager's explicit change of state, with the reason kept in the
    history."""

    _name = "serial.state.change"
    _description = "Change the State of Serials"

    lot_ids = fields.Many2many("stock.lot", string="Serial Numbers", required=True)
    event = fields.Selection(MANAGER_EVENTS, string="Action", required=True)
    reason = fields.Text(
        required=True,
        help="Kept in each serial's history, which can never be changed or erased: "
        "write no personal data (no customer's name).",
    )

    def action_confirm(self):
        self.ensure_one()
        self.lot_ids._mark_serial_state(self.event, self.reason)
        return {"type": "ir.actions.act_window_close"}
