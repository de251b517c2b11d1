import base64

from odoo.tests import HttpCase, tagged

from .common import SerialDataMixin, SerialTrackingCommon
from .test_stock_lot_import import csv_bytes


class TestSerialSplitExtension(SerialTrackingCommon):
    """A module splitting its serials otherwise (stock.lot._split_serial overridden
    with super(), tests/fake_serial_range.py: CHK-0001-X numbered before its check
    letter): a Serial User's range search, the search view's check of a range and an
    import all split the serials its way."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        from .fake_serial_range import StockLot

        cls._load_fake_models(StockLot)
        letters = "XKQB"
        cls.lots = cls.env["stock.lot"].create(
            [
                {
                    "name": f"CHK-{number:04d}-{letters[number % 4]}",
                    "product_id": cls.phone.id,
                }
                for number in range(1, 13)
            ]
            + [
                # the addon's own split for a serial without a check letter
                {"name": "CHK-0007", "product_id": cls.phone.id},
                {"name": "CHK-0007-XY", "product_id": cls.phone.id},
            ]
        )

    def _as_serial_user(self, model):
        return self.env[model].with_user(self.serial_user)

    def test_range_search_splits_before_the_check_letter(self):
        Lot = self._as_serial_user("stock.lot")
        found = Lot.search([("serial_range", "=", "CHK-0003-K..CHK-0010-Q")])
        self.assertEqual(
            sorted(found.mapped("name")),
            [
                "CHK-0003-B",
                "CHK-0004-X",
                "CHK-0005-K",
                "CHK-0006-Q",
                "CHK-0007",
                "CHK-0007-B",
                "CHK-0008-X",
                "CHK-0009-K",
                "CHK-0010-Q",
            ],
        )
        lot = found.filtered(lambda lot: lot.name == "CHK-0010-Q")
        self.assertEqual(
            (lot.serial_prefix, lot.serial_trailing_number), ("CHK-", "10")
        )
        other = Lot.search([("name", "=", "CHK-0007-XY")])
        self.assertEqual(
            (other.serial_prefix, other.serial_trailing_number), ("CHK-0007-XY", False)
        )
        # the search view checks a range the same way before adding it
        self.assertFalse(Lot.serial_range_problem("CHK-0003-K..CHK-0010-Q"))
        self.assertIn("is reversed", Lot.serial_range_problem("CHK-0010-Q..CHK-0003-K"))

    def test_import_splits_as_the_module_does(self):
        wizard = self._as_serial_user("stock.lot.import").create(
            {
                "file": base64.b64encode(
                    csv_bytes(
                        [
                            ["Serial", "Product"],
                            ["CHK-0200-X", "P1"],
                            ["CHK-0201", "P1"],
                        ]
                    )
                ),
                "filename": "checked.csv",
                "location_id": self.stock_location.id,
            }
        )
        wizard.action_import()
        lots = self._as_serial_user("stock.lot").search(
            [("serial_range", "=", "CHK-0150-X..CHK-0250-X")]
        )
        self.assertEqual(
            {lot.name: (lot.serial_prefix, lot.serial_trailing_number) for lot in lots},
            {"CHK-0200-X": ("CHK-", "200"), "CHK-0201": ("CHK-", "201")},
        )


@tagged("post_install", "-at_install")
class TestSerialEpcisExtension(SerialDataMixin, HttpCase):
    """A module adding fields to every EPCIS event (stock.lot._epcis_object_event
    and _epcis_context overridden with super(), tests/fake_serial_epcis.py) and
    naming the units its own way (_epcis_unit_uri): the document a Serial Auditor
    downloads carries them on each event, beside the addon's own, with its namespace
    declared."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        from .fake_serial_epcis import ACME_NAMESPACE, StockLot

        cls.acme_namespace = ACME_NAMESPACE
        cls._load_fake_models(StockLot)

    def test_auditor_downloads_the_added_field(self):
        product = self._create_serial_product("Extension phone", "EXT-P")
        stock = self.env.ref("stock.warehouse0").lot_stock_id
        lot = self._receive_serials(product, ["E-0601"], location=stock)
        self._create_user(
            "epcis_ext_auditor", "pos_serial_tracking.group_serial_auditor"
        )
        self.authenticate("epcis_ext_auditor", "epcis_ext_auditor")
        response = self.url_open(lot.action_download_epcis()["url"])
        self.assertEqual(response.status_code, 200)
        document = response.json()
        self.assertIn({"acme": self.acme_namespace}, document["@context"])
        recorders = (
            self.env["serial.audit.line"]
            .search([("lot_id", "=", lot.id)], order="chain_index")
            .mapped("user_id.login")
        )
        self.assertEqual(
            [
                (
                    event["pst:event"],
                    event["acme:productCode"],
                    event["acme:recordedBy"],
                    event["epcList"],
                )
                for event in document["epcisBody"]["eventList"]
            ],
            [
                ("registered", "EXT-P", recorders[0], ["urn:acme:unit:EXT-P:E-0601"]),
                ("received", "EXT-P", recorders[-1], ["urn:acme:unit:EXT-P:E-0601"]),
            ],
        )
