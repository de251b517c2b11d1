from ..tools.serial_event import SerialEvent
from .common import SerialPosSyncCommon, SerialTrackingCommon


class TestSerialEventValues(SerialTrackingCommon):
    """A serial event is a SerialEvent, checked where it is made; a dict is still
    applied (integrators' code), an unknown key refused."""

    def test_unknown_event_or_key_is_refused_where_made(self):
        lot = self._receive_serials(self.phone, ["EVT-1"])
        with self.assertRaisesRegex(
            ValueError, "Unknown serial event 'sould' for serial EVT-1: use one of"
        ):
            SerialEvent(lot, "sould")
        with self.assertRaisesRegex(
            ValueError, "names its document by res_model and res_id together"
        ):
            SerialEvent(lot, "moved", res_model="stock.picking")
        with self.assertRaisesRegex(ValueError, "one stock.lot record as its lot"):
            SerialEvent(self.phone, "moved")
        with self.assertRaisesRegex(ValueError, "Unknown serial state 'broken'"):
            SerialEvent(lot, "imported", new_state="broken")
        with self.assertRaisesRegex(
            ValueError, r"Unknown key\(s\) 'comment' in a serial event: use"
        ):
            lot._apply_serial_events(
                [{"lot": lot, "event": "marked_lost", "comment": "Not found"}]
            )
        with self.assertRaisesRegex(ValueError, "A serial event needs event"):
            lot._apply_serial_events([{"lot": lot, "note": "Not found"}])
        self.assertEqual(lot.serial_state, "in_stock")
        self.assertEqual(self._history(lot)[-1][0], "received")

    def test_dict_still_applied(self):
        lot = self._receive_serials(self.phone, ["EVT-2"])
        as_manager = lot.with_user(self.serial_manager)
        as_manager._apply_serial_events(
            [{"lot": lot, "event": "marked_lost", "note": "Not found at the count"}]
        )
        self.assertEqual(lot.serial_state, "lost")
        as_manager._apply_serial_events([SerialEvent(lot, "found", note="Shelf 4")])
        self.assertEqual(lot.serial_state, "in_stock")
        line = lot.audit_line_ids.sorted("chain_index")[-2]
        self.assertEqual(
            (line.event, line.note, line.user_id),
            ("marked_lost", "Not found at the count", self.serial_manager),
        )


class TestSerialVerdictRuleExtension(SerialPosSyncCommon):
    """A module adding a rule to pos.config._serial_verdict_rules with super(): the
    till refuses the unit with its words, and the sync of a paid order selling it
    keeps the order and records a conflict with its reason."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        from .fake_serial_verdict import PosConfig, SerialConflict

        cls._load_fake_models(PosConfig, SerialConflict)
        # a cashier with Point of Sale: User rights only
        cls.cashier = cls._create_till_user(
            "quarantine_cashier", "base.group_user", "point_of_sale.group_pos_user"
        )

    def setUp(self):
        super().setUp()
        self._open_till(self.cashier)

    def _as_cashier(self, records):
        return records.with_user(self.cashier).with_context(
            allowed_company_ids=self.company.ids
        )

    def test_till_and_sync_honour_the_added_rule(self):
        held = self._receive_serials(self.phone, ["QRT-1"])
        held.ref = "Quarantine 2026-07"
        self._receive_serials(self.phone, ["QRT-2"])
        refused, sold_ok = self._as_cashier(self.config).check_pos_serials(
            self.phone.id, ["QRT-1", "QRT-2"]
        )
        self.assertEqual(
            (refused["ok"], refused["reason"], refused["title"], refused["message"]),
            (
                False,
                "quarantine",
                "Unit in quarantine",
                (
                    "Serial QRT-1 is held in quarantine by quality control: do not "
                    "sell it."
                ),
            ),
        )
        self.assertTrue(sold_ok["ok"])
        data = {**self._order([(self.phone, ["QRT-1"])]), "user_id": self.cashier.id}
        result = self._as_cashier(self.env["pos.order"]).sync_from_ui([data])
        order = self.env["pos.order"].browse(result["pos.order"][0]["id"])
        self.assertEqual(order.state, "paid")
        conflict = (
            self.env["serial.conflict"].sudo().search([("pos_order_id", "=", order.id)])
        )
        self.assertEqual(
            (conflict.reason, conflict.serial, conflict.lot_id),
            ("quarantine", "QRT-1", held),
        )
        self.assertIn("held in quarantine", conflict.message)
        self.assertEqual(held.serial_state, "in_stock")
