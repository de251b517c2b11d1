import base64
from datetime import date, datetime
from xmlrpc.client import Fault

from freezegun import freeze_time

from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import HttpCase, tagged

from .common import SerialDataMixin, SerialTrackingCommon
from .test_stock_lot_import import xlsx_bytes

# stored on every lot but naming this lot or this registration: they differ by design
OWN_VALUES = {
    "id",
    "name",
    "serial_trailing_number",
    "import_batch_id",
    "create_date",
    "write_date",
}


@tagged("post_install", "-at_install")
class TestSerialImportService(SerialTrackingCommon):
    """stock.lot.import.batch.register_serials, the bulk registration service, called
    from code as the wizard and other modules call it."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # product_expiry is installed in the test databases (scripts/odoo_env.py)
        cls.medicine = cls._create_serial_product(
            "Insulin Pen",
            "PEN",
            use_expiration_date=True,
            expiration_time=365,
            use_time=300,
            removal_time=330,
            alert_time=350,
        )

    def _register(self, rows, user=None, **options):
        Batch = self.env["stock.lot.import.batch"].with_user(user or self.serial_user)
        return Batch.register_serials(rows, options)

    def _stored_values(self, lot):
        """Every stored column of the lot, as the ORM reads it."""
        names = [
            name
            for name, field in lot._fields.items()
            if field.store and field.column_type and name not in OWN_VALUES
        ]
        lot.invalidate_recordset()
        return lot.read(names)[0] | {"id": None}

    # --- compatible with the modules around it --------------------------------------
    def test_imported_lot_holds_what_the_orm_stores_with_product_expiry(self):
        """With and without an expiry date in the file, an imported lot holds the same
        stored values as a lot created through the ORM: product_expiry's expiration,
        best before, removal and alert dates included (FEFO reads them)."""
        self.assertIn("removal_date", self.env["stock.lot"]._fields)
        Lot = self.env["stock.lot"].with_user(self.serial_manager)
        # the import registers into a company (the ORM's lot of a product shared by
        # all companies has none unless given, as a receipt gives it)
        company = {"company_id": self.env.company.id}
        with freeze_time("2026-12-02 09:30:00"):
            created = Lot.create(
                [
                    {"name": "PEN-0001", "product_id": self.medicine.id, **company},
                    {
                        "name": "PEN-0003",
                        "product_id": self.medicine.id,
                        **company,
                        "expiration_date": datetime(2027, 5, 31),
                        "serial_expiry_date": date(2027, 5, 31),
                        "serial_batch": "B-77",
                        "ref": "R1",
                        "vendor_warranty_end_date": date(2028, 1, 1),
                    },
                ]
            )
            result = self._register(
                [
                    {"serial": "PEN-0002", "product": "PEN"},
                    {
                        "serial": "PEN-0004",
                        "product": "PEN",
                        "expiry_date": "2027-05-31",
                        "batch": "B-77",
                        "lot_ref": "R1",
                        "warranty_end": "2028-01-01",
                    },
                ],
                user=self.serial_manager,
            )
        imported = self.env["stock.lot"].search(
            [("import_batch_id", "=", result["batch_id"])], order="name"
        )
        self.assertEqual(imported.mapped("name"), ["PEN-0002", "PEN-0004"])
        for orm_lot, imported_lot in zip(created, imported, strict=True):
            self.assertEqual(
                self._stored_values(imported_lot), self._stored_values(orm_lot)
            )
        computed, given = imported
        self.assertEqual(computed.expiration_date, datetime(2027, 12, 2, 9, 30))
        self.assertEqual(computed.removal_date, datetime(2027, 1, 6, 9, 30))
        self.assertEqual(given.expiration_date, datetime(2027, 5, 31))
        self.assertEqual(given.use_date, datetime(2026, 8, 4))
        self.assertEqual(given.alert_date, datetime(2026, 6, 15))
        self.assertEqual(
            (given.serial_expiry_date, given.serial_batch), (date(2027, 5, 31), "B-77")
        )

    def test_lot_of_a_product_without_expiry_matches_the_orm(self):
        """Core's lot properties too: the product's definition gives their defaults."""
        self.phone.lot_properties_definition = [
            {"name": "color", "type": "char", "string": "Color", "default": "black"}
        ]
        Lot = self.env["stock.lot"].with_user(self.serial_manager)
        with freeze_time("2026-12-02 09:30:00"):
            created = Lot.create(
                {
                    "name": "P1-0001",
                    "product_id": self.phone.id,
                    "company_id": self.env.company.id,
                }
            )
            result = self._register(
                [{"serial": "P1-0002", "product": "P1"}], user=self.serial_manager
            )
        imported = self.env["stock.lot"].browse(
            self.env["stock.lot"]
            .search([("import_batch_id", "=", result["batch_id"])])
            .ids
        )
        self.assertEqual(self._stored_values(imported), self._stored_values(created))
        self.assertFalse(imported.expiration_date)
        properties = imported.read(["lot_properties"])[0]["lot_properties"]
        self.assertEqual(
            [(p["name"], p["value"]) for p in properties], [("color", "black")]
        )

    # --- expiry and batch columns ----------------------------------------------------
    def test_expiry_date_and_batch_columns_of_a_workbook(self):
        data = xlsx_bytes(
            [
                ["Serial", "Product", "Expiry Date", "Batch"],
                ["PEN-0101", "PEN", datetime(2027, 3, 31), "L2301"],
                ["PEN-0102", "PEN", "2027-04-30", 2302],
                ["PEN-0103", "PEN", "", ""],
                ["PEN-0104", "PEN", "end of March", "L2301"],
            ]
        )
        wizard = self._wizard(data, valid_rows_only=True)
        wizard.action_dry_run()
        self.assertEqual(
            wizard.column_ids.mapped("field"),
            ["serial", "product", "expiry_date", "batch"],
        )
        self.assertEqual((wizard.new_count, wizard.invalid_count), (3, 1))
        self.assertEqual(
            wizard.error_ids.reason,
            "The expiry date end of March is not a date: write it as MM/DD/YYYY or "
            "YYYY-MM-DD, for example 12/31/2027.",
        )
        wizard.action_import()
        lots = self.env["stock.lot"].search(
            [("import_batch_id", "=", wizard.batch_id.id)], order="name"
        )
        self.assertEqual(
            [(lot.serial_expiry_date, lot.serial_batch) for lot in lots],
            [
                (date(2027, 3, 31), "L2301"),
                (date(2027, 4, 30), "2302"),
                (False, False),
            ],
        )
        # product_expiry's expiration follows the file's date, not the product's time
        self.assertEqual(lots[0].expiration_date, datetime(2027, 3, 31))

    def _wizard(self, data, **values):
        return (
            self.env["stock.lot.import"]
            .with_user(self.serial_user)
            .create({"file": base64.b64encode(data), "filename": "pens.xlsx", **values})
        )

    # --- the service from code -------------------------------------------------------
    def test_register_serials_checks_registers_and_receives(self):
        rows = [
            {"serial": "P1-0201", "product": "P1", "location": "WH/Stock"},
            {"serial": "P1-0202", "note": "boxed"},
            {"serial": "", "product": "P1", "row": 7},
        ]
        dry = self._register(rows, product_id=self.phone.id, dry_run=True)
        self.assertEqual(
            {
                k: dry[k]
                for k in ("batch_id", "row_count", "new_count", "invalid_count")
            },
            {"batch_id": False, "row_count": 3, "new_count": 2, "invalid_count": 1},
        )
        self.assertEqual(
            dry["problems"],
            [
                {
                    "row": 7,
                    "serial": "",
                    "product": "P1",
                    "code": "empty_serial",
                    "message": "The serial is empty: fill it in, or remove the row.",
                }
            ],
        )
        self.assertFalse(self.env["stock.lot"].search([("name", "=", "P1-0201")]))
        with self.assertRaisesRegex(
            UserError,
            r"1 of the 3 rows cannot be imported \(row 7: The serial is empty",
        ):
            self._register(rows, product_id=self.phone.id)
        result = self._register(rows, product_id=self.phone.id, valid_rows_only=True)
        self.assertEqual(
            (result["new_count"], result["received_count"], result["invalid_count"]),
            (2, 1, 1),
        )
        received, registered = self.env["stock.lot"].search(
            [("name", "in", ["P1-0201", "P1-0202"])], order="name"
        )
        self.assertEqual(received.serial_state, "in_stock")
        self.assertEqual(
            received.quant_ids.filtered(lambda quant: quant.quantity > 0).location_id,
            self.stock_location,
        )
        self.assertFalse(registered.serial_state)
        self.assertIn("boxed", registered.note)
        self.assertEqual(
            self.env["serial.audit.line"]
            .search([("lot_id", "=", registered.id)])
            .mapped("event"),
            ["imported"],
        )
        again = self._register(rows[:2], product_id=self.phone.id, dry_run=True)
        self.assertEqual((again["new_count"], again["existing_count"]), (0, 2))

    def test_register_serials_refuses_what_the_caller_may_not_do(self):
        rows = [{"serial": "P1-0301", "product": "P1"}]
        with self.assertRaises(AccessError):
            self._register(rows, user=self.serial_auditor)
        cashier = self._create_user("cashier_import", "point_of_sale.group_pos_user")
        with self.assertRaises(AccessError):
            self._register(rows, user=cashier)
        other_company, other_stock = self._create_company_with_stock("Other Co")
        with self.assertRaisesRegex(
            AccessError, "only be imported into a company you are working in"
        ):
            self._register(rows, company_id=other_company.id)
        with self.assertRaises(AccessError):
            self._register(rows, location_id=other_stock.id)
        with self.assertRaisesRegex(
            ValidationError, "only be received into an internal location"
        ):
            self._register(
                rows, location_id=self.env.ref("stock.stock_location_customers").id
            )
        with self.assertRaisesRegex(ValidationError, "Unknown options sudo"):
            self._register(rows, sudo=True)
        with self.assertRaisesRegex(ValidationError, "give each row as a dict"):
            self._register([{"serial": "P1-0302", "serial_state": "sold"}])
        self.env["ir.config_parameter"].set_param(
            "pos_serial_tracking.import_max_rows", "1"
        )
        with self.assertRaisesRegex(UserError, "more than 1 rows"):
            self._register(rows * 2)
        self.assertFalse(self.env["stock.lot"].search([("name", "like", "P1-03")]))


@tagged("post_install", "-at_install")
class TestSerialImportServiceRpc(SerialDataMixin, HttpCase):
    """The service over XML-RPC, without the wizard, as an integration calls it."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.phone = cls._create_serial_product("Phone R1", "R1")
        cls.serial_user = cls._create_user(
            "rpc_serial_user", "pos_serial_tracking.group_serial_user"
        )
        cls.cashier = cls._create_user("rpc_cashier", "point_of_sale.group_pos_user")

    def _call(self, login, rows, options):
        uid = self.xmlrpc_common.authenticate(self.env.cr.dbname, login, login, {})
        return self.xmlrpc_object.execute_kw(
            self.env.cr.dbname,
            uid,
            login,
            "stock.lot.import.batch",
            "register_serials",
            [rows],
            {"options": options},
        )

    def test_register_serials_over_rpc(self):
        rows = [
            {"serial": "R1-0001", "product": "R1", "expiry_date": "2027-06-30"},
            {"serial": "R1-0002", "product": "R1", "location": "WH/Stock"},
        ]
        result = self._call("rpc_serial_user", rows, {"file_name": "erp-feed"})
        self.assertEqual(
            (result["new_count"], result["received_count"], result["problems"]),
            (2, 1, []),
        )
        batch = self.env["stock.lot.import.batch"].browse(result["batch_id"])
        self.assertEqual(
            (batch.user_id, batch.file_name, batch.created_count),
            (self.serial_user, "erp-feed", 2),
        )
        first, second = batch.lot_ids.sorted("name")
        self.assertEqual(first.serial_expiry_date, date(2027, 6, 30))
        self.assertEqual(second.serial_state, "in_stock")
        again = self._call("rpc_serial_user", rows, {"dry_run": True})
        self.assertEqual([p["code"] for p in again["problems"]], ["existing"] * 2)
        with self.assertRaisesRegex(Fault, "not allowed to create"):
            self._call("rpc_cashier", [{"serial": "R1-0003", "product": "R1"}], {})
        self.assertFalse(self.env["stock.lot"].search([("name", "=", "R1-0003")]))
