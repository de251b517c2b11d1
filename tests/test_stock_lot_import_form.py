import base64
import io
from datetime import date

import openpyxl

from odoo.exceptions import UserError
from odoo.tests import Form

from .common import SerialTrackingCommon
from .test_stock_lot_import import HEADER, csv_bytes


class TestStockLotImportForm(SerialTrackingCommon):
    """The import form as a Serial User meets it: the template before any file, a
    second file after a first one's dry run, dates written in their language."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["res.lang"]._activate_lang("en_GB")  # dates as 31/12/2028
        cls.british_user = cls._create_user(
            "british_serial_user", "pos_serial_tracking.group_serial_user"
        )
        cls.british_user.lang = "en_GB"

    def _form(self, user=None):
        """A new import form, as the Import Serials menu opens it."""
        return Form(self.env["stock.lot.import"].with_user(user or self.serial_user))

    def _dry_run(self, rows, user=None, **context):
        wizard = (
            self.env["stock.lot.import"]
            .with_user(user or self.serial_user)
            .with_context(**context)
            .create({"file": base64.b64encode(csv_bytes(rows)), "filename": "s.csv"})
        )
        wizard.action_dry_run()
        return wizard

    def test_template_before_any_file(self):
        """Download Template saves the form first: it must save without a file."""
        wizard = self._form().save()
        action = wizard.action_download_template()
        self.assertEqual(action["type"], "ir.actions.act_url")
        template = openpyxl.load_workbook(
            io.BytesIO(base64.b64decode(wizard.template_file))
        )
        self.assertEqual([cell.value for cell in template["Serials"][1]], HEADER)
        # Next without a file says what to do
        with self.assertRaisesRegex(UserError, "Choose the file holding the serials"):
            wizard.action_read_file()

    def test_template_tells_the_users_date_format(self):
        wizard = self._form(self.british_user).save()
        wizard.action_download_template()
        template = openpyxl.load_workbook(
            io.BytesIO(base64.b64decode(wizard.template_file))
        )
        help_texts = {row[0].value: row[1].value for row in template["Help"].rows}
        self.assertIn("(DD/MM/YYYY or YYYY-MM-DD)", help_texts["Warranty End"])
        self.assertIn("(DD/MM/YYYY or YYYY-MM-DD)", help_texts["Expiry Date"])

    def test_another_file_clears_the_old_problems(self):
        wizard = self._dry_run(
            [["Serial", "Product"], ["FA-1", "NOPE"], ["FA-2", "NOPE"], ["FA-3", "P1"]]
        )
        self.assertEqual((wizard.state, wizard.invalid_count), ("checked", 2))
        self.assertEqual(len(wizard.error_ids), 2)
        self.assertTrue(wizard.error_report)
        good = csv_bytes([["Serial", "Product"], ["FB-1", "P1"]])
        with Form(wizard) as form:
            form.file = base64.b64encode(good)
            # on the screen at once, before anything is saved
            self.assertEqual(form.state, "upload")
            self.assertEqual(len(form.error_ids), 0)
            self.assertEqual((form.new_count, form.invalid_count), (0, 0))
        self.assertEqual(wizard.state, "upload")
        self.assertFalse(wizard.error_ids)
        self.assertFalse(wizard.error_report)
        wizard.action_read_file()
        wizard.action_dry_run()
        self.assertEqual((wizard.new_count, wizard.invalid_count), (1, 0))
        self.assertFalse(wizard.error_ids)
        # over RPC too: a new file written on the wizard drops the old problems
        wizard.action_import()
        bad = self._dry_run([["Serial", "Product"], ["FC-1", "NOPE"]])
        self.assertEqual(len(bad.error_ids), 1)
        bad.write({"file": base64.b64encode(good), "filename": "again.csv"})
        self.assertEqual((bad.state, bad.invalid_count), ("upload", 0))
        self.assertFalse(bad.error_ids)

    def test_dates_in_the_users_language(self):
        rows = [
            ["Serial", "Product", "Warranty End", "Expiry Date"],
            ["GB-1", "P1", "31/12/2028", "28/02/2029"],  # the user's format
            ["GB-2", "P1", "2028-12-31", ""],  # ISO, always
            ["GB-3", "P1", "12/31/2028", ""],  # American: not this user's
            ["GB-4", "P1", "", "31.12.2028"],  # neither
        ]
        # the user's language, whatever the request's context says (a queued import
        # runs in the background, in the cron's language)
        for context in ({}, {"lang": "en_US"}):
            with self.subTest(context=context):
                wizard = self._dry_run(rows, user=self.british_user, **context)
                self.assertEqual((wizard.new_count, wizard.invalid_count), (2, 2))
                self.assertEqual(
                    {error.row: error.reason for error in wizard.error_ids},
                    {
                        4: "The warranty end 12/31/2028 is not a date: write it as "
                        "DD/MM/YYYY or YYYY-MM-DD, for example 31/12/2027.",
                        5: "The expiry date 31.12.2028 is not a date: write it as "
                        "DD/MM/YYYY or YYYY-MM-DD, for example 31/12/2027.",
                    },
                )
        wizard.write({"valid_rows_only": True})
        wizard.action_import()
        lots = self.env["stock.lot"].search(
            [("name", "in", ("GB-1", "GB-2"))], order="name"
        )
        self.assertEqual(
            [(lot.vendor_warranty_end_date, lot.serial_expiry_date) for lot in lots],
            [(date(2028, 12, 31), date(2029, 2, 28)), (date(2028, 12, 31), False)],
        )
        # an American user reads 12/31/2028, and is told their own format
        wizard = self._dry_run(rows[:1] + [["US-1", "P1", "12/31/2028", "31/12/2028"]])
        self.assertEqual(
            wizard.error_ids.reason,
            "The expiry date 31/12/2028 is not a date: write it as MM/DD/YYYY or "
            "YYYY-MM-DD, for example 12/31/2027.",
        )
