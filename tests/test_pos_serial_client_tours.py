from odoo.tests import tagged

from .common import SerialPosHttpCommon


@tagged("post_install", "-at_install")
class TestPosSerialClientTours(SerialPosHttpCommon):
    """The till's own behaviour (offline checks, the refund's serials, the snapshot
    refresh, the receipt), in a real POS (Chromium); then the database."""

    def _session_orders(self):
        return self.env["pos.order"].search(
            [("session_id", "=", self.main_pos_config.current_session_id.id)],
            order="id",
        )

    def test_offline_scan_marks_line(self):
        """A serial scanned offline is checked against the snapshot and its line is
        marked; the order synced once online carries the mark to the server, and the
        sale in the serial's history says so. The receipt prints the server's warranty
        end (the tour makes the till's product data stale)."""
        self.phone.warranty_months = 24
        lot = self._receive_serials(self.phone, ["SPH-0001"])
        self.main_pos_config.with_user(self.pos_user).open_ui()

        self.start_pos_tour("pos_serial_offline_scan_tour")

        order = self._session_orders()
        self.assertEqual(order.state, "paid")
        self.assertEqual(order.lines.pack_lot_ids.mapped("lot_name"), ["SPH-0001"])
        self.assertTrue(order.lines.serial_checked_offline)
        self.assertEqual(lot.serial_state, "sold")
        self.assertTrue(lot.warranty_end_date)
        sale = lot.sudo().audit_line_ids.filtered(lambda line: line.event == "sold")
        self.assertEqual(sale.note, "Checked offline at the till.")
        self.assertFalse(self.env["serial.conflict"].sudo().search([]))

    def test_snapshot_refresh(self):
        """A unit sold after the till loaded its snapshot leaves it at the next
        periodic refresh: offline, the till refuses it and still sells the others."""
        lots = self._receive_serials(self.phone, ["SPH-0001", "SPH-0002"])
        self.main_pos_config.with_user(self.pos_user).open_ui()

        self.start_pos_tour("pos_serial_snapshot_refresh_tour")

        orders = self._session_orders()
        self.assertEqual(orders.mapped("state"), ["paid"])
        self.assertEqual(orders.lines.pack_lot_ids.mapped("lot_name"), ["SPH-0001"])
        self.assertEqual(lots.mapped("serial_state"), ["sold", "in_stock"])

    def test_refund_popup_cancel_then_choose(self):
        """The refund's serials are asked on the ticket screen; Cancel refunds nothing,
        then the unit chosen (not the first one) is the one refunded."""
        lots = self._receive_serials(self.phone, ["SPH-0001", "SPH-0002"])
        self.main_pos_config.with_user(self.pos_user).open_ui()

        self.start_pos_tour("pos_serial_refund_popup_tour")

        sale, refund = self._session_orders()
        self.assertEqual(
            sorted(sale.lines.pack_lot_ids.mapped("lot_name")), ["SPH-0001", "SPH-0002"]
        )
        self.assertEqual(refund.state, "paid")
        self.assertEqual(refund.lines.qty, -1)
        self.assertEqual(refund.lines.refunded_orderline_id, sale.lines)
        self.assertEqual(refund.lines.pack_lot_ids.mapped("lot_name"), ["SPH-0002"])
        self.assertEqual(lots.mapped("serial_state"), ["sold", "returned"])
        self.assertFalse(self.env["serial.conflict"].sudo().search([]))
