import base64
import datetime
import subprocess
import tempfile
from pathlib import Path

from odoo.exceptions import AccessError, UserError
from odoo.tests import tagged

from .common import SerialTrackingCommon

LOT_LABELS = "pos_serial_tracking.stock_lot_report_serial_label"
PICKING_LABELS = "pos_serial_tracking.stock_picking_report_serial_label"
BASE_URL = "https://shop.example.com"
GS = "\x1d"  # how a GS1 decoder writes FNC1


@tagged("post_install", "-at_install")
class TestSerialLabels(SerialTrackingCommon):
    """Serial labels printed as a PDF by wkhtmltopdf, rasterized by pdftoppm and read
    back by real decoders: zbarimg for the QR code (the unit's GS1 Digital Link),
    dmtxread in GS1 mode for the GS1 DataMatrix (FNC1 first, read back as GS),
    pdftotext for the text."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["ir.config_parameter"].set_param("web.base.url", BASE_URL)
        cls.phone.barcode = "4006381333931"  # an EAN-13: GTIN-14 04006381333931
        cls.stock_user = cls._create_user("label_stock_user", "stock.group_stock_user")

    def _pdf(self, report, records, user):
        pdf, kind = (
            self.env["ir.actions.report"]
            .with_user(user)
            .with_context(force_report_rendering=True)
            ._render_qweb_pdf(report, records.ids)
        )
        self.assertEqual(kind, "pdf")
        self.assertTrue(pdf.startswith(b"%PDF"))
        return pdf

    def _read_back(self, pdf, datamatrix_count=0):
        """The PDF's QR codes (zbarimg), its `datamatrix_count` GS1 DataMatrix
        (dmtxread) and its text."""
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder)
            (path / "labels.pdf").write_bytes(pdf)
            for resolution, name in (("300", "page"), ("150", "small")):
                subprocess.run(
                    ["pdftoppm", "-r", resolution, "-png", "labels.pdf", name],
                    cwd=folder,
                    check=True,
                )
            pages = sorted(str(page) for page in path.glob("page*.png"))
            small_pages = sorted(str(page) for page in path.glob("small*.png"))
            qr = subprocess.run(
                ["zbarimg", "--raw", "-q", "-Sdisable", "-Sqrcode.enable", *pages],
                capture_output=True,
                check=False,
            ).stdout.decode()
            # a page without DataMatrix takes dmtxread long: it is not read then
            stop = ["--stop-after", str(datamatrix_count)]
            datamatrix = (
                datamatrix_count
                and subprocess.run(
                    ["dmtxread", "--gs1=29", "--newline", *stop, *small_pages],
                    capture_output=True,
                    check=False,
                ).stdout.decode()
            )
        text = subprocess.run(
            ["pdftotext", "-layout", "-", "-"],
            input=pdf,
            capture_output=True,
            check=True,
        ).stdout.decode()
        return (
            sorted(qr.splitlines()),
            sorted(filter(None, (datamatrix or "").split("\n"))),
            " ".join(text.split()),
        )

    def test_serial_user_prints_labels_of_units(self):
        boxed, plain = self._receive_serials(self.phone, ["L-0001", "L/0002"])
        boxed.write(
            {"serial_batch": "B-77", "serial_expiry_date": datetime.date(2027, 3, 31)}
        )
        self.assertEqual(
            boxed._serial_digital_link_url(),
            f"{BASE_URL}/01/04006381333931/10/B-77/21/L-0001?17=270331",
        )
        self.assertEqual(
            plain._serial_digital_link_url(),
            f"{BASE_URL}/01/04006381333931/21/L%2F0002",
        )
        qr, datamatrix, text = self._read_back(
            self._pdf(LOT_LABELS, boxed | plain, self.serial_user), datamatrix_count=2
        )
        self.assertEqual(
            qr,
            sorted(
                [boxed._serial_digital_link_url(), plain._serial_digital_link_url()]
            ),
        )
        # FNC1 first (a GS1 DataMatrix), then (01) (17) (10) FNC1 (21)
        self.assertEqual(
            datamatrix,
            sorted(
                [
                    f"{GS}01040063813339311727033110B-77{GS}21L-0001",
                    f"{GS}010400638133393121L/0002",
                ]
            ),
        )
        self.assertIn("[P1] Phone P1", text)
        self.assertIn("SN L-0001", text)
        self.assertIn("SN L/0002", text)
        self.assertIn("Batch B-77", text)
        self.assertIn(
            "(01)04006381333931(17)270331(10)B-77(21)L-0001", text.replace(" ", "")
        )

    def test_unit_without_gtin_gets_its_urn_and_no_datamatrix(self):
        tool = self._create_serial_product("Tool T1", "T1")
        lot = self._receive_serials(tool, ["T-0001"])
        self.assertFalse(lot._serial_digital_link_url())
        database = self.env["ir.config_parameter"].get_param("database.uuid")
        qr, _datamatrix, text = self._read_back(
            self._pdf(LOT_LABELS, lot, self.serial_auditor)
        )
        html, _kind = (
            self.env["ir.actions.report"]
            .with_user(self.serial_auditor)
            ._render_qweb_html(LOT_LABELS, lot.ids)
        )
        self.assertEqual(html.count(b"<img"), 1)  # the QR code only
        self.assertEqual(
            qr,
            [f"urn:x-pst:{database}:unit:{lot.company_id.id or 0}:{tool.id}:T-0001"],
        )
        self.assertIn("[T1] Tool T1", text)
        self.assertIn("SN T-0001", text)

    def test_inventory_user_prints_a_receipts_labels(self):
        receipt = self._validate(
            self._picking(
                self.warehouse.in_type_id,
                ["R-0001", "R-0002"],
                partner=self.vendor,
                product=self.phone,
            )
        )
        lots = receipt.move_ids.move_line_ids.lot_id
        self.assertEqual(len(lots), 2)
        qr, datamatrix, text = self._read_back(
            self._pdf(PICKING_LABELS, receipt, self.stock_user), datamatrix_count=2
        )
        self.assertEqual(qr, sorted(lot._serial_digital_link_url() for lot in lots))
        self.assertEqual(
            datamatrix,
            [f"{GS}010400638133393121R-0001", f"{GS}010400638133393121R-0002"],
        )
        self.assertIn("SN R-0001", text)
        self.assertIn("SN R-0002", text)
        empty = self.env["stock.picking"].create(
            {"picking_type_id": self.warehouse.in_type_id.id}
        )
        with self.assertRaisesRegex(UserError, "no serial-tracked unit to label"):
            self._pdf(PICKING_LABELS, empty, self.stock_user)

    def test_import_batch_prints_its_units(self):
        wizard = (
            self.env["stock.lot.import"]
            .with_user(self.serial_user)
            .create(
                {
                    "file": base64.b64encode(b"Serial,Product\r\nI-0001,P1\r\n"),
                    "filename": "serials.csv",
                    "location_id": self.stock_location.id,
                }
            )
        )
        wizard.action_import()
        batch = wizard.batch_id
        action = batch.with_user(self.serial_user).action_print_serial_labels()
        self.assertEqual(
            action["report_name"], "pos_serial_tracking.report_serial_label"
        )
        self.assertEqual(action["context"]["active_ids"], batch.lot_ids.ids)
        qr, datamatrix, _text = self._read_back(
            self._pdf(LOT_LABELS, batch.lot_ids, self.serial_user), datamatrix_count=1
        )
        self.assertEqual(datamatrix, [f"{GS}010400638133393121I-0001"])
        self.assertEqual(qr, [f"{BASE_URL}/01/04006381333931/21/I-0001"])

    def test_gs1_datamatrix_through_odoos_barcode_rendering(self):
        """The symbology GS1DataMatrix of ir.actions.report.barcode(): FNC1 first
        and as separator, and the characters reportlab's ECC200DataMatrix garbles
        (: ; < = > ? @) read back as written."""
        data = f"010400638133393110B:1;<=>{GS}21S?@x/y"
        png = self.env["ir.actions.report"].barcode(
            "GS1DataMatrix", data, width=300, height=300
        )
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "code.png"
            path.write_bytes(png)
            read = subprocess.run(
                ["dmtxread", "--gs1=29", str(path)],
                capture_output=True,
                check=True,
            ).stdout.decode()
            codewords = subprocess.run(
                ["dmtxread", "--codewords", str(path)],
                capture_output=True,
                check=True,
            ).stdout.decode()
        self.assertEqual(read, GS + data)
        self.assertEqual(codewords.split()[0], "d:232")  # FNC1 first: GS1
        with self.assertRaises(ValueError):
            self.env["ir.actions.report"].barcode("GS1DataMatrix", "01€")

    def test_what_the_element_string_leaves_out(self):
        """A serial outside GS1's character set 82 (a space) or longer than 20
        characters gets no DataMatrix; a batch that cannot be encoded is left out
        of the element string, not out of the Digital Link."""
        spaced, long_serial, odd_batch = self._receive_serials(
            self.phone, ["S 1", "S" * 21, "S-3"]
        )
        odd_batch.serial_batch = "batch #1"
        self.assertEqual(spaced._serial_labels()[0].datamatrix, "")
        self.assertEqual(long_serial._serial_labels()[0].datamatrix, "")
        self.assertEqual(
            spaced._serial_labels()[0].qr, f"{BASE_URL}/01/04006381333931/21/S%201"
        )
        label = odd_batch._serial_labels()[0]
        self.assertEqual(label.datamatrix, "010400638133393121S-3")
        self.assertEqual(label.human_readable, "(01)04006381333931(21)S-3")
        self.assertEqual(
            label.qr, f"{BASE_URL}/01/04006381333931/10/batch%20%231/21/S-3"
        )

    def _print_menu(self, user, model):
        bindings = self.env["ir.actions.actions"].with_user(user).get_bindings(model)
        ids = [action["id"] for action in bindings.get("report", [])]
        return self.env["ir.actions.report"].browse(ids).get_external_id().values()

    def test_print_menus(self):
        for user in (self.serial_user, self.serial_manager, self.serial_auditor):
            self.assertIn(LOT_LABELS, self._print_menu(user, "stock.lot"))
        self.assertNotIn(LOT_LABELS, self._print_menu(self.stock_user, "stock.lot"))
        self.assertIn(
            PICKING_LABELS, self._print_menu(self.stock_user, "stock.picking")
        )

    def test_who_may_not_print(self):
        lot = self._receive_serials(self.phone, ["F-0001"])
        # an inventory user prints from a receipt, not units by their serial
        with self.assertRaises(AccessError):
            self._pdf(LOT_LABELS, lot, self.stock_user)
        other_company, _stock = self._create_company_with_stock("Label Branch")
        other_phone = self._create_serial_product(
            "Branch phone", "LBP", company_id=other_company.id, barcode="4006381333948"
        )
        other_lot = self.env["stock.lot"].create(
            {
                "name": "F-0101",
                "product_id": other_phone.id,
                "company_id": other_company.id,
            }
        )
        with self.assertRaises(AccessError):
            self._pdf(LOT_LABELS, other_lot, self.serial_user)
        warehouse = self.env["stock.warehouse"].search(
            [("company_id", "=", other_company.id)], limit=1
        )
        other_receipt = (
            self.env["stock.picking"]
            .with_company(other_company)
            .create({"picking_type_id": warehouse.in_type_id.id})
        )
        with self.assertRaises(AccessError):
            self._pdf(PICKING_LABELS, other_receipt, self.stock_user)
