from odoo.tests import tagged

from .common import SerialPosHttpCommon


@tagged("post_install", "-at_install")
class TestPosSerialSaleTour(SerialPosHttpCommon):
    def test_sell_typed_serial(self):
        """A cashier types the serial of an in-stock phone and is paid: the order is
        paid, carries the serial, and the unit left the shop's stock."""
        lot = self._receive_serials(self.phone, ["SPH-0001", "SPH-0002"])[0]
        self.main_pos_config.with_user(self.pos_user).open_ui()

        self.start_pos_tour("pos_serial_sale_typed_tour")

        order = self.env["pos.order"].search(
            [("session_id", "=", self.main_pos_config.current_session_id.id)]
        )
        self.assertEqual(len(order), 1)
        self.assertEqual(order.state, "paid")
        self.assertEqual(order.amount_total, 500.0)
        self.assertEqual(order.lines.pack_lot_ids.mapped("lot_name"), ["SPH-0001"])
        self.assertEqual(order.picking_ids.state, "done")
        self.assertEqual(order.picking_ids.move_line_ids.lot_id, lot)
        self.assertEqual(lot.location_id, order.picking_ids.location_dest_id)
        self.assertEqual(self.phone.with_context(location=self.stock_location.id).qty_available, 1)
