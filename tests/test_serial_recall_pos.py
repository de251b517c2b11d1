from odoo.tests import Form, tagged

from .common import SerialPosHttpCommon, SerialPosSyncCommon


class TestSerialCustomerPolicy(SerialPosSyncCommon):
    """The POS setting "Ask for a customer on serial sales": set in the settings,
    loaded into the till, and never a reason for the server to refuse a paid order."""

    def test_setting_reaches_till(self):
        self.assertEqual(self.config.serial_customer_policy, "off")
        manager = self._create_user(
            "pos_admin", "point_of_sale.group_pos_manager", "base.group_system"
        )
        form = Form(self.env["res.config.settings"].with_user(manager))
        form.pos_config_id = self.config
        self.assertEqual(form.pos_serial_customer_policy, "off")
        form.pos_serial_customer_policy = "required"
        form.save().execute()
        self.assertEqual(self.config.serial_customer_policy, "required")

        self.config.open_ui()
        data = self.config.current_session_id.load_data(["pos.config"])
        self.assertEqual(
            data["pos.config"]["data"][0]["serial_customer_policy"], "required"
        )

    def test_paid_order_without_customer_is_kept(self):
        """Required at the till only: a paid order without customer (an older till, a
        script) is recorded and its unit sold, as any paid order."""
        self.config.serial_customer_policy = "required"
        lot = self._receive_serials(self.phone, ["CPS-0001"])
        self.open_new_session()

        order = self._sync(self._order([(self.phone, ["CPS-0001"])]))

        self.assertEqual(order.state, "paid")
        self.assertFalse(order.partner_id)
        self.assertEqual(lot.serial_state, "sold")
        self.assertFalse(self.env["serial.conflict"].sudo().search([]))


@tagged("post_install", "-at_install")
class TestSerialRecallPosTours(SerialPosHttpCommon):
    """At the till (Chromium): a recalled unit refused with the reason; the customer
    asked on serial sales as the shop's setting says; then the database."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.buyer = cls.env["res.partner"].create({"name": "Recall Buyer"})

    def _session_orders(self):
        return self.env["pos.order"].search(
            [("session_id", "=", self.main_pos_config.current_session_id.id)],
            order="id",
        )

    def test_recalled_unit_refused(self):
        """A unit recalled (by a draft recall, its document) is refused, scanned or
        typed, with the recall as the reason; the attempt is in its history once; the
        other unit is sold."""
        recalled, other = self._receive_serials(self.phone, ["SPH-RCL-1", "SPH-0001"])
        manager = self._create_user(
            "recall_manager", "pos_serial_tracking.group_serial_manager"
        )
        recall = (
            self.env["serial.recall"]
            .with_user(manager)
            .create(
                {
                    "reason": "Battery may overheat",
                    "product_ids": [(6, 0, self.phone.ids)],
                    "serial_ranges": "SPH-RCL-1",
                }
            )
        )
        self.env["stock.lot"].with_user(manager)._apply_serial_events(
            [
                {
                    "lot": recalled.with_user(manager),
                    "event": "recalled",
                    "res_model": "serial.recall",
                    "res_id": recall.id,
                    "reference": recall.name,
                    "note": "Battery may overheat",
                }
            ]
        )
        self.main_pos_config.with_user(self.pos_user).open_ui()

        self.start_pos_tour("pos_serial_recalled_tour")

        order = self._session_orders()
        self.assertEqual(len(order), 1)
        self.assertEqual(order.state, "paid")
        self.assertEqual(order.lines.pack_lot_ids.mapped("lot_name"), ["SPH-0001"])
        self.assertEqual(recalled.serial_state, "recalled")
        self.assertEqual(other.serial_state, "sold")
        self.assertFalse(recalled.pos_claim_line_id)
        history = recalled.sudo().audit_line_ids.sorted("chain_index")
        self.assertEqual(
            history.mapped("event"),
            ["registered", "received", "recalled", "blocked_sale"],
        )
        self.assertEqual(
            (history[2].res_model, history[2].reference, history[2].user_id),
            ("serial.recall", recall.name, manager),
        )
        attempt = history[-1]
        self.assertEqual(attempt.new_state, "recalled")
        self.assertEqual(attempt.user_id, self.pos_user)
        self.assertEqual(attempt.pos_config_id, self.main_pos_config)
        self.assertIn("in state Recalled", attempt.note)
        # other classes commit their tills' conflicts: only this till's count here
        self.assertFalse(
            self.env["serial.conflict"]
            .sudo()
            .search([("pos_order_id.config_id", "=", self.main_pos_config.id)])
        )

    def test_customer_optional(self):
        """Optional: the first phone is paid without customer, the second with the one
        chosen from the till's question, the desk pad without being asked."""
        self.main_pos_config.serial_customer_policy = "optional"
        lots = self._receive_serials(self.phone, ["SPH-0001", "SPH-0002"])
        self.main_pos_config.with_user(self.pos_user).open_ui()

        self.start_pos_tour("pos_serial_customer_optional_tour")

        without, chosen, desk_pad = self._session_orders()
        self.assertEqual([o.state for o in (without, chosen, desk_pad)], ["paid"] * 3)
        self.assertFalse(without.partner_id)
        self.assertEqual(without.lines.pack_lot_ids.lot_name, "SPH-0001")
        self.assertEqual(chosen.partner_id, self.buyer)
        self.assertEqual(chosen.lines.pack_lot_ids.lot_name, "SPH-0002")
        self.assertFalse(desk_pad.partner_id)
        self.assertEqual(desk_pad.lines.product_id.name, "Desk Pad")
        self.assertEqual(lots.mapped("serial_state"), ["sold", "sold"])
        self.assertFalse(lots[0].serial_partner_id)
        self.assertEqual(lots[1].serial_partner_id, self.buyer)

    def test_customer_required(self):
        """Required: the order is paid only once a customer is chosen, also after the
        cashier removed them on the payment screen; the unit is sold to them."""
        self.main_pos_config.serial_customer_policy = "required"
        lot = self._receive_serials(self.phone, ["SPH-0001"])
        self.main_pos_config.with_user(self.pos_user).open_ui()

        self.start_pos_tour("pos_serial_customer_required_tour")

        order = self._session_orders()
        self.assertEqual(len(order), 1)
        self.assertEqual(order.state, "paid")
        self.assertEqual(order.partner_id, self.buyer)
        self.assertEqual(lot.serial_state, "sold")
        self.assertEqual(lot.serial_partner_id, self.buyer)
