import base64

from odoo import Command
from odoo.exceptions import AccessError

from ..tools.serial_offline_set import OfflineSet
from .common import SerialPosSyncCommon, SerialStockFlowsMixin, SerialTrackingCommon

REASON = "The battery may overheat while charging."


class SerialRecallMixin:
    def _recall(self, user=None, **values):
        return (
            self.env["serial.recall"]
            .with_user(user or self.serial_manager)
            .create({"reason": REASON, **values})
        )

    def _lines(self, recall):
        return {line.lot_id.name: line for line in recall.sudo().line_ids}

    def _recall_history(self, lot, recall):
        return [
            (line.event, line.old_state or False, line.new_state or False)
            for line in lot.sudo().audit_line_ids.sorted("chain_index")
            if line.res_model == "serial.recall" and line.res_id == recall.id
        ]


class TestSerialRecall(SerialRecallMixin, SerialTrackingCommon):
    """A recall locates its units in their buckets, blocks those in our hands, follows
    those coming back, and closes by releasing or scrapping them."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        names = [f"RC-{n:04d}" for n in range(1, 13)]
        cls.lots = dict(zip(names, cls._receive_serials(cls.phone, names), strict=True))
        cls.other = cls._receive_serials(cls.phone, ["RC-0100", "RX-0001"])

    def _sell(self, name, customer=None):
        lot = self.lots[name]
        lot._apply_serial_events(
            [
                {
                    "lot": lot,
                    "event": "sold",
                    "partner_id": customer and customer.id,
                    "reference": "SALE",
                }
            ]
        )
        return lot

    def _repair(self, lot, partner=None):
        repair = self.env["repair.order"].create(
            {
                "product_id": self.phone.id,
                "lot_id": lot.id,
                "partner_id": (partner or self.customer).id,
                "location_id": self.stock_location.id,
            }
        )
        repair.action_validate()
        repair.action_repair_start()
        return repair

    def test_locate_buckets_and_counts(self):
        self._sell("RC-0002", self.customer)
        self._sell("RC-0003")  # a sale without a customer: no contact
        self._repair(self.lots["RC-0004"])
        self.lots["RC-0005"]._apply_serial_events(
            [{"lot": self.lots["RC-0005"], "event": "marked_lost", "note": "x"}]
        )
        self._scrap(self.lots["RC-0006"])
        recall = self._recall(serial_ranges="RC-1..RC-0006\n")
        recall.action_locate()
        lines = self._lines(recall)
        self.assertEqual(sorted(lines), [f"RC-{n:04d}" for n in range(1, 7)])
        self.assertEqual(
            [lines[f"RC-{n:04d}"].bucket for n in range(1, 7)],
            ["in_stock", "sold", "sold", "in_repair", "lost_stolen", "scrapped"],
        )
        self.assertEqual(lines["RC-0001"].location_id, self.stock_location)
        self.assertEqual(lines["RC-0002"].partner_id, self.customer)
        self.assertFalse(lines["RC-0003"].partner_id)
        self.assertEqual(lines["RC-0004"].state_at_locate, "in_repair")
        self.assertEqual(
            (
                recall.line_count,
                recall.in_stock_count,
                recall.sold_count,
                recall.in_repair_count,
                recall.lost_stolen_count,
                recall.scrapped_count,
                recall.no_contact_count,
            ),
            (6, 1, 2, 1, 1, 1, 1),
        )
        action = recall.with_context(recall_bucket="sold").action_view_lines()
        self.assertEqual(
            self.env["serial.recall.line"]
            .search(action["domain"])
            .lot_id.mapped("name"),
            ["RC-0002", "RC-0003"],
        )
        action = recall.with_context(recall_no_contact=True).action_view_lines()
        self.assertEqual(
            self.env["serial.recall.line"].search(action["domain"]).lot_id.name,
            "RC-0003",
        )
        # located again, the lines are replaced, not added
        recall.serial_ranges = "RC-0001"
        recall.action_locate()
        self.assertEqual(list(self._lines(recall)), ["RC-0001"])

    def test_criteria_all_match(self):
        other_product = self._create_serial_product("Tablet T1", "T1")
        tablets = self._receive_serials(other_product, ["RC-0500", "RC-0501"])
        recall = self._recall(
            serial_ranges="RC-0*\nRX-0001", product_ids=[Command.set(self.phone.ids)]
        )
        recall.action_locate()
        names = set(self._lines(recall))
        self.assertIn("RX-0001", names)
        self.assertIn("RC-0100", names)
        self.assertFalse(names & set(tablets.mapped("name")))
        recall = self._recall(
            serial_ranges="RC-0500..RC-0501\nRC-0001",
            product_ids=[Command.set(other_product.ids)],
        )
        recall.action_locate()
        self.assertEqual(set(self._lines(recall)), {"RC-0500", "RC-0501"})
        # received between two dates: all today, none yesterday
        today = recall.create_date.date()
        recall.write(
            {"serial_ranges": False, "received_from": today, "received_to": today}
        )
        recall.action_locate()
        self.assertEqual(set(self._lines(recall)), {"RC-0500", "RC-0501"})
        recall.received_to = recall.received_from = today.replace(year=today.year - 1)
        with self.assertRefused("No unit of .* matches all the criteria"):
            recall.action_locate()

    def test_import_batch_criterion(self):
        batch = self.env["stock.lot.import.batch"].create(
            {
                "name": "IMP-1",
                "user_id": self.env.uid,
                "company_id": self.env.company.id,
            }
        )
        batch_lots = self.lots["RC-0007"] | self.lots["RC-0008"]
        self._sql(
            "UPDATE stock_lot SET import_batch_id = %s WHERE id = ANY(%s)",
            [batch.id, batch_lots.ids],
        )
        recall = self._recall(
            import_batch_ids=[Command.set(batch.ids)], serial_ranges="RC-0008..RC-0012"
        )
        recall.action_locate()
        self.assertEqual(list(self._lines(recall)), ["RC-0008"])

    def test_bad_criteria_say_what_to_type(self):
        recall = self._recall()
        with self.assertRefused("Choose the affected units first"):
            recall.action_locate()
        recall.serial_ranges = "RC-0009..RC-0002"
        with self.assertRefused("reversed"):
            recall.action_locate()
        recall.serial_ranges = "RC-0001..RX-0002"
        with self.assertRefused("different prefixes"):
            recall.action_locate()
        recall.serial_ranges = "*"
        with self.assertRefused("is not a serial prefix"):
            recall.action_locate()

    def test_file_criterion_with_unknown_serial(self):
        data = b"Serial\nRC-0001\nRC-0002\nRC-NOPE\n"
        recall = self._recall(
            serial_file=base64.b64encode(data), serial_file_name="recall.csv"
        )
        with self.assertRefused(r"1 serials of the file are not registered .*RC-NOPE"):
            recall.action_locate()
        recall.serial_file = base64.b64encode(b"RC-0001\nRC-0002\n")
        recall.action_locate()
        self.assertEqual(set(self._lines(recall)), {"RC-0001", "RC-0002"})

    def test_activate_blocks_units_in_our_hands_only(self):
        self._sell("RC-0002", self.customer)
        self._sell("RC-0003")
        recall = self._recall(serial_ranges="RC-0001..RC-0003")
        recall.action_locate()
        recall.action_activate()
        self.assertEqual(recall.state, "active")
        lots = self.lots
        self.assertEqual(lots["RC-0001"].serial_state, "recalled")
        self.assertEqual(lots["RC-0002"].serial_state, "sold")
        self.assertEqual(lots["RC-0004"].serial_state, "in_stock")
        lines = self._lines(recall)
        self.assertEqual(
            [lines[name].outreach_state for name in ("RC-0001", "RC-0002", "RC-0003")],
            [False, "to_notify", "unreachable"],
        )
        self.assertTrue(lines["RC-0001"].blocked)
        self.assertEqual(
            self._recall_history(lots["RC-0001"], recall),
            [("recalled", "in_stock", "recalled")],
        )
        event = lots["RC-0001"].audit_line_ids.sorted("chain_index")[-1]
        self.assertEqual(
            (event.reference, event.note, event.user_id),
            (recall.name, REASON, self.serial_manager),
        )
        with self.assertRefused(
            "is in state Active: this can be done only on a draft recall"
        ):
            recall.action_activate()

    def test_return_transfer_and_repair_update_lines(self):
        delivery = self._deliver(self.lots["RC-0002"], self.customer)
        sold_repaired = self._sell("RC-0003", self.customer)
        recall = self._recall(serial_ranges="RC-0001..RC-0003")
        recall.action_locate()
        recall.action_activate()
        self._return(delivery)
        lines = self._lines(recall)
        returned = self.lots["RC-0002"]
        self.assertEqual(lines["RC-0002"].outreach_state, "returned")
        self.assertEqual(returned.serial_state, "recalled")
        self.assertEqual(
            self._recall_history(returned, recall),
            [("recalled", "returned", "recalled")],
        )
        # a customer's unit repaired: remedied, back to its customer
        repair = self._repair(sold_repaired)
        self.assertEqual(lines["RC-0003"].outreach_state, "returned")
        repair.action_repair_end()
        self.assertEqual(lines["RC-0003"].outreach_state, "remedied")
        self.assertEqual(sold_repaired.serial_state, "sold")
        # a recalled unit repaired: remedied, still recalled
        repair = self._repair(self.lots["RC-0001"])
        repair.action_repair_end()
        self.assertEqual(lines["RC-0001"].outreach_state, "remedied")
        self.assertEqual(self.lots["RC-0001"].serial_state, "recalled")

    def test_unit_in_two_recalls_is_recalled_once_and_handed_over(self):
        delivery = self._deliver(self.lots["RC-0002"], self.customer)
        first = self._recall(serial_ranges="RC-0001..RC-0002")
        second = self._recall(serial_ranges="RC-0*")
        for recall in (first, second):
            recall.action_locate()
            recall.action_activate()
        # RC-0001, recalled by the first, is held already for the second
        ours = self._lines(second)["RC-0001"]
        self.assertEqual((ours.bucket, ours.blocked), ("recalled", False))
        self._return(delivery)
        lot = self.lots["RC-0002"]
        self.assertEqual(lot.serial_state, "recalled")
        self.assertEqual(
            [
                self._lines(recall)["RC-0002"].outreach_state
                for recall in (first, second)
            ],
            ["returned", "returned"],
        )
        self.assertEqual(
            [line.event for line in lot.audit_line_ids.sorted("chain_index")][-2:],
            ["returned", "recalled"],
        )
        # closing the first hands its units over to the second, still active
        first._close(resolution="released")
        self.assertEqual(lot.serial_state, "recalled")
        self.assertEqual(self.lots["RC-0001"].serial_state, "recalled")
        self.assertEqual(
            self._recall_history(lot, second)[-1], ("recalled", "returned", "recalled")
        )
        second._close(resolution="released")
        self.assertEqual(lot.serial_state, "returned")
        self.assertEqual(self.lots["RC-0001"].serial_state, "in_stock")

    def test_rates(self):
        for name in ("RC-0002", "RC-0003", "RC-0004", "RC-0005"):
            self._sell(name, self.customer)
        self._sell("RC-0006")
        recall = self._recall(serial_ranges="RC-0001..RC-0006")
        recall.action_locate()
        recall.action_activate()
        self.assertEqual(recall.effectiveness_rate, 0)
        self.assertAlmostEqual(recall.recovery_rate, 100 / 6)  # RC-0001 recalled
        lines = self._lines(recall)
        # the notices (outreach) set notified, the customers' answers acknowledged
        (
            lines["RC-0002"] | lines["RC-0003"] | lines["RC-0004"]
        ).outreach_state = "notified"
        lines["RC-0002"].write({"outreach_state": "acknowledged", "answer": "have_it"})
        lines["RC-0005"].with_user(self.serial_manager).action_mark_remedied()
        self.env.invalidate_all()
        # acknowledged + remedied out of notified or beyond (3 notified + 1 remedied)
        self.assertAlmostEqual(recall.effectiveness_rate, 50)
        # RC-0001 recalled, RC-0002 answered, RC-0005 remedied: 3 of 6
        self.assertAlmostEqual(recall.recovery_rate, 50)
        with self.assertRefused("cannot be marked unreachable"):
            lines["RC-0005"].with_user(self.serial_manager).action_mark_unreachable()
        with self.assertRaises(AccessError):
            lines["RC-0004"].with_user(self.serial_user).action_mark_unreachable()

    def _closing(self, recall, **values):
        wizard_action = recall.action_close()
        return (
            self.env[wizard_action["res_model"]]
            .with_user(self.serial_manager)
            .with_context(**wizard_action["context"])
            .create(values)
        )

    def test_close_releases_and_needs_a_reason_with_open_lines(self):
        self._sell("RC-0002", self.customer)
        recall = self._recall(serial_ranges="RC-0001..RC-0002")
        recall.action_locate()
        recall.action_activate()
        with self.assertRefused("give the reason for closing"):
            self._closing(recall, resolution="released").action_confirm()
        self.assertEqual(recall.state, "active")
        self._closing(
            recall, resolution="released", reason="Firmware fix validated"
        ).action_confirm()
        self.assertEqual(recall.state, "closed")
        self.assertEqual(recall.close_reason, "Firmware fix validated")
        self.assertTrue(recall.closed_date)
        lot = self.lots["RC-0001"]
        self.assertEqual(lot.serial_state, "in_stock")
        self.assertEqual(
            self._recall_history(lot, recall),
            [
                ("recalled", "in_stock", "recalled"),
                ("recall_closed", "recalled", "in_stock"),
            ],
        )
        lines = self._lines(recall)
        self.assertEqual(lines["RC-0001"].resolution, "released")
        self.assertFalse(lines["RC-0002"].resolution)
        self.assertEqual(self.lots["RC-0002"].serial_state, "sold")
        self.assertFalse(self.env["serial.audit.line"].verify_chain())

    def test_close_scraps_from_code(self):
        recall = self._recall(serial_ranges="RC-0001..RC-0002")
        recall.action_locate()
        recall.action_activate()
        recall._close(resolution="scrapped")
        self.assertEqual(recall.state, "closed")
        for name in ("RC-0001", "RC-0002"):
            lot = self.lots[name]
            self.assertEqual(lot.serial_state, "scrapped")
            self.assertEqual(self._recall_history(lot, recall)[-1][0], "scrapped")
            self.assertFalse(
                lot.quant_ids.filtered(
                    lambda q: q.location_id.usage == "internal" and q.quantity > 0
                )
            )
            self.assertEqual(self._lines(recall)[name].resolution, "scrapped")

    def test_roles_and_companies(self):
        recall = self._recall(serial_ranges="RC-0001")
        for user in (self.serial_user, self.serial_auditor):
            with self.assertRaises(AccessError):
                self._recall(user=user, serial_ranges="RC-0002")
            as_user = recall.with_user(user)
            self.assertEqual(as_user.name, recall.name)
            with self.assertRaises(AccessError):
                as_user.action_locate()
        recall.action_locate()
        for user in (self.serial_user, self.serial_auditor):
            as_user = recall.with_user(user)
            self.assertEqual(as_user.line_count, 1)
            self.assertEqual(as_user.line_ids.lot_id, self.lots["RC-0001"])
            with self.assertRaises(AccessError):
                as_user.action_activate()
            with self.assertRaises(AccessError):
                as_user._close(resolution="released", reason="x")
        self.assertEqual(self.lots["RC-0001"].serial_state, "in_stock")
        # another company's user sees nothing, and the recall ignores its serials
        company, location = self._create_company_with_stock("Other Shop")
        outsider = self._create_user(
            "recall_outsider",
            "base.group_user",
            "pos_serial_tracking.group_serial_manager",
        )
        outsider.write(
            {"company_ids": [Command.set(company.ids)], "company_id": company.id}
        )
        self.assertFalse(self.env["serial.recall"].with_user(outsider).search([]))
        self.assertFalse(self.env["serial.recall.line"].with_user(outsider).search([]))
        with self.assertRaises(AccessError):
            recall.with_user(outsider).action_activate()
        product = self._create_serial_product(
            "Other Phone", "OP", company_id=company.id
        )
        theirs = self._receive_serials(product, ["RC-0003"], location=location)
        recall_ours = self._recall(serial_ranges="RC-0003")
        recall_ours.action_locate()
        self.assertNotIn(theirs, recall_ours.line_ids.lot_id)


class TestSerialRecallPos(
    SerialRecallMixin, SerialStockFlowsMixin, SerialPosSyncCommon
):
    """At the till: a recalled unit is refused and leaves the offline snapshot; a
    recalled customer's unit refunded at the till comes back recalled."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.serial_manager = cls._create_user(
            "recall_pos_manager",
            "base.group_user",
            "pos_serial_tracking.group_serial_manager",
        )
        company = cls.config.company_id
        cls.serial_manager.write(
            {"company_ids": [Command.set(company.ids)], "company_id": company.id}
        )

    def setUp(self):
        super().setUp()
        self.open_new_session()

    def test_recall_by_range_blocks_units_at_the_till(self):
        self._receive_serials(self.phone, ["PR-001", "PR-002", "PR-003"])
        recall = self._recall(serial_ranges="PR-001..PR-002")
        recall.action_locate()
        recall.action_activate()
        verdicts = self.config.check_pos_serials(
            self.phone.id, ["PR-001", "PR-002", "PR-003"]
        )
        self.assertEqual(
            [verdict["reason"] for verdict in verdicts], ["blocked", "blocked", False]
        )
        self.assertIn("recalled", verdicts[0]["message"])
        snapshot = self.config.get_pos_serial_snapshot()
        units = OfflineSet(snapshot)
        self.assertEqual((len(units), (self.phone.id, "PR-003") in units), (1, True))

    def test_refunded_recalled_unit_stays_out_of_sale(self):
        customer = self.env["res.partner"].create({"name": "Recall customer"})
        lots = self._receive_serials(self.phone, ["PR-R1"])
        sale = self._sync(self._order([(self.phone, ["PR-R1"])], customer=customer))
        recall = self._recall(serial_ranges="PR-R1")
        recall.action_locate()
        recall.action_activate()
        line = recall.sudo().line_ids
        self.assertEqual((line.bucket, line.outreach_state), ("sold", "to_notify"))
        refund = self._sync(self._refund_data(sale, customer=customer))
        self.assertEqual(refund.state, "paid")
        self.assertEqual(refund.picking_ids.state, "done")
        self.assertFalse(
            self.env["serial.conflict"]
            .sudo()
            .search([("pos_order_id", "=", refund.id)])
        )
        self.assertEqual(line.outreach_state, "returned")
        self.assertEqual(lots.serial_state, "recalled")
        self.assertEqual(lots.location_id, self.stock_location)
        verdict = self.config.check_pos_serials(self.phone.id, ["PR-R1"])[0]
        self.assertEqual(verdict["reason"], "blocked")
        self.assertEqual(
            self._recall_history(lots, recall), [("recalled", "returned", "recalled")]
        )
        self.assertEqual(recall.recovery_rate, 100)
