from odoo.exceptions import AccessError

from .common import SerialTrackingCommon


class TestSecurityGroups(SerialTrackingCommon):
    def test_manager_implies_user(self):
        user_group = self.env.ref("pos_serial_tracking.group_serial_user")
        self.assertTrue(
            self.serial_manager.has_group("pos_serial_tracking.group_serial_user")
        )
        self.assertIn(
            user_group,
            self.env.ref("pos_serial_tracking.group_serial_manager").implied_ids,
        )
        self.assertFalse(
            self.serial_user.has_group("pos_serial_tracking.group_serial_manager")
        )

    def test_user_sees_serials_as_inventory_user(self):
        self.assertTrue(self.serial_user.has_group("stock.group_stock_user"))
        self.assertTrue(self.serial_user.has_group("stock.group_production_lot"))

    def test_auditor_implies_no_write_right(self):
        auditor = self.serial_auditor
        self.assertFalse(auditor.has_group("pos_serial_tracking.group_serial_user"))
        self.assertFalse(auditor.has_group("stock.group_stock_user"))
        self.assertFalse(auditor.has_group("point_of_sale.group_pos_user"))
        lot = self._receive_serials(self.phone, ["P1-AUD-1"])
        read = (
            self.env["stock.lot"]
            .with_user(auditor)
            .search_read([("id", "=", lot.id)], ["name", "product_id"])
        )
        self.assertEqual(read[0]["name"], "P1-AUD-1")
        with self.assertRaises(AccessError):
            lot.with_user(auditor).write({"note": "tampered"})

    def test_admin_is_serial_manager(self):
        admin = self.env.ref("base.user_admin")
        self.assertTrue(admin.has_group("pos_serial_tracking.group_serial_manager"))

    def test_serial_product_stock(self):
        lots = self._receive_serials(self.phone, ["P1-0001", "P1-0002"])
        self.assertEqual(self.phone.tracking, "serial")
        self.assertEqual(self.phone.qty_available, 2)
        self.assertEqual(lots.mapped("product_qty"), [1.0, 1.0])
        self.assertEqual(lots.location_id, self.stock_location)

    def test_serial_menu_visible_to_roles(self):
        menu = self.env.ref("pos_serial_tracking.serial_numbers_menu")
        for user in (self.serial_user, self.serial_manager, self.serial_auditor):
            visible = self.env["ir.ui.menu"].with_user(user)._visible_menu_ids()
            self.assertIn(menu.id, visible, user.login)
        cashier = self._create_user(
            "cashier", "base.group_user", "point_of_sale.group_pos_user"
        )
        visible = self.env["ir.ui.menu"].with_user(cashier)._visible_menu_ids()
        self.assertNotIn(menu.id, visible)
