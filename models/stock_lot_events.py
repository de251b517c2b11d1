from odoo import _, api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL

from ..tools import serial_lifecycle as lifecycle
from ..tools.serial_event import (
    PROTECTED_FIELDS,
    LockedSerial,
    SerialEvent,
    SerialSale,
    SerialStateWrite,
)
from .serial_recall_line import TRACKED_EVENTS


class StockLot(models.Model):
    """The one way a serial's state changes: `_apply_serial_events`, in steps another
    module overrides with super().

    It locks the serials' rows (in id order: no deadlock) and their history heads,
    checks each event against the lifecycle (tools/serial_lifecycle.py) from the state
    in the database (_serial_next_state), appends one hash-chained audit line per event
    (the values of _serial_audit_values, through serial.audit.line._insert_chained),
    and writes the new states in one compare-and-set UPDATE (_write_serial_states), in
    SQL: the fields of PROTECTED_FIELDS are never written through write().

    Two transactions changing one serial: the second waits for the first, then fails
    with a serialization error and is replayed by Odoo, seeing the committed state; so
    a serial can never be sold twice, whatever the path. A refused event raises
    UserError, naming the serial and what to do (_serial_refusal_message)."""

    _inherit = "stock.lot"

    def _apply_serial_events(self, events):
        """Apply `events`, as the environment's user. `events`: SerialEvent values
        (tools/serial_event.py: the serial, the lifecycle's event, and optionally the
        partner, the document, where the unit went, a note, the state chosen, the POS
        line); a dict with the same keys is still accepted (an unknown key is
        refused). Raises UserError, naming the serial and what to do, when an event is
        not allowed. Override the steps it calls rather than this method: the audit
        line's values (_serial_audit_values), the state an event leads to
        (_serial_next_state), what the serials' rows become (_write_serial_states)."""
        events = [SerialEvent.coerce(event) for event in events]
        if not events:
            return
        # one event on distinct serials: in one statement (stock_lot_events_set.py)
        if self._serial_event_set_path(events) and self._apply_serial_events_set(
            events
        ):
            return
        lot_ids = sorted({event.lot.id for event in events})
        serials, heads = self._lock_serials_and_heads(lot_ids)
        self.browse(lot_ids).invalidate_recordset(["audit_line_ids"])
        states = {lot_id: serial.state for lot_id, serial in serials.items()}
        sales, claims = {}, {}
        now = fields.Datetime.to_string(fields.Datetime.now())
        rows = []
        for event in events:
            serial = serials[event.lot.id]
            old_state = states[serial.id]
            new_state = self._serial_next_state(event, old_state, serial.name)
            states[serial.id] = new_state
            if event.event in lifecycle.OWNER_EVENTS:
                sales[serial.id] = SerialSale(
                    event.partner_id, event.sale_date or now, event.reference
                )
            if event.pos_claim_line_id:
                claims[serial.id] = event.pos_claim_line_id
            rows.append(
                self._serial_audit_values(
                    event, serial, old_state=old_state, new_state=new_state, date=now
                )
            )
        writes = [
            SerialStateWrite(
                lot_id, states[lot_id], sales.get(lot_id), claims.get(lot_id)
            )
            for lot_id in lot_ids
            if lot_id in sales
            or lot_id in claims
            or states[lot_id] != serials[lot_id].state
        ]
        if writes and not _overridden(self, "_write_serial_states"):
            # the lines, the heads and the serials' rows in one statement
            self.env["serial.audit.line"]._insert_chained(
                heads, rows, also=self._serial_states_sql(writes)
            )
            self._serial_states_written(writes)
        else:
            self.env["serial.audit.line"]._insert_chained(heads, rows)
            self._write_serial_states(writes)
        # a recalled unit coming back updates its recall's line (only after the
        # events that can: the others cost nothing)
        if any(event.event in TRACKED_EVENTS for event in events):
            self.env["serial.recall.line"]._track_serial_events(events)

    def _check_serial_events(self, events):
        """Raise the lifecycle's refusal for the first event not allowed from the
        serial's current state, without locking (the lock is taken when the events are
        applied). `events`: as for _apply_serial_events."""
        states = {}
        for event in [SerialEvent.coerce(event) for event in events]:
            lot = event.lot
            state = states.get(lot.id, lot.serial_state or False)
            states[lot.id] = self._serial_next_state(event, state, lot.name)

    @api.model
    def _serial_audit_values(self, event, serial, old_state, new_state, date):
        """The values of the audit line `event` appends to its serial's history:
        a dict of serial.audit.line's stored fields (tools/serial_audit_hash.py's
        STORED_FIELDS but the chain's, the partner as `partner_id`), values as the
        columns store them (ids, strings, the date as Odoo's string).

        `event`: the SerialEvent; `serial`: its LockedSerial (the lot's id, name,
        product and company as read under the lock); `old_state` and `new_state`: the
        serial's state before and after it (False: registered); `date`: the moment
        of the events, Odoo's datetime string. Override it, call super() and add the
        stored fields your module adds to serial.audit.line: they are written on the
        line as given, outside its hash (the chain verifies as before)."""
        return {
            "lot_id": serial.id,
            "lot_name": serial.name,
            "product_id": serial.product_id,
            "company_id": serial.company_id or self.env.company.id,
            "event": event.event,
            "old_state": old_state or None,
            "new_state": new_state or None,
            "user_id": self.env.uid,
            "date": date,
            "res_model": event.res_model,
            "res_id": event.res_id,
            "reference": event.reference,
            "partner_id": event.partner_id,
            "pos_config_id": event.pos_config_id,
            "location_id": event.location_id,
            "location_dest_id": event.location_dest_id,
            "note": event.note,
        }

    @api.model
    def _serial_next_state(self, event, old_state, serial_name):
        """The state of the serial named `serial_name` after the SerialEvent `event`
        from `old_state` (False: registered), as the lifecycle table allows it, or the
        UserError refusing it (_serial_refusal_message)."""
        target = lifecycle.next_state(event.event, old_state)
        if target is None:
            raise UserError(
                self._serial_refusal_message(event.event, serial_name, old_state)
            )
        if target is lifecycle.KEEP:
            return old_state
        if target is lifecycle.RESTORE:
            lot = self.browse(event.lot.id)
            return lot._serial_state_before(lifecycle.RESTORED_FROM[event.event])
        choices = target if isinstance(target, tuple) else (target,)
        if event.has_new_state:
            if (event.new_state or False) not in choices:
                raise UserError(
                    self._serial_refusal_message(event.event, serial_name, old_state)
                )
            return event.new_state or False
        return choices[0]

    @api.model
    def _serial_refusal_message(self, event, serial_name, state):
        """Why the event `event` (a key of the lifecycle's EVENTS) is refused for the
        serial named `serial_name` in `state`, and what to do: a sentence for the
        cashier or the manager."""
        state_label = self._state_label(state)
        if event == "sold" and state == "sold":
            return _(
                "Serial %(serial)s is already sold. A unit can be sold only once: "
                "check the serial on the unit, or refund the earlier sale first.",
                serial=serial_name,
            )
        if event == "sold" and not state:
            return _(
                "Serial %(serial)s is registered but was never received into stock: "
                "it cannot be sold. Ask an inventory user to receive it first.",
                serial=serial_name,
            )
        if event == "sold" and state in ("lost", "stolen", "recalled", "scrapped"):
            return _(
                "Serial %(serial)s is in state %(state)s and cannot be sold. Keep the "
                "unit aside and call a Serial Manager.",
                serial=serial_name,
                state=state_label,
            )
        return _(
            "Serial %(serial)s is in state %(state)s, which does not allow the event "
            "%(event)s. Check the serial, or ask a Serial Manager to correct its state "
            "first.",
            serial=serial_name,
            state=state_label,
            event=self._event_label(event),
        )

    def _serial_state_before(self, events):
        """The state this serial had before the latest of `events` (keys of the
        lifecycle's EVENTS), read from its history: what found, repair out and recall
        closed go back to (False: registered, or no such event)."""
        self.ensure_one()
        self.env.cr.execute(
            """SELECT old_state FROM serial_audit_line
                WHERE lot_id = %s AND event = ANY(%s)
                ORDER BY chain_index DESC LIMIT 1""",
            [self.id, list(events)],
        )
        row = self.env.cr.fetchone()
        return (row and row[0]) or False

    def _check_serial_restorable(self, event):
        """Found / recall closed (`event`) put a unit back in the state it had: raise
        UserError when that state no longer agrees with where one of these units is
        (an inventory adjustment removed it)."""
        for lot in self:
            back_to = lot._serial_state_before(lifecycle.RESTORED_FROM[event])
            in_stock = any(
                quant.quantity > 0 and quant.location_id.usage == "internal"
                for quant in lot.sudo().quant_ids
            )
            if back_to != "sold" and not in_stock:
                raise UserError(
                    _(
                        "Serial %(serial)s is no longer in stock: receive it with an "
                        "inventory adjustment, which records it as found.",
                        serial=lot.name,
                    )
                )

    # --- the locks and the compare-and-set -------------------------------------------
    @api.model
    def _lock_serials_and_heads(self, lot_ids):
        """(_lock_serials, _lock_serial_heads) of the serials `lot_ids` (sorted), in
        one round trip: each serial's row locked in id order, then its head (a head
        is always locked after its serial's row, so that no two transactions wait
        for each other). A module overriding one of the two steps has it called, as
        before."""
        if _overridden(self, "_lock_serials") or _overridden(
            self, "_lock_serial_heads"
        ):
            return self._lock_serials(lot_ids), self._lock_serial_heads(lot_ids)
        self.browse(lot_ids).flush_recordset()
        self.env.cr.execute(
            """WITH lot AS MATERIALIZED (
                   SELECT id, name, product_id, company_id, serial_state
                     FROM stock_lot WHERE id = ANY(%s)
                    ORDER BY id FOR NO KEY UPDATE
               ), head AS MATERIALIZED (
                   SELECT lot_id, length, hash FROM serial_audit_head
                    WHERE lot_id IN (SELECT id FROM lot)
                    ORDER BY lot_id FOR NO KEY UPDATE
               )
               SELECT lot.id, lot.name, lot.product_id, lot.company_id,
                      lot.serial_state, head.length, head.hash
                 FROM lot LEFT JOIN head ON head.lot_id = lot.id""",
            [lot_ids],
        )
        serials = {}
        heads = dict.fromkeys(lot_ids, (0, None))
        for (
            lot_id,
            name,
            product,
            company,
            state,
            length,
            digest,
        ) in self.env.cr.fetchall():
            serials[lot_id] = LockedSerial(
                lot_id, name, product, company, state or False
            )
            if length is not None:
                heads[lot_id] = (length, digest)
        return serials, heads

    @api.model
    def _lock_serials(self, lot_ids):
        """{lot id: LockedSerial} of the serials `lot_ids` (sorted), read from the
        database under a row lock taken in id order (no deadlock): the states the
        events start from."""
        self.browse(lot_ids).flush_recordset()
        self.env.cr.execute(
            """SELECT id, name, product_id, company_id, serial_state FROM stock_lot
                WHERE id = ANY(%s) ORDER BY id FOR NO KEY UPDATE""",
            [lot_ids],
        )
        return {
            lot_id: LockedSerial(lot_id, name, product_id, company_id, state or False)
            for lot_id, name, product_id, company_id, state in self.env.cr.fetchall()
        }

    @api.model
    def _lock_serial_heads(self, lot_ids):
        """{lot id: (length, last hash)} of the histories of the serials `lot_ids`
        (sorted; (0, None) for none yet), locked as serial.audit.line._insert_chained
        takes them. The heads are locked too: an event that keeps the state (a
        conflict, a blocked attempt, a move) changes no lot row, so only the head a
        concurrent transaction moved makes this one fail to serialize (and Odoo replay
        it) instead of colliding on the chain's unique index."""
        self.env.cr.execute(
            """SELECT lot_id, length, hash FROM serial_audit_head
                WHERE lot_id = ANY(%s) ORDER BY lot_id FOR NO KEY UPDATE""",
            [lot_ids],
        )
        heads = dict.fromkeys(lot_ids, (0, None))
        heads.update(
            {
                lot_id: (length, digest)
                for lot_id, length, digest in self.env.cr.fetchall()
            }
        )
        return heads

    @api.model
    def _write_serial_states(self, writes):
        """Write the serials' rows after their events (`writes`: SerialStateWrite) in
        one compare-and-set UPDATE of the rows _lock_serials locked: the state, and
        for a sale its customer, moment, document and the warranty's start; the POS
        line that claimed the unit. Then tell the ORM what changed."""
        if not writes:
            return
        self.env.cr.execute(self._serial_states_sql(writes))
        self._serial_states_written(writes)

    @api.model
    def _serial_states_sql(self, writes):
        """The UPDATE of _write_serial_states (an SQL), for `writes`
        (SerialStateWrite, not empty)."""
        return SQL(
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
                    write.lot_id,
                    write.state or None,
                    write.sale is not None,
                    *(write.sale or (None, None, None)),
                    write.claim_line_id,
                )
                for write in writes
            ),
        )

    @api.model
    def _serial_states_written(self, writes):
        """Tell the ORM what the UPDATE of `writes` (SerialStateWrite) changed."""
        lots = self.browse([write.lot_id for write in writes])
        lots.invalidate_recordset(list(PROTECTED_FIELDS))
        # what depends on the state (the actions a manager may take) follows it
        lots.modified(["serial_state"])
        # only a sale sets the warranty's start (its end is computed from it)
        lots.browse([write.lot_id for write in writes if write.sale]).modified(
            ["warranty_start_date"]
        )


def _overridden(model, method):
    """Whether a module other than this one overrides `method` of stock.lot (its
    step is then called on its own, not folded into a statement of another)."""
    return getattr(type(model), method) is not getattr(StockLot, method)
