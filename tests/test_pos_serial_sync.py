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
