from odoo.tests import tagged

from .common import SerialPosHttpCommon


@tagged("post_install", "-at_install")
class TestPosSerialTours(SerialPosHttpCommon):
    """The cashier's side in a real POS (Chromium), then the database after the tour.
    The cashier (pos_user) has Point of Sale: User rights only; the GS1 tour runs as
    the POS manager (pos_admin)."""

    def _session_orders(self):
        return self.env["pos.order"].search(
            [("session_id", "=", self.main_pos_config.current_session_id.id)],
            order="id",
        )

    def test_sell_typed_serial(self):
        """A cashier types the serial of an in-stock phone and is paid: the order is
        paid, carries the serial, and the unit left the shop's stock."""
        lot = self._receive_serials(self.phone, ["SPH-0001", "SPH-0002"])[0]
        self.main_pos_config.with_user(self.pos_user).open_ui()

        self.start_pos_tour("pos_serial_sale_typed_tour")

        order = self._session_orders()
        self.assertEqual(len(order), 1)
        self.assertEqual(order.state, "paid")
        self.assertEqual(order.amount_total, 500.0)
        self.assertEqual(order.lines.pack_lot_ids.mapped("lot_name"), ["SPH-0001"])
        self.assertEqual(order.picking_ids.state, "done")
        self.assertEqual(order.picking_ids.move_line_ids.lot_id, lot)
        self.assertEqual(lot.location_id, order.picking_ids.location_dest_id)
        self.assertEqual(lot.serial_state, "sold")
        self.assertEqual(
            self.phone.with_context(location=self.stock_location.id).qty_available, 1
        )

    def test_refusals(self):
        lots = self._receive_serials(self.phone, ["SPH-SOLD", "SPH-STOLEN"])
        lots[0]._apply_serial_events([{"lot": lots[0], "event": "sold"}])
        lots[1]._apply_serial_events(
            [{"lot": lots[1], "event": "marked_stolen", "note": "Shop window"}]
        )
        self.main_pos_config.with_user(self.pos_user).open_ui()

        self.start_pos_tour("pos_serial_refusals_tour")

        self.assertFalse(self._session_orders().lines)
        self.assertEqual(lots.mapped("serial_state"), ["sold", "stolen"])
        attempt = (
            lots[1]
            .sudo()
            .audit_line_ids.filtered(lambda line: line.event == "blocked_sale")
        )
        self.assertEqual(len(attempt), 1)
        self.assertEqual(attempt.pos_config_id, self.main_pos_config)
        self.assertEqual(attempt.user_id, self.pos_user)
        self.assertFalse(self.env["stock.lot"].search([("name", "=", "NOPE-404")]))

    def test_scan_duplicate_and_quantity(self):
        self.phone.warranty_months = 24
        lots = self._receive_serials(self.phone, ["SPH-0001", "SPH-0002"])
        self.main_pos_config.with_user(self.pos_user).open_ui()

        self.start_pos_tour("pos_serial_scan_and_quantity_tour")

        order = self._session_orders()
        self.assertEqual(order.state, "paid")
        self.assertEqual(
            sorted(order.lines.pack_lot_ids.mapped("lot_name")),
            ["SPH-0001", "SPH-0002"],
        )
        self.assertEqual(order.lines.qty, 2)
        self.assertEqual(order.picking_ids.state, "done")
        self.assertEqual(lots.mapped("serial_state"), ["sold", "sold"])
        self.assertTrue(all(lots.mapped("warranty_end_date")))

    def test_scan_gs1(self):
        self.main_pos_config.company_id.nomenclature_id = self.env.ref(
            "barcodes_gs1_nomenclature.default_gs1_nomenclature"
        )
        self.phone.barcode = "08431673020125"
        lot = self._receive_serials(self.phone, ["GS1-0001"])
        # this one at the till of the POS manager (Point of Sale: Administrator)
        self.main_pos_config.with_user(self.pos_admin).open_ui()

        self.start_pos_tour("pos_serial_gs1_tour", login="pos_admin")

        order = self._session_orders()
        self.assertEqual(order.lines.pack_lot_ids.mapped("lot_name"), ["GS1-0001"])
        self.assertEqual(order.user_id, self.pos_admin)
        self.assertEqual(lot.serial_state, "sold")
        sale = lot.sudo().audit_line_ids.filtered(lambda line: line.event == "sold")
        self.assertEqual(sale.user_id, self.pos_admin)

    def test_refund_and_resell(self):
        lot = self._receive_serials(self.phone, ["SPH-0003"])
        self.main_pos_config.with_user(self.pos_user).open_ui()

        self.start_pos_tour("pos_serial_refund_resell_tour")

        sale, refund, resale = self._session_orders()
        self.assertEqual(refund.lines.refunded_orderline_id, sale.lines)
        self.assertEqual(refund.lines.pack_lot_ids.mapped("lot_name"), ["SPH-0003"])
        self.assertEqual(resale.lines.pack_lot_ids.mapped("lot_name"), ["SPH-0003"])
        self.assertEqual(
            [o.picking_ids.state for o in (sale, refund, resale)], ["done"] * 3
        )
        self.assertEqual(lot.serial_state, "sold")
        self.assertEqual(
            lot.sudo().audit_line_ids.sorted("chain_index").mapped("event"),
            ["registered", "received", "sold", "returned", "sold"],
        )
        self.assertFalse(self.env["serial.conflict"].sudo().search([]))
