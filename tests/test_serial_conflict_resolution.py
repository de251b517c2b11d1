from unittest.mock import patch

from odoo import Command
from odoo.exceptions import AccessError

from .common import SerialPosSyncCommon


class TestSerialConflictResolution(SerialPosSyncCommon):
    """A Serial Manager refunds the conflicting unit only, with their own rights, or
    picks the serial really sold, among the lots the shop could have sold."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.other_company = cls.env["res.company"].create({"name": "Other Shop Co"})
        # no company: a lot of another company can be of this very product
        cls.shared = cls._create_serial_product(
            "Shared Phone", "SHARED", list_price=300.0, taxes_id=[(5, 0, 0)]
        )
        companies = [Command.set((cls.env.company | cls.other_company).ids)]
        cls.manager = cls._create_user(
            "conflict_serial_manager",
            "base.group_user",
            "pos_serial_tracking.group_serial_manager",
        )
        cls.pos_manager = cls._create_user(
            "conflict_pos_manager",
            "base.group_user",
            "pos_serial_tracking.group_serial_manager",
            "point_of_sale.group_pos_user",
        )
        (cls.manager | cls.pos_manager).write({"company_ids": companies})

    def setUp(self):
        super().setUp()
        self.open_new_session()

    def _conflicts(self, order):
        return (
            self.env["serial.conflict"]
            .sudo()
            .search([("pos_order_id", "=", order.id)], order="id")
        )

    def _pick(self, conflict, lot, user=None):
        action = conflict.with_user(user or self.manager).action_pick_serial()
        wizard = (
            self.env[action["res_model"]]
            .with_user(user or self.manager)
            .with_context(**action["context"])
            .create({"lot_id": lot.id})
        )
        return wizard, wizard.action_confirm()

    def _available(self, lot=None):
        """Units of the shared product in the shop's stock (of that serial)."""
        return self.env["stock.quant"]._get_available_quantity(
            self.shared, self.stock_location, lot_id=lot, strict=bool(lot)
        )

    # --- refund ----------------------------------------------------------------------
    def test_refund_takes_back_only_the_conflicting_unit(self):
        lots = self._receive_serials(self.shared, ["RF-1", "RF-2", "RF-3", "RF-4"])
        self._sync(self._order([(self.shared, ["RF-3"])]))
        order = self._sync(
            self._order(
                [
                    (self.shared, ["RF-1"]),
                    (self.shared, ["RF-2"]),
                    (self.shared, ["RF-3"]),  # sold above
                ]
            )
        )
        conflict = self._conflicts(order)
        self.assertEqual(conflict.reason, "already_sold")
        waiting = conflict.picking_id
        orders_before = self.env["pos.order"].search_count([])

        action = conflict.with_user(self.pos_manager).action_refund()

        refund = self.env["pos.order"].browse(action["res_id"])
        self.assertEqual(action["res_model"], "pos.order")
        self.assertEqual(self.env["pos.order"].search_count([]), orders_before + 1)
        self.assertEqual((refund.state, refund.session_id), ("draft", self.pos_session))
        self.assertEqual(len(refund.lines), 1)
        self.assertEqual(refund.lines.qty, -1)
        self.assertEqual(refund.lines.pack_lot_ids.mapped("lot_name"), ["RF-3"])
        self.assertEqual(refund.lines.refunded_orderline_id, order.lines[2])
        self.assertEqual(refund.lines.price_subtotal_incl, -300.0)
        self.assertEqual(refund.amount_total, -300.0)
        self.assertEqual(refund.create_uid, self.pos_manager)
        self.assertEqual(conflict.state, "refunded")
        self.assertEqual(conflict.refund_order_id, refund)
        self.assertEqual(waiting.state, "cancel")
        self.assertFalse(conflict.activity_ids)
        # the decision in the serial's history names nobody: the line has the user
        decision = lots[2].sudo().audit_line_ids.sorted("chain_index")[-1]
        self.assertEqual(
            (decision.event, decision.user_id), ("conflict", self.pos_manager)
        )
        self.assertIn(refund.name, decision.note)
        self.assertNotIn(self.pos_manager.name, decision.note)

        # the till loads the draft refund and pays it like any refund (the unit never
        # left: no stock comes back)
        self.assertEqual(self._sync(self._till_payment(refund)), refund)
        self.assertEqual(refund.state, "paid")
        self.assertEqual(refund.lines.pack_lot_ids.mapped("lot_name"), ["RF-3"])
        self.assertFalse(self._conflicts(refund))
        self.assertFalse(refund.picking_ids)
        self.assertEqual(self._available(), 1)  # RF-4
        self.assertEqual(self._available(lots[2]), 0)
        self.assertEqual(lots[2].serial_state, "sold")
        self.assertEqual(
            lots[2].sudo().audit_line_ids.sorted("chain_index").mapped("event"),
            ["registered", "received", "sold", "conflict", "conflict"],
        )
        self.assertEqual(lots[:2].mapped("serial_state"), ["sold", "sold"])
        self.assertFalse(self.env["serial.audit.line"].verify_chain())

    def _till_payment(self, refund):
        """What the till sends when it pays a draft order it loaded from the server."""
        data = self.create_ui_order_data(
            [], payments=[(self.cash_pm1, refund.amount_total)], uuid=refund.uuid
        )
        data["lines"] = [[1, line.id, {"qty": line.qty}] for line in refund.lines]
        data.update(
            {
                "amount_total": refund.amount_total,
                "amount_tax": refund.amount_tax,
                "access_token": refund.access_token,
            }
        )
        return data

    def test_refund_needs_point_of_sale_rights(self):
        self._receive_serials(self.shared, ["RN-1"])
        order = self._sync(self._order([(self.shared, ["RN-404"])]))
        conflict = self._conflicts(order)
        orders_before = self.env["pos.order"].search_count([])
        with self.assertRefused("Point of Sale rights", exception=AccessError):
            conflict.with_user(self.manager).action_refund()
        self.assertEqual(self.env["pos.order"].search_count([]), orders_before)
        self.assertEqual(conflict.state, "open")
        self.assertNotIn(conflict.picking_id.state, ("done", "cancel"))
        self.assertFalse(conflict.refund_line_id)

    def test_refund_needs_an_open_session(self):
        order = self._sync(self._order([(self.shared, ["RS-404"])]))
        conflict = self._conflicts(order)
        self.pos_session.action_pos_session_closing_control()
        self.assertEqual(self.pos_session.state, "closed")
        with self.assertRefused("Open a session of"):
            conflict.with_user(self.pos_manager).action_refund()
        self.assertEqual(conflict.state, "open")

    # --- pick the right serial --------------------------------------------------------
    def test_pick_refuses_lots_the_shop_could_not_sell(self):
        good = self._receive_serials(self.shared, ["PK-GOOD"])
        other_shop = self.env["stock.warehouse"].create(
            {"name": "Shop Two", "code": "SH2"}
        )
        elsewhere = self._receive_serials(
            self.shared, ["PK-ELSEWHERE"], location=other_shop.lot_stock_id
        )
        lost, sold = self._receive_serials(self.shared, ["PK-LOST", "PK-SOLD"])
        lost.sudo()._apply_serial_events(
            [{"lot": lost, "event": "marked_lost", "note": "gone"}]
        )
        self._sync(self._order([(self.shared, ["PK-SOLD"])]))
        foreign = (
            self.env["stock.lot"]
            .sudo()
            .create(
                {
                    "name": "PK-FOREIGN",
                    "product_id": self.shared.id,
                    "company_id": self.other_company.id,
                }
            )
        )
        other_product = self._receive_serials(self.phone, ["PK-PHONE"])
        order = self._sync(self._order([(self.shared, ["PK-404"])]))
        conflict = self._conflicts(order)
        for lot, message in (
            (foreign, "belongs to Other Shop Co"),
            (elsewhere, "is not in .*the stock of"),
            (lost, "is Lost: it cannot be sold"),
            (sold, "is Sold: it cannot be sold"),
            (other_product, "is a .*Sync Phone.*, not a .*Shared Phone"),
        ):
            with self.subTest(lot=lot.name), self.assertRefused(message):
                self._pick(conflict, lot)
        self.assertEqual(conflict.state, "open")
        self.assertNotIn(conflict.picking_id.state, ("done", "cancel"))
        self.assertEqual(elsewhere.serial_state, "in_stock")
        # what the wizard offers: the sellable units of this shop, of that product
        wizard = (
            self.env["serial.conflict.resolve"]
            .with_user(self.manager)
            .create({"conflict_id": conflict.id, "lot_id": good.id})
        )
        offered = (
            self.env["stock.lot"].with_user(self.manager).search(wizard.lot_domain)
        )
        self.assertEqual(offered, good)

    def test_pick_for_a_refund_takes_a_sold_unit(self):
        lots = self._receive_serials(self.shared, ["PR-1", "PR-2", "PR-3"])
        sale = self._sync(self._order([(self.shared, ["PR-1"])]))
        refund = self._sync(self._refund_data(sale, ["PR-2"]))
        conflict = self._conflicts(refund)
        self.assertEqual(conflict.reason, "not_refundable")
        with self.assertRefused("is In Stock, not sold"):
            self._pick(conflict, lots[1])
        wizard = (
            self.env["serial.conflict.resolve"]
            .with_user(self.manager)
            .create({"conflict_id": conflict.id, "lot_id": lots[0].id})
        )
        offered = (
            self.env["stock.lot"].with_user(self.manager).search(wizard.lot_domain)
        )
        self.assertEqual(offered, lots[0])
        self._pick(conflict, lots[0])
        self.assertEqual(conflict.picking_id.state, "done")
        self.assertEqual(lots[0].serial_state, "returned")
        self.assertEqual(self._available(lots[0]), 1)

    def _refund_data(self, sale, serials):
        data = self._order([(self.shared, serials)])
        total = -sale.lines.price_unit * len(serials)
        data["lines"][0][2].update(
            {
                "qty": -len(serials),
                "refunded_orderline_id": sale.lines.id,
                "price_subtotal": total,
                "price_subtotal_incl": total,
            }
        )
        data.update({"amount_total": total, "amount_paid": total})
        data["payment_ids"][0][2]["amount"] = total
        return data

    def test_pick_delivers_through_the_transfer_validation(self):
        owner = self.env["res.partner"].create({"name": "Consignor"})
        lot = self.env["stock.lot"].create(
            {"name": "PV-OWNED", "product_id": self.shared.id}
        )
        self.env["stock.quant"].with_context(inventory_mode=True).create(
            {
                "product_id": self.shared.id,
                "lot_id": lot.id,
                "location_id": self.stock_location.id,
                "owner_id": owner.id,
                "inventory_quantity": 1,
            }
        ).action_apply_inventory()
        self.assertEqual(lot.serial_state, "in_stock")
        order = self._sync(self._order([(self.shared, ["PV-404"])]))
        conflict = self._conflicts(order)
        Picking = self.registry["stock.picking"]
        with patch.object(
            Picking,
            "button_validate",
            autospec=True,
            side_effect=Picking.button_validate,
        ) as validate:
            _wizard, action = self._pick(conflict, lot)
        validate.assert_called_once()
        self.assertEqual(action, {"type": "ir.actions.act_window_close"})
        picking = conflict.picking_id
        self.assertEqual((conflict.state, picking.state), ("resolved", "done"))
        self.assertEqual(picking.move_line_ids.lot_id, lot)
        self.assertEqual(picking.move_line_ids.owner_id, owner)
        self.assertEqual(lot.serial_state, "sold")
        self.assertEqual(order.lines.pack_lot_ids.mapped("lot_name"), ["PV-OWNED"])
        sale = lot.sudo().audit_line_ids.sorted("chain_index")[-1]
        self.assertEqual((sale.event, sale.user_id), ("sold", self.manager))
        self.assertEqual(sale.reference, order.name)
        self.assertIn("PV-404", sale.note)
        self.assertNotIn(self.manager.name, sale.note)
        self.assertIn(self.manager.name, conflict.resolution_note)
        self.assertEqual(self._available(lot), 0)
        self.assertFalse(self.env["serial.audit.line"].verify_chain())

    def test_last_pick_drops_the_refunded_unit_without_backorder(self):
        """Two lines of one order wait in one transfer: the first is refunded (the
        transfer keeps waiting for the second), then the second is picked: the
        validation asks for a backorder, and none is made for the refunded unit."""
        tablet = self._create_serial_product(
            "Shared Tablet", "SHTAB", list_price=200.0, taxes_id=[(5, 0, 0)]
        )
        sold = self._receive_serials(tablet, ["BO-SOLD"])
        good = self._receive_serials(self.shared, ["BO-GOOD"])
        self._sync(self._order([(tablet, ["BO-SOLD"])]))
        order = self._sync(
            self._order([(tablet, ["BO-SOLD"]), (self.shared, ["BO-404"])])
        )
        refunded, picked = self._conflicts(order)
        waiting = refunded.picking_id
        self.assertEqual(picked.picking_id, waiting)
        self.assertEqual(len(waiting.move_ids), 2)
        refunded.with_user(self.pos_manager).action_refund()
        self.assertEqual(refunded.state, "refunded")
        self.assertNotIn(waiting.state, ("done", "cancel"))
        # paid from the order's form, with Odoo's payment wizard
        refund = refunded.refund_order_id
        payment = self.env["pos.make.payment"].with_context(active_id=refund.id)
        payment.create({}).check()
        self.assertEqual((refund.state, refund.amount_paid), ("paid", -200.0))
        self.assertFalse(refund.picking_ids)
        self._pick(picked, good)
        self.assertEqual(waiting.state, "done")
        self.assertEqual(
            {move.product_id: move.state for move in waiting.move_ids},
            {tablet: "cancel", self.shared: "done"},
        )
        self.assertEqual(waiting.move_ids.move_line_ids.lot_id, good)
        self.assertFalse(
            self.env["stock.picking"].search([("backorder_id", "=", waiting.id)])
        )
        self.assertEqual((sold | good).mapped("serial_state"), ["sold", "sold"])
        self.assertEqual(self._available(), 0)

    def test_accept_writes_no_name_in_the_history(self):
        self._receive_serials(self.shared, ["AC-1"])
        self._sync(self._order([(self.shared, ["AC-1"])]))
        order = self._sync(self._order([(self.shared, ["AC-1"])]))
        conflict = self._conflicts(order)
        conflict.with_user(self.manager).action_accept()
        self.assertEqual(
            (conflict.state, conflict.picking_id.state), ("accepted", "cancel")
        )
        decision = conflict.lot_id.sudo().audit_line_ids.sorted("chain_index")[-1]
        self.assertEqual((decision.event, decision.user_id), ("conflict", self.manager))
        self.assertNotIn(self.manager.name, decision.note)
        self.assertIn(self.manager.name, conflict.resolution_note)
