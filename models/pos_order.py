from odoo import models


class PosOrder(models.Model):
    _inherit = "pos.order"

    def _create_order_picking(self):
        # Odoo links the picking to its order only after validating it: tell the serials'
        # history which order (and till) sells them
        return super(
            PosOrder, self.with_context(serial_pos_order_id=self.id)
        )._create_order_picking()
