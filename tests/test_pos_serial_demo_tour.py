from odoo.tests import HttpCase, tagged

# the serial README.md gives the cashier to try, in stock in make run's demo
DEMO_SERIAL = "NVX-0100"


# Runs on make run's demo database only (`make check-demo` runs it there): "-standard"
# keeps it out of `make test`, whose database has no demo data.
@tagged("post_install", "-at_install", "-standard", "pos_serial_demo")
class TestPosSerialDemoTour(HttpCase):
    """make run's demo as a newcomer tries it, in a real POS (Chromium): the README's
    `cashier` (login = password, Point of Sale: User only) opens the Furniture Shop
    till with no setting changed, sells the README's demo phone NVX-0100 from the
    Serialized Goods category, sees its receipt, and is refused the same serial
    again. Then the database: the order paid, the unit sold, its history in the
    cashier's name."""

    def setUp(self):
        super().setUp()
        phone = self.env.ref(
            "pos_serial_tracking.product_phone_demo", raise_if_not_found=False
        )
        self.cashier = self.env["res.users"].search([("login", "=", "cashier")])
        self.assertTrue(
            phone and self.cashier,
            "runs on make run's demo database (make check-demo), not on a test one",
        )
        self.config = self.env.ref("point_of_sale.pos_config_main")
        self.lot = self.env["stock.lot"].search(
            [("product_id", "=", phone.id), ("name", "=", DEMO_SERIAL)]
        )
        self.stock_location = self.config.picking_type_id.default_location_src_id

    def _orders(self):
        return self.env["pos.order"].search([("config_id", "=", self.config.id)])

    def test_cashier_sells_a_demo_serial_and_is_refused_it_again(self):
        # the README's cashier: Point of Sale: User and Internal User, nothing else
        role = self.env.ref("base.group_user") | self.env.ref(
            "point_of_sale.group_pos_user"
        )
        self.assertEqual(self.cashier.groups_id, role | role.trans_implied_ids)
        # as make run leaves it: the till's demo session waits for its opening, and
        # the README's serial is in stock where the till sells from
        session = self.config.current_session_id
        self.assertEqual(session.state, "opening_control")
        self.assertEqual(self.lot.serial_state, "in_stock")
        self.assertEqual(self.lot.location_id, self.stock_location)
        orders_before = self._orders()

        self.start_tour(
            f"/pos/ui?config_id={self.config.id}",
            "pos_serial_demo_cashier_tour",
            login="cashier",
            timeout=240,
        )

        sale = self._orders() - orders_before
        self.assertEqual(len(sale), 1, "one order: the refused serial adds none")
        self.assertEqual(sale.session_id, session)
        self.assertEqual(sale.state, "paid")
        self.assertEqual(sale.user_id, self.cashier)
        self.assertEqual(sale.lines.product_id, self.lot.product_id)
        self.assertEqual(sale.lines.pack_lot_ids.mapped("lot_name"), [DEMO_SERIAL])
        self.assertEqual(sale.picking_ids.state, "done")
        self.assertEqual(self.lot.serial_state, "sold")
        self.assertTrue(self.lot.warranty_end_date)
        self.assertEqual(self.lot.location_id, sale.picking_ids.location_dest_id)
        sold = self.lot.sudo().audit_line_ids.filtered(
            lambda line: line.event == "sold"
        )
        self.assertEqual(len(sold), 1)
        self.assertEqual(sold.user_id, self.cashier)
        self.assertEqual(sold.reference, sale.name)
        self.assertFalse(
            self.env["serial.conflict"].search([("pos_order_id", "=", sale.id)])
        )
