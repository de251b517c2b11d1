from odoo import models

from ..tools.serial_event import SerialEvent
from ..tools.serial_import_paths import IMPORT_BATCH
from .stock_quant import EVENTS_BY_CALLER

# in the context: the document an inventory adjustment or a scrap is made for (a serial
# count, a recall), as the values of its serial events (res_model, res_id, reference,
# note): the events of its moves name it instead of the move
EVENT_DOCUMENT = "serial_event_document"


class StockMove(models.Model):
    _inherit = "stock.move"

    def _action_done(self, cancel_backorder=False):
        if self.env.context.get(IMPORT_BATCH):
            # an import's receipt (its ORM path): the import appends the events
            moves = super(
                StockMove, self.with_context(**{EVENTS_BY_CALLER: True})
            )._action_done(cancel_backorder=cancel_backorder)
            return moves.with_env(self.env)
        # refuse early, with the serial's own words, what the lifecycle forbids (selling
        # a sold or stolen unit...); the claim itself is made after, under lock
        self.env["stock.lot"]._check_serial_events(self._serial_events())
        # the quants these moves change must not record the events again
        moves = super(
            StockMove, self.with_context(**{EVENTS_BY_CALLER: True})
        )._action_done(cancel_backorder=cancel_backorder)
        moves = moves.with_env(self.env)
        self.env["stock.lot"]._apply_serial_events(moves._serial_events(done=True))
        return moves

    def _serial_events(self, done=False):
        """The lifecycle events of these moves' serials (received, sold, returned,
        moved, scrapped...: see serial_lifecycle), from where each unit goes."""
        events = []
        claimed_by = set(self.env.context.get("serial_pos_line_ids") or ())
        document = self.env.context.get(EVENT_DOCUMENT)
        for move in self.filtered(lambda m: m.has_tracking == "serial"):
            if done and move.state != "done":
                continue
            picking = move.picking_id
            source = (
                picking._serial_event_values()
                if picking
                else {
                    "res_model": "stock.move",
                    "res_id": move.id,
                    "reference": move.origin or move.reference,
                    "note": move.reference if move.origin else None,
                }
            )
            if document and (move.is_inventory or move.scrapped):
                source = {"note": None, **document}
            for line in move.move_line_ids.filtered(
                lambda ml: ml.lot_id and ml.quantity
            ):
                if line.lot_id.pos_claim_line_id.id in claimed_by:
                    continue  # the POS sync already recorded this sale or refund
                events.append(
                    SerialEvent(
                        line.lot_id,
                        line._serial_event(),
                        partner_id=(picking.partner_id or move.partner_id).id or None,
                        location_id=line.location_id.id,
                        location_dest_id=line.location_dest_id.id,
                        **source,
                    )
                )
        return events
