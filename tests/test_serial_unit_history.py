import hashlib
import json

from lxml import etree

from odoo.exceptions import AccessError

from odoo.addons.pos_serial_tracking.tools.serial_audit_hash import HASHED_FIELDS

from .common import SerialPosSyncCommon, SerialStockFlowsMixin


class TestSerialUnitHistory(SerialStockFlowsMixin, SerialPosSyncCommon):
    """A unit's whole life on its serial's form, in order, each event with its
    document, its locations and the chain's verdict; the smart buttons leading to the
    serials from the documents and the customer."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.warehouse = cls.stock_location.warehouse_id
        # the shop's administrator, who works the till, also manages its serials
        cls.env.user.groups_id += cls.env.ref(
            "pos_serial_tracking.group_serial_manager"
        )
        cls.shelf = cls.env["stock.location"].create(
            {
                "name": "Shelf 1",
                "usage": "internal",
                "location_id": cls.stock_location.id,
            }
        )
        cls.customer = cls.env["res.partner"].create({"name": "Customer H1"})
        cls.vendor = cls.env["res.partner"].create({"name": "Vendor H1"})
        cls.serial_user = cls._create_user(
            "history_user", "pos_serial_tracking.group_serial_user"
        )
        cls.serial_manager = cls._create_user(
            "history_manager", "pos_serial_tracking.group_serial_manager"
        )
        cls.serial_auditor = cls._create_user(
            "history_auditor", "pos_serial_tracking.group_serial_auditor"
        )
        cls.cashier = cls._create_user(
            "history_cashier", "base.group_user", "point_of_sale.group_pos_user"
        )

    def setUp(self):
        super().setUp()
        self.open_new_session()

    # --- helpers ---------------------------------------------------------------------
    def _form_history(self, lot, user):
        """The History page of the serial's form as `user` sees it: the list's columns
        and order from the form view, each row's values as the web client reads them
        (display names for links), and the chain's verdict."""
        Lot = self.env["stock.lot"].with_user(user)
        arch = etree.fromstring(
            Lot.get_views([(False, "form")])["views"]["form"]["arch"]
        )
        history = arch.xpath(
            "//page[@name='serial_history']//field[@name='audit_line_ids']/list"
        )[0]
        columns = [field.get("name") for field in history.xpath("./field")]
        Line = self.env["serial.audit.line"]
        links = ("many2one", "reference")
        spec = {
            name: {"fields": {"display_name": {}}}
            if Line._fields[name].type in links
            else {}
            for name in columns
        }
        data = lot.with_user(user).web_read(
            {
                "history_verdict": {},
                "history_intact": {},
                "audit_line_ids": {
                    "order": history.get("default_order"),
                    "fields": spec,
                },
            }
        )[0]
        rows = [
            {
                name: (value or {}).get("display_name")
                if Line._fields[name].type in links
                else value
                for name, value in row.items()
                if name != "id"
            }
            for row in data["audit_line_ids"]
        ]
        return rows, data["history_verdict"], data["history_intact"]

    def _live_a_life(self):
        """Received, moved to a shelf and back, sold at the till, refunded, repaired,
        lost and found: returns the unit and its documents."""
        receipt = self._picking(
            self.warehouse.in_type_id,
            ["H-0001"],
            partner=self.vendor,
            product=self.phone,
        )
        self._validate(receipt)
        lot = receipt.move_ids.move_line_ids.lot_id
        to_shelf = self._picking(self.warehouse.int_type_id, lot)
        to_shelf.move_ids.move_line_ids.location_dest_id = self.shelf
        self._validate(to_shelf)
        back = self._picking(self.warehouse.int_type_id, lot)
        back.move_ids.move_line_ids.location_id = self.shelf
        self._validate(back)
        sale = self._sync(
            self._order([(self.phone, ["H-0001"])], customer=self.customer)
        )
        refund = self._sync(self._refund_data(sale))
        repair = self.env["repair.order"].create(
            {
                "product_id": self.phone.id,
                "lot_id": lot.id,
                "partner_id": self.customer.id,
                "picking_type_id": self.warehouse.repair_type_id.id,
            }
        )
        repair.action_validate()
        repair.action_repair_start()
        repair.action_repair_end()
        manager_lot = lot.with_user(self.serial_manager)
        manager_lot._mark_serial_state("marked_lost", "Not on the shelf at closing")
        manager_lot._mark_serial_state("found", "Behind the counter")
        return lot, {
            "receipt": receipt,
            "to_shelf": to_shelf,
            "back": back,
            "sale": sale,
            "refund": refund,
            "repair": repair,
        }

    # --- the history on the form -----------------------------------------------------
    def test_form_shows_the_whole_life_in_order(self):
        lot, docs = self._live_a_life()
        self.assertEqual(lot.serial_state, "returned")
        rows, verdict, intact = self._form_history(lot, self.serial_user)
        stock = self.stock_location.display_name
        shelf = self.shelf.display_name
        vendors = docs["receipt"].location_id.display_name
        # event, from, to, document, customer, till (the shop's administrator did
        # each of these: received, moved, sold and refunded at the till, repaired)
        expected = [
            ("registered", None, None, None, None, None),
            (
                "received",
                vendors,
                stock,
                docs["receipt"].name,
                self.vendor.name,
                None,
            ),
            ("moved", stock, shelf, docs["to_shelf"].name, None, None),
            ("moved", shelf, stock, docs["back"].name, None, None),
            (
                "sold",
                None,
                None,
                docs["sale"].name,
                self.customer.name,
                self.config.name,
            ),
            ("returned", None, None, docs["refund"].name, None, self.config.name),
            (
                "repair_in",
                None,
                None,
                docs["repair"].name,
                self.customer.name,
                None,
            ),
        ]
        columns = (
            "event",
            "location_id",
            "location_dest_id",
            "document_ref",
            "partner_id",
            "pos_config_id",
        )
        self.assertEqual(
            [tuple(row[name] for name in columns) for row in rows[: len(expected)]],
            expected,
        )
        self.assertEqual(
            {row["user_id"] for row in rows[: len(expected)]}, {self.env.user.name}
        )
        self.assertEqual(
            [row["chain_index"] for row in rows], list(range(1, len(rows) + 1))
        )
        events = [row["event"] for row in rows]
        self.assertEqual(
            events[len(expected) :],
            ["moved", "repair_out", "marked_lost", "found"],
            "the repaired unit comes out of repair with its repair move",
        )
        repair_move, repair_out, lost, found = rows[len(expected) :]
        self.assertEqual(repair_out["document_ref"], docs["repair"].name)
        self.assertEqual(
            (repair_move["location_id"], repair_move["location_dest_id"]),
            (
                docs["repair"].product_location_src_id.display_name,
                docs["repair"].product_location_dest_id.display_name,
            ),
        )
        self.assertEqual(
            (lost["note"], lost["user_id"], found["note"], found["user_id"]),
            (
                "Not on the shelf at closing",
                self.serial_manager.name,
                "Behind the counter",
                self.serial_manager.name,
            ),
        )
        self.assertEqual(lost["new_state"], "lost")
        self.assertEqual(found["new_state"], "returned")
        self.assertTrue(intact)
        self.assertEqual(verdict, f"History verified: {len(rows)} events intact.")
        # an auditor sees the same page; the documents they may not open (orders,
        # transfers, repairs) by their name only
        audited = self._form_history(lot, self.serial_auditor)[0]
        self.assertEqual(
            [{**row, "document_ref": None, "reference": None} for row in audited],
            [{**row, "document_ref": None, "reference": None} for row in rows],
        )
        self.assertEqual(
            [row["reference"] for row in audited],
            [
                line.reference or False
                for line in lot.audit_line_ids.sorted("chain_index")
            ],
        )
        self.assertFalse(any(row["document_ref"] for row in audited))

    def test_document_links_follow_the_readers_rights(self):
        lot, docs = self._live_a_life()
        lines = lot.audit_line_ids.sorted("chain_index")
        sale = lines.filtered(lambda line: line.event == "sold")
        self.assertEqual(sale.document_ref, docs["sale"])
        self.assertEqual(sale.with_user(self.serial_user).document_ref, docs["sale"])
        # an auditor, who may not read POS orders, sees the order's name, no link
        as_auditor = sale.with_user(self.serial_auditor)
        self.assertFalse(as_auditor.document_ref)
        self.assertEqual(as_auditor.reference, docs["sale"].name)
        # a document deleted since: its name, no link
        self._with_trigger_disabled(
            "UPDATE serial_audit_line SET res_id = %s WHERE id = %s",
            [docs["sale"].id + 1000, sale.id],
        )
        self.assertFalse(sale.document_ref)

    def test_verdict_names_the_first_broken_event(self):
        lot, _docs = self._live_a_life()
        lines = lot.audit_line_ids.sorted("chain_index")
        moved = lines.filtered(lambda line: line.event == "moved")[0]
        self._with_trigger_disabled(
            "UPDATE serial_audit_line SET location_dest_id = %s WHERE id = %s",
            [self.warehouse.wh_output_stock_loc_id.id, moved.id],
        )
        _rows, verdict, intact = self._form_history(lot, self.serial_auditor)
        self.assertFalse(intact)
        self.assertRegex(
            verdict,
            rf"^History broken at event 3 \(Moved, .*\): line {moved.id} of serial "
            r"H-0001 was changed after it was written\. Tell a Serial Auditor",
        )
        self.assertEqual(self.env["serial.audit.line"].verify_chain(), moved)

    def test_verdict_when_every_line_is_removed(self):
        lot = self._receive_serials(self.phone, ["H-GONE"])
        self._with_trigger_disabled(
            "DELETE FROM serial_audit_line WHERE lot_id = %s", [lot.id]
        )
        lot.invalidate_recordset()
        self.assertFalse(lot.history_intact)
        self.assertEqual(
            lot.history_verdict,
            "History broken: serial H-GONE records 2 events but none is left. Tell a "
            "Serial Auditor: this history was changed outside Odoo.",
        )

    # --- locations in the hashed line ------------------------------------------------
    def test_lines_without_location_hash_as_before(self):
        """A line without a location hashes exactly as every line did before locations
        were recorded: the chains written then still verify."""
        lot = self._receive_by_receipt(self.phone, ["H-OLD1"])
        lot.with_user(self.serial_manager)._mark_serial_state("marked_lost", "gone")
        Line = self.env["serial.audit.line"]
        for line in lot.audit_line_ids.filtered(lambda l: not l.location_dest_id):
            row = {}
            for name in HASHED_FIELDS:
                field = Line._fields[name]
                value = line[name]
                if field.type == "many2one":
                    value = value.id
                elif field.type == "datetime":
                    value = field.to_string(value)
                row[name] = value or None
            before = hashlib.sha256(
                (
                    (line.previous_hash or "")
                    + json.dumps(
                        row, sort_keys=True, separators=(",", ":"), ensure_ascii=False
                    )
                ).encode()
            ).hexdigest()
            self.assertEqual(line.hash, before, line.event)
        self.assertEqual(lot.audit_line_ids.mapped("event").count("marked_lost"), 1)
        self.assertFalse(Line.verify_chain())
        self.assertTrue(lot.history_intact)

    def test_location_added_to_an_old_line_breaks_the_chain(self):
        lot = self._receive_serials(self.phone, ["H-OLD2"])
        registered = lot.audit_line_ids.filtered(lambda l: l.event == "registered")
        self.assertFalse(registered.location_id)
        self._with_trigger_disabled(
            "UPDATE serial_audit_line SET location_id = %s WHERE id = %s",
            [self.shelf.id, registered.id],
        )
        self.assertEqual(self.env["serial.audit.line"].verify_chain(), registered)
        self.assertFalse(lot.history_intact)

    def test_stock_changed_without_a_move_records_its_location(self):
        lot = self.env["stock.lot"].create(
            {"name": "H-QUANT", "product_id": self.phone.id}
        )
        self.env["stock.quant"]._update_available_quantity(
            self.phone, self.shelf, 1, lot_id=lot
        )
        received = lot.audit_line_ids.filtered(lambda l: l.event == "received")
        self.assertEqual(
            (received.location_id, received.location_dest_id),
            (self.env["stock.location"], self.shelf),
        )
        self.env["stock.quant"]._update_available_quantity(
            self.phone, self.shelf, -1, lot_id=lot
        )
        removed = lot.audit_line_ids.filtered(lambda l: l.event == "adjusted_out")
        self.assertEqual(
            (removed.location_id, removed.location_dest_id),
            (self.shelf, self.env["stock.location"]),
        )
        self.assertTrue(lot.history_intact)

    # --- smart buttons ---------------------------------------------------------------
    def _open(self, record, method, user):
        return getattr(record.with_user(user), method)()

    def assertOpensForm(self, action, lot):
        self.assertEqual(
            (action["res_model"], action["views"], action["res_id"]),
            ("stock.lot", [(False, "form")], lot.id),
        )

    def assertOpensList(self, action, lots):
        self.assertEqual(action["res_model"], "stock.lot")
        self.assertEqual(action["views"][0][1], "list")
        self.assertEqual(
            self.env["stock.lot"].search(action["domain"]), lots.sorted("id")
        )

    def test_smart_buttons_lead_to_the_serials(self):
        lot, docs = self._live_a_life()
        for user in (self.serial_user, self.serial_manager):
            for key in ("sale", "refund", "receipt", "to_shelf", "back"):
                self.assertEqual(docs[key].with_user(user).serial_count, 1, key)
                self.assertOpensForm(
                    self._open(docs[key], "action_view_serials", user), lot
                )
            self.assertOpensForm(
                self._open(docs["repair"], "action_view_serial", user), lot
            )
        # a transfer of two units, the units a customer owns
        receipt = self._validate(
            self._picking(
                self.warehouse.in_type_id, ["H-0002", "H-0003"], product=self.phone
            )
        )
        lots = receipt.move_ids.move_line_ids.lot_id
        self.assertEqual(receipt.with_user(self.serial_user).serial_count, 2)
        self.assertOpensList(
            self._open(receipt, "action_view_serials", self.serial_user), lots
        )
        customer = self.customer.with_user(self.serial_user)
        self.assertEqual(customer.serial_count, 0, "the unit was refunded")
        delivery = self._deliver(lots, self.customer)
        customer.invalidate_recordset()
        self.assertEqual(customer.serial_count, 2)
        self.assertOpensList(
            self._open(self.customer, "action_view_serials", self.serial_user), lots
        )
        self._return(delivery)
        customer.invalidate_recordset()
        self.assertEqual(customer.serial_count, 0)

    def test_pos_order_with_a_conflict_leads_to_its_serials(self):
        lots = self._receive_serials(self.phone, ["H-C1", "H-C2"])
        first = self._sync(self._order([(self.phone, ["H-C1"])]))
        second = self._sync(self._order([(self.phone, ["H-C1", "H-C2"])]))
        self.assertEqual(first.with_user(self.serial_user).serial_count, 1)
        # H-C2 sold, H-C1 in conflict: both units' histories name the order
        self.assertEqual(second.with_user(self.serial_user).serial_count, 2)
        self.assertOpensList(
            self._open(second, "action_view_serials", self.serial_user), lots
        )

    def test_buttons_only_for_serial_readers(self):
        lot, docs = self._live_a_life()
        sale = docs["sale"]
        with self.assertRaises(AccessError):
            sale.with_user(self.cashier).action_view_serials()
        with self.assertRaises(AccessError):
            sale.with_user(self.cashier).read(["serial_count"])
        with self.assertRaises(AccessError):
            self.customer.with_user(self.cashier).action_view_serials()
        with self.assertRaises(AccessError):
            self.customer.with_user(self.cashier).read(["serial_count"])
        with self.assertRaises(AccessError):
            lot.with_user(self.cashier).read(["history_verdict"])
        # the buttons are on the forms of those who may read serials only
        for model, method in (
            ("pos.order", "action_view_serials"),
            ("stock.picking", "action_view_serials"),
            ("repair.order", "action_view_serial"),
            ("res.partner", "action_view_serials"),
        ):
            for user, shown in ((self.cashier, False), (self.serial_user, True)):
                if not self.env[model].with_user(user).has_access("read"):
                    continue  # a cashier does not open repairs at all
                arch = (
                    self.env[model]
                    .with_user(user)
                    .get_views([(False, "form")])["views"]["form"]["arch"]
                )
                self.assertEqual(f'name="{method}"' in arch, shown, (model, user))

    def test_customer_sees_only_units_of_the_users_companies(self):
        lot = self._receive_serials(self.phone, ["H-MC1"])
        lot._apply_serial_events(
            [{"lot": lot, "event": "sold", "partner_id": self.customer.id}]
        )
        other_company, _stock = self._create_company_with_stock("History Branch")
        other_phone = self._create_serial_product(
            "Branch phone", "HBP", company_id=other_company.id
        )
        other_lot = (
            self.env["stock.lot"]
            .with_company(other_company)
            .create(
                {
                    "name": "H-MC2",
                    "product_id": other_phone.id,
                    "company_id": other_company.id,
                }
            )
        )
        other_lot._apply_serial_events(
            [
                {"lot": other_lot, "event": "received"},
                {"lot": other_lot, "event": "sold", "partner_id": self.customer.id},
            ]
        )
        customer = self.customer.with_user(self.serial_user)
        self.assertEqual(customer.serial_count, 1)
        self.assertOpensForm(customer.action_view_serials(), lot)
