import base64
import hashlib
import subprocess

from odoo.exceptions import AccessError
from odoo.tests import tagged
from odoo.tools import format_datetime

from .common import SerialTrackingCommon

REPORT = "pos_serial_tracking.stock_lot_report_certificate"


@tagged("post_install", "-at_install")
class TestSerialCertificateReport(SerialTrackingCommon):
    """The unit history certificate, printed as a PDF by wkhtmltopdf and read back with
    pdftotext: the unit, its origin, its events in order, the chain's hashes and the
    verdict at the time of printing."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.phone.barcode = "4006381333931"
        cls.serial_auditor.tz = "Europe/Brussels"
        cls.stock_user = cls._create_user("cert_stock_user", "stock.group_stock_user")

    def _pdf_text(self, lots, user):
        """The certificate of `lots` as `user` prints it, as text."""
        pdf, kind = (
            self.env["ir.actions.report"]
            .with_user(user)
            .with_context(force_report_rendering=True, tz=user.tz, lang=user.lang)
            ._render_qweb_pdf(REPORT, lots.ids)
        )
        self.assertEqual(kind, "pdf")
        self.assertTrue(pdf.startswith(b"%PDF"))
        return subprocess.run(
            ["pdftotext", "-layout", "-", "-"],
            input=pdf,
            capture_output=True,
            check=True,
        ).stdout.decode()

    @staticmethod
    def _flat(text):
        """The text with its layout's line breaks and spaces folded into one space."""
        return " ".join(text.split())

    def assertInOrder(self, text, parts):
        position = -1
        for part in parts:
            found = text.find(part, position + 1)
            self.assertGreater(found, position, f"{part!r} after position {position}")
            position = found

    def _sold_and_returned(self):
        lot = self._receive_by_receipt(self.phone, ["C-0001"], self.vendor)
        delivery = self._deliver(lot, self.customer, origin="SO-C1")
        self._return(delivery)
        return lot

    def test_certificate_of_a_sold_and_returned_unit(self):
        lot = self._sold_and_returned()
        text = self._pdf_text(lot, self.serial_auditor)
        flat = self._flat(text)
        lines = lot.audit_line_ids.sorted("chain_index")
        receipt = lines[1].reference
        self.assertIn("Unit History Certificate", flat)
        self.assertIn("Serial Number C-0001", flat)
        self.assertIn("[P1] Phone P1", flat)
        self.assertIn("04006381333931", flat)  # the EAN-13 as a GTIN-14
        self.assertIn(self.env.company.name, flat)
        self.assertIn(f"Received with {receipt} from Vendor V1", flat)
        self.assertIn("Current State Returned", flat)
        # the events in order, each with its states (the table's cells wrap)
        self.assertInOrder(
            flat,
            [
                "Registered",
                "Received (",
                "Sold (In Stock",
                "Returned by the customer (",
            ],
        )
        for state_change in (
            "→ In Stock)",
            "(In Stock → Sold)",
            "(Sold →",
            "Returned)",
        ):
            self.assertIn(state_change, flat)
        self.assertInOrder(flat, [receipt, "SO-C1", "Return of"])
        # the events' times in the auditor's time zone
        when = format_datetime(self.env, lines[0].date, tz="Europe/Brussels")
        self.assertIn(when.rsplit(", ", 1)[1], flat)
        self.assertRegex(flat, r"Printed on .* \(Europe/Brussels\) by Serial Auditor")
        self.assertInOrder(flat, lines.mapped("hash"))
        self.assertIn("Verification: History verified: 4 events intact.", flat)

    def test_certificate_says_a_changed_line(self):
        lot = self._sold_and_returned()
        line = lot.audit_line_ids.filtered(lambda line: line.event == "sold")
        self._with_trigger_disabled(
            "UPDATE serial_audit_line SET reference = %s WHERE id = %s",
            ["SO-FORGED", line.id],
        )
        text = self._flat(self._pdf_text(lot, self.serial_manager))
        self.assertIn("History broken at event 3", text)
        self.assertIn("was changed after it was written", text)
        self.assertNotIn("History verified", text)

    def test_origin_of_an_imported_unit_with_its_files_sha256(self):
        data = b"Serial,Product\r\nC-0201,P1\r\n"
        wizard = (
            self.env["stock.lot.import"]
            .with_user(self.serial_user)
            .create(
                {
                    "file": base64.b64encode(data),
                    "filename": "serials.csv",
                    "location_id": self.stock_location.id,
                }
            )
        )
        wizard.action_import()
        lot = wizard.batch_id.lot_ids
        self.assertEqual(lot.name, "C-0201")
        text = self._flat(self._pdf_text(lot, self.serial_auditor))
        self.assertIn(f"Import {wizard.batch_id.name} of serials.csv", text)
        self.assertIn(hashlib.sha256(data).hexdigest(), text)
        self.assertIn("History verified", text)

    def test_another_companys_unit_is_refused(self):
        other_company, _stock = self._create_company_with_stock("Certificate Branch")
        other_phone = self._create_serial_product(
            "Branch phone", "CBP", company_id=other_company.id
        )
        other_lot = (
            self.env["stock.lot"]
            .with_company(other_company)
            .create(
                {
                    "name": "C-0301",
                    "product_id": other_phone.id,
                    "company_id": other_company.id,
                }
            )
        )
        with self.assertRaises(AccessError):
            self._pdf_text(other_lot, self.serial_auditor)

    def test_only_managers_and_auditors_print(self):
        lot = self._receive_serials(self.phone, ["C-0101"])
        for user in (self.serial_user, self.stock_user):
            with self.assertRaises(AccessError):
                self._pdf_text(lot, user)
