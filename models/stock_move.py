from odoo import models


class StockMove(models.Model):
    _inherit = "stock.move"

    def _action_done(self, cancel_backorder=False):
        moves = super()._action_done(cancel_backorder=cancel_backorder)
        moves._record_serial_events()
        return moves

    def _record_serial_events(self):
        """Every done move of a serial drives its state: received, sold, returned, moved,
        scrapped... (see serial_lifecycle)."""
        events = []
        for move in self.filtered(lambda m: m.state == "done" and m.has_tracking == "serial"):
            for line in move.move_line_ids.filtered(lambda ml: ml.lot_id and ml.quantity):
                event = line._serial_event()
                if not event:
                    continue
                picking = move.picking_id
                events.append({
                    "lot": line.lot_id,
                    "event": event,
                    "partner_id": (picking.partner_id or move.partner_id).id or None,
                    "res_model": "stock.picking" if picking else "stock.move",
                    "res_id": picking.id or move.id,
                    "reference": picking.origin or move.origin or move.reference,
                    "note": move.reference if (picking.origin or move.origin) else None,
                })
        self.env["stock.lot"]._apply_serial_events(events)
