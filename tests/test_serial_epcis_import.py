import base64
import json

from odoo import Command
from odoo.exceptions import AccessError, UserError
from odoo.tests import HttpCase, tagged

from ..tools.serial_epcis_identifiers import canonical_epc, check_digit
from ..tools.serial_epcis_in import event_hash, read_events
from .common import SerialDataMixin, SerialTrackingCommon

PREFIX = "0614141"
UNIT_ITEM = "012345"  # indicator 0 + item reference
CASE_ITEM = "112345"  # indicator 1: a case of the same item
UNIT_BODY = UNIT_ITEM[:1] + PREFIX + UNIT_ITEM[1:]
UNIT_GTIN = UNIT_BODY + check_digit(UNIT_BODY)  # GTIN-14
CASES, PALLETS, PER_CASE = 20, 2, 50
EXPIRY = "2028-06-30"
# GS1's published example (RalphTro/epcis-event-hash-generator,
# tests/examples/epcisDocWithSingleEvent.jsonld) and its event hash
REFERENCE = {
    "@context": [
        "https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld",
        {"gs1": "https://gs1.org/voc/"},
    ],
    "id": "https://id.example.org/document1",
    "type": "EPCISDocument",
    "schemaVersion": "2.0",
    "creationDate": "2022-02-17T11:30:47.0Z",
    "epcisBody": {
        "eventList": [
            {
                "type": "ObjectEvent",
                "action": "OBSERVE",
                "bizStep": "shipping",
                "disposition": "in_transit",
                "epcList": [
                    "urn:epc:id:sgtin:0614141.107346.2017",
                    "urn:epc:id:sgtin:0614141.107346.2018",
                ],
                "eventTime": "2022-02-16T20:33:31.116000-06:00",
                "eventTimeZoneOffset": "-06:00",
                "readPoint": {"id": "urn:epc:id:sgln:0614141.07346.1234"},
                "bizTransactionList": [
                    {
                        "type": "po",
                        "bizTransaction": "http://transaction.acme.com/po/12345678",
                    }
                ],
            }
        ]
    },
}
REFERENCE_HASH = (
    "ni:///sha-256;ffa491b16867e34a7791a8d5389d826afc24e63a121026b6a4004ace38631b4b"
    "?ver=CBV2.0"
)


def epcis_in_scanned(urn):
    """The SSCC of a pallet's URN as a scanner reads its label: (00) + 18 digits."""
    return "(00)" + canonical_epc(urn).rsplit("/", 1)[-1]


def unit_epc(serial, link=False):
    if link:
        return f"https://brand.example.com/01/{UNIT_GTIN}/21/{serial}"
    return f"urn:epc:id:sgtin:{PREFIX}.{UNIT_ITEM}.{serial}"


def case_epc(number):
    return f"urn:epc:id:sgtin:{PREFIX}.{CASE_ITEM}.C{number:03d}"


def sscc_epc(number):
    return f"urn:epc:id:sscc:{PREFIX}.{1000000000 + number}"


def supplier_events(units=PER_CASE * CASES, link=False, prefix="SN"):
    """Commission (one ObjectEvent ADD per case, lot and expiry in ilmd), pack
    (units in cases, cases on pallets) and ship (the pallets) as a supplier
    writes them: [(kind, values)]."""
    per_case = units // CASES
    events = []
    for case in range(CASES):
        serials = [f"{prefix}{case * per_case + n:06d}" for n in range(per_case)]
        events.append(
            {
                "type": "ObjectEvent",
                "action": "ADD",
                "bizStep": "commissioning",
                "disposition": "active",
                "epcList": [unit_epc(s, link) for s in serials],
                "lot": "LOT-A" if case < CASES // 2 else "LOT-B",
                "minute": case,
            }
        )
        events.append(
            {
                "type": "AggregationEvent",
                "action": "ADD",
                "bizStep": "packing",
                "parentID": case_epc(case),
                "childEPCs": [unit_epc(s, link) for s in serials],
                "minute": 30 + case,
            }
        )
    per_pallet = CASES // PALLETS
    for pallet in range(PALLETS):
        events.append(
            {
                "type": "AggregationEvent",
                "action": "ADD",
                "bizStep": "packing",
                "parentID": sscc_epc(pallet),
                "childEPCs": [
                    case_epc(c)
                    for c in range(pallet * per_pallet, (pallet + 1) * per_pallet)
                ],
                "minute": 55 + pallet,
            }
        )
    events.append(
        {
            "type": "ObjectEvent",
            "action": "OBSERVE",
            "bizStep": "shipping",
            "disposition": "in_transit",
            "epcList": [sscc_epc(p) for p in range(PALLETS)],
            "po": "urn:epcglobal:cbv:bt:0614141000005:PO-4711",
            "minute": 59,
        }
    )
    return events


def epcis_json(events):
    body = []
    for values in events:
        event = {
            "type": values["type"],
            "eventTime": f"2026-11-02T10:{values['minute']:02d}:00.000+01:00",
            "eventTimeZoneOffset": "+01:00",
            "action": values["action"],
            "bizStep": values["bizStep"],
        }
        for key in ("epcList", "parentID", "childEPCs", "disposition"):
            if key in values:
                event[key] = values[key]
        if "po" in values:
            event["bizTransactionList"] = [
                {"type": "po", "bizTransaction": values["po"]}
            ]
        if "lot" in values:
            event["ilmd"] = {
                "cbvmda:lotNumber": values["lot"],
                "cbvmda:itemExpirationDate": EXPIRY,
            }
        body.append(event)
    document = {
        "@context": ["https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"],
        "type": "EPCISDocument",
        "schemaVersion": "2.0",
        "creationDate": "2026-11-02T11:00:00.000+01:00",
        "epcisBody": {"eventList": body},
    }
    return json.dumps(document).encode()


def epcis_xml(events):
    parts = []
    for values in events:
        inner = [
            f"<eventTime>2026-11-02T10:{values['minute']:02d}:00.000+01:00</eventTime>",
            "<eventTimeZoneOffset>+01:00</eventTimeZoneOffset>",
        ]
        if "parentID" in values:
            inner.append(f"<parentID>{values['parentID']}</parentID>")
        for key in ("epcList", "childEPCs"):
            if key in values:
                epcs = "".join(f"<epc>{epc}</epc>" for epc in values[key])
                inner.append(f"<{key}>{epcs}</{key}>")
        inner.append(f"<action>{values['action']}</action>")
        inner.append(
            f"<bizStep>urn:epcglobal:cbv:bizstep:{values['bizStep']}</bizStep>"
        )
        if "disposition" in values:
            inner.append(
                f"<disposition>urn:epcglobal:cbv:disp:{values['disposition']}"
                "</disposition>"
            )
        if "po" in values:
            inner.append(
                '<bizTransactionList><bizTransaction type="urn:epcglobal:cbv:btt:po">'
                f"{values['po']}</bizTransaction></bizTransactionList>"
            )
        if "lot" in values:
            inner.append(
                f"<ilmd><cbvmda:lotNumber>{values['lot']}</cbvmda:lotNumber>"
                f"<cbvmda:itemExpirationDate>{EXPIRY}</cbvmda:itemExpirationDate>"
                "</ilmd>"
            )
        parts.append(f"<{values['type']}>{''.join(inner)}</{values['type']}>")
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<epcis:EPCISDocument xmlns:epcis="urn:epcglobal:epcis:xsd:2" '
        'xmlns:cbvmda="urn:epcglobal:cbv:mda" schemaVersion="2.0" '
        'creationDate="2026-11-02T11:00:00.000+01:00">'
        f"<EPCISBody><EventList>{''.join(parts)}</EventList></EPCISBody>"
        "</epcis:EPCISDocument>"
    ).encode()


@tagged("post_install", "-at_install")
class TestSerialEpcisImport(SerialTrackingCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.vial = cls._create_serial_product("Vial V1", "V1", barcode=UNIT_GTIN[1:])
        cls.pos_cashier = cls._create_user(
            "pos_cashier", "base.group_user", "point_of_sale.group_pos_user"
        )

    def _wizard(self, data, filename, user=None):
        return (
            self.env["stock.lot.import"]
            .with_user(user or self.serial_user)
            .create({"file": base64.b64encode(data), "filename": filename})
        )

    def _lots(self, *serials):
        return self.env["stock.lot"].search(
            [("product_id", "=", self.vial.id), ("name", "in", list(serials))]
        )

    def test_reference_event_hash(self):
        """The hash of GS1's published example is the reference implementation's."""
        events = read_events(json.dumps(REFERENCE).encode(), "reference.jsonld")
        self.assertEqual(events[0].hash, REFERENCE_HASH)
        self.assertEqual(event_hash(events[0]), REFERENCE_HASH)

    def _assert_supplier_import(self, wizard, file_sha):
        wizard.action_dry_run()
        self.assertEqual((wizard.row_count, wizard.new_count), (1000, 1000))
        self.assertFalse(wizard.error_ids)
        self.assertFalse(self._lots("SN000000"), "a dry run writes nothing")
        wizard.action_import()
        batch = wizard.batch_id
        self.assertEqual(batch.created_count, 1000)
        self.assertEqual(batch.file_sha256, file_sha)
        self.assertEqual(len(batch.epcis_event_ids), 2 * CASES + PALLETS + 1)
        self.assertTrue(
            all(
                h.startswith("ni:///sha-256;") and h.endswith("?ver=CBV2.0")
                for h in batch.epcis_event_ids.mapped("event_hash")
            )
        )
        lots = self._lots("SN000000", "SN000999")
        self.assertEqual(len(lots), 2)
        first, last = lots.sorted("name")
        self.assertEqual((first.serial_batch, last.serial_batch), ("LOT-A", "LOT-B"))
        self.assertEqual(str(first.serial_expiry_date), EXPIRY)
        self.assertEqual(first.import_batch_id, batch)
        # packing: the unit's case and that case's pallet, on the unit's form
        self.assertIn(f"/01/{CASE_ITEM[:1]}{PREFIX}", first.epcis_case)
        self.assertTrue(first.epcis_case.endswith("/21/C000"))
        self.assertTrue(first.epcis_pallet.startswith("https://id.gs1.org/00/"))
        self.assertNotEqual(first.epcis_pallet, last.epcis_pallet)
        # the history names the event and its hash
        line = self.env["serial.audit.line"].search([("lot_id", "=", first.id)])
        commission = batch.epcis_event_ids.filtered(lambda e: e.position == 1)
        self.assertIn(commission.event_hash, line.note)
        return batch

    def test_supplier_document_jsonld(self):
        data = epcis_json(supplier_events())
        import hashlib

        wizard = self._wizard(data, "shipment.jsonld")
        batch = self._assert_supplier_import(wizard, hashlib.sha256(data).hexdigest())
        self.assertEqual(len(batch.epcis_aggregation_ids), 1000 + CASES)

    def test_supplier_document_xml_digital_link(self):
        data = epcis_xml(supplier_events(link=True))
        import hashlib

        wizard = self._wizard(data, "shipment.xml")
        self._assert_supplier_import(wizard, hashlib.sha256(data).hexdigest())

    def test_same_event_twice_is_recognised_by_its_hash(self):
        events = supplier_events()
        self._wizard(epcis_json(events), "first.jsonld").action_import()
        # the same commissioning event, resent in another document (another eventID
        # would change nothing: the hash leaves it out)
        again = [dict(events[0], eventID="urn:uuid:another")]
        wizard = self._wizard(epcis_json(again), "again.jsonld")
        with self.assertRaisesRegex(UserError, r"already imported .*ni:///sha-256;"):
            wizard.action_import()
        twice = [events[0], events[0]]
        with self.assertRaisesRegex(UserError, "Event 2 .* same as event 1"):
            self._wizard(epcis_json(twice), "twice.jsonld").action_dry_run()

    def test_unknown_gtin_imports_nothing(self):
        events = supplier_events()
        events[2]["epcList"][0] = f"urn:epc:id:sgtin:{PREFIX}.099999.X1"
        wizard = self._wizard(epcis_json(events), "bad_gtin.jsonld")
        wizard.action_dry_run()
        self.assertEqual(wizard.invalid_count, 1)
        self.assertEqual(wizard.error_ids.mapped("row"), [3])  # the event's number
        with self.assertRaises(UserError):
            wizard.action_import()
        self.assertFalse(self._lots("SN000000"))
        self.assertFalse(self.env["serial.epcis.event"].search([]))

    def test_malformed_document_says_what_and_where(self):
        events = supplier_events(units=40)
        document = json.loads(epcis_json(events))
        del document["epcisBody"]["eventList"][0]["action"]
        wizard = self._wizard(json.dumps(document).encode(), "broken.json")
        with self.assertRaisesRegex(
            UserError, "EPCIS 2.0 schema at epcisBody/eventList/0"
        ):
            wizard.action_dry_run()
        no_action = epcis_xml(events).replace(b"<action>ADD</action>", b"", 1)
        wizard = self._wizard(no_action, "no_action.xml")
        with self.assertRaisesRegex(UserError, "EPCIS 2.0 schema at line 1: .*action"):
            wizard.action_dry_run()
        wizard = self._wizard(epcis_xml(events)[:-30], "broken.xml")
        with self.assertRaisesRegex(UserError, r"not well-formed XML \(line 1\)"):
            wizard.action_dry_run()
        self.assertFalse(self._lots("SN000000"))

    def test_refused_to_a_cashier_and_another_company(self):
        data = epcis_json(supplier_events(units=40))
        with self.assertRaises(AccessError):
            self._wizard(data, "shipment.jsonld", user=self.pos_cashier).action_import()
        other, _stock = self._create_company_with_stock("Other Co")
        with self.assertRaises(AccessError):
            self.env["stock.lot.import"].with_user(self.serial_user).create(
                {
                    "file": base64.b64encode(data),
                    "filename": "shipment.jsonld",
                    "company_id": other.id,
                }
            )
        self.assertFalse(self._lots("SN000000"))

    def _receipt(self, origin):
        """A receipt of 1,000 vials from the supplier for our purchase order."""
        receipt = self.env["stock.picking"].create(
            {
                "picking_type_id": self.warehouse.in_type_id.id,
                "location_id": self.env.ref("stock.stock_location_suppliers").id,
                "location_dest_id": self.stock_location.id,
                "origin": origin,
                "move_ids": [
                    Command.create(
                        {
                            "name": self.vial.name,
                            "product_id": self.vial.id,
                            "product_uom_qty": 1000,
                            "product_uom": self.vial.uom_id.id,
                            "location_id": self.env.ref(
                                "stock.stock_location_suppliers"
                            ).id,
                            "location_dest_id": self.stock_location.id,
                        }
                    )
                ],
            }
        )
        receipt.action_confirm()
        return receipt

    def test_shipment_expected_on_the_receipt_and_received_by_sscc(self):
        inventory_user = self._create_user(
            "inventory_user", "base.group_user", "stock.group_stock_user"
        )
        receipt = self._receipt("PO-4711")
        self._wizard(epcis_json(supplier_events()), "shipment.jsonld").action_import()
        receipt = receipt.with_user(inventory_user)
        self.assertEqual(receipt.epcis_expected_count, 1000)
        code = epcis_in_scanned(sscc_epc(0))
        result = receipt.receive_epcis_container(code)
        self.assertEqual(result["received"], 500)
        self.assertEqual(len(result["missing"]), 500)
        self.assertFalse(result["extra"])
        self.assertIn("500 units", result["message"])
        again = receipt.receive_epcis_container(code)
        self.assertEqual(again["received"], 0, "a pallet scanned twice: once")
        result = receipt.receive_epcis_container(epcis_in_scanned(sscc_epc(1)))
        self.assertEqual((result["received"], result["missing"]), (500, []))
        with self.assertRaisesRegex(UserError, "No EPCIS document"):
            receipt.receive_epcis_container("(00)106141410000099999")
        self.assertIs(receipt.button_validate(), True)
        lots = self._lots("SN000000", "SN000999")
        self.assertEqual(set(lots.mapped("serial_state")), {"in_stock"})

    def test_units_not_shipped_for_the_receipt_are_extra(self):
        receipt = self._receipt("PO-4711")
        events = supplier_events()
        events[-1]["epcList"] = [sscc_epc(0)]  # the shipment names one pallet only
        self._wizard(epcis_json(events), "shipment.jsonld").action_import()
        self.assertEqual(receipt.epcis_expected_count, 500)
        result = receipt.receive_epcis_container(epcis_in_scanned(sscc_epc(1)))
        self.assertEqual((result["received"], len(result["extra"])), (0, 500))
        self.assertIn("500 units not expected on this receipt", result["message"])
        self.assertFalse(receipt.move_ids.move_line_ids.lot_id)


@tagged("post_install", "-at_install")
class TestSerialEpcisImportOrmPath(SerialTrackingCommon):
    """With a module overriding stock.lot.create loaded, the import goes through the
    ORM: the units' history still names their event and its hash."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.vial = cls._create_serial_product("Vial V1", "V1", barcode=UNIT_GTIN[1:])
        from .fake_stock_lot_create import StockLot

        cls._load_fake_models(StockLot)

    def test_orm_path_keeps_the_event_hash_in_the_history(self):
        wizard = (
            self.env["stock.lot.import"]
            .with_user(self.serial_user)
            .create(
                {
                    "file": base64.b64encode(epcis_json(supplier_events(units=40))),
                    "filename": "shipment.jsonld",
                    "location_id": self.stock_location.id,
                }
            )
        )
        wizard.action_import()
        batch = wizard.batch_id
        self.assertTrue(
            batch.import_log.startswith("Through the ORM"), batch.import_log
        )
        lot = self.env["stock.lot"].search([("name", "=", "SN000000")])
        self.assertEqual(lot.serial_state, "in_stock")
        commission = batch.epcis_event_ids.filtered(lambda e: e.position == 1)
        line = self.env["serial.audit.line"].search([("lot_id", "=", lot.id)])
        self.assertIn(commission.event_hash, line.note)
        self.assertEqual(lot.epcis_case.rsplit("/", 1)[-1], "C000")


@tagged("post_install", "-at_install")
class TestSerialEpcisReceiptTour(SerialDataMixin, HttpCase):
    """In a real browser, an inventory user receives a shipment announced by EPCIS
    by scanning each pallet's SSCC on the receipt."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        warehouse = cls.env.ref("stock.warehouse0")
        vial = cls._create_serial_product("Vial V1", "V1", barcode=UNIT_GTIN[1:])
        cls._create_user(
            "tour_inventory_user", "base.group_user", "stock.group_stock_user"
        )
        importer = cls._create_user(
            "tour_serial_user", "pos_serial_tracking.group_serial_user"
        )
        supplier = cls.env.ref("stock.stock_location_suppliers")
        cls.receipt = cls.env["stock.picking"].create(
            {
                "picking_type_id": warehouse.in_type_id.id,
                "location_id": supplier.id,
                "location_dest_id": warehouse.lot_stock_id.id,
                "origin": "PO-4711",
                "move_ids": [
                    Command.create(
                        {
                            "name": vial.name,
                            "product_id": vial.id,
                            "product_uom_qty": 1000,
                            "product_uom": vial.uom_id.id,
                            "location_id": supplier.id,
                            "location_dest_id": warehouse.lot_stock_id.id,
                        }
                    )
                ],
            }
        )
        cls.receipt.action_confirm()
        cls.env["stock.lot.import"].with_user(importer).create(
            {
                "file": base64.b64encode(epcis_json(supplier_events())),
                "filename": "shipment.jsonld",
            }
        ).action_import()

    def test_inventory_user_receives_pallets_by_sscc(self):
        self.start_tour(
            f"/odoo/action-stock.action_picking_tree_all/{self.receipt.id}",
            "serial_epcis_receipt_tour",
            login="tour_inventory_user",
        )
        lots = self.receipt.move_ids.move_line_ids.lot_id
        self.assertEqual(len(lots), 1000)
        self.assertEqual(sorted(lots.mapped("name"))[:2], ["SN000000", "SN000001"])
        self.assertIs(self.receipt.button_validate(), True)
        self.assertEqual(set(lots.mapped("serial_state")), {"in_stock"})
