import base64
import re
from datetime import date, timedelta

from lxml import etree

from odoo import fields
from odoo.exceptions import AccessError
from odoo.tests import HttpCase, tagged
from odoo.tools import SQL
from odoo.tools.safe_eval import safe_eval

from odoo.addons.pos_serial_tracking.hooks import initialize_serial_states
from odoo.addons.pos_serial_tracking.tools.serial_split import split_serial_sql

from .common import SerialDataMixin, SerialTrackingCommon
from .test_stock_lot_import import csv_bytes

# names and the (prefix, trailing number) a search sees
SPLITS = {
    "SN-0100": ("SN-", "100"),
    "SN-100": ("SN-", "100"),
    "SN-000": ("SN-", "0"),
    "ABC": ("ABC", False),
    "0042": (False, "42"),
    "A1B2": ("A1B", "2"),
    "IMEI 356938035643809": ("IMEI ", "356938035643809"),
    "ICCID-89014103211118510720": ("ICCID-", "89014103211118510720"),
    "LOT 7-X": ("LOT 7-X", False),
    "SN-٣": ("SN-٣", False),  # an Arabic-Indic digit is not a trailing number
}


class TestSerialSplit(SerialTrackingCommon):
    """Every path that creates or renames a serial gives it its prefix and trailing
    number, the same on each path."""

    def _split(self, lots):
        return {
            lot.name: (lot.serial_prefix, lot.serial_trailing_number) for lot in lots
        }

    def test_orm_create_and_rename(self):
        lots = self.env["stock.lot"].create(
            [{"name": name, "product_id": self.phone.id} for name in SPLITS]
        )
        self.assertEqual(self._split(lots), SPLITS)
        lot = lots.filtered(lambda lot: lot.name == "ABC")
        lot.name = "XY-0007"
        self.assertEqual((lot.serial_prefix, lot.serial_trailing_number), ("XY-", "7"))
        # stored: a search finds the renamed serial by its new prefix
        self.assertEqual(
            self.env["stock.lot"].search([("serial_prefix", "=", "XY-")]), lot
        )

    def test_split_not_written_by_hand(self):
        lot = self.env["stock.lot"].create(
            {"name": "SN-1", "product_id": self.phone.id}
        )
        with self.assertRefused("follow its name: rename the serial"):
            lot.write({"serial_prefix": "OTHER-"})
        with self.assertRefused("follow its name"):
            self.env["stock.lot"].create(
                {
                    "name": "SN-2",
                    "product_id": self.phone.id,
                    "serial_trailing_number": "9",
                }
            )

    def test_sql_split_agrees_with_python(self):
        prefix, number = split_serial_sql(SQL("name"))
        self.env.cr.execute(
            SQL(
                "SELECT name, %s, %s FROM unnest(%s::varchar[]) AS name",
                prefix,
                number,
                list(SPLITS),
            )
        )
        self.assertEqual(
            {name: (p or False, n or False) for name, p, n in self.env.cr.fetchall()},
            SPLITS,
        )

    def test_import_sql_insert(self):
        wizard = (
            self.env["stock.lot.import"]
            .with_user(self.serial_user)
            .create(
                {
                    "file": base64.b64encode(
                        csv_bytes([["Serial", "Product"]] + [[n, "P1"] for n in SPLITS])
                    ),
                    "filename": "serials.csv",
                    "location_id": self.stock_location.id,
                }
            )
        )
        wizard.action_import()
        lots = self.env["stock.lot"].search(
            [("import_batch_id", "=", wizard.batch_id.id)]
        )
        self.assertEqual(self._split(lots), SPLITS)

    def test_install_hook(self):
        """Lots there before the addon (or written by SQL) get theirs at install."""
        names = ["OLD-0099", "OLD-100", "OLD"]
        self.env.cr.execute(
            """INSERT INTO stock_lot (name, product_id, company_id, create_uid,
                                      write_uid, create_date, write_date)
               SELECT name, %s, %s, 1, 1, now(), now() FROM unnest(%s) AS name
               RETURNING id""",
            [self.phone.id, self.env.company.id, names],
        )
        lots = self.env["stock.lot"].browse(row[0] for row in self.env.cr.fetchall())
        self.assertEqual(set(lots.mapped("serial_prefix")), {False})
        initialize_serial_states(self.env)
        self.assertEqual(
            self._split(lots),
            {
                "OLD-0099": ("OLD-", "99"),
                "OLD-100": ("OLD-", "100"),
                "OLD": ("OLD", False),
            },
        )

    def test_columns_created_filled(self):
        """Updating the addon to this version on a database with lots: the columns
        are created and filled (set-based, in stock.lot's _auto_init)."""
        lots = self.env["stock.lot"].create(
            [{"name": name, "product_id": self.phone.id} for name in SPLITS]
        )
        cr = self.env.cr
        with cr.savepoint(flush=False) as savepoint:
            # CASCADE: the dashboard's trigger reads the prefix (a version without
            # the columns had no such trigger either; rolled back with the rest)
            cr.execute(
                """ALTER TABLE stock_lot DROP COLUMN serial_prefix CASCADE,
                                         DROP COLUMN serial_trailing_number"""
            )
            # what updating the addon does for stock.lot
            self.env.registry.init_models(
                cr, ["stock.lot"], {"module": "pos_serial_tracking"}, install=False
            )
            cr.execute(
                """SELECT name, serial_prefix, serial_trailing_number FROM stock_lot
                    WHERE id = ANY(%s)""",
                [lots.ids],
            )
            self.assertEqual(
                {name: (p or False, n or False) for name, p, n in cr.fetchall()},
                SPLITS,
            )
            savepoint.rollback()


class TestSerialSearch(SerialTrackingCommon):
    """Exact, prefix and numeric-aware range search on serials, from the search view
    and over RPC, with a clear message for what is no range."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.tablet = cls._create_serial_product("Tablet T2", "T2")
        names = [
            "SN-0089",
            "SN-0090",
            "SN-90",
            "SN-0100",
            "SN-100",
            "SN-0110",
            "SN-0111",
            "SN-1000",
            "XY-0100",
            "0100",
            "SN-A",
            "IMEI356938035643799",
            "IMEI356938035643809",
            "IMEI356938035643811",
            "IMEI99",
        ]
        cls.lots = cls.env["stock.lot"].create(
            [{"name": name, "product_id": cls.phone.id} for name in names]
        )
        cls.tablet_lot = cls._receive_serials(cls.tablet, ["SN-0095"])
        cls.other_company, cls.other_stock = cls._create_company_with_stock("Other")
        cls.foreign = cls.env["stock.lot"].create(
            {
                "name": "SN-0101",
                "product_id": cls._create_serial_product(
                    "Foreign", "F1", company_id=cls.other_company.id
                ).id,
                "company_id": cls.other_company.id,
            }
        )

    def _found(self, domain, user=None):
        """The serials a Serial User finds (their company's only)."""
        Lot = self.env["stock.lot"].with_user(user or self.serial_user)
        return set(Lot.search(domain).mapped("name"))

    def _lots(self, *names):
        return self.env["stock.lot"].search([("name", "in", names)])

    def _range(self, text):
        return self._found([("serial_range", "=", text)])

    def test_padded_and_unpadded_ranges(self):
        expected = {"SN-0090", "SN-90", "SN-0095", "SN-0100", "SN-100", "SN-0110"}
        self.assertEqual(self._range("SN-0090..SN-0110"), expected)
        self.assertEqual(self._range("SN-90..SN-110"), expected)
        self.assertEqual(self._range(" SN-000090 .. SN-110 "), expected)
        self.assertEqual(self._range("SN-100..SN-100"), {"SN-0100", "SN-100"})
        self.assertEqual(self._range("0099..101"), {"0100"})

    def test_long_trailing_numbers(self):
        """An IMEI's 15 digits compare as a number (no int4 overflow, no float)."""
        self.assertEqual(
            self._range("IMEI356938035643800..IMEI356938035643810"),
            {"IMEI356938035643809"},
        )
        self.assertEqual(
            self._range("IMEI1..IMEI356938035643809"),
            {"IMEI99", "IMEI356938035643799", "IMEI356938035643809"},
        )

    def test_trailing_number_compares_as_number(self):
        self.assertEqual(
            self._found(
                [
                    ("serial_prefix", "=", "SN-"),
                    ("serial_trailing_number", ">", "0110"),
                ]
            ),
            {"SN-0111", "SN-1000"},
        )
        self.assertEqual(
            self._found([("serial_trailing_number", "=", "000100")]),
            {"SN-0100", "SN-100", "XY-0100", "0100"},
        )

    def test_exact_and_prefix(self):
        self.assertEqual(self._found([("name", "=", "SN-0100")]), {"SN-0100"})
        self.assertEqual(
            self._found([("name", "=ilike", "sn-01%")]),
            {"SN-0100", "SN-0110", "SN-0111"},
        )
        self.assertEqual(self._found([("serial_prefix", "=", "XY-")]), {"XY-0100"})
        self.assertEqual(
            self._found([("serial_prefix", "=", False)]) & {"0100"}, {"0100"}
        )

    def test_range_with_state_product_and_company(self):
        for lot in self._lots("SN-0090", "SN-100"):
            self._set_on_hand(lot, 1)
        self._deliver(self._lots("SN-100"), self.customer)
        serial_range = ("serial_range", "=", "SN-90..SN-110")
        self.assertEqual(
            self._found([serial_range, ("serial_state", "=", "in_stock")]),
            {"SN-0090", "SN-0095"},
        )
        self.assertEqual(
            self._found([serial_range, ("serial_state", "=", "sold")]), {"SN-100"}
        )
        self.assertEqual(
            self._found([serial_range, ("serial_partner_id", "=", self.customer.id)]),
            {"SN-100"},
        )
        self.assertEqual(
            self._found([serial_range, ("product_id", "=", self.tablet.id)]),
            {"SN-0095"},
        )
        self.assertEqual(
            self._found([serial_range, ("location_id", "=", self.stock_location.id)]),
            {"SN-0090", "SN-0095"},
        )

    def test_rpc_domain_as_serial_user(self):
        """Over RPC a Serial User counts the range in the companies they work in."""
        Lot = self.env["stock.lot"].with_user(self.serial_user)
        self.assertEqual(
            Lot.search_count([("serial_range", "=", "SN-0090..SN-0110")]), 6
        )
        self.serial_user.company_ids |= self.other_company
        both = Lot.with_context(
            allowed_company_ids=[self.env.company.id, self.other_company.id]
        )
        self.assertEqual(
            both.search_count([("serial_range", "=", "SN-0090..SN-0110")]), 7
        )
        self.assertEqual(
            both.search_read(
                [("serial_range", "=", "SN-101..SN-109")], ["name", "serial_prefix"]
            ),
            [
                {
                    "id": self.foreign.id,
                    "name": "SN-0101",
                    "serial_prefix": "SN-",
                }
            ],
        )

    def test_cross_prefix_refused(self):
        with self.assertRefused(
            r"SN-0090 and XY-0110 have different prefixes \(SN- and XY-\): a serial "
            r"range stays within one prefix, for example SN-0090..SN-0110"
        ):
            self._range("SN-0090..XY-0110")
        # the example holds the real prefix at both ends, whichever end has it
        for text in ("0002..NVX-0010", "NVX-0002..0010", "NVX-0002...NVX-0010"):
            with self.assertRefused(
                r"a serial range stays within one prefix, for example "
                r"NVX-0002\.\.NVX-0010\."
            ):
                self._range(text)
        with self.assertRefused(
            r"different prefixes \(none and SN-\).*for example SN-0090\.\.SN-0110\."
        ):
            self._range("0090..SN-0110")

    def test_search_view_checks_a_range_first(self):
        """The search view asks what is wrong with a range before adding its facet:
        the sentence the search would raise, or nothing for a range."""
        Lot = self.env["stock.lot"].with_user(self.serial_user)
        self.assertFalse(Lot.serial_range_problem("SN-0090..SN-0110"))
        self.assertEqual(
            Lot.serial_range_problem("0002..NVX-0010"),
            "0002 and NVX-0010 have different prefixes (none and NVX-): a serial "
            "range stays within one prefix, for example NVX-0002..NVX-0010. Search "
            "each prefix on its own.",
        )
        self.assertIn(
            "for example NVX-0002..NVX-0010;", Lot.serial_range_problem("NVX-0002")
        )
        cashier = self._create_user("range_cashier", "base.group_portal")
        with self.assertRaises(AccessError):
            self.env["stock.lot"].with_user(cashier).serial_range_problem("SN-1..SN-2")

    def test_reversed_refused(self):
        with self.assertRefused(
            "The serial range SN-0110..SN-0090 is reversed: type the lower serial "
            "first, SN-0090..SN-0110"
        ):
            self._range("SN-0110..SN-0090")
        with self.assertRefused("reversed"):
            self._range("SN-1000..SN-999")

    def test_not_a_range_refused(self):
        """The example is built from what was typed: its prefix at both ends."""
        for text, example in (
            ("SN-0100", "SN-0100..SN-0108"),
            ("SN-A..SN-B", "SN-0090..SN-0110"),
            ("..", "SN-0090..SN-0110"),
            ("SN-1..SN-2..SN-3", "SN-1..SN-2"),
            ("", "SN-0090..SN-0110"),
            ("SN-1.SN-2", "SN-1..SN-2"),
            ("NVX-0002-0010", "NVX-0002..NVX-0010"),
            ("NVX-0002 NVX-0010", "NVX-0002..NVX-0010"),
            ("NVX-0002..NVX-A", "NVX-0002..NVX-0010"),
        ):
            with self.assertRefused(
                "is not a serial range. Type the first and the last serial separated "
                "by two dots, both ending in digits, for example "
                + re.escape(example)
                + ";"
            ):
                self._range(text)
        with self.assertRefused("Search a serial range with 'is equal to'"):
            self._found([("serial_range", "!=", "SN-1..SN-2")])

    def test_range_uses_the_index(self):
        query = self.env["stock.lot"]._search(
            [("serial_range", "=", "SN-0090..SN-0110")]
        )
        self.env.cr.execute("SET LOCAL enable_seqscan = off")
        self.env.cr.execute(SQL("EXPLAIN %s", query.select("count(*)")))
        plan = "\n".join(row[0] for row in self.env.cr.fetchall())
        self.env.cr.execute("SET LOCAL enable_seqscan = on")
        self.assertIn("stock_lot_serial_range_index", plan)
        self.assertIn("Index Cond", plan)

    def _search_view(self):
        views = (
            self.env["stock.lot"]
            .with_user(self.serial_user)
            .get_views([(self.env.ref("stock.search_product_lot_filter").id, "search")])
        )
        return etree.fromstring(views["views"]["search"]["arch"])

    def _filter_domain(self, view, name):
        node = view.xpath(f"//filter[@name='{name}']")[0]
        today = fields.Date.context_today(self.env["stock.lot"])
        return safe_eval(node.get("domain"), {"context_today": lambda: today})

    def _field_domain(self, view, label, text):
        node = view.xpath(f"//field[@string='{label}']")[0]
        return safe_eval(node.get("filter_domain"), {"self": text})

    def test_search_view(self):
        """What the search bar and the filters of the serials' list find."""
        for lot in self._lots("SN-0090", "SN-100", "SN-0110"):
            self._set_on_hand(lot, 1)
        self._deliver(self._lots("SN-100", "SN-0110"), self.customer)
        old_sale = self._lots("SN-0110")
        # a unit sold three years ago, its 24 months of warranty over
        self.env.cr.execute(
            """UPDATE stock_lot SET serial_sale_date = now() - interval '3 years',
                      warranty_start_date = now() - interval '3 years'
                WHERE id = %s""",
            [old_sale.id],
        )
        old_sale.invalidate_recordset()
        old_sale.modified(["warranty_start_date"])
        lost = self._lots("SN-0111")
        self._set_on_hand(lost, 1)
        lost.with_user(self.serial_manager)._mark_serial_state("marked_lost", "Gone")
        view = self._search_view()
        for label, text, expected in [
            ("Exact Serial", "SN-0100", {"SN-0100"}),
            ("Serial Starts With", "sn-01", {"SN-0100", "SN-0110", "SN-0111"}),
            (
                "Serial Range",
                "SN-90..SN-110",
                {"SN-0090", "SN-90", "SN-0095", "SN-0100", "SN-100", "SN-0110"},
            ),
        ]:
            with self.subTest(label=label):
                self.assertEqual(
                    self._found(self._field_domain(view, label, text)), expected
                )
        for name, expected in [
            ("serial_in_stock", {"SN-0090", "SN-0095"}),
            ("serial_sold", {"SN-100", "SN-0110"}),
            ("serial_lost", {"SN-0111"}),
            ("serial_stolen", set()),
            ("under_warranty", {"SN-100"}),
            ("warranty_ended", {"SN-0110"}),
        ]:
            with self.subTest(filter=name):
                self.assertEqual(self._found(self._filter_domain(view, name)), expected)
        # sold between two dates: a date filter on the sale date
        self.assertEqual(
            view.xpath("//filter[@name='serial_sale_date']")[0].get("date"),
            "serial_sale_date",
        )
        self.assertEqual(
            self._found(
                [
                    ("serial_sale_date", ">=", date.today() - timedelta(days=30)),
                    ("serial_sale_date", "<=", date.today() + timedelta(days=1)),
                ]
            ),
            {"SN-100"},
        )
        for name in ("location_id", "serial_partner_id", "import_batch_id"):
            self.assertTrue(view.xpath(f"//field[@name='{name}']"), name)
        groups = {
            node.get("name"): node.get("context")
            for node in view.xpath("//filter[@context]")
        }
        self.assertEqual(
            groups["group_by_serial_prefix"], "{'group_by': 'serial_prefix'}"
        )
        self.assertIn("group_by_serial_state", groups)
        counts = {
            prefix: count
            for prefix, count in self.env["stock.lot"]
            .with_user(self.serial_user)
            ._read_group(
                [("product_id", "=", self.phone.id)], ["serial_prefix"], ["__count"]
            )
        }
        self.assertEqual(counts["SN-"], 8)  # SN-A has its own
        self.assertEqual(counts["XY-"], 1)
        self.assertEqual(counts[False], 1)
        self.assertEqual(counts["IMEI"], 4)


@tagged("post_install", "-at_install")
class TestSerialRangeSearchTour(SerialDataMixin, HttpCase):
    """In a real browser, a Serial User searches a bad serial range, then a good one:
    the bad one is told and leaves no facet, the good one filters the list."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        product = cls._create_serial_product("Range Tour Phone", "NVXP")
        cls.env["stock.lot"].create(
            [
                {"name": f"NVX-{number:04d}", "product_id": product.id}
                for number in (1, 2, 5, 10, 11)
            ]
        )
        cls._create_user("range_tour_user", "pos_serial_tracking.group_serial_user")

    def test_bad_range_leaves_no_facet(self):
        self.start_tour(
            "/odoo/action-pos_serial_tracking.stock_lot_action",
            "serial_range_search_tour",
            login="range_tour_user",
        )
