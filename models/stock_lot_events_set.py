"""One event for many serials, set-based: what stock.lot._apply_serial_events does for
the same event on each serial (a recall's activation, a manager's action on one
unit or on a thousand), in one statement whatever their number, run by a database
function whose plan PostgreSQL keeps (one round trip, no planning): the serials' rows
and their heads locked (in id order), the lines appended with their hashes computed
by PostgreSQL with the verifier's own expression (serial.audit.line's
_insert_chained_sql, tools/serial_event_sql.py), the heads and the serials' states
written, all or nothing. Used only while no other module overrides a step it stands
in for (the lines' values, the next state, the locks, the serials' rows): otherwise
_apply_serial_events runs its steps, and the module's code with them."""

from odoo import api, fields, models
from odoo.exceptions import UserError

from ..tools import serial_lifecycle as lifecycle
from ..tools.serial_event import PROTECTED_FIELDS, STATE_KEYS, SerialEvent
from .serial_recall_line import TRACKED_EVENTS
from .stock_lot_events import _overridden

# the steps of _apply_serial_events the set-based path stands in for
SET_PATH_STANDS_IN_FOR = (
    "_lock_serials_and_heads",
    "_lock_serials",
    "_lock_serial_heads",
    "_serial_next_state",
    "_serial_audit_values",
    "_write_serial_states",
    "_serial_states_sql",
)
# from this many serials on: the statement is a database function whose plan is
# kept, so that even one serial's change is one round trip without planning
SET_PATH_MIN_SERIALS = 1
# what an event applied set-based may not give (a partner's pseudonym, a sale, a
# claim: the sales and returns keep the step by step path)
NOT_SET_BASED = ("partner_id", "pos_claim_line_id")


class StockLot(models.Model):
    _inherit = "stock.lot"

    def _apply_serial_event_to_all(self, event, **values):
        """The event `event` (a key of the lifecycle's EVENTS) for every serial of
        these, with the same `values` (SerialEvent's fields but the lot: the
        document, the reference, a note, locations...): the same as
        _apply_serial_events([SerialEvent(lot, event, **values) for lot in self]),
        set-based when it can be. May be overridden."""
        self._apply_serial_events(
            [SerialEvent(lot, event, **values) for lot in self.browse(self._ids)]
        )

    @api.model
    def _serial_event_set_path(self, events):
        """Whether the SerialEvent `events` are applied set-based: one event for at
        least SET_PATH_MIN_SERIALS distinct serials, with the same values, none of
        NOT_SET_BASED, and no other module overrides a step the set-based path
        stands in for."""
        first = events[0]
        if (
            len(events) < SET_PATH_MIN_SERIALS
            or first.event in lifecycle.OWNER_EVENTS
            or any(getattr(first, name) for name in NOT_SET_BASED)
            or lifecycle.next_state(first.event, "in_stock") is lifecycle.RESTORE
            or any(_overridden(self, method) for method in SET_PATH_STANDS_IN_FOR)
        ):
            return False
        template = _values(first)
        lot_ids = {event.lot.id for event in events}
        return len(lot_ids) == len(events) and all(
            _values(event) == template for event in events[1:]
        )

    @api.model
    def _apply_serial_events_set(self, events):
        """Apply the SerialEvent `events` (_serial_event_set_path: one event, the
        same values, distinct serials) in one statement; the refusal of the first
        serial the lifecycle refuses, nothing written."""
        sample = events[0]
        lot_ids = sorted(event.lot.id for event in events)
        # where each state leads (the lifecycle's own step); a refused state has none
        targets = {}
        for state in STATE_KEYS:
            target = lifecycle.next_state(sample.event, state)
            if target is lifecycle.RESTORE:
                return False  # each unit back to its own state: step by step
            if target is None:
                continue  # refused from this state (its message only if needed)
            try:
                targets[state] = self._serial_next_state(sample, state, "")
            except UserError:
                continue
        self.browse(lot_ids).flush_recordset()
        self.browse(lot_ids).invalidate_recordset(["audit_line_ids"])
        refused = self.env["serial.audit.line"]._insert_chained_sql(
            {
                "ids": lot_ids,
                "old_states": [old or None for old in targets],
                "new_states": [new or None for new in targets.values()],
                "company_id": self.env.company.id,
                "event": sample.event,
                "user_id": self.env.uid,
                "date": fields.Datetime.to_string(fields.Datetime.now()),
                "res_model": sample.res_model,
                "res_id": sample.res_id,
                "reference": sample.reference,
                "pos_config_id": sample.pos_config_id,
                "location_id": sample.location_id,
                "location_dest_id": sample.location_dest_id,
                "note": sample.note,
            }
        )
        for event in events if refused else ():  # the first refused: its refusal
            if event.lot.id in refused:
                name, state = refused[event.lot.id]
                self._serial_next_state(sample, state or False, name)
                raise UserError(self._serial_refusal_message(sample.event, name, state))
        lots = self.browse(lot_ids)
        lots.invalidate_recordset(list(PROTECTED_FIELDS))
        lots.modified(["serial_state"])
        if sample.event in TRACKED_EVENTS:
            self.env["serial.recall.line"]._track_serial_events(events)
        return True


def _values(event):
    """The SerialEvent `event`'s values but its serial."""
    return (
        event.event,
        event.res_model,
        event.res_id,
        event.reference,
        event.pos_config_id,
        event.location_id,
        event.location_dest_id,
        event.note,
        event.new_state,
    )
