"""The units' side of a recall: recalling the units in our hands at activation,
reading which units a recall holds, and releasing or scrapping them at closing.
serial.recall's methods, each overridable with super(); every state change goes
through stock.lot._apply_serial_events with the recall as the document."""

from odoo import models

from ..tools.serial_event import SerialEvent
from ..tools.serial_recall_sql import RecallActivation
from .stock_move import EVENT_DOCUMENT


class SerialRecall(models.Model):
    _inherit = "serial.recall"

    def _held_lots(self, lots=None):
        """The units (stock.lot, among `lots` when given) this recall holds: recalled
        now, by an event of this recall (activation, or a unit coming back), read in
        their history. May be overridden."""
        self.ensure_one()
        self.env["stock.lot"].flush_model(["serial_state"])
        self.env.cr.execute(
            """SELECT DISTINCT event.lot_id FROM serial_audit_line event
                 JOIN stock_lot lot ON lot.id = event.lot_id
                WHERE event.res_id = %s AND event.res_model = 'serial.recall'
                  AND event.event = 'recalled' AND lot.serial_state = 'recalled'
                  AND (%s OR event.lot_id = ANY(%s))""",
            [self.id, lots is None, lots.ids if lots is not None else []],
        )
        return self.env["stock.lot"].browse([row[0] for row in self.env.cr.fetchall()])

    def _activate_units(self):
        """Recall the units in stock or returned, in one batch of events; the units
        sold wait for their notice (unreachable without a customer). Returns a
        RecallActivation (units recalled, units at customers to notify). May be
        overridden."""
        self.ensure_one()
        self.env.flush_all()
        cr = self.env.cr
        cr.execute(
            """SELECT line.lot_id FROM serial_recall_line line
                 JOIN stock_lot lot ON lot.id = line.lot_id
                WHERE line.recall_id = %s
                  AND lot.serial_state IN ('in_stock', 'returned')
                ORDER BY line.lot_id""",
            [self.id],
        )
        lot_ids = [row[0] for row in cr.fetchall()]
        document = dict(self._event_document(), note=self.reason)
        # one event for every unit: set-based (stock_lot_events_set.py)
        self.env["stock.lot"].browse(lot_ids)._apply_serial_event_to_all(
            "recalled", **document
        )
        # the locate set the customers' units to notify: only the units sold, or no
        # longer sold, since then change
        cr.execute(
            """UPDATE serial_recall_line line
                  SET partner_id = CASE WHEN lot.serial_state = 'sold'
                                        THEN lot.serial_partner_id END,
                      outreach_state = CASE
                          WHEN lot.serial_state <> 'sold' THEN NULL
                          WHEN lot.serial_partner_id IS NULL THEN 'unreachable'
                          ELSE 'to_notify' END
                 FROM stock_lot lot
                WHERE lot.id = line.lot_id AND line.recall_id = %s
                  AND (lot.serial_state = 'sold') <> (line.outreach_state IS NOT NULL)
                   OR lot.id = line.lot_id AND line.recall_id = %s
                  AND lot.serial_state = 'sold'
                  AND lot.serial_partner_id IS DISTINCT FROM line.partner_id""",
            [self.id, self.id],
        )
        self.env["serial.recall.line"].invalidate_model()
        to_notify = self.env["serial.recall.line"].search_count(
            [("recall_id", "=", self.id), ("outreach_state", "=", "to_notify")]
        )
        return RecallActivation(recalled=len(lot_ids), to_notify=to_notify)

    def _release_units(self, lines, reason):
        """Back to the state each unit of `lines` (serial.recall.line) had before this
        recall recalled it; a unit that another active recall lists too stays
        recalled, by that recall (the earliest, _other_active_recalls). May be
        overridden."""
        self.ensure_one()
        lots = lines.lot_id
        lots._check_serial_restorable("recall_closed")
        Lot = self.env["stock.lot"]
        document = dict(self._event_document(), note=reason or self.reason)
        Lot._apply_serial_events(
            [SerialEvent(lot, "recall_closed", **document) for lot in lots]
        )
        successors = self._other_active_recalls(lots)
        Lot._apply_serial_events(
            [
                SerialEvent(
                    Lot.browse(lot_id),
                    "recalled",
                    **successor._event_document(),
                    note=successor.reason,
                )
                for lot_id, successor in successors.items()
            ]
        )

    def _other_active_recalls(self, lots):
        """{lot id: the earliest other active recall listing that unit}, for the
        `lots` (stock.lot). May be overridden."""
        self.ensure_one()
        self.env["serial.recall.line"].flush_model(["recall_id", "lot_id"])
        self.flush_model(["state"])
        self.env.cr.execute(
            """SELECT DISTINCT ON (line.lot_id) line.lot_id, line.recall_id
                 FROM serial_recall_line line
                 JOIN serial_recall other ON other.id = line.recall_id
                WHERE line.lot_id = ANY(%s) AND other.state = 'active'
                  AND other.id <> %s
                ORDER BY line.lot_id, other.id""",
            [lots.ids, self.id],
        )
        return {
            lot_id: self.browse(other_id) for lot_id, other_id in self.env.cr.fetchall()
        }

    def _scrap_units(self, lines, reason):
        """Scrap the units of `lines` (serial.recall.line): those in stock through a
        stock scrap from where they are (the stock follows), the others by their
        event alone. May be overridden."""
        self.ensure_one()
        document = dict(self._event_document(), note=reason or self.reason)
        scraps = self.env["stock.scrap"]
        not_in_stock = self.env["stock.lot"]
        for line in lines:
            quants = line.lot_id.sudo().quant_ids.filtered(
                lambda quant: (
                    quant.quantity > 0 and quant.location_id.usage == "internal"
                )
            )
            if not quants:
                not_in_stock |= line.lot_id
                continue
            scraps |= scraps.sudo().create(
                {
                    "product_id": line.lot_id.product_id.id,
                    "lot_id": line.lot_id.id,
                    "scrap_qty": 1,
                    "location_id": quants[0].location_id.id,
                    "company_id": self.company_id.id,
                    "origin": self.name,
                }
            )
        scraps.with_context(**{EVENT_DOCUMENT: document}).do_scrap()
        self.env["stock.lot"]._apply_serial_events(
            [SerialEvent(lot, "scrapped", **document) for lot in not_in_stock]
        )
