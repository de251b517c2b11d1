import base64

from odoo import Command
from odoo.exceptions import AccessError

from .common import SerialTrackingCommon
from .test_stock_lot_import import xlsx_bytes


class TestSerialCount(SerialTrackingCommon):
    """A count of the units on a shelf: four units sellable there, one stolen there,
    one in stock on another shelf, one sold, one serial nobody registered."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        Location = cls.env["stock.location"]
        cls.shelf = Location.create(
            {"name": "Shelf 1", "location_id": cls.stock_location.id}
        )
        cls.bin = Location.create({"name": "Bin A", "location_id": cls.shelf.id})
        cls.other_shelf = Location.create(
            {"name": "Shelf 2", "location_id": cls.stock_location.id}
        )
        cls.here = cls._receive_serials(
            cls.phone, ["CNT-H1", "CNT-H2", "CNT-H3"], location=cls.shelf
        )
        cls.here |= cls._receive_serials(cls.phone, ["CNT-H4"], location=cls.bin)
        cls.stolen = cls._receive_serials(cls.phone, ["CNT-H5"], location=cls.shelf)
        cls.stolen._mark_serial_state("marked_stolen", "Reported stolen")
        cls.elsewhere = cls._receive_serials(
            cls.phone, ["CNT-E1"], location=cls.other_shelf
        )
        cls.sold = cls._receive_serials(cls.phone, ["CNT-S1"])
        cls.cashier = cls._create_user(
            "cashier_count", "base.group_user", "point_of_sale.group_pos_user"
        )

    def setUp(self):
        super().setUp()
        self._deliver(self.sold, self.customer)

    def _count(self, user=None, serials=("CNT-H1", "CNT-H2", "CNT-H3"), **values):
        """A count of the shelf, CNT-H4 (in the shelf's bin) left out."""
        scanned = "\n".join(
            [*serials, "  CNT-H5  ", "", "CNT-E1", "CNT-S1", "NOPE-1", "CNT-H1"]
        )
        return (
            self.env["serial.count"]
            .with_user(user or self.serial_user)
            .create(
                {"location_id": self.shelf.id, "scanned_serials": scanned, **values}
            )
        )

    def _line(self, count, serial):
        return count.line_ids.filtered(lambda line: line.serial == serial)

    def _quantity(self, lot, location):
        quants = self.env["stock.quant"].search(
            [("lot_id", "=", lot.id), ("location_id", "=", location.id)]
        )
        return sum(quants.mapped("quantity"))

    def test_compare_gives_the_four_lists_and_the_accuracy(self):
        count = self._count()
        self.assertTrue(count.name.startswith("CNT/"))
        self.assertEqual((count.state, count.user_id), ("draft", self.serial_user))
        count.action_compare()
        self.assertEqual(count.state, "compared")
        self.assertFalse(count.scanned_serials, "the typed serials went to the list")
        self.assertEqual(
            sorted(count.matched_line_ids.mapped("serial")),
            ["CNT-H1", "CNT-H2", "CNT-H3"],
        )
        self.assertEqual(count.missing_line_ids.mapped("serial"), ["CNT-H4"])
        self.assertEqual(
            sorted(count.unexpected_line_ids.mapped("serial")),
            ["CNT-E1", "CNT-H5", "CNT-S1"],
        )
        self.assertEqual(count.unknown_line_ids.mapped("serial"), ["NOPE-1"])
        self.assertEqual(
            (
                count.scanned_count,
                count.expected_count,
                count.matched_count,
                count.missing_count,
                count.unexpected_count,
                count.unknown_count,
            ),
            (7, 5, 3, 1, 3, 1),
        )
        self.assertEqual(count.accuracy_rate, 60.0)
        # where and what each unexpected or missing unit is
        elsewhere = self._line(count, "CNT-E1")
        self.assertEqual(
            (elsewhere.found_location_id, elsewhere.found_state),
            (self.other_shelf, "in_stock"),
        )
        self.assertEqual(elsewhere.finding, "In Stock at WH/Stock/Shelf 2.")
        self.assertEqual(self._line(count, "CNT-S1").found_state, "sold")
        self.assertIn("Sold at Partners/Customers", self._line(count, "CNT-S1").finding)
        self.assertEqual(
            self._line(count, "CNT-H5").finding,
            "Stolen: here in stock, but not sellable.",
        )
        missing = self._line(count, "CNT-H4")
        self.assertEqual(
            (missing.found_location_id, missing.scanned), (self.bin, False)
        )
        self.assertEqual(self._line(count, "NOPE-1").lot_id.id, False)
        # a serial scanned again is counted once; comparing again gives the same lists
        count.write({"scanned_serials": "CNT-H4\nCNT-H1"})
        self.assertEqual(count.state, "draft", "a changed count is compared again")
        count.action_compare()
        self.assertEqual(
            (count.matched_count, count.missing_count, count.expected_count),
            (4, 0, 5),
        )
        self.assertEqual(count.accuracy_rate, 80.0)
        self.assertEqual(len(count.line_ids), 8)

    def test_scanned_lines_and_the_summary(self):
        count = (
            self.env["serial.count"]
            .with_user(self.serial_user)
            .create(
                {
                    "location_id": self.shelf.id,
                    "line_ids": [
                        Command.create({"serial": serial})
                        for serial in ("CNT-H1", "CNT-H2", "CNT-H3", "CNT-H4", "CNT-H5")
                    ],
                }
            )
        )
        count.action_compare()
        self.assertEqual((count.matched_count, count.expected_count), (4, 5))
        empty = self.env["serial.count"].create({"location_id": self.other_shelf.id})
        empty.action_compare()
        self.assertEqual((empty.expected_count, empty.missing_count), (1, 1))
        Summary = self.env["serial.count"].with_user(self.serial_auditor)
        # compared, not applied: they may still be recounted, they do not count
        summary = Summary.accuracy_summary()
        self.assertEqual(summary["locations"], [])
        self.assertIsNone(summary["overall"]["accuracy_rate"])
        (count | empty).with_user(self.serial_manager).action_apply()
        summary = Summary.accuracy_summary()
        self.assertEqual(
            [row["location_name"] for row in summary["locations"]],
            ["WH/Stock/Shelf 1", "WH/Stock/Shelf 2"],
        )
        self.assertEqual(
            [row["accuracy_rate"] for row in summary["locations"]], [80.0, 0.0]
        )
        self.assertEqual(
            summary["overall"],
            {
                "accuracy_rate": round(100 * 4 / 6, 2),
                "locations": 2,
                "expected": 6,
                "matched": 4,
                "missing": 1,
                "unexpected": 1,
                "unknown": 0,
            },
        )
        only = self.env["serial.count"].accuracy_summary([self.shelf.id])
        self.assertEqual(only["locations"][0]["count_id"], count.id)
        with self.assertRaises(AccessError):
            self.env["serial.count"].with_user(self.cashier).accuracy_summary()
        # a serial scanned twice into the list is refused, naming it
        again = self.env["serial.count"].create(
            {
                "location_id": self.shelf.id,
                "line_ids": [Command.create({"serial": "CNT-H1"})],
            }
        )
        again.action_compare()
        self.assertTrue(again.missing_line_ids)
        with self.assertRefused("CNT-H1 is already in this count"):
            again.write({"line_ids": [Command.create({"serial": " CNT-H1 "})]})
        with self.assertRefused("written by its comparison"):
            again.line_ids[0].write({"status": "matched"})
        again.write({"line_ids": [Command.create({"serial": "CNT-E1"})]})
        self.assertEqual(again.state, "draft")
        self.assertFalse(again.missing_line_ids)

    def test_apply_through_the_inventory_adjustment(self):
        count = self._count()
        count.action_compare()
        count.with_user(self.serial_manager).action_apply()
        self.assertEqual(
            (count.state, count.applied_user_id), ("applied", self.serial_manager)
        )
        missing = self.here.filtered(lambda lot: lot.name == "CNT-H4")
        elsewhere, stolen, sold = self.elsewhere, self.stolen, self.sold
        # stock and state agree
        self.assertEqual(self._quantity(missing, self.bin), 0)
        self.assertEqual(missing.serial_state, "lost")
        self.assertEqual(self._quantity(elsewhere, self.other_shelf), 0)
        self.assertEqual(self._quantity(elsewhere, self.shelf), 1)
        self.assertEqual(elsewhere.serial_state, "in_stock")
        self.assertEqual(self._quantity(stolen, self.shelf), 1)
        self.assertEqual(stolen.serial_state, "in_stock")
        self.assertEqual(sold.serial_state, "sold", "a sold unit needs its return")
        self.assertFalse(
            self.env["stock.lot"].search([("name", "=", "NOPE-1")]),
            "an unknown serial is not created",
        )
        self.assertEqual(
            {line.serial: line.apply_result for line in count.line_ids},
            {
                "CNT-H1": False,
                "CNT-H2": False,
                "CNT-H3": False,
                "CNT-H4": "adjusted_out",
                "CNT-H5": "received",
                "CNT-E1": "brought_here",
                "CNT-S1": "left",
                "NOPE-1": False,
            },
        )
        # the moves are Odoo's inventory adjustment, named after the count
        moves = self.env["stock.move"].search(
            [("reference", "=like", f"{count.name}%")]
        )
        self.assertEqual(len(moves), 3)
        self.assertTrue(all(moves.mapped("is_inventory")))
        # the history: each change with the count as its document
        self.assertEqual(
            self._history(missing)[-1], ("adjusted_out", "in_stock", "lost")
        )
        self.assertEqual(
            self._history(elsewhere)[-2:],
            [("adjusted_out", "in_stock", "lost"), ("received", "lost", "in_stock")],
        )
        self.assertEqual(self._history(stolen)[-1], ("received", "stolen", "in_stock"))
        changed = (missing | elsewhere | stolen).audit_line_ids.filtered(
            lambda line: line.res_model == "serial.count"
        )
        self.assertEqual(len(changed), 4)
        self.assertEqual(set(changed.mapped("res_id")), {count.id})
        self.assertEqual(set(changed.mapped("reference")), {count.name})
        self.assertEqual(changed.user_id, self.serial_manager)
        self.assertFalse(
            self.sold.audit_line_ids.filtered(
                lambda line: line.res_model == "serial.count"
            )
        )
        self.assertFalse(self.env["serial.audit.line"].verify_chain())
        # the count's figures are those found before the stock was corrected
        self.assertEqual(count.accuracy_rate, 60.0)
        # applying twice, or changing an applied count, is refused
        with self.assertRefused("already applied"):
            count.with_user(self.serial_manager).action_apply()
        with self.assertRefused("already applied"):
            count.write({"scanned_serials": "CNT-H2"})
        with self.assertRefused("already applied"):
            count.action_compare()
        with self.assertRefused("kept"):
            count.unlink()

    def test_apply_confirmation_says_what_changes(self):
        count = self._count()
        count.action_compare()
        # a Serial User compares, only a manager gets to apply
        with self.assertRaises(AccessError):
            count.with_user(self.serial_user).action_confirm_apply()
        form = count.with_user(self.serial_manager).get_views([(False, "form")])
        self.assertIn('name="action_confirm_apply"', form["views"]["form"]["arch"])
        action = count.with_user(self.serial_manager).action_confirm_apply()
        self.assertEqual(
            (action["res_model"], action["res_id"], action["target"]),
            ("serial.count", count.id, "new"),
        )
        dialog = self.env["ir.ui.view"].browse(action["views"][0][0])
        self.assertIn('name="apply_summary"', dialog.arch)
        self.assertIn('name="action_apply"', dialog.arch)
        self.assertEqual(count.state, "compared", "compared again, nothing applied")
        self.assertEqual(
            count.with_user(self.serial_manager).apply_summary.splitlines(),
            [
                "Become lost: 1 (not found here, adjusted out of stock)",
                "Brought in to WH/Stock/Shelf 1: 1 (in stock elsewhere or in no stock)",
                "Back in stock: 1 (lost or stolen, found here)",
                (
                    "Left as they are: 1 (sold, in repair, scrapped, recalled or "
                    "another company's: their own operation settles them)"
                ),
                "Unknown serials, not created: 1",
            ],
        )
        self.assertEqual(self.here.mapped("serial_state"), ["in_stock"] * 4)
        # what the dialog said is what applying does
        count.with_user(self.serial_manager).action_apply()
        results = count.line_ids.mapped("apply_result")
        self.assertEqual(results.count("adjusted_out"), 1)
        self.assertEqual(results.count("brought_here"), 1)
        self.assertFalse(count.apply_summary, "applied: nothing more to say")

    def test_apply_needs_a_compared_count(self):
        count = self._count()
        with self.assertRefused("Compare count"):
            count.with_user(self.serial_manager).action_apply()
        count.action_compare()
        count.action_cancel()
        with self.assertRefused("cancelled"):
            count.with_user(self.serial_manager).action_apply()
        self.assertEqual(self.here.mapped("serial_state"), ["in_stock"] * 4)

    def test_roles(self):
        count = self._count()
        count.action_compare()
        # the auditor reads the count and its lists, changes nothing, cannot apply
        as_auditor = count.with_user(self.serial_auditor)
        self.assertEqual(as_auditor.missing_line_ids.serial, "CNT-H4")
        self.assertEqual(as_auditor.accuracy_rate, 60.0)
        with self.assertRaises(AccessError):
            as_auditor.action_apply()
        with self.assertRaises(AccessError):
            as_auditor.action_compare()
        with self.assertRaises(AccessError):
            self.env["serial.count"].with_user(self.serial_auditor).create(
                {"location_id": self.shelf.id}
            )
        # the Serial User counts and compares, but cannot apply, nor set the figures
        with self.assertRefused("set by its buttons"):
            count.with_user(self.serial_user).write({"accuracy_rate": 100})
        with self.assertRefused("set by its buttons"):
            count.with_user(self.serial_user).write({"state": "applied"})
        with self.assertRefused("set by its buttons"):
            self.env["serial.count"].with_user(self.serial_user).create(
                {"location_id": self.shelf.id, "state": "applied"}
            )
        with self.assertRefused("Only Serial Managers", exception=AccessError):
            count.with_user(self.serial_user).action_apply()
        # a cashier sees none of it, not even the menu
        menu = self.env.ref("pos_serial_tracking.serial_count_menu")
        for user in (self.serial_user, self.serial_manager, self.serial_auditor):
            visible = self.env["ir.ui.menu"].with_user(user)._visible_menu_ids()
            self.assertIn(menu.id, visible, user.login)
        visible = self.env["ir.ui.menu"].with_user(self.cashier)._visible_menu_ids()
        self.assertNotIn(menu.id, visible)
        with self.assertRaises(AccessError):
            self.env["serial.count"].with_user(self.cashier).search([])
        with self.assertRaises(AccessError):
            count.with_user(self.cashier).read(["accuracy_rate"])
        with self.assertRaises(AccessError):
            self.env["serial.count.line"].with_user(self.cashier).search([])
        self.assertEqual(count.state, "compared")
        self.assertEqual(self.here.mapped("serial_state"), ["in_stock"] * 4)

    def test_other_company(self):
        count = self._count()
        count.action_compare()
        company, location = self._create_company_with_stock("Branch Count")
        manager = self._create_user(
            "count_manager_b", "pos_serial_tracking.group_serial_manager"
        )
        manager.write(
            {"company_ids": [Command.set(company.ids)], "company_id": company.id}
        )
        Count = self.env["serial.count"].with_user(manager)
        self.assertFalse(Count.search([("id", "=", count.id)]))
        self.assertFalse(Count.env["serial.count.line"].search([]))
        with self.assertRaises(AccessError):
            count.with_user(manager).read(["name"])
        with self.assertRaises(AccessError):
            count.with_user(manager).action_apply()
        self.assertEqual(count.state, "compared")
        # in its own company: a serial of the first company's product is unknown; a
        # serial shared by the companies (its product has none), in the first
        # company's stock, is unexpected and left there when the count is applied
        own_product = self._create_serial_product(
            "Phone B", "PB", company_id=company.id
        )
        own_lot = self.env["stock.lot"].create(
            {"name": "CNT-OWN", "product_id": own_product.id, "company_id": company.id}
        )
        self.assertFalse(self.here[0].company_id, "the phone's serials are shared")
        own = Count.create(
            {"location_id": location.id, "scanned_serials": "CNT-H1\nCNT-OWN\nNOPE-2"}
        )
        own.action_compare()
        self.assertEqual(own.company_id, company)
        self.assertEqual(
            (own.expected_count, own.unexpected_count, own.unknown_count), (0, 2, 1)
        )
        self.assertEqual(
            own.line_ids.filtered(lambda line: line.serial == "CNT-H1").finding,
            "In Stock, in the stock of another company.",
        )
        self.assertEqual(own.accuracy_rate, 0.0)
        own.action_apply()
        self.assertEqual(
            {line.serial: line.apply_result for line in own.line_ids},
            {"CNT-H1": "left", "CNT-OWN": "brought_here", "NOPE-2": False},
        )
        self.assertEqual(self._quantity(self.here[0], self.shelf), 1)
        self.assertEqual(self._quantity(self.here[0], location), 0)
        self.assertEqual(self._quantity(own_lot, location), 1)
        self.assertEqual(own_lot.serial_state, "in_stock")
        self.assertEqual(Count.accuracy_summary()["overall"]["locations"], 1)
        with self.assertRaises(AccessError):
            Count.create(
                {"location_id": self.shelf.id, "company_id": self.env.company.id}
            )

    def _import(self, count, data, filename, user=None):
        """Import a file into `count` through the wizard its button opens."""
        action = count.with_user(user or self.serial_user).action_open_import()
        wizard = (
            self.env[action["res_model"]]
            .with_user(user or self.serial_user)
            .with_context(**action["context"])
            .create({"file": base64.b64encode(data), "filename": filename})
        )
        self.assertEqual(wizard.count_id, count)
        return wizard.action_import()

    def test_import_file_through_the_wizard(self):
        count = self._count(serials=())
        csv_file = b"Product;Serial\nP1;CNT-H1\nP1;CNT-H2\nP1;CNT-H2\n"
        self._import(count, csv_file, "a.csv")
        self.assertEqual(
            sorted(count.scanned_line_ids.mapped("serial")), ["CNT-H1", "CNT-H2"]
        )
        # a one-column workbook without a header: every row is a serial; a Serial
        # Manager imports too
        workbook = xlsx_bytes([["CNT-H3"], [None], ["CNT-H1"]])
        self._import(count, workbook, "b.xlsx", user=self.serial_manager)
        self.assertEqual(
            sorted(count.scanned_line_ids.mapped("serial")),
            ["CNT-H1", "CNT-H2", "CNT-H3"],
        )
        count.action_compare()
        self.assertEqual(count.matched_count, 3)
        self.assertEqual(count.unknown_count, 1)
        # the reader's refusals, with its messages
        with self.assertRefused(r"Excel 97-2003 workbooks \(\.xls\) cannot be read"):
            self._import(count, b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1xx", "old.xls")
        with self.assertRefused("No column holds the serials"):
            self._import(count, b"Product;Where\nP1;A\n", "c.csv")
        with self.assertRefused("has a header but no serials below it"):
            self._import(count, b"Serial\n \n", "d.csv")
        self.assertEqual(count.state, "compared")
        # a new serial takes the compared count back to draft; an applied one refuses
        self._import(count, b"CNT-H4\n", "e.csv")
        self.assertEqual(count.state, "draft")
        count.action_compare()
        count.with_user(self.serial_manager).action_apply()
        with self.assertRefused("already applied"):
            self._import(count, b"CNT-H5\n", "f.csv")

    def test_auditor_cannot_import(self):
        count = self._count()
        Import = self.env["serial.count.import"].with_user(self.serial_auditor)
        with self.assertRaises(AccessError):
            Import.create({"count_id": count.id, "file": base64.b64encode(b"CNT-H4\n")})
        with self.assertRaises(AccessError):
            count.with_user(self.serial_auditor).action_open_import()
        with self.assertRaises(AccessError):
            count.with_user(self.serial_auditor).add_serials(["CNT-H4"])
        # nor through a Serial User's wizard
        wizard = (
            self.env["serial.count.import"]
            .with_user(self.serial_user)
            .create({"count_id": count.id, "file": base64.b64encode(b"CNT-H4\n")})
        )
        with self.assertRaises(AccessError):
            wizard.with_user(self.serial_auditor).action_import()
        self.assertNotIn("CNT-H4", count.line_ids.mapped("serial"))
