from odoo import api, fields, models


class SerialConflictResolve(models.TransientModel):
    """A Serial Manager picks the serial that was really sold (or brought back) on a
    conflicting line."""

    _name = "serial.conflict.resolve"
    _description = "Pick the Right Serial for a Conflict"

    conflict_id = fields.Many2one("serial.conflict", required=True, readonly=True)
    product_id = fields.Many2one(related="conflict_id.product_id")
    lot_domain = fields.Binary(compute="_compute_lot_domain")
    lot_id = fields.Many2one(
        "stock.lot",
        string="Serial Sold",
        required=True,
        domain="lot_domain",
        help="For a sale: a sellable unit of the shop's stock. For a refund: the sold "
        "unit the customer brought back.",
    )

    @api.depends("conflict_id")
    def _compute_lot_domain(self):
        for wizard in self:
            wizard.lot_domain = (
                wizard.conflict_id._pick_lot_domain() if wizard.conflict_id else []
            )

    def action_confirm(self):
        # the conflict checks the caller and the serial: this method is reachable over
        # RPC with any serial
        action = self.conflict_id._resolve_with_lot(self.lot_id)
        return action or {"type": "ir.actions.act_window_close"}
