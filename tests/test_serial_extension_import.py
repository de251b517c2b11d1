import base64
import io

import openpyxl

from odoo.exceptions import UserError
from odoo.tests import tagged

from .common import SerialTrackingCommon

HOLD = "is a returned unit waiting for inspection"


@tagged("post_install", "-at_install")
class TestSerialImportStepExtension(SerialTrackingCommon):
    """A module's own rule in the import's check (stock.lot.import.batch.
    _check_import_row, overridden with super()): the serial user's import honours
    it on the set-based path, in the counts, the refusal, the dry run and the error
    report, and registers nothing it refuses."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        from .fake_serial_import_step import StockLotImportBatch

        cls._load_fake_models(StockLotImportBatch)

    def _lots(self, *serials):
        return (
            self.env["stock.lot"]
            .with_user(self.serial_user)
            .search([("name", "in", serials)])
        )

    def test_rule_refuses_its_rows_on_the_fast_path(self):
        Batch = self.env["stock.lot.import.batch"].with_user(self.serial_user)
        result = Batch.register_serials(
            [
                {"serial": "P1-0001", "product": "P1", "location": "WH/Stock"},
                {"serial": "P1-0002", "product": "P1", "lot_ref": "RMA-77"},
                {"serial": "P1-0003", "product": "P1", "lot_ref": "PO-12"},
            ],
            {"valid_rows_only": True, "file_name": "returns.csv"},
        )
        self.assertEqual(
            (result["new_count"], result["invalid_count"], result["received_count"]),
            (2, 1, 1),
        )
        self.assertEqual(
            [(problem["row"], problem["code"]) for problem in result["problems"]],
            [(2, "rma_hold")],
        )
        self.assertIn(HOLD, result["problems"][0]["message"])
        self.assertIn("RMA-77", result["problems"][0]["message"])
        batch = Batch.browse(result["batch_id"])
        # the override does not send the import through the ORM: it is the fast path
        # that honoured it
        self.assertTrue(
            batch.import_log.startswith("Set-based (SQL)"), batch.import_log
        )
        self.assertEqual(
            sorted(self._lots("P1-0001", "P1-0002", "P1-0003").mapped("name")),
            ["P1-0001", "P1-0003"],
        )
        self.assertEqual(
            self.env["serial.audit.line"]
            .with_user(self.serial_user)
            .search_count([("res_model", "=", batch._name), ("res_id", "=", batch.id)]),
            2,
        )

    def test_rule_refuses_the_file_and_the_report_says_why(self):
        data = b"Serial,Product,Lot Reference\nP1-0011,P1,\nP1-0012,P1,rma-9\n"
        wizard = (
            self.env["stock.lot.import"]
            .with_user(self.serial_user)
            .create({"file": base64.b64encode(data), "filename": "returns.csv"})
        )
        wizard.action_dry_run()
        self.assertEqual((wizard.new_count, wizard.invalid_count), (1, 1))
        self.assertEqual(wizard.error_ids.mapped("row"), [3])
        self.assertIn(HOLD, wizard.error_ids.reason)
        report = openpyxl.load_workbook(
            io.BytesIO(base64.b64decode(wizard.error_report))
        )
        lines = list(report.active.iter_rows(values_only=True))
        self.assertEqual(len(lines), 2)
        self.assertEqual(lines[1][0], "P1-0012")
        self.assertIn(HOLD, lines[1][-1])
        with self.assertRaisesRegex(UserError, HOLD):
            wizard.action_import()
        self.assertFalse(self._lots("P1-0011", "P1-0012"))
