from odoo.addons.pos_serial_tracking.tools.serial_audit_hash import (
    STORED_FIELDS,
    hash_row,
)
from odoo.addons.pos_serial_tracking.tools.serial_event import SerialEvent

from .common import SerialTrackingCommon

# what differs between two lines of the same event on two serials
OWN_FIELDS = {"lot_id", "lot_name", "note", "date", "previous_hash", "hash"}


class TestSerialEventSetPath(SerialTrackingCommon):
    """One event on many serials is written in one statement (the lines hashed by
    PostgreSQL): the lines, heads and states are those the step by step path writes,
    and a refusal writes nothing."""

    def test_which_events_go_set_based(self):
        lots = self._receive_serials(self.phone, [f"SET-P{n}" for n in range(100)])
        Lot = self.env["stock.lot"]
        events = [SerialEvent(lot, "marked_lost", note="Shelf") for lot in lots]
        self.assertTrue(Lot._serial_event_set_path(events))
        # one serial too: the statement is a function whose plan PostgreSQL keeps
        self.assertTrue(Lot._serial_event_set_path(events[:1]))
        events[5] = SerialEvent(lots[5], "marked_lost", note="Other")
        self.assertFalse(Lot._serial_event_set_path(events))  # not the same
        sales = [SerialEvent(lot, "sold") for lot in lots]
        self.assertFalse(Lot._serial_event_set_path(sales))  # a sale: step by step
        lots.with_user(self.serial_manager)._mark_serial_state("marked_lost", "Gone")
        self.assertEqual(set(lots.mapped("serial_state")), {"lost"})
        self.assertFalse(self.env["serial.audit.line"].verify_chain())

    def _lines(self, lots):
        return self.env["serial.audit.line"].search(
            [("lot_id", "in", lots.ids)], order="lot_id, chain_index"
        )

    def _values(self, line):
        return {
            name: (value.id if hasattr(value, "_name") else value)
            for name in (*STORED_FIELDS, "previous_hash", "hash")
            for value in [line[name]]
        }

    def test_same_lines_states_and_heads_as_the_step_path(self):
        fast = self._receive_serials(self.phone, ["SET-F1", "SET-F2"])
        slow = self._receive_serials(self.phone, ["SET-S1", "SET-S2"])
        Lot = self.env["stock.lot"].with_user(self.serial_manager)
        fast_events = [SerialEvent(lot, "marked_lost", note="Shelf") for lot in fast]
        # the same event with a note of its own per serial: step by step
        slow_events = [
            SerialEvent(lot, "marked_lost", note=f"Shelf {lot.name}") for lot in slow
        ]
        # the set-based path (a recall's activation, a manager's change)
        self.assertTrue(Lot._apply_serial_events_set(fast_events))
        Lot._apply_serial_events(slow_events)

        self.assertEqual(fast.mapped("serial_state"), ["lost", "lost"])
        self.assertEqual(slow.mapped("serial_state"), ["lost", "lost"])
        fast_lines = self._lines(fast).filtered(lambda l: l.event == "marked_lost")
        slow_lines = self._lines(slow).filtered(lambda l: l.event == "marked_lost")
        self.assertEqual(len(fast_lines), 2)
        for fast_line, slow_line in zip(fast_lines, slow_lines, strict=True):
            fast_values, slow_values = (
                self._values(fast_line),
                self._values(slow_line),
            )
            self.assertEqual(
                {k: v for k, v in fast_values.items() if k not in OWN_FIELDS},
                {k: v for k, v in slow_values.items() if k not in OWN_FIELDS},
            )
            self.assertEqual(fast_line.user_id, self.serial_manager)
            self.assertEqual(fast_line.note, "Shelf")
            # hashed by PostgreSQL as Python hashes, chained to the previous line
            row = dict(fast_values, date=str(fast_line.date))
            self.assertEqual(fast_line.hash, hash_row(fast_line.previous_hash, row))
            previous = self._lines(fast_line.lot_id).filtered(
                lambda l, line=fast_line: l.chain_index == line.chain_index - 1
            )
            self.assertEqual(fast_line.previous_hash, previous.hash)
            head = self.env["serial.audit.head"].search(
                [("lot_id", "=", fast_line.lot_id.id)]
            )
            self.assertEqual(
                (head.length, head.hash), (fast_line.chain_index, fast_line.hash)
            )
        self.assertFalse(self.env["serial.audit.line"].verify_chain())
        # the state's dependents follow (the actions a manager may take)
        self.assertIn("found", fast[0].serial_allowed_events)

    def test_refusal_writes_nothing(self):
        lots = self._receive_serials(self.phone, ["SET-R1", "SET-R2"])
        lots[1].with_user(self.serial_manager)._mark_serial_state(
            "marked_stolen", "Gone"
        )
        before = self._lines(lots)
        events = [SerialEvent(lot, "marked_stolen", note="Again") for lot in lots]
        with self.assertRefused("Serial SET-R2 is in state Stolen"):
            self.env["stock.lot"].with_user(
                self.serial_manager
            )._apply_serial_events_set(events)
        lots.invalidate_recordset()
        self.assertEqual(lots.mapped("serial_state"), ["in_stock", "stolen"])
        self.assertEqual(self._lines(lots), before)
