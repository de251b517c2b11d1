import json
from urllib.parse import urlsplit

import pytz

from odoo.exceptions import AccessError
from odoo.tests import HttpCase, tagged

from odoo.addons.pos_serial_tracking.tools import serial_epcis as epcis
from odoo.addons.pos_serial_tracking.tools.serial_epcis import EPCIS_CONTEXT

from .common import SerialDataMixin, SerialPosSyncCommon, SerialStockFlowsMixin

GTIN = "4006381333931"  # a valid EAN-13


class TestSerialEpcis(SerialStockFlowsMixin, SerialPosSyncCommon):
    """A unit's history exported as a GS1 EPCIS 2.0 document: one object event per
    audit line, in order, with the business step and disposition of GS1's Core Business
    Vocabulary, for Serial Users and Auditors of the unit's company only."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.warehouse = cls.stock_location.warehouse_id
        cls.env.user.groups_id += cls.env.ref(
            "pos_serial_tracking.group_serial_manager"
        )
        cls.env.user.tz = "Europe/Brussels"
        cls.phone.barcode = GTIN
        cls.customer = cls.env["res.partner"].create({"name": "Customer E1"})
        cls.vendor = cls.env["res.partner"].create({"name": "Vendor E1"})
        cls.serial_user = cls._create_user(
            "epcis_user", "pos_serial_tracking.group_serial_user"
        )
        cls.serial_auditor = cls._create_user(
            "epcis_auditor", "pos_serial_tracking.group_serial_auditor"
        )
        cls.cashier = cls._create_user(
            "epcis_cashier", "base.group_user", "point_of_sale.group_pos_user"
        )
        # reads serials, not their history
        cls.stock_user = cls._create_user("epcis_stock_user", "stock.group_stock_user")
        cls.database = cls.env["ir.config_parameter"].sudo().get_param("database.uuid")

    def setUp(self):
        super().setUp()
        self.open_new_session()

    # --- helpers ---------------------------------------------------------------------
    def _location(self, location):
        return {"id": f"urn:x-pst:{self.database}:location:{location.id}"}

    def _document(self, lots, user):
        """The document as `user` gets it over RPC, through JSON and back."""
        document = lots.with_user(user).epcis_document()
        return json.loads(json.dumps(document))

    @staticmethod
    def _steps(document):
        return [
            (
                event["pst:event"],
                event["action"],
                event["bizStep"],
                event["disposition"],
            )
            for event in document["epcisBody"]["eventList"]
        ]

    # --- the export ------------------------------------------------------------------
    def test_unit_received_sold_and_refunded_at_the_till(self):
        receipt = self._picking(
            self.warehouse.in_type_id,
            ["E-0001"],
            partner=self.vendor,
            product=self.phone,
        )
        self._validate(receipt)
        lot = receipt.move_ids.move_line_ids.lot_id
        sale = self._sync(
            self._order([(self.phone, ["E-0001"])], customer=self.customer)
        )
        refund = self._sync(self._refund_data(sale))
        self.assertEqual(lot.serial_state, "returned")

        document = self._document(lot, self.serial_auditor)
        self.assertEqual(document["@context"][0], EPCIS_CONTEXT)
        self.assertIn("pst", document["@context"][1])
        self.assertEqual(document["type"], "EPCISDocument")
        self.assertEqual(document["schemaVersion"], "2.0")
        self.assertRegex(
            document["creationDate"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$"
        )
        self.assertEqual(
            self._steps(document),
            [
                ("registered", "ADD", "commissioning", "active"),
                ("received", "ADD", "receiving", "sellable_accessible"),
                ("sold", "OBSERVE", "retail_selling", "retail_sold"),
                ("returned", "OBSERVE", "returning", "returned"),
            ],
        )
        events = document["epcisBody"]["eventList"]
        lines = lot.audit_line_ids.sorted("chain_index")
        brussels = pytz.timezone("Europe/Brussels")
        for event, line in zip(events, lines, strict=True):
            self.assertEqual(event["type"], "ObjectEvent")
            # the unit by its GTIN and serial, as a GS1 Digital Link
            self.assertEqual(
                event["epcList"], [f"https://id.gs1.org/01/0{GTIN}/21/E-0001"]
            )
            self.assertEqual(
                event["eventTime"],
                line.date.strftime("%Y-%m-%dT%H:%M:%S") + ".000Z",
            )
            offset = pytz.utc.localize(line.date).astimezone(brussels).strftime("%z")
            self.assertEqual(event["eventTimeZoneOffset"], f"{offset[:3]}:{offset[3:]}")
            self.assertEqual(event["pst:hash"], line.hash)
            self.assertEqual(event["pst:previousHash"], line.previous_hash or None)
            self.assertEqual(event["pst:chainIndex"], line.chain_index)
        registered, received, sold, returned = events
        self.assertNotIn("readPoint", registered)
        self.assertNotIn("bizTransactionList", registered)
        # received into the stock: seen there, and kept there
        self.assertEqual(received["readPoint"], self._location(self.stock_location))
        self.assertEqual(received["bizLocation"], self._location(self.stock_location))
        self.assertEqual(
            received["bizTransactionList"],
            [
                {
                    "bizTransaction": (
                        f"urn:x-pst:{self.database}:document:stock.picking:{receipt.id}"
                    )
                }
            ],
        )
        self.assertEqual(received["pst:reference"], receipt.name)
        self.assertEqual(
            sold["bizTransactionList"],
            [
                {
                    "type": "inv",
                    "bizTransaction": (
                        f"urn:x-pst:{self.database}:document:pos.order:{sale.id}"
                    ),
                }
            ],
        )
        self.assertEqual(sold["pst:reference"], sale.name)
        self.assertEqual(returned["pst:reference"], refund.name)
        self.assertEqual(
            (returned["pst:stateBefore"], returned["pst:stateAfter"]),
            ("sold", "returned"),
        )
        # a Serial User gets the same events
        self.assertEqual(
            self._document(lot, self.serial_user)["epcisBody"],
            document["epcisBody"],
        )

    def test_units_delivered_returned_scrapped_and_lost(self):
        # no GTIN: the unit is named by the database, its company, product and serial
        self.phone.barcode = False
        lots = self._receive_by_receipt(self.phone, ["E-0101", "E-0102/A"], self.vendor)
        first, second = lots.sorted("name")
        delivery = self._deliver(first, self.customer, origin="SO-E1")
        self._return(delivery)
        self._scrap(first)
        second.with_user(self.env.user)._mark_serial_state(
            "marked_lost", "Not on the shelf"
        )

        document = self._document(first + second, self.serial_auditor)
        events = document["epcisBody"]["eventList"]
        company = self.env.company.id
        unit = f"urn:x-pst:{self.database}:unit:{company}:{self.phone.id}:"
        self.assertEqual(
            [event["epcList"] for event in events],
            [[unit + "E-0101"]] * 5 + [[unit + "E-0102%2FA"]] * 3,
        )
        self.assertEqual(
            self._steps(document),
            [
                ("registered", "ADD", "commissioning", "active"),
                ("received", "ADD", "receiving", "sellable_accessible"),
                ("sold", "OBSERVE", "retail_selling", "retail_sold"),
                ("returned", "OBSERVE", "returning", "returned"),
                ("scrapped", "DELETE", "destroying", "destroyed"),
                ("registered", "ADD", "commissioning", "active"),
                ("received", "ADD", "receiving", "sellable_accessible"),
                ("marked_lost", "OBSERVE", "stock_taking", "unknown"),
            ],
        )
        sold, returned = events[2], events[3]
        # delivered from the stock to the customer: seen leaving the stock, no business
        # location of ours after it; returned into the stock
        self.assertEqual(sold["readPoint"], self._location(self.stock_location))
        self.assertNotIn("bizLocation", sold)
        self.assertEqual(sold["pst:reference"], "SO-E1")  # the delivery's origin
        self.assertEqual(
            sold["bizTransactionList"][0]["bizTransaction"],
            f"urn:x-pst:{self.database}:document:stock.picking:{delivery.id}",
        )
        self.assertEqual(returned["bizLocation"], self._location(self.stock_location))
        self.assertEqual(events[-1]["pst:stateAfter"], "lost")

    def test_events_are_the_audit_lines_read_through_the_orm(self):
        # the document's events are read in one query: each one is what the audit
        # line's fields, its user's (else its company's) time zone and its locations
        # give through the ORM
        manager = self._create_user(
            "epcis_manager_no_tz", "pos_serial_tracking.group_serial_manager"
        )
        manager.tz = False
        self.env.company.partner_id.tz = "America/New_York"
        lots = self._receive_by_receipt(self.phone, ["E-0301", "E-0302"], self.vendor)
        first, second = lots.sorted("name")
        delivery = self._deliver(first, self.customer, origin="SO-E3")
        self._return(delivery)
        self._scrap(first)
        second.with_user(manager)._mark_serial_state("marked_lost", "Not there")

        document = self._document(first + second, self.serial_auditor)
        lines = self.env["serial.audit.line"].search(
            [("lot_id", "in", (first + second).ids)], order="lot_id, chain_index"
        )
        self.assertEqual(len(lines), 8)
        self.assertEqual(
            document["epcisBody"]["eventList"],
            [self._orm_event(line) for line in lines],
        )
        offsets = {
            event["pst:event"]: event["eventTimeZoneOffset"]
            for event in document["epcisBody"]["eventList"]
        }
        self.assertIn(offsets["marked_lost"], ("-05:00", "-04:00"))  # the company's

    def _orm_event(self, line):
        """The event of one audit line, read through the ORM."""
        unit = f"https://id.gs1.org/01/0{GTIN}/21/{line.lot_id.name}"
        tz_name = line.user_id.tz or line.company_id.partner_id.tz
        offset = pytz.utc.localize(line.date).astimezone(pytz.timezone(tz_name))
        offset = offset.strftime("%z")
        event = {
            "type": "ObjectEvent",
            "eventTime": line.date.isoformat(timespec="milliseconds") + "Z",
            "eventTimeZoneOffset": f"{offset[:3]}:{offset[3:]}",
            "epcList": [unit],
            "action": epcis.action(line.event),
            "bizStep": epcis.BIZ_STEPS[line.event],
            "disposition": epcis.disposition(line.event, line.new_state),
        }
        destination, source = line.location_dest_id, line.location_id
        read_point = destination if destination.usage == "internal" else source
        if read_point:
            event["readPoint"] = self._location(read_point)
        if destination.usage == "internal":
            event["bizLocation"] = self._location(destination)
        if line.reference or line.res_model:
            name = (
                f"{line.res_model}:{line.res_id}"
                if line.res_model and line.res_id
                else line.reference
            )
            transaction = {
                "bizTransaction": f"urn:x-pst:{self.database}:document:{name}"
            }
            if line.res_model == "pos.order":
                transaction["type"] = "inv"
            event["bizTransactionList"] = [transaction]
        event.update(
            {
                "pst:event": line.event,
                "pst:stateBefore": line.old_state or None,
                "pst:stateAfter": line.new_state or None,
                "pst:reference": line.reference or None,
                "pst:chainIndex": line.chain_index,
                "pst:previousHash": line.previous_hash or None,
                "pst:hash": line.hash,
            }
        )
        return event

    # --- who may export --------------------------------------------------------------
    def test_cashier_and_inventory_user_are_refused(self):
        lot = self._receive_serials(self.phone, ["E-0201"])
        for user in (self.cashier, self.stock_user):
            with self.assertRaises(AccessError):
                lot.with_user(user).epcis_document()
            with self.assertRaises(AccessError):
                lot.with_user(user).action_download_epcis()

    def test_another_companys_unit_is_refused(self):
        lot = self._receive_serials(self.phone, ["E-0301"])
        other_company, _stock = self._create_company_with_stock("EPCIS Branch")
        other_phone = self._create_serial_product(
            "Branch phone", "EBP", company_id=other_company.id
        )
        other_lot = (
            self.env["stock.lot"]
            .with_company(other_company)
            .create(
                {
                    "name": "E-0302",
                    "product_id": other_phone.id,
                    "company_id": other_company.id,
                }
            )
        )
        for user in (self.serial_user, self.serial_auditor):
            with self.assertRaises(AccessError):
                other_lot.with_user(user).epcis_document()
            with self.assertRaises(AccessError):
                (lot + other_lot).with_user(user).epcis_document()
            self.assertEqual(
                len(self._document(lot, user)["epcisBody"]["eventList"]), 2
            )

    def test_list_and_form_offer_the_download(self):
        lot = self._receive_serials(self.phone, ["E-0401"])
        action = lot.with_user(self.serial_auditor).action_download_epcis()
        self.assertEqual(action["type"], "ir.actions.act_url")
        self.assertEqual(action["target"], "download")
        self.assertEqual(action["url"], f"/pos_serial_tracking/epcis?lot_ids={lot.id}")
        server_action = self.env.ref(
            "pos_serial_tracking.stock_lot_action_download_epcis"
        )
        Lot = self.env["stock.lot"]
        for user, shown in (
            (self.serial_user, True),
            (self.serial_auditor, True),
            (self.stock_user, False),
        ):
            bindings = (
                Lot.with_user(user)
                .get_views([(False, "list")], {"toolbar": True})["views"]["list"][
                    "toolbar"
                ]
                .get("action", [])
            )
            self.assertEqual(
                server_action.id in [binding["id"] for binding in bindings],
                shown,
                user.login,
            )
            arch = Lot.with_user(user).get_views([(False, "form")])["views"]["form"][
                "arch"
            ]
            self.assertEqual('name="action_download_epcis"' in arch, shown, user.login)


@tagged("post_install", "-at_install")
class TestSerialEpcisDownload(SerialDataMixin, HttpCase):
    """The download the serial's button opens: the JSON file, for its readers only."""

    def test_download_as_a_file(self):
        product = self._create_serial_product("Download phone", "EDP")
        stock = self.env.ref("stock.warehouse0").lot_stock_id
        lot = self._receive_serials(product, ["E-0501"], location=stock)
        self._create_user(
            "epcis_dl_auditor", "pos_serial_tracking.group_serial_auditor"
        )
        self._create_user(
            "epcis_dl_cashier", "base.group_user", "point_of_sale.group_pos_user"
        )
        url = lot.action_download_epcis()["url"]
        self.authenticate("epcis_dl_auditor", "epcis_dl_auditor")
        response = self.url_open(url)
        self.assertEqual(response.status_code, 200)
        self.assertIn("application/ld+json", response.headers["Content-Type"])
        self.assertIn("epcis-E-0501-", response.headers["Content-Disposition"])
        document = response.json()
        self.assertEqual(document["type"], "EPCISDocument")
        self.assertEqual(
            [event["pst:event"] for event in document["epcisBody"]["eventList"]],
            ["registered", "received"],
        )
        self.assertEqual(urlsplit(url).path, "/pos_serial_tracking/epcis")
        self.authenticate("epcis_dl_cashier", "epcis_dl_cashier")
        self.assertEqual(self.url_open(url).status_code, 403)
