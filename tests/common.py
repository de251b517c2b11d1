from odoo.tests import TransactionCase

from odoo.addons.point_of_sale.tests.test_frontend import TestPointOfSaleHttpCommon


class SerialDataMixin:
    """Builders for serial-tracked products, role users and stock, shared by the tests."""

    @classmethod
    def _create_serial_product(cls, name, code, **values):
        return cls.env["product.product"].create(
            {
                "name": name,
                "default_code": code,
                "is_storable": True,
                "tracking": "serial",
                "available_in_pos": True,
                "categ_id": cls.env.ref("product.product_category_all").id,
                **values,
            }
        )

    @classmethod
    def _create_user(cls, login, *groups):
        return cls.env["res.users"].create(
            {
                "name": login.replace("_", " ").title(),
                "login": login,
                "password": login,
                "groups_id": [(6, 0, [cls.env.ref(group).id for group in groups])],
            }
        )

    @classmethod
    def _receive_serials(cls, product, serials, location=None):
        """Put one unit of each serial in stock, as an inventory adjustment does."""
        location = location or cls.stock_location
        lots = cls.env["stock.lot"].create(
            [{"name": serial, "product_id": product.id} for serial in serials]
        )
        cls.env["stock.quant"].with_context(inventory_mode=True).create(
            [
                {
                    "product_id": product.id,
                    "lot_id": lot.id,
                    "location_id": location.id,
                    "inventory_quantity": 1,
                }
                for lot in lots
            ]
        ).action_apply_inventory()
        return lots


class SerialTrackingCommon(SerialDataMixin, TransactionCase):
    """A serial-tracked product and one user per role."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.stock_location = cls.env.ref("stock.warehouse0").lot_stock_id
        cls.phone = cls._create_serial_product("Phone P1", "P1")
        cls.serial_user = cls._create_user(
            "serial_user", "pos_serial_tracking.group_serial_user"
        )
        cls.serial_manager = cls._create_user(
            "serial_manager", "pos_serial_tracking.group_serial_manager"
        )
        cls.serial_auditor = cls._create_user(
            "serial_auditor", "pos_serial_tracking.group_serial_auditor"
        )


class SerialPosHttpCommon(SerialDataMixin, TestPointOfSaleHttpCommon):
    """Odoo's own POS test setup (a shop, a cashier, payment methods) plus a
    serial-tracked product sold from the POS's stock location."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.stock_location = cls.main_pos_config.picking_type_id.default_location_src_id
        cls.phone = cls._create_serial_product(
            "Serial Phone", "SPHONE", list_price=500.0, taxes_id=False
        )
