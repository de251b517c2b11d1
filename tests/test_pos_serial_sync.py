from odoo.exceptions import AccessError, UserError

from ..tools.serial_offline_set import OfflineSet
from .common import SerialPosSyncCommon


class TestPosSerialSync(SerialPosSyncCommon):
    """A POS order synced from a till sells its serials like any delivery."""

    def setUp(self):
        super().setUp()
        self.open_new_session()

    def test_paid_order_sells_serial(self):
        lots = self._receive_serials(self.phone, ["SYNC-1", "SYNC-2"])
        customer = self.env["res.partner"].create({"name": "POS customer"})
        order = self._sync(self._order([(self.phone, ["SYNC-1"])], customer=customer))
        self.assertEqual(order.state, "paid")
        self.assertEqual(order.picking_ids.state, "done")
        self.assertEqual(lots[0].serial_state, "sold")
        self.assertEqual(lots[0].serial_partner_id, customer)
        self.assertEqual(lots[1].serial_state, "in_stock")
        sale = lots[0].sudo().audit_line_ids.filtered(lambda line: line.event == "sold")
        self.assertEqual(sale.reference, order.name)
        self.assertEqual(sale.new_state, "sold")
        self.assertEqual(sale.pos_config_id, self.config)
        self.assertEqual(lots[0].serial_source_ref, order.name)

    def test_batch_with_double_sale_keeps_every_order(self):
        """Three paid orders in one sync; the middle one sells a serial the first sold.
        All three are saved and paid, the middle line waits in its own transfer with a
        conflict for the managers, the two others are delivered."""
        lots = self._receive_serials(self.phone, ["SYNC-B1", "SYNC-B2", "SYNC-B3"])
        first, middle, last = self._sync(
            self._order([(self.phone, ["SYNC-B1"])]),
            self._order([(self.phone, ["SYNC-B1"])]),
            self._order([(self.phone, ["SYNC-B2"])]),
        )
        self.assertEqual([first.state, middle.state, last.state], ["paid"] * 3)
        self.assertEqual(first.picking_ids.state, "done")
        self.assertEqual(last.picking_ids.state, "done")
        conflict = (
            self.env["serial.conflict"]
            .sudo()
            .search([("pos_order_id", "=", middle.id)])
        )
        self.assertEqual(len(conflict), 1)
        self.assertEqual(
            (conflict.reason, conflict.serial, conflict.lot_id),
            ("already_sold", "SYNC-B1", lots[0]),
        )
        self.assertIn("already sold", conflict.message)
        self.assertTrue(conflict.activity_ids)
        self.assertEqual(conflict.picking_id, middle.picking_ids)
        self.assertNotEqual(middle.picking_ids.state, "done")
        self.assertEqual(lots.mapped("serial_state"), ["sold", "sold", "in_stock"])
        history = lots[0].sudo().audit_line_ids.sorted("chain_index")
        self.assertEqual(history.mapped("event")[-2:], ["sold", "conflict"])
        self.assertEqual(
            history.filtered(lambda l: l.event == "sold").reference, first.name
        )

    def test_unknown_and_stolen_serials_become_conflicts(self):
        lot = self._receive_serials(self.phone, ["SYNC-S1"])
        lot.sudo()._apply_serial_events(
            [{"lot": lot, "event": "marked_stolen", "note": "x"}]
        )
        order = self._sync(self._order([(self.phone, ["SYNC-NOPE", "SYNC-S1"])]))
        self.assertEqual(order.state, "paid")
        conflicts = (
            self.env["serial.conflict"].sudo().search([("pos_order_id", "=", order.id)])
        )
        self.assertEqual(sorted(conflicts.mapped("reason")), ["blocked", "unknown"])
        self.assertFalse(
            self.env["stock.lot"].search([("name", "=", "SYNC-NOPE")]),
            "an unknown serial must not be created on the fly",
        )
        self.assertEqual(lot.serial_state, "stolen")

    def test_offline_checked_line_sold_meanwhile_is_saved_and_flagged(self):
        lot = self._receive_serials(self.phone, ["SYNC-O1"])
        self._sync(self._order([(self.phone, ["SYNC-O1"])]))  # sold at another till
        offline = self._order([(self.phone, ["SYNC-O1"])])
        offline["lines"][0][2]["serial_checked_offline"] = True
        order = self._sync(offline)
        self.assertEqual(order.state, "paid")
        self.assertTrue(order.lines.serial_checked_offline)
        conflict = (
            self.env["serial.conflict"].sudo().search([("pos_order_id", "=", order.id)])
        )
        self.assertTrue(conflict.checked_offline)
        self.assertEqual(conflict.reason, "already_sold")
        self.assertEqual(lot.serial_state, "sold")

    def test_quantity_needs_as_many_distinct_serials(self):
        self._receive_serials(self.phone, ["SYNC-Q1", "SYNC-Q2"])
        data = self._order([(self.phone, ["SYNC-Q1"])])
        data["lines"][0][2]["qty"] = 2
        order = self._sync(data)
        conflict = (
            self.env["serial.conflict"].sudo().search([("pos_order_id", "=", order.id)])
        )
        self.assertEqual(conflict.reason, "missing")
        self.assertEqual(order.state, "paid")

    def test_line_missing_a_serial_still_checks_the_others(self):
        """A line of two units with one serial, already sold elsewhere: both problems
        are recorded, and the sold serial is not claimed a second time."""
        lot = self._receive_serials(self.phone, ["SYNC-M1"])
        self._sync(self._order([(self.phone, ["SYNC-M1"])]))
        data = self._order([(self.phone, ["SYNC-M1"])])
        data["lines"][0][2]["qty"] = 2
        order = self._sync(data)
        conflicts = (
            self.env["serial.conflict"].sudo().search([("pos_order_id", "=", order.id)])
        )
        self.assertEqual(
            sorted(conflicts.mapped("reason")), ["already_sold", "missing"]
        )
        self.assertEqual(order.state, "paid")
        sales = lot.sudo().audit_line_ids.filtered(lambda line: line.event == "sold")
        self.assertEqual(len(sales), 1)

    def test_refund_returns_only_the_sold_serial_and_it_sells_again(self):
        lots = self._receive_serials(self.phone, ["SYNC-R1", "SYNC-R2"])
        sale = self._sync(self._order([(self.phone, ["SYNC-R1"])]))
        refund_data = self._order([(self.phone, ["SYNC-R1"])])
        refund_line = refund_data["lines"][0][2]
        refund_line.update(
            {
                "qty": -1,
                "refunded_orderline_id": sale.lines.id,
                "price_subtotal": -300.0,
                "price_subtotal_incl": -300.0,
            }
        )
        refund_data.update({"amount_total": -300.0, "amount_paid": -300.0})
        refund_data["payment_ids"][0][2]["amount"] = -300.0
        refund = self._sync(refund_data)
        self.assertEqual(lots[0].serial_state, "returned")
        self.assertEqual(refund.picking_ids.state, "done")
        self.assertEqual(lots[0].location_id, self.stock_location)
        # a second refund of the same serial is refused, the order is kept
        again = self._order([(self.phone, ["SYNC-R1"])])
        again["lines"][0][2].update({"qty": -1, "refunded_orderline_id": sale.lines.id})
        again_order = self._sync(again)
        conflict = (
            self.env["serial.conflict"]
            .sudo()
            .search([("pos_order_id", "=", again_order.id)])
        )
        self.assertEqual(conflict.reason, "not_refundable")
        self.assertEqual(again_order.state, "paid")
        # the unit is not taken back twice: the refund's return waits for a manager
        self.assertEqual(
            self.env["stock.quant"]._get_available_quantity(
                self.phone, self.stock_location, lot_id=lots[0], strict=True
            ),
            1,
        )
        self.assertEqual(conflict.picking_id, again_order.picking_ids)
        self.assertEqual(
            conflict.picking_id.location_id,
            self.env.ref("stock.stock_location_customers"),
        )
        self.assertNotIn(conflict.picking_id.state, ("done", "cancel"))
        self._serial_manager(conflict).action_accept()
        self.assertEqual(conflict.state, "accepted")
        self.assertEqual(conflict.picking_id.state, "cancel")
        # and the returned unit sells again
        resale = self._sync(self._order([(self.phone, ["SYNC-R1"])]))
        self.assertEqual(resale.picking_ids.state, "done")
        self.assertEqual(lots[0].serial_state, "sold")
        self.assertEqual(
            lots[0].sudo().audit_line_ids.sorted("chain_index").mapped("event"),
            # the refused refund, then the manager's acceptance of it
            [
                "registered",
                "received",
                "sold",
                "returned",
                "conflict",
                "conflict",
                "sold",
            ],
        )

    def _refund_data(self, sale, serials_by_line):
        """UI data of a refund of `sale`: one line per (sale line, [serials])."""
        data = self._order(
            [(line.product_id, serials) for line, serials in serials_by_line]
        )
        total = 0.0
        for (_cmd, _id, values), (line, serials) in zip(
            data["lines"], serials_by_line, strict=True
        ):
            amount = -line.price_unit * len(serials)
            total += amount
            values.update(
                {
                    "qty": -len(serials),
                    "refunded_orderline_id": line.id,
                    "price_subtotal": amount,
                    "price_subtotal_incl": amount,
                }
            )
        data.update({"amount_total": total, "amount_paid": total})
        data["payment_ids"][0][2]["amount"] = total
        return data

    def _serial_manager(self, record):
        manager = self.env["res.users"].search([("login", "=", "refund_manager")])
        manager = manager or self._create_user(
            "refund_manager",
            "base.group_user",
            "pos_serial_tracking.group_serial_manager",
        )
        return record.with_user(manager)

    def test_refund_line_in_conflict_waits_in_its_own_return(self):
        """A refund whose one line names a serial the refunded line did not sell: the
        other line's unit comes back into stock at once; the wrong line waits in a
        return of its own until a manager picks the unit the customer brought back."""
        lots = self._receive_serials(self.phone, ["REF-1", "REF-2", "REF-3"])
        sale = self._sync(
            self._order([(self.phone, ["REF-1"]), (self.phone, ["REF-2"])])
        )
        first, second = sale.lines
        refund = self._sync(
            self._refund_data(sale, [(first, ["REF-1"]), (second, ["REF-3"])])
        )
        self.assertEqual(refund.state, "paid")
        conflict = (
            self.env["serial.conflict"]
            .sudo()
            .search([("pos_order_id", "=", refund.id)])
        )
        self.assertEqual(
            (conflict.serial, conflict.reason), ("REF-3", "not_refundable")
        )
        # the right line is returned as usual
        self.assertEqual(lots[0].serial_state, "returned")
        self.assertEqual(lots[0].location_id, self.stock_location)
        returned = refund.picking_ids - conflict.picking_id
        self.assertEqual(returned.state, "done")
        self.assertEqual(returned.move_line_ids.lot_id, lots[0])
        # the wrong one waits in a return of its own, with nothing picked
        waiting = conflict.picking_id
        self.assertEqual(
            (waiting.location_id, waiting.location_dest_id),
            (self.env.ref("stock.stock_location_customers"), returned.location_dest_id),
        )
        self.assertNotIn(waiting.state, ("done", "cancel"))
        self.assertFalse(waiting.move_line_ids)
        self.assertEqual(lots[1].serial_state, "sold")
        self.assertEqual(lots[2].serial_state, "in_stock")
        # a refund is not refunded again
        with self.assertRaisesRegex(UserError, "itself a refund"):
            self._serial_manager(conflict).action_refund()
        # the manager picks the unit the customer brought back: REF-2
        wizard_action = self._serial_manager(conflict).action_pick_serial()
        self._serial_manager(self.env[wizard_action["res_model"]]).with_context(
            **wizard_action["context"]
        ).create({"lot_id": lots[1].id}).action_confirm()
        self.assertEqual(conflict.state, "resolved")
        self.assertEqual(waiting.state, "done")
        self.assertEqual(lots[1].serial_state, "returned")
        self.assertEqual(lots[1].location_id, self.stock_location)
        self.assertEqual(
            lots[1].sudo().audit_line_ids.sorted("chain_index").mapped("event"),
            ["registered", "received", "sold", "returned"],
        )
        self.assertEqual(lots[2].serial_state, "in_stock")
        self.assertFalse(self.env["serial.audit.line"].verify_chain())

    def test_manager_picks_the_right_serial(self):
        lots = self._receive_serials(self.phone, ["SYNC-P1", "SYNC-P2"])
        self._sync(self._order([(self.phone, ["SYNC-P1"])]))
        order = self._sync(self._order([(self.phone, ["SYNC-P1"])]))
        conflict = (
            self.env["serial.conflict"].sudo().search([("pos_order_id", "=", order.id)])
        )
        manager = self._create_user(
            "conflict_manager",
            "base.group_user",
            "pos_serial_tracking.group_serial_manager",
        )
        wizard_action = conflict.with_user(manager).action_pick_serial()
        wizard = (
            self.env[wizard_action["res_model"]]
            .with_user(manager)
            .with_context(**wizard_action["context"])
            .create({"lot_id": lots[1].id})
        )
        wizard.action_confirm()
        self.assertEqual(conflict.state, "resolved")
        self.assertEqual(conflict.picking_id.state, "done")
        self.assertEqual(lots[1].serial_state, "sold")
        self.assertEqual(order.lines.pack_lot_ids.mapped("lot_name"), ["SYNC-P2"])
        self.assertFalse(conflict.activity_ids)
        cashier = self._create_user(
            "conflict_cashier", "base.group_user", "point_of_sale.group_pos_user"
        )
        with self.assertRaises(AccessError):
            conflict.with_user(cashier).action_accept()

    def test_till_check_verdicts(self):
        lots = self._receive_serials(self.phone, ["SYNC-C1", "SYNC-C2", "SYNC-C3"])
        lots[1].sudo()._apply_serial_events(
            [{"lot": lots[1], "event": "marked_lost", "note": "x"}]
        )
        self._sync(self._order([(self.phone, ["SYNC-C3"])]))
        # the messages are translated in the cashier's language: Odoo finds it (it
        # warns when it cannot, and leaves the message in English)
        with self.assertNoLogs("odoo.tools.translate", "WARNING"):
            verdicts = self.config.check_pos_serials(
                self.phone.id, ["SYNC-C1", "SYNC-C2", "SYNC-C3", "NOPE"]
            )
        self.assertEqual(
            [v["reason"] for v in verdicts],
            [False, "blocked", "already_sold", "unknown"],
        )
        self.assertTrue(verdicts[1]["alert"])
        blocked = (
            lots[1].sudo().audit_line_ids.filtered(lambda l: l.event == "blocked_sale")
        )
        self.assertEqual(blocked.pos_config_id, self.config)
        self.assertEqual(blocked.user_id, self.env.user)
        found = self.config.find_pos_serial("SYNC-C1")
        self.assertEqual((found["product_id"], found["ok"]), (self.phone.id, True))
        snapshot = self.config.get_pos_serial_snapshot()
        units = OfflineSet(snapshot)
        self.assertEqual((len(units), (self.phone.id, "SYNC-C1") in units), (1, True))
        self.assertTrue(snapshot["complete"])

    def test_bad_serials_keep_the_paid_order(self):
        """Serials no till should send (empty, blanks, 5,000 characters, quotes, emoji,
        'None', a trailing space, a NUL character, a lone surrogate) in one sync: every
        order is kept and paid, and each bad serial becomes a conflict that shows
        what was typed."""
        self._receive_serials(self.phone, ["SYNC-BAD"])
        bad = {
            "": "missing",
            "   ": "unknown",
            "X" * 5000: "unknown",
            "SYNC-'\"; DROP TABLE stock_lot; --": "unknown",
            "SYNC-📱": "unknown",
            "None": "unknown",
            "SYNC-BAD ": "unknown",
            "SYNC-\x00BAD": "unknown",
            "SYNC-\ud800BAD": "unknown",
        }
        orders = self._sync(*(self._order([(self.phone, [s])]) for s in bad))
        self.assertEqual(orders.mapped("state"), ["paid"] * len(bad))
        conflicts = (
            self.env["serial.conflict"]
            .sudo()
            .search([("pos_order_id", "in", orders.ids)])
        )
        self.assertEqual(
            [
                conflicts.filtered(lambda c, o=o: c.pos_order_id == o).reason
                for o in orders
            ],
            list(bad.values()),
        )
        nul = orders[-2]
        self.assertEqual(nul.lines.pack_lot_ids.lot_name, "SYNC-\ufffdBAD")
        self.assertEqual(
            conflicts.filtered(lambda c: c.pos_order_id == nul).serial,
            "SYNC-\ufffdBAD",
        )
        self.assertEqual(
            conflicts.filtered(lambda c: c.pos_order_id == orders[-1]).serial,
            "SYNC-\ufffdBAD",
        )
        self.assertEqual(
            self.env["stock.lot"].search([("name", "=", "SYNC-BAD")]).serial_state,
            "in_stock",
        )

    def test_two_lines_of_one_product_in_conflict_keep_the_paid_order(self):
        """Two lines of one product, each with a serial in conflict, and a third line
        delivered: the order is paid, both lines wait in one transfer (one move each,
        not merged by Odoo's confirmation), the third unit is sold."""
        lots = self._receive_serials(self.phone, ["SYNC-M1", "SYNC-M2"])
        lots[0].sudo()._apply_serial_events(
            [{"lot": lots[0], "event": "marked_stolen", "note": "x"}]
        )
        order = self._sync(
            self._order(
                [
                    (self.phone, ["SYNC-M1"]),
                    (self.phone, ["SYNC-NONE"]),
                    (self.phone, ["SYNC-M2"]),
                ]
            )
        )
        self.assertEqual(order.state, "paid")
        conflicts = (
            self.env["serial.conflict"].sudo().search([("pos_order_id", "=", order.id)])
        )
        self.assertEqual(sorted(conflicts.mapped("reason")), ["blocked", "unknown"])
        waiting = conflicts.picking_id
        self.assertEqual(len(waiting), 1)
        self.assertEqual(len(waiting.move_ids), 2)
        self.assertEqual(lots.mapped("serial_state"), ["stolen", "sold"])
