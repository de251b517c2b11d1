from odoo import fields, models


class SerialConflictResolve(models.TransientModel):
    """A Serial Manager picks the serial that was really sold on a conflicting line."""

    _name = "serial.conflict.resolve"
    _description = "Pick the Right Serial for a Conflict"

    conflict_id = fields.Many2one("serial.conflict", required=True, readonly=True)
    product_id = fields.Many2one(related="conflict_id.product_id")
    lot_id = fields.Many2one(
        "stock.lot",
        string="Serial Sold",
        required=True,
        domain=(
            "[('product_id', '=', product_id), "
            "('serial_state', 'in', ('in_stock', 'returned'))]"
        ),
    )

    def action_confirm(self):
        self.conflict_id._resolve_with_lot(self.lot_id)
        return {"type": "ir.actions.act_window_close"}
