from odoo import models


class StockPicking(models.Model):
    _inherit = "stock.picking"

    def _serial_event_values(self):
        """What a serial's history says about this transfer: the business document the
        customer knows (the POS order, the sale order) and, for the POS, the till."""
        self.ensure_one()
        order = self.pos_order_id or self.env["pos.order"].browse(
            self.env.context.get("serial_pos_order_id")
        )
        if order:
            return {
                "res_model": "pos.order",
                "res_id": order.id,
                "reference": order.name,
                "pos_config_id": order.config_id.id,
                "note": self.name,
            }
        return {
            "res_model": "stock.picking",
            "res_id": self.id,
            "reference": self.origin or self.name,
            "note": self.name if self.origin else None,
        }
