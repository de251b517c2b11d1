from odoo.tests import tagged

from .common import SerialTrackingCommon


@tagged("post_install", "-at_install")
class TestSerialImportExtension(SerialTrackingCommon):
    """Another module's stock.lot columns on imported lots: filled through the import's
    extension point (stock.lot._serial_import_values), or given their default, or
    computed, as the ORM would."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        from .fake_stock_lot import StockLot

        cls._load_fake_models(StockLot)

    def test_extension_columns_of_imported_lots(self):
        result = (
            self.env["stock.lot.import.batch"]
            .with_user(self.serial_user)
            .register_serials(
                [
                    {"serial": "P1-0001", "product": "P1", "batch": "BE-2301"},
                    {"serial": "P1-00002", "product": "P1", "batch": "NL-9"},
                ]
            )
        )
        lots = self.env["stock.lot"].search(
            [("import_batch_id", "=", result["batch_id"])], order="name"
        )
        self.assertEqual(
            [
                (lot.name, lot.origin_country, lot.customs_cleared, lot.serial_length)
                for lot in lots
            ],
            [("P1-00002", False, True, 8), ("P1-0001", "BE", True, 7)],
        )
        created = self.env["stock.lot"].create(
            {"name": "P1-0003", "product_id": self.phone.id}
        )
        self.assertEqual(
            (created.origin_country, created.customs_cleared, created.serial_length),
            (False, True, 7),
        )
