import base64
import csv
import hashlib
import io
import zipfile
from datetime import date

import openpyxl
from psycopg2.errors import SerializationFailure

from odoo import SUPERUSER_ID, Command, api
from odoo.exceptions import AccessError, UserError
from odoo.service.model import retrying
from odoo.tests import Form, TransactionCase, tagged
from odoo.tools import mute_logger

from .common import ConcurrentTransactionsMixin, SerialTrackingCommon

HEADER = [
    "Serial",
    "Product",
    "Lot Reference",
    "Location",
    "Warranty End",
    "Note",
    "Expiry Date",
    "Batch",
]


def csv_bytes(rows, encoding="utf-8", delimiter=",", bom=False):
    text = io.StringIO()
    csv.writer(text, delimiter=delimiter, lineterminator="\r\n").writerows(rows)
    data = text.getvalue().encode(encoding)
    return (b"\xef\xbb\xbf" + data) if bom else data


def xlsx_bytes(rows, sheets=None):
    """A workbook, written by openpyxl; `sheets` maps further sheet names to their rows
    (the first sheet holds `rows`)."""
    workbook = openpyxl.Workbook()
    workbook.active.title = "Serials"
    for row in rows:
        workbook.active.append(row)
    for name, sheet_rows in (sheets or {}).items():
        sheet = workbook.create_sheet(name)
        for row in sheet_rows:
            sheet.append(row)
    output = io.BytesIO()
    workbook.save(output)
    return output.getvalue()


class TestStockLotImport(SerialTrackingCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.phone.write({"barcode": "4006381333931", "standard_price": 100.0})
        cls.tablet = cls._create_serial_product(
            "Tablet T2", "T2", serial_format="TB-[0-9]{4}", standard_price=50.0
        )
        cls.cable = cls.env["product.product"].create(
            {
                "name": "Cable",
                "default_code": "CABLE",
                "is_storable": True,
            }
        )
        cls.twin_a = cls._create_serial_product("Twin Watch", "TWA")
        cls.twin_b = cls._create_serial_product("Twin Watch", "TWB")
        cls.other_company, cls.other_stock = cls._create_company_with_stock(
            "Other Company"
        )
        cls.foreign_phone = cls._create_serial_product(
            "Foreign Phone", "FP1", company_id=cls.other_company.id
        )
        cls.shelf = cls.env["stock.location"].create(
            {
                "name": "Shelf 1",
                "location_id": cls.stock_location.id,
                "usage": "internal",
            }
        )
        cls.stock_user = cls._create_user("plain_stock_user", "stock.group_stock_user")
        cls.cashier = cls._create_user(
            "pos_cashier", "base.group_user", "point_of_sale.group_pos_user"
        )

    # --- helpers ----------------------------------------------------------------------
    def _wizard(self, data, filename, user=None, **values):
        return (
            self.env["stock.lot.import"]
            .with_user(user or self.serial_user)
            .create(
                {
                    "file": base64.b64encode(data),
                    "filename": filename,
                    **values,
                }
            )
        )

    def _dry_run(self, data, filename="serials.csv", **values):
        wizard = self._wizard(data, filename, **values)
        wizard.action_dry_run()
        return wizard

    def _reasons(self, wizard):
        return {error.row: error.reason for error in wizard.error_ids}

    def setUp(self):
        super().setUp()
        # batches may be left over by committed tests (the concurrency ones)
        self.env.cr.execute("SELECT COALESCE(max(id), 0) FROM stock_lot_import_batch")
        self.batch_floor = self.env.cr.fetchone()[0]

    def _batches(self, user=None, **context):
        Batch = self.env["stock.lot.import.batch"].with_user(user or self.env.user)
        return Batch.with_context(**context).search([("id", ">", self.batch_floor)])

    def _lots(self, *names):
        return self.env["stock.lot"].search([("name", "in", names)], order="name")

    def _assert_file_refused(self, data, filename, message):
        lots_before = self.env["stock.lot"].search_count([])
        with self.assertRaisesRegex(UserError, message):
            self._dry_run(data, filename)
        wizard = self._wizard(data, filename)
        with self.assertRaisesRegex(UserError, message):
            wizard.action_import()
        self.assertEqual(self.env["stock.lot"].search_count([]), lots_before)
        self.assertFalse(self._batches())

    def test_lot_properties_stored_as_the_orm_stores_them(self):
        """A product's lot properties give an imported serial their defaults, as
        they give them to a serial created by hand."""
        self.tablet.lot_properties_definition = [
            {"name": "grade", "string": "Grade", "type": "char", "default": "A"}
        ]
        by_hand = self.env["stock.lot"].create(
            {"name": "TB-9000", "product_id": self.tablet.id}
        )
        data = csv_bytes([["Serial", "Product"], ["TB-0001", "T2"], ["P1-0001", "P1"]])
        self._wizard(data, "serials.csv").action_import()
        self.env.invalidate_all()
        phone_lot, tablet_lot = self._lots("P1-0001", "TB-0001")
        self.assertEqual(tablet_lot.lot_properties, by_hand.lot_properties)
        self.assertEqual(tablet_lot.lot_properties, {"grade": "A"})
        self.assertFalse(phone_lot.lot_properties)

    # --- dry run ----------------------------------------------------------------------
    def test_dry_run_counts_and_writes_nothing(self):
        self._receive_serials(self.phone, ["P1-OLD"])
        data = csv_bytes(
            [
                ["Serial", "Product"],
                ["P1-0001", "P1"],
                ["P1-0002", "P1"],
                ["P1-OLD", "P1"],
                ["", "P1"],
            ]
        )
        lots_before = self.env["stock.lot"].search_count([])
        wizard = self._dry_run(data)
        self.assertEqual(wizard.state, "checked")
        self.assertEqual(
            (
                wizard.row_count,
                wizard.new_count,
                wizard.existing_count,
                wizard.invalid_count,
            ),
            (4, 2, 1, 1),
        )
        self.assertEqual(
            self._reasons(wizard),
            {
                4: "Serial P1-OLD is already registered for [P1] Phone P1.",
                5: "The serial is empty: fill it in, or remove the row.",
            },
        )
        self.assertEqual(self.env["stock.lot"].search_count([]), lots_before)
        self.assertFalse(self._batches())
        self.assertTrue(wizard.error_report)

    def test_every_invalid_row_reason(self):
        self._receive_serials(self.phone, ["P1-OLD"])
        data = csv_bytes(
            [
                HEADER,
                ["P1-0001", "P1", "", "", "", ""],  # 2 valid
                ["", "P1", "", "", "", ""],  # 3 empty serial
                ["P1-0001", "P1", "", "", "", ""],  # 4 duplicate of row 2
                ["P1-OLD", "P1", "", "", "", ""],  # 5 already registered
                ["X-1", "NOPE", "", "", "", ""],  # 6 unknown product
                ["X-2", "Twin Watch", "", "", "", ""],  # 7 ambiguous product
                ["X-3", "CABLE", "", "", "", ""],  # 8 not tracked by serial
                ["TB-12", "T2", "", "", "", ""],  # 9 serial format
                ["P1-0003", "P1", "", "", "31/31/2027", ""],  # 10 bad date
                ["P1-0004", "P1", "", "Nowhere/Stock", "", ""],  # 11 unknown location
                ["X-5", "FP1", "", "", "", ""],  # 12 other company product
                [
                    "P1-0005",
                    "P1",
                    "",
                    self.other_stock.complete_name,
                    "",
                    "",
                ],  # 13 other company location
                ["P1-0006", "", "", "", "", ""],  # 14 no product
                ["TB-0001", "T2", "", "", "2027-12-31", ""],  # 15 valid
            ]
        )
        wizard = self._dry_run(data)
        self.assertEqual(
            (
                wizard.row_count,
                wizard.new_count,
                wizard.existing_count,
                wizard.invalid_count,
            ),
            (14, 2, 1, 11),
        )
        other_stock = self.other_stock.complete_name
        self.assertEqual(
            self._reasons(wizard),
            {
                3: "The serial is empty: fill it in, or remove the row.",
                4: "Serial P1-0001 appears more than once in the file (first in row "
                "2): keep one row.",
                5: "Serial P1-OLD is already registered for [P1] Phone P1.",
                6: "No product has the internal reference, barcode or name NOPE: check "
                "the spelling, or create the product first.",
                7: "Twin Watch matches several products ([TWA] Twin Watch, [TWB] Twin "
                "Watch): write the internal reference instead.",
                8: "Product [CABLE] Cable is not tracked by serial number: set its "
                'tracking to "By Unique Serial Number" first.',
                9: "Serial TB-12 does not match the serial format of [T2] Tablet T2 "
                "(TB-[0-9]{4}): check the serial.",
                10: "The warranty end 31/31/2027 is not a date: write it as "
                "MM/DD/YYYY or YYYY-MM-DD, for example 12/31/2027.",
                11: "No internal location is named Nowhere/Stock: write its full name, "
                "for example WH/Stock.",
                12: "Product FP1 belongs to another company: switch to that company to "
                "import its serials.",
                13: f"Location {other_stock} belongs to another company than the "
                "serial: choose a location of the product's company.",
                14: "The product is empty: fill it in, or choose a default product.",
            },
        )
        rows = {error.row: error for error in wizard.error_ids}
        self.assertEqual(
            (rows[4].serial, rows[4].product), ("P1-0001", "[P1] Phone P1")
        )
        self.assertEqual(rows[6].product, "NOPE")

    def test_product_by_reference_barcode_name_and_display_name(self):
        data = csv_bytes(
            [
                ["Serial", "Product"],
                ["S-1", "P1"],
                ["S-2", "4006381333931"],
                ["S-3", "Phone P1"],
                ["S-4", "[P1] Phone P1"],
                ["S-5", "TWB"],
            ]
        )
        wizard = self._dry_run(data)
        self.assertEqual((wizard.new_count, wizard.invalid_count), (5, 0))
        wizard.action_import()
        lots = self._lots("S-1", "S-2", "S-3", "S-4", "S-5")
        self.assertEqual(lots.mapped("product_id"), self.phone | self.twin_b)
        self.assertEqual(
            lots.filtered(lambda lot: lot.name != "S-5").product_id, self.phone
        )

    # --- import -----------------------------------------------------------------------
    def test_import_csv_registers_serials_with_audit_and_batch(self):
        data = csv_bytes(
            [
                HEADER,
                ["P1-0001", "P1", "REF-1", "", "2027-12-31", "Blue case"],
                ["P1-0002", "P1", "", "", "", ""],
                ["TB-0001", "T2", "", "", "", "=1+1"],
            ]
        )
        wizard = self._wizard(data, "supplier_list.csv")
        action = wizard.action_import()
        batch = wizard.batch_id
        self.assertEqual(action["res_model"], "stock.lot.import.batch")
        self.assertEqual(action["res_id"], batch.id)
        self.assertEqual(wizard.state, "done")
        self.assertRegex(batch.name, r"^IMP/\d{4}/\d{4}$")
        self.assertEqual(batch.user_id, self.serial_user)
        self.assertEqual(batch.file_name, "supplier_list.csv")
        self.assertEqual(batch.file_sha256, hashlib.sha256(data).hexdigest())
        self.assertEqual(
            (
                batch.row_count,
                batch.created_count,
                batch.received_count,
                batch.existing_count,
                batch.invalid_count,
            ),
            (3, 3, 0, 0, 0),
        )
        lots = self._lots("P1-0001", "P1-0002", "TB-0001")
        self.assertEqual(batch.lot_ids, lots)
        self.assertEqual(lots.import_batch_id, batch)
        self.assertEqual(lots.mapped("serial_state"), [False, False, False])
        self.assertEqual(lots.mapped("product_qty"), [0, 0, 0])
        first = lots[0]
        self.assertEqual(first.company_id, self.env.company)
        self.assertEqual(first.product_uom_id, self.phone.uom_id)
        self.assertEqual(first.ref, "REF-1")
        self.assertEqual(first.vendor_warranty_end_date, date(2027, 12, 31))
        self.assertIn("Blue case", first.note)
        self.assertIn("=1+1", lots[2].note)
        for lot in lots:
            self.assertEqual(len(lot.audit_line_ids), 1)
            line = lot.audit_line_ids
            self.assertEqual(
                (
                    line.event,
                    line.old_state,
                    line.new_state,
                    line.reference,
                    line.res_model,
                    line.res_id,
                    line.user_id,
                    line.chain_index,
                    line.lot_name,
                ),
                (
                    "imported",
                    False,
                    False,
                    batch.name,
                    "stock.lot.import.batch",
                    batch.id,
                    self.serial_user,
                    1,
                    lot.name,
                ),
            )
        self.assertEqual(lots[0].audit_line_ids.note, "Row 2 of supplier_list.csv")
        self.assertFalse(self.env["serial.audit.line"].verify_chain())
        # the serials go on through the ORM: their chain continues from the import
        lots[1]._apply_serial_events([{"lot": lots[1], "event": "received"}])
        self.assertEqual(lots[1].serial_state, "in_stock")
        self.assertEqual(lots[1].audit_line_ids.mapped("chain_index"), [2, 1])
        self.assertFalse(self.env["serial.audit.line"].verify_chain())

    def test_import_xlsx_receives_into_location(self):
        data = xlsx_bytes(
            [
                ["Serial", "Product", "Location", "Warranty End"],
                ["P1-0001", "P1", "", date(2028, 1, 31)],
                ["P1-0002", "P1", self.shelf.complete_name, None],
                ["TB-0001", "T2", "", "2028-02-29"],
                [None, None, None, None],
                ["TB-0002", "T2", "Shelf 1", None],
            ]
        )
        wizard = self._wizard(data, "serials.xlsx", location_id=self.stock_location.id)
        wizard.action_dry_run()
        self.assertEqual(
            (wizard.row_count, wizard.new_count, wizard.invalid_count), (4, 4, 0)
        )
        wizard.action_import()
        batch = wizard.batch_id
        lots = self._lots("P1-0001", "P1-0002", "TB-0001", "TB-0002")
        self.assertEqual(lots.mapped("serial_state"), ["in_stock"] * 4)
        self.assertEqual(batch.received_count, 4)
        self.assertEqual(lots[0].vendor_warranty_end_date, date(2028, 1, 31))
        self.assertEqual(lots[2].vendor_warranty_end_date, date(2028, 2, 29))
        self.assertEqual(
            [lot.location_id for lot in lots],
            [self.stock_location, self.shelf, self.stock_location, self.shelf],
        )
        self.assertEqual(lots.mapped("product_qty"), [1.0] * 4)
        Quant = self.env["stock.quant"]
        self.assertEqual(
            Quant._get_available_quantity(self.phone, self.stock_location), 2
        )
        self.assertEqual(Quant._get_available_quantity(self.phone, self.shelf), 1)
        self.assertEqual(self.phone.qty_available, 2)
        self.assertEqual(self.tablet.qty_available, 2)
        self.assertEqual(
            Quant._get_available_quantity(
                self.tablet, self.shelf, lot_id=lots[3], strict=True
            ),
            1,
        )
        # stock moves as an inventory adjustment leaves them, done, valued
        moves = batch.move_ids
        self.assertEqual(len(moves), 4)  # per product and destination
        self.assertEqual(set(moves.mapped("state")), {"done"})
        self.assertTrue(all(moves.mapped("is_inventory")))
        self.assertEqual(set(moves.mapped("origin")), {batch.name})
        self.assertEqual(sum(moves.mapped("quantity")), 4)
        self.assertEqual(moves.move_line_ids.lot_id, lots)
        self.assertEqual(set(moves.move_line_ids.mapped("state")), {"done"})
        self.assertEqual(self.phone.quantity_svl, 2)
        self.assertEqual(self.phone.value_svl, 200.0)
        self.assertEqual(self.tablet.value_svl, 100.0)
        # the history: imported straight into stock, carrying the batch and the receipt
        for lot in lots:
            line = lot.audit_line_ids
            self.assertEqual(
                (line.event, line.old_state, line.new_state),
                ("imported", False, "in_stock"),
            )
            self.assertEqual(
                (line.reference, line.res_model, line.res_id),
                (batch.name, batch._name, batch.id),
            )
            self.assertTrue(any(move.reference in line.note for move in moves))
        self.assertFalse(self.env["serial.audit.line"].verify_chain())

    def test_receipt_matches_odoo_inventory_adjustment(self):
        """The quants and move line of an imported, received serial are those Odoo's own
        inventory adjustment leaves for a serial counted in the same location: one unit
        in stock, minus one in the inventory adjustment location."""
        self._wizard(
            csv_bytes([["Serial", "Product"], ["P1-0001", "P1"]]),
            "serials.csv",
            location_id=self.stock_location.id,
        ).action_import()
        counted = self.env["stock.lot"].create(
            {"name": "P1-0002", "product_id": self.phone.id}
        )
        self.env["stock.quant"].with_context(inventory_mode=True).create(
            {
                "product_id": self.phone.id,
                "location_id": self.stock_location.id,
                "lot_id": counted.id,
                "inventory_quantity": 1,
            }
        ).action_apply_inventory()
        imported = self._lots("P1-0001")

        def stock_of(lot):
            quants = self.env["stock.quant"].search([("lot_id", "=", lot.id)])
            line = self.env["stock.move.line"].search([("lot_id", "=", lot.id)])
            return (
                sorted(
                    (quant.location_id.id, quant.quantity, quant.reserved_quantity)
                    for quant in quants
                ),
                (line.location_id, line.location_dest_id, line.quantity, line.state),
                (line.move_id.is_inventory, line.move_id.state, line.picked),
            )

        self.assertEqual(stock_of(imported), stock_of(counted))
        self.assertEqual(
            stock_of(imported)[0],
            sorted(
                [
                    (self.phone.property_stock_inventory.id, -1.0, 0.0),
                    (self.stock_location.id, 1.0, 0.0),
                ]
            ),
        )

    def test_received_serial_is_delivered_by_odoo(self):
        """Quants, moves and states written by the import are the ones Odoo's own
        operations expect: a delivery reserves and sells an imported unit."""
        data = csv_bytes([["Serial", "Product"], ["P1-0001", "P1"], ["P1-0002", "P1"]])
        self._wizard(
            data, "serials.csv", location_id=self.stock_location.id
        ).action_import()
        lot = self._lots("P1-0002")
        warehouse = self.env.ref("stock.warehouse0")
        customer = self.env["res.partner"].create({"name": "Customer"})
        picking = self.env["stock.picking"].create(
            {
                "picking_type_id": warehouse.out_type_id.id,
                "partner_id": customer.id,
                "location_id": self.stock_location.id,
                "location_dest_id": self.env.ref("stock.stock_location_customers").id,
                "move_ids": [
                    Command.create(
                        {
                            "name": "Phone",
                            "product_id": self.phone.id,
                            "product_uom_qty": 1,
                            "product_uom": self.phone.uom_id.id,
                            "location_id": self.stock_location.id,
                            "location_dest_id": self.env.ref(
                                "stock.stock_location_customers"
                            ).id,
                        }
                    )
                ],
            }
        )
        picking.action_confirm()
        picking.action_assign()
        self.assertEqual(picking.state, "assigned")
        picking.move_ids.move_line_ids.lot_id = lot
        picking.move_ids.picked = True
        picking.button_validate()
        self.assertEqual(lot.serial_state, "sold")
        self.assertEqual(lot.serial_partner_id, customer)
        self.assertEqual(self.phone.qty_available, 1)
        self.assertEqual(
            lot.audit_line_ids.sorted("chain_index").mapped("event"),
            ["imported", "sold"],
        )
        self.assertFalse(self.env["serial.audit.line"].verify_chain())

    def test_valuation_automated_average_and_by_lot(self):
        """The receipt is valued as Odoo values one: a layer at the product's cost, a
        posted journal entry for automated valuation, a layer per serial for a product
        valued by lot; the average cost does not move."""
        category = self.env["product.category"].create(
            {
                "name": "Automated AVCO",
                "property_cost_method": "average",
                "property_valuation": "real_time",
            }
        )
        self.tablet.write({"categ_id": category.id})
        by_lot = self._create_serial_product(
            "Lot Valued", "LV", standard_price=30.0, lot_valuated=True
        )
        data = csv_bytes(
            [
                ["Serial", "Product"],
                ["TB-0001", "T2"],
                ["TB-0002", "T2"],
                ["LV-1", "LV"],
                ["LV-2", "LV"],
            ]
        )
        self._wizard(
            data, "serials.csv", location_id=self.stock_location.id
        ).action_import()
        layer = self.env["stock.valuation.layer"].search(
            [("product_id", "=", self.tablet.id)]
        )
        self.assertEqual(
            (layer.quantity, layer.value, layer.remaining_qty), (2, 100.0, 2)
        )
        entry = layer.account_move_id
        self.assertEqual(entry.state, "posted")
        self.assertEqual(entry.amount_total, 100.0)
        valuation_account = category.property_stock_valuation_account_id
        self.assertEqual(
            sum(
                entry.line_ids.filtered(
                    lambda line: line.account_id == valuation_account
                ).mapped("debit")
            ),
            100.0,
        )
        self.assertEqual(self.tablet.standard_price, 50.0)
        lots = self._lots("LV-1", "LV-2")
        layers = self.env["stock.valuation.layer"].search(
            [("product_id", "=", by_lot.id)]
        )
        self.assertEqual(layers.lot_id, lots)
        self.assertEqual(layers.mapped("value"), [30.0, 30.0])
        self.assertEqual(lots.mapped("standard_price"), [30.0, 30.0])
        self.assertEqual(lots.mapped("total_value"), [30.0, 30.0])

    def test_wizard_form_flow(self):
        """What a user does in the form: upload, Next, pick the sheet, fix the mapping,
        dry run, import."""
        data = xlsx_bytes(
            [["Read me"]],
            sheets={
                "Serials 2": [["SN", "Item No", "Colour"], ["P1-0001", "P1", "red"]]
            },
        )
        # the upload widget sets the file name beside the file
        form = Form(
            self.env["stock.lot.import"]
            .with_user(self.serial_user)
            .with_context(default_filename="supplier.xlsx")
        )
        form.file = base64.b64encode(data)
        wizard = form.save()
        wizard.action_read_file()
        self.assertEqual(wizard.state, "map")
        with Form(wizard) as form:
            form.sheet_id = wizard.sheet_ids.filtered(
                lambda sheet: sheet.name == "Serials 2"
            )
            self.assertEqual(
                [form.column_ids.edit(i).header for i in range(3)],
                ["SN", "Item No", "Colour"],
            )
            with form.column_ids.edit(1) as column:
                self.assertFalse(column.field)  # not a known name
                column.field = "product"
            with form.column_ids.edit(2) as column:
                column.field = "ignore"
            form.location_id = self.shelf
        self.assertEqual(
            wizard.column_ids.mapped("field"), ["serial", "product", "ignore"]
        )
        wizard.action_dry_run()
        self.assertEqual((wizard.state, wizard.new_count), ("checked", 1))
        with Form(wizard) as form:
            form.valid_rows_only = True  # a change after the dry run asks for another
        self.assertEqual(wizard.state, "map")
        wizard.action_dry_run()
        wizard.action_import()
        self.assertEqual(self._lots("P1-0001").location_id, self.shelf)

    def test_all_or_nothing_by_default(self):
        data = csv_bytes(
            [
                ["Serial", "Product"],
                ["P1-0001", "P1"],
                ["P1-0002", "NOPE"],
                ["P1-0003", "P1"],
            ]
        )
        wizard = self._wizard(data, "serials.csv", location_id=self.stock_location.id)
        with self.assertRaisesRegex(
            UserError,
            r"1 of the 3 rows cannot be imported \(row 3: No product has the internal "
            r"reference, barcode or name NOPE.*Nothing was imported.*Import Only the "
            r"Valid",
        ):
            wizard.action_import()
        self.assertFalse(self._lots("P1-0001", "P1-0002", "P1-0003"))
        self.assertFalse(self._batches())
        self.assertEqual(self.phone.qty_available, 0)

    def test_valid_rows_only(self):
        self._receive_serials(self.phone, ["P1-OLD"])
        data = csv_bytes(
            [
                ["Serial", "Product"],
                ["P1-0001", "P1"],
                ["P1-0002", "NOPE"],
                ["P1-OLD", "P1"],
                ["P1-0003", "P1"],
            ]
        )
        wizard = self._wizard(data, "serials.csv", valid_rows_only=True)
        wizard.action_import()
        self.assertEqual(
            self._lots("P1-0001", "P1-0002", "P1-0003").mapped("name"),
            ["P1-0001", "P1-0003"],
        )
        batch = wizard.batch_id
        self.assertEqual(
            (
                batch.row_count,
                batch.created_count,
                batch.existing_count,
                batch.invalid_count,
                batch.valid_rows_only,
            ),
            (4, 2, 1, 1, True),
        )
        self.assertTrue(wizard.error_report)
        # the P1-OLD history is untouched by the import
        self.assertEqual(
            self._lots("P1-OLD").audit_line_ids.mapped("event"),
            ["received", "registered"],
        )

    def test_nothing_new_to_import(self):
        data = csv_bytes([["Serial", "Product"], ["P1-0001", "P1"]])
        self._wizard(data, "serials.csv").action_import()
        wizard = self._wizard(data, "serials.csv", valid_rows_only=True)
        with self.assertRaisesRegex(UserError, "No new serial to import"):
            wizard.action_import()
        self.assertEqual(len(self._batches()), 1)

    def test_default_product_for_a_list_of_serials(self):
        data = csv_bytes([["Serial"], ["P1-0001"], ["P1-0002"]])
        wizard = self._wizard(data, "serials.csv")
        with self.assertRaisesRegex(UserError, "No column holds the products"):
            wizard.action_dry_run()
        wizard.product_id = self.phone
        wizard.action_import()
        self.assertEqual(self._lots("P1-0001", "P1-0002").product_id, self.phone)

    def test_lot_company_is_the_product_company_or_the_user_company(self):
        self.serial_user.company_ids = [Command.link(self.other_company.id)]
        data = csv_bytes([["Serial", "Product"], ["FP-1", "FP1"], ["P1-0001", "P1"]])
        user_env = self.env(
            user=self.serial_user,
            context={
                "allowed_company_ids": [self.other_company.id, self.env.company.id],
            },
        )
        wizard = user_env["stock.lot.import"].create(
            {
                "file": base64.b64encode(data),
                "filename": "serials.csv",
                "location_id": self.other_stock.id,
            }
        )
        self.assertEqual(wizard.company_id, self.other_company)
        wizard.action_import()
        lots = self._lots("FP-1", "P1-0001")
        self.assertEqual(lots.company_id, self.other_company)
        self.assertEqual(lots.mapped("serial_state"), ["in_stock", "in_stock"])
        self.assertEqual(wizard.batch_id.company_id, self.other_company)
        # the batch follows the multi-company rule
        self.assertFalse(
            self._batches(self.serial_user, allowed_company_ids=self.env.company.ids)
        )
        self.assertEqual(
            self._batches(self.serial_user, allowed_company_ids=self.other_company.ids),
            wizard.batch_id,
        )

    # --- encodings, delimiters, sheets, mapping ---------------------------------------
    def test_csv_encodings_and_delimiters(self):
        accented = self._create_serial_product("Téléphone Ü", "TEL")
        rows = [["Serial", "Product", "Note"], ["E-1", "Téléphone Ü", "reçu à Zürich"]]
        cases = [
            ("utf-8", ",", False),
            ("utf-8", ";", True),
            ("latin-1", ";", False),
            ("cp1252", "\t", False),
            ("utf-8", "|", False),
        ]
        for index, (encoding, delimiter, bom) in enumerate(cases):
            with self.subTest(encoding=encoding, delimiter=delimiter, bom=bom):
                serial = f"E-{index}"
                data = csv_bytes(
                    [rows[0], [serial, *rows[1][1:]]], encoding, delimiter, bom
                )
                wizard = self._wizard(data, "serials.csv")
                wizard.action_import()
                lot = self._lots(serial)
                self.assertEqual(lot.product_id, accented)
                self.assertIn("reçu à Zürich", lot.note)

    def test_csv_mixed_encodings(self):
        data = (
            "Serial,Product,Note\r\nP1-0001,P1,reçu\r\n".encode()
            + "P1-0002,P1,reçu\r\n".encode("latin-1")
        )
        self._assert_file_refused(
            data,
            "serials.csv",
            r"The file mixes text encodings: most of it is UTF-8 but line 3 is not.*"
            r"CSV UTF-8",
        )
        bom_latin = b"\xef\xbb\xbf" + "Serial,Product\r\nP1-é,P1\r\n".encode("latin-1")
        self._assert_file_refused(bom_latin, "serials.csv", "mixes text encodings")

    def test_xlsx_sheet_choice(self):
        data = xlsx_bytes(
            [["Read me"], ["This workbook lists serials on its second sheet"]],
            sheets={
                "Phones": [["Serial Number", "SKU"], ["P1-0001", "P1"], [1234567, "P1"]]
            },
        )
        wizard = self._wizard(data, "serials.xlsx")
        wizard.action_read_file()
        self.assertEqual(wizard.state, "map")
        self.assertEqual(wizard.sheet_ids.mapped("name"), ["Serials", "Phones"])
        self.assertEqual(wizard.sheet_id.name, "Serials")
        with self.assertRaisesRegex(UserError, "none of its cells \\(Read me\\)"):
            wizard.action_dry_run()
        wizard.sheet_id = wizard.sheet_ids[1]
        wizard.action_dry_run()
        self.assertEqual(wizard.column_ids.mapped("field"), ["serial", "product"])
        self.assertEqual(wizard.column_ids.mapped("sample"), ["P1-0001", "P1"])
        self.assertEqual((wizard.new_count, wizard.invalid_count), (2, 0))
        wizard.action_import()
        self.assertEqual(wizard.batch_id.sheet_name, "Phones")
        self.assertEqual(
            self._lots("P1-0001", "1234567").mapped("name"), ["1234567", "P1-0001"]
        )

    def test_column_mapping_is_adjustable(self):
        data = csv_bytes(
            [
                ["Numéro de série", "Article", "Colour", "Comments"],
                ["P1-0001", "P1", "blue", "boxed"],
            ]
        )
        wizard = self._wizard(data, "serials.csv")
        wizard.action_read_file()
        self.assertEqual(
            wizard.column_ids.mapped("header"),
            ["Numéro de série", "Article", "Colour", "Comments"],
        )
        self.assertEqual(
            wizard.column_ids.mapped("field"), [False, "product", False, "note"]
        )
        with self.assertRaisesRegex(
            UserError,
            r"The columns Numéro de série, Colour are not known\. Map each of them "
            r"to a "
            r"field or to \"Ignore\"",
        ):
            wizard.action_dry_run()
        columns = wizard.column_ids
        columns[0].field = "serial"
        columns[2].field = "note"
        with self.assertRaisesRegex(
            UserError,
            r"Several columns are mapped to Note "
            r"\(Colour, Comments\)",
        ):
            wizard.action_dry_run()
        columns[2].field = "ignore"
        wizard.action_dry_run()
        self.assertEqual(wizard.new_count, 1)
        # the mapping is kept for the import
        wizard.action_import()
        self.assertIn("boxed", self._lots("P1-0001").note)

    def test_template(self):
        wizard = self.env["stock.lot.import"].with_user(self.serial_user).create({})
        action = wizard.action_download_template()
        self.assertEqual(action["type"], "ir.actions.act_url")
        self.assertIn("/template_file/serial_import_template.xlsx", action["url"])
        template = openpyxl.load_workbook(
            io.BytesIO(base64.b64decode(wizard.template_file))
        )
        self.assertEqual(template.sheetnames, ["Serials", "Help"])
        self.assertEqual([cell.value for cell in template["Serials"][1]], HEADER)
        # the template, filled in, imports as it is
        template["Serials"].append(
            ["P1-0001", "P1", "R1", "WH/Stock", "2029-01-01", "ok"]
        )
        output = io.BytesIO()
        template.save(output)
        filled = self._wizard(output.getvalue(), "serial_import_template.xlsx")
        filled.action_dry_run()
        self.assertEqual(
            filled.column_ids.mapped("field"),
            [
                "serial",
                "product",
                "lot_ref",
                "location",
                "warranty_end",
                "note",
                "expiry_date",
                "batch",
            ],
        )
        filled.action_import()
        self.assertEqual(self._lots("P1-0001").serial_state, "in_stock")

    # --- error report -----------------------------------------------------------------
    def test_error_report_lists_every_problem_and_neutralizes_formulas(self):
        rows = [["Serial", "Product"]]
        rows += [[f'=HYPERLINK("http://evil/{i}")', "NOPE"] for i in range(60)]
        rows += [["+SUM(A1)", "T2"], ["-2+3", "T2"], ["@cmd", "T2"], ["P1-0001", "P1"]]
        wizard = self._dry_run(csv_bytes(rows), "list.csv")
        self.assertEqual(
            (wizard.row_count, wizard.new_count, wizard.invalid_count), (64, 1, 63)
        )
        self.assertEqual(len(wizard.error_ids), 50)  # the first ones on screen
        self.assertEqual(wizard.error_report_name, "list_errors.xlsx")
        action = wizard.action_download_error_report()
        self.assertIn(
            f"/web/content/stock.lot.import/{wizard.id}/error_report/", action["url"]
        )
        report = openpyxl.load_workbook(
            io.BytesIO(base64.b64decode(wizard.error_report))
        )
        sheet = report.active
        lines = list(sheet.iter_rows(values_only=True))
        self.assertEqual(lines[0], ("Serial", "Product", "Row", "Problem"))
        self.assertEqual(len(lines), 64)  # the header and the 63 rows
        self.assertEqual(lines[1][0], '\'=HYPERLINK("http://evil/0")')
        self.assertEqual(lines[1][2], 2)
        self.assertIn("No product has the internal reference", lines[1][3])
        self.assertEqual(
            [line[0] for line in lines[61:]], ["'+SUM(A1)", "'-2+3", "'@cmd"]
        )
        for row in sheet.iter_rows():
            for cell in row:
                self.assertNotEqual(cell.data_type, "f", cell.coordinate)
        # the report, its rows fixed, imports again: Row and Problem are ignored
        fixed = openpyxl.Workbook()
        fixed.active.append(lines[0])
        fixed.active.append(["P1-0009", "P1", 2, "No product..."])
        output = io.BytesIO()
        fixed.save(output)
        again = self._dry_run(output.getvalue(), "list_errors.xlsx")
        self.assertEqual(
            again.column_ids.mapped("field"), ["serial", "product", "ignore", "ignore"]
        )
        self.assertEqual(again.new_count, 1)

    # --- file problems ----------------------------------------------------------------
    def test_empty_file(self):
        self._assert_file_refused(b"", "serials.csv", "The file is empty")
        self._assert_file_refused(b" \r\n\r\n", "serials.csv", "The file is empty")
        self._assert_file_refused(xlsx_bytes([]), "serials.xlsx", "The file is empty")
        self._assert_file_refused(
            csv_bytes([["Serial", "Product"], ["", ""]]),
            "serials.csv",
            "The file has a header but no serials below it",
        )

    def test_wrong_type_or_extension(self):
        self._assert_file_refused(
            b"%PDF-1.4 ...", "serials.pdf", r"Files of type \.pdf cannot be imported"
        )
        self._assert_file_refused(
            b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100,
            "serials.xls",
            r"Excel 97-2003 workbooks \(\.xls\) cannot be read",
        )
        self._assert_file_refused(
            xlsx_bytes([["Serial", "Product"], ["P1-0001", "P1"]]),
            "serials.csv",
            r"This file is an Excel workbook but its name ends in \.csv",
        )
        self._assert_file_refused(
            "Serial,Product\r\nP1-0001,P1\r\n".encode("utf-16"),
            "serials.csv",
            "This file is not a CSV text file",
        )

    def test_corrupt_xlsx(self):
        message = "The file cannot be read as an Excel workbook: it is damaged"
        self._assert_file_refused(
            b"Serial,Product\r\nP1-1,P1\r\n", "serials.xlsx", message
        )
        valid = xlsx_bytes([["Serial", "Product"], ["P1-0001", "P1"]])
        self._assert_file_refused(valid[: len(valid) // 2], "serials.xlsx", message)
        damaged = io.BytesIO()
        with (
            zipfile.ZipFile(io.BytesIO(valid)) as source,
            zipfile.ZipFile(damaged, "w") as target,
        ):
            for item in source.infolist():
                content = source.read(item.filename)
                if item.filename == "xl/worksheets/sheet1.xml":
                    content = content[: len(content) // 2]
                target.writestr(item, content)
        self._assert_file_refused(damaged.getvalue(), "serials.xlsx", message)

    def test_no_header(self):
        self._assert_file_refused(
            csv_bytes([["P1-0001", "P1"], ["P1-0002", "P1"]]),
            "serials.csv",
            r"The first row of the file must name its columns \(Serial, Product, Lot "
            r"Reference, Location, Warranty End, Note, Expiry Date, Batch\), but none "
            r"of its cells "
            r"\(P1-0001, P1\) is a known column name",
        )

    def test_unknown_columns(self):
        self._assert_file_refused(
            csv_bytes([["Serial", "Product", "Colour"], ["P1-0001", "P1", "red"]]),
            "serials.csv",
            r"The columns Colour are not known.*Known columns: Serial, Product",
        )

    def test_no_serial_column(self):
        self._assert_file_refused(
            csv_bytes([["Product", "Note"], ["P1", "x"]]),
            "serials.csv",
            "No column holds the serials",
        )

    def test_row_and_size_limits(self):
        params = self.env["ir.config_parameter"].sudo()
        params.set_param("pos_serial_tracking.import_max_rows", "3")
        rows = [["Serial", "Product"]] + [[f"P1-{i}", "P1"] for i in range(4)]
        for data, filename in (
            (csv_bytes(rows), "serials.csv"),
            (xlsx_bytes(rows), "serials.xlsx"),
        ):
            self._assert_file_refused(
                data,
                filename,
                "The file has more than 3 rows, the most one import takes. Split it "
                "into files of at most 3 rows",
            )
        wizard = self._dry_run(csv_bytes(rows[:4]))
        self.assertEqual(wizard.new_count, 3)
        params.set_param("pos_serial_tracking.import_max_rows", "200000")
        params.set_param("pos_serial_tracking.import_max_megabytes", "1")
        big = csv_bytes(
            [["Serial", "Product", "Note"]]
            + [[f"P1-{i}", "P1", "x" * 200] for i in range(6000)]
        )
        self._assert_file_refused(
            big,
            "serials.csv",
            r"The file is 1\.2 MB; at most 1 MB can be imported at once",
        )

    def test_csv_unclosed_quote(self):
        rows = "".join(f"P1-{i:05d},P1\r\n" for i in range(12000))
        data = ('Serial,Product\r\n"P1-0001,P1\r\n' + rows).encode()
        self._assert_file_refused(
            data,
            "serials.csv",
            r"Line 2 of the CSV opens a quote \(\"\) that is never closed",
        )
        self._assert_file_refused(
            b'Serial,Product\r\nP1-0001,P1\r\n"P1-0002"x,P1\r\n',
            "serials.csv",
            r"Line 3 of the CSV cannot be read \(',' expected after '\"'\)\. Check "
            r"its quotes",
        )

    # --- RPC and rights ---------------------------------------------------------------
    def test_rpc_flow(self):
        """What an integrator does over RPC: create, dry run, read the counts,
        import."""
        data = xlsx_bytes([["Serial", "Product"], ["P1-0001", "P1"], ["P1-0002", "P1"]])
        Import = self.env["stock.lot.import"].with_user(self.serial_user)
        wizard_id = Import.create(
            {
                "file": base64.b64encode(data).decode(),
                "filename": "serials.xlsx",
                "location_id": self.stock_location.id,
            }
        ).id
        Import.browse(wizard_id).action_dry_run()
        counts = Import.browse(wizard_id).read(
            ["new_count", "existing_count", "invalid_count"]
        )[0]
        self.assertEqual(
            (counts["new_count"], counts["existing_count"], counts["invalid_count"]),
            (2, 0, 0),
        )
        action = Import.browse(wizard_id).action_import()
        batch = self.env["stock.lot.import.batch"].browse(action["res_id"])
        self.assertEqual(batch.lot_ids.mapped("serial_state"), ["in_stock", "in_stock"])
        # a new file on the same wizard is read again
        Import.browse(wizard_id).write(
            {
                "file": base64.b64encode(
                    csv_bytes([["Serial", "Product"], ["P1-0003", "P1"]])
                ),
                "filename": "more.csv",
            }
        )
        Import.browse(wizard_id).action_import()
        self.assertEqual(self._lots("P1-0003").serial_state, "in_stock")

    def test_rights_of_each_role(self):
        data = csv_bytes([["Serial", "Product"], ["P1-0001", "P1"]])
        for user in (self.stock_user, self.cashier, self.serial_auditor):
            with self.subTest(user=user.login), self.assertRaises(AccessError):
                self._wizard(data, "serials.csv", user=user)
        self._wizard(data, "serials.csv", user=self.serial_manager).action_import()
        batch = self._batches()
        # every serial role reads the batches; nobody changes or deletes them
        for user in (self.serial_user, self.serial_manager, self.serial_auditor):
            self.assertEqual(
                batch.with_user(user).read(["created_count"])[0]["created_count"], 1
            )
            with self.assertRaises(AccessError):
                batch.with_user(user).write({"created_count": 5})
        with self.assertRaises(AccessError):
            batch.with_user(self.stock_user).read(["name"])
        with self.assertRaisesRegex(UserError, "kept as the record"):
            batch.unlink()

    def test_import_menu_for_serial_users(self):
        menu = self.env.ref("pos_serial_tracking.stock_lot_import_menu")
        for user, visible in (
            (self.serial_user, True),
            (self.serial_manager, True),
            (self.serial_auditor, False),
            (self.stock_user, False),
            (self.cashier, False),
        ):
            menus = self.env["ir.ui.menu"].with_user(user)._visible_menu_ids()
            self.assertEqual(menu.id in menus, visible, user.login)


@tagged("post_install", "-at_install")
class TestStockLotImportConcurrency(ConcurrentTransactionsMixin, TransactionCase):
    """Two imports of the same serials at the same moment: the second one waits for the
    first, fails as a serialization conflict, is replayed as Odoo replays a request and
    then refuses the serials the first one registered. Data is committed (the
    transactions must see it); it stays in the throwaway test database, since history
    can never be deleted."""

    def setUp(self):
        super().setUp()
        code = f"CONC-{self._testMethodName}"
        with self.env.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            env["product.product"].create(
                {
                    "name": "Concurrent Import Phone",
                    "default_code": code,
                    "is_storable": True,
                    "tracking": "serial",
                }
            )
        self.serial = f"{code}-1"
        self.data = csv_bytes([["Serial", "Product"], [self.serial, code]])
        self.envs = self._open_transactions()

    def _import(self, env):
        wizard = env["stock.lot.import"].create(
            {
                "file": base64.b64encode(self.data),
                "filename": "serials.csv",
                "location_id": env.ref("stock.warehouse0").lot_stock_id.id,
            }
        )
        wizard.action_import()
        return wizard.batch_id

    def _registered(self):
        env = self.envs[2]
        env.cr.rollback()  # a fresh snapshot
        env.invalidate_all()
        return env["stock.lot"].search([("name", "=", self.serial)])

    @mute_logger("odoo.service.model", "odoo.sql_db")
    def test_interleaved_import_is_replayed_and_refused(self):
        env1, env2, _env3 = self.envs
        env1.cr.execute("SELECT 1")  # the first import's snapshot is older
        batch = self._import(env2)
        env2.cr.commit()
        with self.assertRaises(SerializationFailure):
            self._import(env1)
        env1.cr.rollback()
        with self.assertRaisesRegex(
            UserError, f"Serial {self.serial} is already registered"
        ):
            retrying(lambda: self._import(env1), env1)
        lot = self._registered()
        self.assertEqual(len(lot), 1)
        self.assertEqual(lot.import_batch_id.id, batch.id)
        self.assertEqual(lot.serial_state, "in_stock")

    @mute_logger("odoo.service.model", "odoo.sql_db")
    def test_simultaneous_imports_one_waits_then_fails(self):
        env1, env2, _env3 = self.envs
        env2.cr.execute("SELECT 1")  # both snapshots taken before either imports
        self._import(env1)  # holds the products' rows, not committed
        self.assertWaitsThenFailsToSerialize(
            env1, env2, lambda: self._import(env2), "the second import"
        )
        with self.assertRaisesRegex(UserError, "is already registered"):
            retrying(lambda: self._import(env2), env2)
        self.assertEqual(len(self._registered()), 1)
