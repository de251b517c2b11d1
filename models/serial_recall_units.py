"""The units' side of a recall, called by serial.recall's methods: recalling the units
in our hands at activation, reading which units a recall holds, and releasing or
scrapping them at closing. Not a model: plain functions taking the recall; every state
change goes through stock.lot._apply_serial_events with the recall as the document."""

from ..tools.serial_event import SerialEvent
from .stock_move import EVENT_DOCUMENT


def held_lots(recall, lots=None):
    """The units (among `lots`) this recall holds: recalled now, by an event of
    this recall (activation, or a unit coming back), read in their history."""
    recall.env["stock.lot"].flush_model(["serial_state"])
    recall.env.cr.execute(
        """SELECT DISTINCT event.lot_id FROM serial_audit_line event
             JOIN stock_lot lot ON lot.id = event.lot_id
            WHERE event.res_id = %s AND event.res_model = 'serial.recall'
              AND event.event = 'recalled' AND lot.serial_state = 'recalled'
              AND (%s OR event.lot_id = ANY(%s))""",
        [recall.id, lots is None, lots.ids if lots is not None else []],
    )
    return recall.env["stock.lot"].browse([row[0] for row in recall.env.cr.fetchall()])


def activate_units(recall):
    """Recall the units in stock or returned, in one batch of events; the units
    sold wait for their notice (unreachable without a customer). Returns (units
    recalled, units at customers to notify)."""
    recall.env.flush_all()
    cr = recall.env.cr
    cr.execute(
        """SELECT line.lot_id FROM serial_recall_line line
             JOIN stock_lot lot ON lot.id = line.lot_id
            WHERE line.recall_id = %s
              AND lot.serial_state IN ('in_stock', 'returned')
            ORDER BY line.lot_id""",
        [recall.id],
    )
    lot_ids = [row[0] for row in cr.fetchall()]
    Lot = recall.env["stock.lot"]
    document = dict(recall._event_document(), note=recall.reason)
    Lot._apply_serial_events(
        [SerialEvent(Lot.browse(lot_id), "recalled", **document) for lot_id in lot_ids]
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
        [recall.id, recall.id],
    )
    recall.env["serial.recall.line"].invalidate_model()
    to_notify = recall.env["serial.recall.line"].search_count(
        [("recall_id", "=", recall.id), ("outreach_state", "=", "to_notify")]
    )
    return len(lot_ids), to_notify


def release_units(recall, lines, reason):
    """Back to the state each unit had before this recall recalled it; a unit that
    another active recall lists too stays recalled, by that recall (the earliest)."""
    lots = lines.lot_id
    lots._check_serial_restorable("recall_closed")
    Lot = recall.env["stock.lot"]
    document = dict(recall._event_document(), note=reason or recall.reason)
    Lot._apply_serial_events(
        [SerialEvent(lot, "recall_closed", **document) for lot in lots]
    )
    successors = other_active_recalls(recall, lots)
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


def other_active_recalls(recall, lots):
    """{lot id: the earliest other active recall listing that unit}."""
    recall.env["serial.recall.line"].flush_model(["recall_id", "lot_id"])
    recall.env["serial.recall"].flush_model(["state"])
    recall.env.cr.execute(
        """SELECT DISTINCT ON (line.lot_id) line.lot_id, line.recall_id
             FROM serial_recall_line line
             JOIN serial_recall other ON other.id = line.recall_id
            WHERE line.lot_id = ANY(%s) AND other.state = 'active'
              AND other.id <> %s
            ORDER BY line.lot_id, other.id""",
        [lots.ids, recall.id],
    )
    Recall = recall.env["serial.recall"]
    return {
        lot_id: Recall.browse(other_id) for lot_id, other_id in recall.env.cr.fetchall()
    }


def scrap_units(recall, lines, reason):
    """Scrap the units: those in stock through a stock scrap from where they are
    (the stock follows), the others by their event alone."""
    document = dict(recall._event_document(), note=reason or recall.reason)
    scraps = recall.env["stock.scrap"]
    not_in_stock = recall.env["stock.lot"]
    for line in lines:
        quants = line.lot_id.sudo().quant_ids.filtered(
            lambda quant: quant.quantity > 0 and quant.location_id.usage == "internal"
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
                "company_id": recall.company_id.id,
                "origin": recall.name,
            }
        )
    scraps.with_context(**{EVENT_DOCUMENT: document}).do_scrap()
    recall.env["stock.lot"]._apply_serial_events(
        [SerialEvent(lot, "scrapped", **document) for lot in not_in_stock]
    )
