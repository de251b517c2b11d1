from odoo.tests import tagged

from ..tools.serial_offline_set import OfflineSet
from .common import SerialPosHttpCommon, SerialPosSyncCommon

POS_USER = ("base.group_user", "point_of_sale.group_pos_user")
POS_MANAGER = ("base.group_user", "point_of_sale.group_pos_manager")


class TestPosCashierRole(SerialPosSyncCommon):
    """A cashier whose only rights are Point of Sale: User (no Inventory rights, no
    Serial group) and a POS manager do their whole job at the till: check, sell,
    refund, sync an offline sale, cause a conflict, close the session. The stock part
    of a paid order runs as the superuser once sync_from_ui has created the order as
    the cashier; the history still names the cashier."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.cashier = cls._create_till_user("role_cashier", *POS_USER)
        cls.pos_manager = cls._create_till_user("role_pos_manager", *POS_MANAGER)

    def setUp(self):
        super().setUp()
        self._open_till(self.cashier)
        # entering the till (Odoo's /pos/ui calls login() as superuser)
        self.pos_session.with_user(self.pos_manager).sudo().login()

    def assertNoInventoryRights(self, user):
        for group in (
            "stock.group_stock_user",
            "pos_serial_tracking.group_serial_user",
            "pos_serial_tracking.group_serial_auditor",
        ):
            self.assertFalse(user.has_group(group), group)

    def _as(self, user, records):
        return records.with_user(user).with_context(
            allowed_company_ids=user.company_ids.ids
        )

    def _sync_as(self, user, *orders):
        orders = [{**order, "user_id": user.id} for order in orders]
        result = self._as(user, self.env["pos.order"]).sync_from_ui(orders)
        return self.env["pos.order"].browse(
            [order["id"] for order in result["pos.order"]]
        )

    def _sold_line(self, lot):
        return lot.sudo().audit_line_ids.filtered(lambda line: line.event == "sold")

    def _conflicts(self, order):
        return (
            self.env["serial.conflict"].sudo().search([("pos_order_id", "=", order.id)])
        )

    def _on_hand(self, lot):
        return sum(
            self.env["stock.quant"]
            .sudo()
            .search(
                [("lot_id", "=", lot.id), ("location_id", "=", self.stock_location.id)]
            )
            .mapped("quantity")
        )

    def test_cashier_has_only_the_pos_user_rights(self):
        self.assertNoInventoryRights(self.cashier)
        self.assertFalse(self.cashier.has_group("point_of_sale.group_pos_manager"))
        # Odoo's POS Administrator implies Inventory User, no Serial group
        self.assertFalse(
            self.pos_manager.has_group("pos_serial_tracking.group_serial_user")
        )

    def test_cashier_checks_and_sells_a_serial(self):
        lot = self._receive_serials(self.phone, ["ROLE-1"])
        verdict = self._as(self.cashier, self.config).check_pos_serials(
            self.phone.id, ["ROLE-1"]
        )[0]
        self.assertFalse(verdict["reason"])
        customer = self.env["res.partner"].create({"name": "Role customer"})
        order = self._sync_as(
            self.cashier, self._order([(self.phone, ["ROLE-1"])], customer=customer)
        )
        self.assertEqual(order.state, "paid")
        self.assertEqual(order.user_id, self.cashier)
        self.assertEqual(order.picking_ids.state, "done")
        self.assertEqual(lot.serial_state, "sold")
        self.assertEqual(lot.serial_partner_id, customer)
        self.assertEqual(self._on_hand(lot), 0)
        sale = self._sold_line(lot)
        self.assertEqual(
            (sale.user_id, sale.reference, sale.pos_config_id),
            (self.cashier, order.name, self.config),
        )
        self.assertFalse(self._conflicts(order))
        self.assertFalse(self.env["serial.audit.line"].verify_chain())

    def test_cashier_double_sale_becomes_a_conflict(self):
        lot = self._receive_serials(self.phone, ["ROLE-2"])
        first = self._sync_as(self.cashier, self._order([(self.phone, ["ROLE-2"])]))
        second = self._sync_as(self.cashier, self._order([(self.phone, ["ROLE-2"])]))
        self.assertEqual([first.state, second.state], ["paid", "paid"])
        conflict = self._conflicts(second)
        self.assertEqual(
            (conflict.reason, conflict.serial, conflict.lot_id),
            ("already_sold", "ROLE-2", lot),
        )
        self.assertNotEqual(second.picking_ids.state, "done")
        self.assertEqual(self._sold_line(lot).reference, first.name)
        history = lot.sudo().audit_line_ids.sorted("chain_index")
        self.assertEqual(history[-1].event, "conflict")
        self.assertEqual(history[-1].user_id, self.cashier)

    def test_cashier_refunds_a_serial(self):
        lot = self._receive_serials(self.phone, ["ROLE-3"])
        sale = self._sync_as(self.cashier, self._order([(self.phone, ["ROLE-3"])]))
        refund = self._sync_as(self.cashier, self._refund_data(sale))
        self.assertEqual(refund.state, "paid")
        self.assertEqual(refund.lines.refunded_orderline_id, sale.lines)
        self.assertEqual(refund.picking_ids.state, "done")
        self.assertEqual(lot.serial_state, "returned")
        self.assertEqual(self._on_hand(lot), 1)
        returned = lot.sudo().audit_line_ids.filtered(
            lambda line: line.event == "returned"
        )
        self.assertEqual(
            (returned.user_id, returned.reference), (self.cashier, refund.name)
        )
        self.assertFalse(self._conflicts(refund))

    def test_cashier_syncs_an_offline_checked_sale(self):
        lot = self._receive_serials(self.phone, ["ROLE-4"])
        offline = self._order([(self.phone, ["ROLE-4"])])
        offline["lines"][0][2]["serial_checked_offline"] = True
        order = self._sync_as(self.cashier, offline)
        self.assertEqual(order.state, "paid")
        self.assertTrue(order.lines.serial_checked_offline)
        self.assertEqual(lot.serial_state, "sold")
        sale = self._sold_line(lot)
        self.assertEqual(sale.user_id, self.cashier)
        self.assertIn("offline", sale.note)
        # the same serial sold offline a second time: kept, flagged for the managers
        again = self._order([(self.phone, ["ROLE-4"])])
        again["lines"][0][2]["serial_checked_offline"] = True
        second = self._sync_as(self.cashier, again)
        self.assertEqual(second.state, "paid")
        conflict = self._conflicts(second)
        self.assertEqual(
            (conflict.reason, conflict.checked_offline), ("already_sold", True)
        )

    def test_cashier_unknown_serial_is_not_created(self):
        order = self._sync_as(self.cashier, self._order([(self.phone, ["ROLE-NEW"])]))
        self.assertEqual(order.state, "paid")
        self.assertEqual(self._conflicts(order).reason, "unknown")
        self.assertFalse(self.env["stock.lot"].search([("name", "=", "ROLE-NEW")]))

    def test_cashier_closes_the_session(self):
        lot = self._receive_serials(self.phone, ["ROLE-5"])
        self._sync_as(self.cashier, self._order([(self.phone, ["ROLE-5"])]))
        session = self._as(self.cashier, self.pos_session)
        session.post_closing_cash_details(session.cash_register_balance_end)
        result = session.close_session_from_ui()
        self.assertTrue(result.get("successful"), result)
        self.assertEqual(self.pos_session.state, "closed")
        self.assertEqual(lot.serial_state, "sold")

    def test_cashier_closes_a_session_updating_stock_at_closing(self):
        """A shop whose stock moves at the session's closing: the cashier's closing
        makes the session's transfer of the serials sold."""
        self.pos_session.update_stock_at_closing = True
        lot = self._receive_serials(self.phone, ["ROLE-7"])
        order = self._sync_as(self.cashier, self._order([(self.phone, ["ROLE-7"])]))
        self.assertFalse(order.picking_ids)
        self.assertEqual(lot.serial_state, "sold")  # claimed at sync
        session = self._as(self.cashier, self.pos_session)
        session.post_closing_cash_details(session.cash_register_balance_end)
        result = session.close_session_from_ui()
        self.assertTrue(result.get("successful"), result)
        self.assertEqual(self.pos_session.picking_ids.state, "done")
        self.assertEqual(self.pos_session.picking_ids.move_line_ids.lot_id, lot)
        self.assertEqual(self._on_hand(lot), 0)
        self.assertEqual(lot.serial_state, "sold")
        self.assertEqual(len(self._sold_line(lot)), 1)

    def test_cashier_loads_the_till(self):
        self._receive_serials(self.phone, ["ROLE-6"])
        data = self._as(self.cashier, self.pos_session).load_data(
            self.pos_session._load_pos_data_models(self.config.id)
        )
        units = OfflineSet(data["pos.session"]["data"][0]["_serial_snapshot"])
        self.assertEqual((len(units), (self.phone.id, "ROLE-6") in units), (1, True))

    def test_pos_manager_sells_and_refunds(self):
        lots = self._receive_serials(self.phone, ["ROLE-M1", "ROLE-M2"])
        sale = self._sync_as(self.pos_manager, self._order([(self.phone, ["ROLE-M1"])]))
        self.assertEqual(sale.state, "paid")
        self.assertEqual(sale.picking_ids.state, "done")
        self.assertEqual(self._sold_line(lots[0]).user_id, self.pos_manager)
        double = self._sync_as(
            self.pos_manager, self._order([(self.phone, ["ROLE-M1"])])
        )
        self.assertEqual(double.state, "paid")
        self.assertEqual(self._conflicts(double).reason, "already_sold")
        refund = self._sync_as(self.pos_manager, self._refund_data(sale))
        self.assertEqual(refund.state, "paid")
        self.assertEqual(lots.mapped("serial_state"), ["returned", "in_stock"])


@tagged("post_install", "-at_install")
class TestPosCashierTour(SerialPosHttpCommon):
    """The cashier with Point of Sale: User rights only, in a real POS (Chromium):
    sells, is refused a repeated and an already sold serial (back in the popup each
    time), refunds; then the database."""

    def test_cashier_sells_is_refused_and_refunds(self):
        for group in (
            "stock.group_stock_user",
            "pos_serial_tracking.group_serial_user",
        ):
            self.assertFalse(self.pos_user.has_group(group), group)
        lots = self._receive_serials(self.phone, ["SPH-C1", "SPH-C2", "SPH-SOLD"])
        sold_elsewhere = lots[2]
        sold_elsewhere._apply_serial_events([{"lot": sold_elsewhere, "event": "sold"}])
        self.main_pos_config.with_user(self.pos_user).open_ui()

        self.start_pos_tour("pos_serial_cashier_tour", login="pos_user")

        sale, refund = self.env["pos.order"].search(
            [("session_id", "=", self.main_pos_config.current_session_id.id)],
            order="id",
        )
        self.assertEqual((sale.state, refund.state), ("paid", "paid"))
        self.assertEqual(sale.user_id, self.pos_user)
        self.assertEqual(
            sorted(sale.lines.pack_lot_ids.mapped("lot_name")), ["SPH-C1", "SPH-C2"]
        )
        self.assertEqual(sale.lines.qty, 2)
        self.assertEqual(sale.picking_ids.state, "done")
        self.assertEqual(refund.lines.qty, -1)
        self.assertEqual(refund.lines.refunded_orderline_id, sale.lines)
        self.assertEqual(refund.lines.pack_lot_ids.mapped("lot_name"), ["SPH-C2"])
        self.assertEqual(refund.picking_ids.state, "done")
        self.assertEqual(lots.mapped("serial_state"), ["sold", "returned", "sold"])
        # SPH-C1 left with the customer, SPH-C2 is back in the shop's stock
        self.assertEqual(lots[0].location_id, sale.picking_ids.location_dest_id)
        self.assertEqual(lots[1].location_id, self.stock_location)
        history = (
            (lots[0] | lots[1])
            .sudo()
            .audit_line_ids.filtered(lambda line: line.event in ("sold", "returned"))
        )
        self.assertEqual(history.user_id, self.pos_user)
        self.assertEqual(
            sorted(history.mapped("reference")), sorted([sale.name] * 2 + [refund.name])
        )
        self.assertFalse(self.env["serial.conflict"].sudo().search([]))
