"""The engine behind `stock.lot._apply_serial_events`, the one way a serial's state
changes. Not a model: plain functions taking the environment (or the serials), called
through stock.lot's methods; the lifecycle table it checks events against is in
serial_lifecycle.py, the hash chain it appends to in serial.audit.line.

apply_events locks the serials' rows (in id order: no deadlock) and their history
heads, checks each event against the lifecycle from the state in the database, appends
the hash-chained audit lines (serial.audit.line._insert_chained), and writes the new
states in one compare-and-set UPDATE, in SQL: the fields of PROTECTED_FIELDS are never
written through write().

Two transactions changing one serial: the second waits for the first, then fails with a
serialization error and is replayed by Odoo, seeing the committed state; so a serial can
never be sold twice, whatever the path. A refused event raises UserError, naming the
serial and what to do (refusal_message)."""

from odoo import fields
from odoo.exceptions import UserError
from odoo.tools import SQL

from ..tools import serial_lifecycle as lifecycle

# written only by apply_events, in SQL, never through write()
PROTECTED_FIELDS = {
    "serial_state",
    "serial_partner_id",
    "serial_sale_date",
    "serial_source_ref",
    "warranty_start_date",
    "pos_claim_line_id",
    "import_batch_id",
}


def apply_events(env, events):
    """Apply `events` (SerialEvent, see stock.lot._apply_serial_events) as env's
    user."""
    if not events:
        return
    cr = env.cr
    lot_ids = sorted({event.lot.id for event in events})
    env["stock.lot"].browse(lot_ids).flush_recordset()
    cr.execute(
        """SELECT id, name, product_id, company_id, serial_state FROM stock_lot
            WHERE id = ANY(%s) ORDER BY id FOR NO KEY UPDATE""",
        [lot_ids],
    )
    current = {row[0]: row for row in cr.fetchall()}
    states = {lot_id: row[4] or False for lot_id, row in current.items()}
    # the heads are locked too: an event that keeps the state (a conflict, a
    # blocked attempt, a move) changes no lot row, so only the head a concurrent
    # transaction moved makes this one fail to serialize (and Odoo replay it)
    # instead of colliding on the chain's unique index
    cr.execute(
        """SELECT lot_id, length, hash FROM serial_audit_head
            WHERE lot_id = ANY(%s) ORDER BY lot_id FOR NO KEY UPDATE""",
        [lot_ids],
    )
    heads = dict.fromkeys(lot_ids, (0, None))
    heads.update({lot_id: (length, digest) for lot_id, length, digest in cr.fetchall()})
    env["stock.lot"].browse(lot_ids).invalidate_recordset(["audit_line_ids"])
    sales, claims = {}, {}
    now = fields.Datetime.to_string(fields.Datetime.now())
    rows = []
    for event in events:
        lot_id = event.lot.id
        _id, name, product_id, company_id, _state = current[lot_id]
        company_id = company_id or env.company.id
        old_state = states[lot_id]
        new_state = next_state(env, event, name, old_state)
        states[lot_id] = new_state
        if event.event == "sold":
            sales[lot_id] = (event.partner_id, now, event.reference)
        if event.pos_claim_line_id:
            claims[lot_id] = event.pos_claim_line_id
        rows.append(
            {
                "lot_id": lot_id,
                "lot_name": name,
                "product_id": product_id,
                "company_id": company_id,
                "event": event.event,
                "old_state": old_state or None,
                "new_state": new_state or None,
                "user_id": env.uid,
                "date": now,
                "res_model": event.res_model,
                "res_id": event.res_id,
                "reference": event.reference,
                "partner_id": event.partner_id,
                "pos_config_id": event.pos_config_id,
                "location_id": event.location_id,
                "location_dest_id": event.location_dest_id,
                "note": event.note,
            }
        )
    env["serial.audit.line"]._insert_chained(heads, rows)
    changed = [
        lot_id
        for lot_id in lot_ids
        if lot_id in sales
        or lot_id in claims
        or states[lot_id] != (current[lot_id][4] or False)
    ]
    if not changed:
        return
    cr.execute(
        SQL(
            """UPDATE stock_lot lot
              SET serial_state = v.state,
                  serial_partner_id = CASE WHEN v.sold THEN v.partner
                                           ELSE lot.serial_partner_id END,
                  serial_sale_date = CASE WHEN v.sold THEN v.sale_date
                                          ELSE lot.serial_sale_date END,
                  serial_source_ref = CASE WHEN v.sold THEN v.source
                                           ELSE lot.serial_source_ref END,
                  warranty_start_date = CASE WHEN v.sold THEN v.sale_date::date
                                             ELSE lot.warranty_start_date END,
                  pos_claim_line_id = COALESCE(v.claim, lot.pos_claim_line_id)
             FROM (VALUES %s)
                  AS v(id, state, sold, partner, sale_date, source, claim)
            WHERE lot.id = v.id""",
            SQL(", ").join(
                SQL(
                    "(%s, %s::varchar, %s, %s::int, %s::timestamp, %s::varchar, "
                    "%s::int)",
                    lot_id,
                    states[lot_id] or None,
                    lot_id in sales,
                    *(sales.get(lot_id) or (None, None, None)),
                    claims.get(lot_id),
                )
                for lot_id in changed
            ),
        )
    )
    lots = env["stock.lot"].browse(changed)
    lots.invalidate_recordset(list(PROTECTED_FIELDS))
    # what depends on the state (the actions a manager may take) follows it
    lots.modified(["serial_state"])
    # only a sale sets the warranty's start (its end is computed from it)
    lots.browse([lot_id for lot_id in changed if lot_id in sales]).modified(
        ["warranty_start_date"]
    )


def check_events(env, events):
    """Raise the lifecycle's refusal for the first event not allowed from the serial's
    current state, without locking (the lock is taken when the events are applied)."""
    states = {}
    for event in events:
        lot = event.lot
        state = states.get(lot.id, lot.serial_state or False)
        states[lot.id] = next_state(env, event, lot.name, state)


def next_state(env, event, name, old_state):
    """The state of serial `name` after `event` from `old_state`, or the UserError
    refusing it."""
    target = lifecycle.next_state(event.event, old_state)
    if target is None:
        raise UserError(refusal_message(env, event.event, name, old_state))
    if target is lifecycle.KEEP:
        return old_state
    if target is lifecycle.RESTORE:
        return state_before(env, event.lot, lifecycle.RESTORED_FROM[event.event])
    choices = target if isinstance(target, tuple) else (target,)
    if event.has_new_state:
        if (event.new_state or False) not in choices:
            raise UserError(refusal_message(env, event.event, name, old_state))
        return event.new_state or False
    return choices[0]


def state_before(env, lot, events):
    """The state a serial had before the latest of `events` (what found, repair out
    and recall closed go back to)."""
    env.cr.execute(
        """SELECT old_state FROM serial_audit_line
            WHERE lot_id = %s AND event = ANY(%s)
            ORDER BY chain_index DESC LIMIT 1""",
        [lot.id, list(events)],
    )
    row = env.cr.fetchone()
    return (row and row[0]) or False


def check_restorable(lots, event):
    """Found / recall closed put a unit back in the state it had: refuse when that
    state no longer agrees with where the unit is (an inventory adjustment removed
    it)."""
    for lot in lots:
        back_to = state_before(lots.env, lot, lifecycle.RESTORED_FROM[event])
        in_stock = any(
            quant.quantity > 0 and quant.location_id.usage == "internal"
            for quant in lot.sudo().quant_ids
        )
        if back_to != "sold" and not in_stock:
            raise UserError(
                lots.env._(
                    "Serial %(serial)s is no longer in stock: receive it with an "
                    "inventory adjustment, which records it as found.",
                    serial=lot.name,
                )
            )


def refusal_message(env, event, name, state):
    """Why `event` is refused for serial `name` in `state`, and what to do."""
    Lot = env["stock.lot"]
    state_label = Lot._state_label(state)
    if event == "sold" and state == "sold":
        return env._(
            "Serial %(serial)s is already sold. A unit can be sold only once: "
            "check the serial on the unit, or refund the earlier sale first.",
            serial=name,
        )
    if event == "sold" and not state:
        return env._(
            "Serial %(serial)s is registered but was never received into stock: "
            "it cannot be sold. Ask an inventory user to receive it first.",
            serial=name,
        )
    if event == "sold" and state in ("lost", "stolen", "recalled", "scrapped"):
        return env._(
            "Serial %(serial)s is in state %(state)s and cannot be sold. Keep the "
            "unit aside and call a Serial Manager.",
            serial=name,
            state=state_label,
        )
    return env._(
        "Serial %(serial)s is in state %(state)s, which does not allow the event "
        "%(event)s. Check the serial, or ask a Serial Manager to correct its state "
        "first.",
        serial=name,
        state=state_label,
        event=Lot._event_label(event),
    )
