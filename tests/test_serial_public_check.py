import re
from urllib.parse import urlencode

from odoo.exceptions import AccessError
from odoo.tests import HttpCase, tagged
from odoo.tools import SQL

from odoo.addons.pos_serial_tracking.tools.serial_digital_link import unit_path
from odoo.addons.pos_serial_tracking.tools.serial_public_check import (
    gtin_barcodes,
    unit_lookup_sql,
)

from .common import SerialDataMixin, SerialStockFlowsMixin

JSON = {"Accept": "application/json"}
OUR_EAN = "4006381333931"  # the product's barcode, an EAN-13
OUR_GTIN = "04006381333931"  # as GTIN-14
OTHER_EAN = "5901234123457"  # another company's product
NOBODYS_GTIN = "00012345678905"  # a valid GTIN no product carries
# per-session or per-request parts of Odoo's frontend layout
CSRF = re.compile(r'csrf_token: "[^"]*"')
ECHO = re.compile(r'(<code class="o_serial_check_code">)[^<]*(</code>)')


@tagged("post_install", "-at_install")
class TestSerialPublicCheck(SerialDataMixin, SerialStockFlowsMixin, HttpCase):
    """The public unit check over real HTTP, no login: each answer, the unknown ones
    indistinguishable, nothing personal, the rate limit, pasted GS1 codes."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.warehouse = cls.env.ref("stock.warehouse0")
        cls.stock_location = cls.warehouse.lot_stock_id
        cls.env.company.partner_id.write(
            {"phone": "+32 2 555 01 01", "email": "recovery@shop.example"}
        )
        cls.phone = cls._create_serial_product(
            "Checked Phone",
            "CKP",
            barcode=OUR_EAN,
            warranty_months=24,
            list_price=499.99,
        )
        cls.lots = {
            lot.name: lot
            for lot in cls._receive_serials(
                cls.phone, ["CK-0001", "CK-0002", "CK-0003", "CK-0004", "CK 05/A"]
            )
        }
        cls.customer = cls.env["res.partner"].create(
            {
                "name": "Carla Quintero",
                "email": "carla.quintero@mail.example",
                "phone": "+32 470 99 88 77",
            }
        )
        cls.serial_user = cls._create_user(
            "check_serial_user",
            "base.group_user",
            "pos_serial_tracking.group_serial_user",
        )
        cls.serial_manager = cls._create_user(
            "check_serial_manager",
            "base.group_user",
            "pos_serial_tracking.group_serial_manager",
        )
        # another company of this database, its product and serial
        cls.other_company, __ = cls._create_company_with_stock("Other Shop Ltd")
        cls.other_product = cls._create_serial_product(
            "Other Phone", "OTP", barcode=OTHER_EAN, company_id=cls.other_company.id
        )
        cls.other_lot = cls.env["stock.lot"].create(
            {
                "name": "OT-0001",
                "product_id": cls.other_product.id,
                "company_id": cls.other_company.id,
            }
        )

    def setUp(self):
        super().setUp()
        self.env["ir.config_parameter"].set_param(
            "pos_serial_tracking.public_check_limit", "1000"
        )

    # --- helpers -----------------------------------------------------------------
    def _get(self, path, json=False):
        return self.url_open(path, headers=JSON if json else None)

    def _link(self, serial, gtin=OUR_GTIN, batch=None):
        return unit_path(gtin, serial, batch=batch)

    def _sell(self, lot):
        self._deliver(lot, self.customer)
        self.assertEqual(lot.serial_state, "sold")

    def _recall(self, lot, instructions):
        recall = self.env["serial.recall"].create(
            {
                "reason": "The battery may overheat while charging.",
                "customer_instructions": instructions,
                "product_ids": [(6, 0, self.phone.ids)],
                "serial_ranges": lot.name,
            }
        )
        recall.action_locate()
        recall.action_activate()
        self.assertEqual(recall.state, "active")
        return recall

    def _mark_stolen(self, lot):
        lot.with_user(self.serial_manager)._mark_serial_state(
            "marked_stolen", "taken from the shop window"
        )
        self.assertEqual(lot.serial_state, "stolen")

    def _normalised(self, response):
        """The page without what differs by request and not by answer: the echoed
        code and the session's CSRF token."""
        return ECHO.sub(r"\1\2", CSRF.sub("", response.text))

    def assertNothingPersonal(self, text):
        for private in (
            "Carla Quintero",
            "carla.quintero@mail.example",
            "+32 470 99 88 77",
            "499.99",
            "499,99",
            "WH/Stock",
            "Partners/Customers",
            "WH/OUT",
        ):
            self.assertNotIn(private, text)

    # --- the answers -------------------------------------------------------------
    def test_genuine_unit_in_stock_and_sold(self):
        in_stock = self.lots["CK-0001"]
        response = self._get(self._link("CK-0001"))
        self.assertEqual(response.status_code, 200)
        self.assertIn("o_serial_check_genuine", response.text)
        self.assertIn("Checked Phone", response.text)
        self.assertIn("No warranty registered for this unit", response.text)
        self.assertNotIn("o_serial_check_recalled", response.text)
        self.assertIn("Accept", response.headers["Vary"])
        # the GTIN-13 form and a batch / expiry that do not contradict ours
        in_stock.write({"serial_batch": "B-7"})
        for path in (
            self._link("CK-0001", gtin=OUR_EAN),
            self._link("CK-0001", batch="B-7") + "?17=301231",
        ):
            self.assertIn("o_serial_check_genuine", self._get(path).text)
        # a batch that contradicts the registered one: as unknown
        response = self._get(self._link("CK-0001", batch="B-8"))
        self.assertIn("o_serial_check_unknown", response.text)

        sold = self.lots["CK-0002"]
        self._sell(sold)
        self.assertTrue(sold.warranty_end_date)
        response = self._get(self._link("CK-0002"))
        self.assertIn("o_serial_check_genuine", response.text)
        self.assertNothingPersonal(response.text)
        data = self._get(self._link("CK-0002"), json=True).json()
        self.assertEqual(
            data["data"],
            {
                "verified": True,
                "verificationFailureReason": None,
                "additionalInfo": None,
                "productName": "Checked Phone",
                "recalled": False,
                "recall": None,
                "reportedStolen": False,
                "contact": None,
                "warrantyEndDate": sold.warranty_end_date.isoformat(),
            },
        )
        self.assertRegex(
            data["verificationTimestamp"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$"
        )
        self.assertIsNone(data["responderGLN"])
        self.assertIsNone(data["corrUUID"])
        # LVM's request parameters: its correlation id echoed, the GLN once set
        self.env["ir.config_parameter"].set_param(
            "pos_serial_tracking.responder_gln", "5412345000013"
        )
        corr = "3fa85f64-5717-4562-b3fc-2c963f66afa6"
        response = self._get(self._link("CK-0002") + f"?corrUUID={corr}", json=True)
        self.assertIn("application/json", response.headers["Content-Type"])
        self.assertEqual(response.json()["corrUUID"], corr)
        self.assertEqual(response.json()["responderGLN"], "5412345000013")
        self.assertNothingPersonal(self._get(self._link("CK-0002"), json=True).text)
        # a serial holding a space and a slash, URL-quoted
        response = self._get(self._link("CK 05/A"))
        self.assertIn("o_serial_check_genuine", response.text)

    def test_recalled_unit_shows_the_customer_instructions(self):
        lot = self.lots["CK-0003"]
        self._sell(lot)
        recall = self._recall(lot, "Stop charging it and bring it to any of our shops.")
        response = self._get(self._link("CK-0003"))
        self.assertEqual(response.status_code, 200)
        self.assertIn("o_serial_check_recalled", response.text)
        self.assertIn(
            "Stop charging it and bring it to any of our shops.", response.text
        )
        self.assertIn(recall.name, response.text)
        self.assertNothingPersonal(response.text)
        data = self._get(self._link("CK-0003"), json=True).json()["data"]
        self.assertTrue(data["verified"])
        self.assertTrue(data["recalled"])
        self.assertEqual(data["additionalInfo"], "Recalled")
        self.assertEqual(
            data["recall"]["instructions"],
            "Stop charging it and bring it to any of our shops.",
        )

    def test_stolen_unit_says_whom_to_contact_and_is_recorded(self):
        lot = self.lots["CK-0004"]
        self._sell(lot)
        self._mark_stolen(lot)
        response = self._get(self._link("CK-0004"))
        self.assertEqual(response.status_code, 200)
        self.assertIn("o_serial_check_stolen", response.text)
        self.assertIn("Reported stolen", response.text)
        self.assertIn(self.env.company.name, response.text)
        self.assertIn("recovery@shop.example", response.text)
        # nothing else: no product, no warranty, nothing of the buyer
        self.assertNotIn("Checked Phone", response.text)
        self.assertNotIn("o_serial_check_warranty", response.text)
        self.assertNothingPersonal(response.text)
        data = self._get(self._link("CK-0004"), json=True).json()["data"]
        self.assertEqual(
            data,
            {
                "verified": True,
                "verificationFailureReason": None,
                "additionalInfo": None,
                "productName": None,
                "recalled": False,
                "recall": None,
                "reportedStolen": True,
                "contact": {
                    "name": self.env.company.name,
                    "phone": "+32 2 555 01 01",
                    "email": "recovery@shop.example",
                },
                "warrantyEndDate": None,
            },
        )
        # both checks recorded on the unit, for its Serial Managers
        self.env.invalidate_all()
        attempts = lot.with_user(self.serial_manager).public_check_attempt_ids
        self.assertEqual(len(attempts), 2)
        self.assertEqual(set(attempts.mapped("address")), {"127.0.0.1"})
        self.assertTrue(all(attempts.mapped("date")))
        arch = (
            self.env["stock.lot"]
            .with_user(self.serial_manager)
            .get_views([(False, "form")])["views"]["form"]["arch"]
        )
        self.assertIn('name="serial_public_checks"', arch)
        # not for a Serial User
        arch = (
            self.env["stock.lot"]
            .with_user(self.serial_user)
            .get_views([(False, "form")])["views"]["form"]["arch"]
        )
        self.assertNotIn('name="serial_public_checks"', arch)
        with self.assertRaises(AccessError):
            self.env["serial.check.attempt"].with_user(self.serial_user).search([])
        # an unknown or genuine unit's check is not recorded
        self._get(self._link("CK-0001"))
        self._get(self._link("CK-9999"))
        self.assertEqual(self.env["serial.check.attempt"].search_count([]), 2)
        # the purge forgets the attempts past their keeping time
        self.env["ir.config_parameter"].set_param(
            "pos_serial_tracking.public_check_attempt_days", "30"
        )
        attempts.sudo().write({"date": "2000-01-01 00:00:00"})
        self.env["serial.check.attempt"]._cron_purge_public_checks()
        self.assertFalse(lot.with_user(self.serial_manager).public_check_attempt_ids)

    def test_unknown_and_other_companys_serial_are_indistinguishable(self):
        paths = [
            self._link("CK-9999"),  # our product, a serial we never had
            self._link("OT-0001", gtin=OTHER_EAN.zfill(14)),  # another company's unit
            self._link("OT-0001"),  # its serial with our GTIN
            self._link("CK-0001", gtin=NOBODYS_GTIN),  # a GTIN nobody carries
            self._link("CK-0001", gtin="12345"),  # not a GTIN at all
        ]
        pages = [self._get(path) for path in paths]
        self.assertEqual({page.status_code for page in pages}, {200})
        self.assertIn("o_serial_check_unknown", pages[0].text)
        self.assertNotIn("Other Phone", pages[1].text)
        first = self._normalised(pages[0])
        for page in pages[1:]:
            self.assertEqual(self._normalised(page), first)
        answers = [self._get(path, json=True) for path in paths]
        self.assertEqual({answer.status_code for answer in answers}, {200})
        bodies = [answer.json() for answer in answers]
        for body in bodies:
            body.pop("verificationTimestamp")
        self.assertEqual(bodies[0]["data"]["verified"], False)
        self.assertEqual(
            bodies[0]["data"]["verificationFailureReason"], "No_match_GTIN_Serial"
        )
        self.assertTrue(all(body == bodies[0] for body in bodies))
        # the same keys as a genuine unit's answer
        genuine = self._get(self._link("CK-0001"), json=True).json()
        self.assertEqual(set(genuine), set(bodies[0]) | {"verificationTimestamp"})
        self.assertEqual(set(genuine["data"]), set(bodies[0]["data"]))

    def test_rate_limit(self):
        self.env["ir.config_parameter"].set_param(
            "pos_serial_tracking.public_check_limit", "3"
        )
        self.env["ir.config_parameter"].set_param(
            "pos_serial_tracking.public_check_window_minutes", "10"
        )
        for __ in range(3):
            self.assertEqual(self._get(self._link("CK-0001")).status_code, 200)
        response = self._get(self._link("CK-0001"))
        self.assertEqual(response.status_code, 429)
        self.assertRegex(
            response.text,
            r"Too many checks from your address, try again in ([1-9]|10) minutes",
        )
        self.assertNotIn("o_serial_check_genuine", response.text)
        self.assertTrue(0 < int(response.headers["Retry-After"]) <= 600)
        response = self._get(self._link("CK-0001"), json=True)
        self.assertEqual(response.status_code, 429)
        error = response.json()["error"]
        self.assertEqual(error["code"], "too_many_requests")
        self.assertRegex(
            error["message"], r"^Too many checks from your address, try again in"
        )
        self.assertIn(error["retryAfterMinutes"], range(1, 11))
        # the pasted-code page counts too
        response = self._get("/serial/check?" + urlencode({"code": "anything"}))
        self.assertEqual(response.status_code, 429)
        # the table keeps no address, and the purge drops past windows
        rows = self.env["serial.check.rate"].search([])
        self.assertEqual(rows.mapped("hits"), [6])
        self.assertNotIn("127.0.0.1", rows.address_key)
        rows.write({"window_start": "2000-01-01 00:00:00"})
        self.env["serial.check.rate"]._purge_old_windows()
        self.assertFalse(self.env["serial.check.rate"].search([]))

    def test_pasted_gs1_codes(self):
        check = "/serial/check?"
        codes = {
            "(01)04006381333931(21)CK-0001": "genuine",
            "0104006381333931\x1d21CK-0001": "genuine",  # a scanner's FNC1
            "]d2010400638133393121CK-0001": "genuine",  # a symbology identifier
            "(01)04006381333931(21)CK-0001(10)B-1": "genuine",
            "010400638133393121CK-0001#10B-1": "genuine",  # `#` for the FNC1
            "https://id.gs1.org/01/04006381333931/21/CK-0001": "genuine",
            "https://shop.example/01/4006381333931/10/B-1/21/CK-0001?17=301231": (
                "genuine"
            ),
            "urn:epc:id:sgtin:4006381.033393.CK-0001": "genuine",
            "(01)04006381333931(21)CK-9999": "unknown",
            "(01)05901234123457(21)OT-0001": "unknown",
            "not a code": "unknown",
        }
        for code, expected in codes.items():
            with self.subTest(code=code):
                response = self._get(check + urlencode({"code": code}))
                self.assertEqual(response.status_code, 200)
                self.assertIn(f"o_serial_check_{expected}", response.text)
        data = self._get(
            check + urlencode({"code": "(01)04006381333931(21)CK-0001"}), json=True
        ).json()
        self.assertTrue(data["data"]["verified"])
        # the empty form
        response = self._get("/serial/check")
        self.assertEqual(response.status_code, 200)
        self.assertIn('name="code"', response.text)

    def test_lookup_uses_the_serial_index(self):
        """The lookup is an exact match on an index of the serial, whatever the
        table holds: 20,000 more lots of the same product (inserted in SQL, rolled
        back with the test) give the planner real statistics to choose by."""
        lot = self.env["stock.lot"].search([("name", "=", "CK-0001")])
        self.env.flush_all()
        self.env.cr.execute(
            """INSERT INTO stock_lot (name, product_id, company_id, product_tracking,
                                      create_date, write_date)
               SELECT 'CK-FILL-' || n, %s, %s, 'serial', now(), now()
                 FROM generate_series(1, 20000) n""",
            [lot.product_id.id, lot.company_id.id or None],
        )
        self.env.cr.execute("ANALYZE stock_lot")
        self.env.cr.execute(
            SQL(
                "EXPLAIN %s",
                unit_lookup_sql(
                    self.env.company.id, gtin_barcodes(OUR_GTIN), "CK-0001", "en_US"
                ),
            )
        )
        plan = "\n".join(row[0] for row in self.env.cr.fetchall())
        # an index on the serial (the addon's b-tree or stock's own index on name),
        # whichever the planner takes: never a scan of every lot
        self.assertIn("Index Cond: ((name)::text = 'CK-0001'::text)", plan)
        self.assertNotIn("Seq Scan on stock_lot", plan)
        self.assertEqual(gtin_barcodes(OUR_GTIN), [OUR_GTIN, OUR_EAN])
        self.assertEqual(
            gtin_barcodes("00000096385074"),
            ["00000096385074", "0000096385074", "000096385074", "96385074"],
        )
