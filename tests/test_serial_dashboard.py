from odoo import SUPERUSER_ID, api
from odoo.exceptions import AccessError, UserError
from odoo.tests import HttpCase, TransactionCase, tagged
from odoo.tools import SQL

from ..hooks import remove_schema_objects
from ..models.serial_prefix_summary import MEASURE_STATES
from ..tools.serial_state_counts import KEYS, STATES, counting_paused
from .common import (
    ConcurrentTransactionsMixin,
    SerialDataMixin,
    SerialTrackingCommon,
)

MEASURES = list(MEASURE_STATES)


class DashboardMixin:
    def _dashboard(self, env, domain=()):
        """The dashboard's counts, as its pivot reads them: {(prefix, product id):
        {measure: count}}."""
        groups = env["serial.prefix.summary"].read_group(
            list(domain), MEASURES, ["serial_prefix", "product_id"], lazy=False
        )
        return {
            (group["serial_prefix"], group["product_id"][0]): {
                measure: group[measure] for measure in MEASURES
            }
            for group in groups
        }

    def _group_by(self, env, domain=()):
        """The same counts from a GROUP BY over the lots (stock.lot's read_group)."""
        rows = env["stock.lot"]._read_group(
            [("product_id.tracking", "=", "serial"), *domain],
            ["serial_prefix", "product_id", "serial_state"],
            ["__count"],
        )
        counts = {}
        for prefix, product, state, count in rows:
            key = (prefix, product.id)
            counts.setdefault(key, dict.fromkeys(MEASURES, 0))
            for measure, states in MEASURE_STATES.items():
                if (state or "unset") in states:
                    counts[key][measure] += count
        return counts


class TestSerialDashboard(DashboardMixin, SerialTrackingCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.meter = cls._create_serial_product("Meter M1", "M1")
        cls.shelf = cls.env["stock.location"].create(
            {"name": "Shelf D", "location_id": cls.stock_location.id}
        )
        cls.phones = cls._receive_serials(
            cls.phone, [f"DSA-{n:04d}" for n in range(1, 11)]
        )
        cls.meters = cls._receive_serials(
            cls.meter, [f"DSB-{n:03d}" for n in range(1, 7)], location=cls.shelf
        )
        cls.cashier = cls._create_user(
            "dashboard_cashier", "base.group_user", "point_of_sale.group_pos_user"
        )

    def _live_life(self):
        """Sales, a return, a loss, a theft, a recall and a scrap, through the addon's
        paths."""
        delivery = self._deliver(self.phones[:4], self.customer)
        self._return_one(delivery, self.phones[0])
        manager_lots = self.env["stock.lot"].with_user(self.serial_manager)
        manager_lots.browse(self.phones[5].id)._mark_serial_state(
            "marked_lost", "Not on the shelf"
        )
        manager_lots.browse(self.phones[6].id)._mark_serial_state(
            "marked_stolen", "Display broken"
        )
        manager_lots.browse(self.meters[0].id)._mark_serial_state(
            "recalled", "Sensor drift"
        )
        self._scrap_at(self.meters[1], self.shelf)

    def _return_one(self, delivery, lot):
        wizard = (
            self.env["stock.return.picking"]
            .with_context(active_id=delivery.id, active_model="stock.picking")
            .create({})
        )
        wizard.product_return_moves.quantity = 1
        returned = wizard._create_return()
        move = returned.move_ids
        move.move_line_ids.unlink()
        move.write(
            {
                "move_line_ids": [
                    (
                        0,
                        0,
                        {
                            "product_id": lot.product_id.id,
                            "lot_id": lot.id,
                            "quantity": 1,
                            "location_id": move.location_id.id,
                            "location_dest_id": move.location_dest_id.id,
                        },
                    )
                ],
                "picked": True,
            }
        )
        return self._validate(returned)

    def _scrap_at(self, lot, location):
        self.env["stock.scrap"].create(
            {
                "product_id": lot.product_id.id,
                "lot_id": lot.id,
                "scrap_qty": 1,
                "location_id": location.id,
            }
        ).action_validate()

    def test_counts_equal_a_group_by_over_the_lots(self):
        self._live_life()
        counts = self._dashboard(self.env)
        self.assertEqual(counts, self._group_by(self.env))
        self.assertEqual(
            counts[("DSA-", self.phone.id)],
            {
                "active_count": 5,  # 10 received, 4 sold, 1 back, 1 lost, 1 stolen
                "in_stock_count": 4,
                "sold_count": 3,
                "returned_count": 1,
                "in_repair_count": 0,
                "lost_count": 1,
                "stolen_count": 1,
                "scrapped_count": 0,
                "recalled_count": 0,
                "registered_count": 0,
                "unit_count": 10,
            },
        )
        meters = counts[("DSB-", self.meter.id)]
        self.assertEqual(
            (
                meters["active_count"],
                meters["recalled_count"],
                meters["scrapped_count"],
            ),
            (4, 1, 1),
        )

    def test_live_without_a_fold(self):
        """A sale shows at the next read, whether the changes were folded into the
        totals or are still appended."""
        self._dashboard(self.env)  # folds
        self._deliver(self.phones[9], self.customer)
        self.env.cr.execute("SELECT count(*) FROM serial_state_delta")
        self.assertTrue(self.env.cr.fetchone()[0], "the sale appended its change")
        Summary = self.env["serial.prefix.summary"]
        self.env.cr.execute(
            "SELECT sum(sold_count) FROM serial_prefix_summary "
            "WHERE serial_prefix = 'DSA-'"
        )
        self.assertEqual(self.env.cr.fetchone()[0], 1, "the view counts it unfolded")
        self.assertTrue(Summary._fold_deltas())
        self.env.cr.execute("SELECT count(*) FROM serial_state_delta")
        self.assertEqual(self.env.cr.fetchone()[0], 0)
        self.assertEqual(self._dashboard(self.env), self._group_by(self.env))

    def test_bulk_update_at_install_counted_after(self):
        """The install gives the lots already there their states in one statement,
        with the row trigger paused; every lot is counted again after."""
        self._dashboard(self.env)
        with counting_paused(self.env.cr):
            self.env.cr.execute(
                "UPDATE stock_lot SET serial_state = 'recalled' WHERE id = ANY(%s)",
                [self.phones.ids],
            )
            self.env.cr.execute("SELECT count(*) FROM serial_state_delta")
            self.assertEqual(self.env.cr.fetchone()[0], 0, "nothing appended")
        self.env.invalidate_all()
        counts = self._dashboard(self.env)
        self.assertEqual(counts[("DSA-", self.phone.id)]["recalled_count"], 10)
        self.assertEqual(counts, self._group_by(self.env))

    def _delta_rows(self):
        self.env.flush_all()
        self.env.cr.execute("SELECT count(*) FROM serial_state_delta")
        return self.env.cr.fetchone()[0]

    def test_lots_of_a_product_tracked_by_lot_are_not_counted(self):
        """A product tracked by lot has lots too: the triggers append nothing for them
        (created, received, moved, deleted), and the dashboard counts them from the
        moment the product is tracked by serial, until it no longer is."""
        bolts = self.env["product.product"].create(
            {"name": "Bolts", "is_storable": True, "tracking": "lot"}
        )
        reader = self.env(user=self.serial_user)
        before = self._dashboard(reader)
        self.assertEqual(self._delta_rows(), 0, "the read folded every change")
        lots = self.env["stock.lot"].create(
            [{"name": f"DSL-{n}", "product_id": bolts.id} for n in range(3)]
        )
        Quant = self.env["stock.quant"].with_context(inventory_mode=True)
        Quant.create(
            [
                {
                    "product_id": bolts.id,
                    "lot_id": lot.id,
                    "location_id": location.id,
                    "inventory_quantity": 5,
                }
                for lot, location in zip(
                    lots[:2], (self.stock_location, self.shelf), strict=True
                )
            ]
        ).action_apply_inventory()
        self.assertEqual(lots[1].location_id, self.shelf)
        # the first lot moves to the shelf: its location changes
        Quant.create(
            {
                "product_id": bolts.id,
                "lot_id": lots[0].id,
                "location_id": self.stock_location.id,
                "inventory_quantity": 0,
            }
        ).action_apply_inventory()
        Quant.create(
            {
                "product_id": bolts.id,
                "lot_id": lots[0].id,
                "location_id": self.shelf.id,
                "inventory_quantity": 5,
            }
        ).action_apply_inventory()
        self.assertEqual(lots[0].location_id, self.shelf)
        lots[2].unlink()
        self.assertEqual(self._delta_rows(), 0, "nothing appended for them")
        self.assertEqual(self._dashboard(reader), before)
        # tracked by serial from now on: its lots are counted, as a GROUP BY does
        bolts.tracking = "serial"
        self.env.flush_all()
        counts = self._dashboard(reader)
        self.assertEqual(counts, self._group_by(reader))
        self.assertEqual(counts[("DSL-", bolts.id)]["registered_count"], 2)
        bolts.tracking = "lot"
        self.env.flush_all()
        self.assertEqual(self._dashboard(reader), before)
        self.assertEqual(self._delta_rows(), 0)

    def test_a_module_update_restores_a_dropped_trigger(self):
        """A trigger dropped by hand misses changes: the next module update (the
        model's init) creates it again and counts the lots again."""
        self._dashboard(self.env)
        self.env.cr.execute("DROP TRIGGER serial_state_delta_update ON stock_lot")
        self._deliver(self.phones[:2], self.customer)
        self.assertEqual(self._delta_rows(), 0, "nothing counted the sales")
        self.env["serial.prefix.summary"].init()
        self.env.cr.execute(
            "SELECT tgenabled FROM pg_trigger WHERE tgrelid = 'stock_lot'::regclass "
            "AND tgname = 'serial_state_delta_update'"
        )
        self.assertEqual(self.env.cr.fetchone(), ("O",))
        counts = self._dashboard(self.env)
        self.assertEqual(counts, self._group_by(self.env))
        self.assertEqual(counts[("DSA-", self.phone.id)]["sold_count"], 2)
        self._deliver(self.phones[2], self.customer)
        self.assertEqual(self._dashboard(self.env), self._group_by(self.env))

    def test_a_module_update_replaces_an_older_definition(self):
        """The trigger of an older version (one counting every lot, without this
        version's hash in its comment) is replaced at the module update, and what the
        counts hold of lot-tracked lots is taken out."""
        bolts = self.env["product.product"].create(
            {"name": "Bolts", "is_storable": True, "tracking": "lot"}
        )
        self.env["stock.lot"].create(
            [{"name": f"DSO-{n}", "product_id": bolts.id} for n in range(3)]
        )
        self.env.flush_all()
        cr = self.env.cr
        cr.execute(
            """CREATE OR REPLACE TRIGGER serial_state_delta_update
                   AFTER UPDATE OF serial_state ON stock_lot FOR EACH ROW
                   EXECUTE FUNCTION serial_state_delta_record();
               INSERT INTO serial_state_delta (company_id, product_id, serial_prefix,
                                               location_id, in_stock, sold, returned,
                                               in_repair, lost, stolen, scrapped,
                                               recalled, unset)
               VALUES (0, %s, 'DSO-', 0, 0, 0, 0, 0, 0, 0, 0, 0, 3)""",
            [bolts.id],
        )
        self.env["serial.prefix.summary"].init()
        cr.execute(
            "SELECT pg_get_triggerdef(oid) FROM pg_trigger "
            "WHERE tgname = 'serial_state_delta_update'"
        )
        self.assertIn("product_tracking", cr.fetchone()[0])
        cr.execute(
            """SELECT sum(unset) FROM (SELECT product_id, unset FROM serial_state_total
                   UNION ALL SELECT product_id, unset FROM serial_state_delta) part
                WHERE product_id = %s""",
            [bolts.id],
        )
        self.assertEqual(cr.fetchone()[0], 0)
        self.assertEqual(self._dashboard(self.env), self._group_by(self.env))

    def test_each_count_opens_its_serials(self):
        self._live_life()
        Summary = self.env["serial.prefix.summary"].with_user(self.serial_auditor)
        groups = Summary.read_group(
            [("serial_prefix", "in", ["DSA-", "DSB-"])],
            MEASURES,
            ["serial_prefix"],
            lazy=False,
        )
        self.assertEqual(len(groups), 2)
        Lot = self.env["stock.lot"].with_user(self.serial_auditor)
        for group in groups:
            for measure, states in MEASURE_STATES.items():
                action = Summary.action_open_lots(group["__domain"], measure)
                self.assertEqual(action["res_model"], "stock.lot")
                lots = Lot.search(action["domain"])
                self.assertEqual(len(lots), group[measure], (group, measure))
                self.assertEqual(
                    set(lots.mapped("serial_prefix")) - {group["serial_prefix"]}, set()
                )
                self.assertLessEqual(
                    {lot.serial_state or "unset" for lot in lots}, set(states)
                )
        action = Summary.action_open_lots(
            [("serial_prefix", "=", "DSA-")], "lost_count"
        )
        self.assertEqual(Lot.search(action["domain"]), self.phones[5])
        self.assertEqual(action["name"], "Lost")

    def test_filters_by_product_and_location(self):
        self._live_life()
        Summary = self.env["serial.prefix.summary"].with_user(self.serial_user)
        on_shelf = self._dashboard(Summary.env, [("location_id", "=", self.shelf.id)])
        self.assertEqual(set(on_shelf), {("DSB-", self.meter.id)})
        # the scrapped meter left the shelf; the recalled one is still there
        self.assertEqual(on_shelf[("DSB-", self.meter.id)]["unit_count"], 5)
        by_product = self._dashboard(Summary.env, [("product_id", "=", self.phone.id)])
        self.assertEqual(set(by_product), {("DSA-", self.phone.id)})
        with self.assertRaisesRegex(UserError, "not by serial_state"):
            Summary.action_open_lots([("serial_state", "=", "sold")], "sold_count")

    def test_indicators(self):
        self._live_life()
        Summary = self.env["serial.prefix.summary"].with_user(self.serial_auditor)
        data = Summary.retrieve_dashboard([("serial_prefix", "=", "DSA-")])
        self.assertEqual((data["lost"], data["stolen"]), (1, 1))
        self.assertEqual(data["open_conflicts"], 0)
        self.assertIsNone(data["accuracy"])  # no serial count yet
        locate = data["locate"]
        self.assertIn(locate["serial"], self.phones.mapped("name"))
        lot = self.phones.filtered(lambda l: l.name == locate["serial"])
        self.assertEqual(locate["events"], len(lot.audit_line_ids))
        self.assertGreater(locate["milliseconds"], 0)
        registered = self.env["stock.lot"].search(data["registered_domain"])
        self.assertEqual(registered, self.phones)
        view = self.env["ir.ui.view"].browse(data["registered_view_id"])
        self.assertEqual(view.type, "graph")
        # a Serial User may not read the conflicts: that indicator is left out
        data = Summary.with_user(self.serial_user).retrieve_dashboard()
        self.assertIsNone(data["open_conflicts"])
        # nor print the compliance reports the dashboard links to
        self.assertFalse(data["can_print_reports"])
        self.assertTrue(Summary.retrieve_dashboard()["can_print_reports"])
        # the accuracy of the latest count of each location
        count = self.env["serial.count"].create(
            {
                "location_id": self.shelf.id,
                "scanned_serials": "\n".join(self.meters[2:5].mapped("name")),
            }
        )
        count.action_compare()
        self.assertLess(count.accuracy_rate, 100)
        # compared, not applied: it may still be recounted, it does not count
        self.assertIsNone(Summary.retrieve_dashboard()["accuracy"])
        count.with_user(self.serial_manager).action_apply()
        data = Summary.retrieve_dashboard()
        self.assertEqual(
            data["accuracy"], {"rate": count.accuracy_rate, "locations": 1}
        )

    def test_time_to_locate_in_words(self):
        self._live_life()
        Summary = self.env["serial.prefix.summary"].with_user(self.serial_manager)
        locate = Summary.retrieve_dashboard()["locate"]
        self.assertEqual(
            locate["label"], Summary._duration_words(locate["milliseconds"])
        )
        self.assertRegex(locate["label"], r"^(under|about) \d+(\.\d)? m?s$")
        for milliseconds, words in (
            (0.23, "under 1 ms"),
            (1.3, "under 2 ms"),
            (9.99, "under 10 ms"),
            (42.4, "about 42 ms"),
            (1234, "about 1.2 s"),
        ):
            self.assertEqual(Summary._duration_words(milliseconds), words)

    def test_roles(self):
        menu = self.env.ref("pos_serial_tracking.serial_prefix_summary_menu")
        Summary = self.env["serial.prefix.summary"]
        for user in (self.serial_user, self.serial_manager, self.serial_auditor):
            self.assertIn(
                menu.id, self.env["ir.ui.menu"].with_user(user)._visible_menu_ids()
            )
            self.assertTrue(self._dashboard(Summary.with_user(user).env))
        cashier = Summary.with_user(self.cashier)
        self.assertNotIn(
            menu.id, self.env["ir.ui.menu"].with_user(self.cashier)._visible_menu_ids()
        )
        with self.assertRaises(AccessError):
            cashier.read_group([], ["unit_count"], ["serial_prefix"])
        with self.assertRaises(AccessError):
            cashier.retrieve_dashboard()
        with self.assertRaises(AccessError):
            cashier.action_open_lots([], "sold_count")

    def _company_lots(self, company, stock, code, prefix):
        product = self._create_serial_product(code, code, company_id=company.id)
        lots = self.env["stock.lot"].create(
            [{"name": f"{prefix}{n}", "product_id": product.id} for n in range(3)]
        )
        self.env["stock.quant"].with_context(inventory_mode=True).create(
            [
                {
                    "product_id": product.id,
                    "lot_id": lot.id,
                    "location_id": stock.id,
                    "inventory_quantity": 1,
                }
                for lot in lots
            ]
        ).action_apply_inventory()
        return product

    def test_another_company_sees_its_own_counts(self):
        company_b, stock_b = self._create_company_with_stock("Dashboard Co B")
        product_a = self._company_lots(
            self.env.company, self.stock_location, "Phone A", "DSM-"
        )
        product_b = self._company_lots(company_b, stock_b, "Phone B", "DSC-")
        user_b = self._create_user(
            "dashboard_user_b", "pos_serial_tracking.group_serial_user"
        )
        user_b.write(
            {"company_ids": [(6, 0, company_b.ids)], "company_id": company_b.id}
        )
        counts_b = self._dashboard(
            self.env(user=user_b, context={"allowed_company_ids": company_b.ids})
        )
        counts_a = self._dashboard(self.env(user=self.serial_user))
        self.assertEqual(
            counts_b[("DSC-", product_b.id)],
            {
                **dict.fromkeys(MEASURES, 0),
                "active_count": 3,
                "in_stock_count": 3,
                "unit_count": 3,
            },
        )
        self.assertNotIn(("DSM-", product_a.id), counts_b)
        self.assertIn(("DSM-", product_a.id), counts_a)
        self.assertNotIn(("DSC-", product_b.id), counts_a)
        # serials of no company are everybody's, as in stock.lot's own rule
        self.assertIn(("DSA-", self.phone.id), counts_b)

    def test_the_app(self):
        module = self.env["ir.module.module"].search(
            [("name", "=", "pos_serial_tracking")]
        )
        self.assertTrue(module.application)
        root = self.env.ref("pos_serial_tracking.serial_numbers_menu")
        self.assertEqual(root.name, "Serials")
        self.assertFalse(root.parent_id)
        self.assertEqual(
            root.web_icon, "pos_serial_tracking,static/description/icon.png"
        )
        sections = root.child_id.sorted("sequence")
        self.assertEqual(
            sections.mapped("name"),
            ["Dashboard", "Units", "Recalls", "Audit", "Configuration"],
        )
        self.assertEqual(sections[1].child_id.sorted("sequence")[0].name, "Serials")
        first = sections[:1]
        self.assertEqual(
            first[0].action,
            self.env.ref("pos_serial_tracking.serial_prefix_summary_action"),
        )

    def test_uninstall_removes_the_counts(self):
        with self.env.cr.savepoint(flush=False) as savepoint:
            remove_schema_objects(self.env)
            self.env.cr.execute(
                "SELECT to_regclass('serial_state_total'), "
                "to_regclass('serial_state_delta'), "
                "to_regclass('serial_prefix_summary')"
            )
            self.assertEqual(self.env.cr.fetchone(), (None, None, None))
            savepoint.rollback()


@tagged("post_install", "-at_install")
class TestSerialDashboardConcurrency(
    DashboardMixin, ConcurrentTransactionsMixin, TransactionCase
):
    """Sales in transactions of their own while the dashboard is read: keeping the
    counts adds no lock a sale waits for, and every reader sees counts that agree with
    the lots in its snapshot. The data is committed (the transactions must see it) in a
    company of its own; it stays in the throwaway test database."""

    def setUp(self):
        super().setUp()
        with self.env.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            company = env["res.company"].create(
                {"name": f"Dashboard {self._testMethodName}"}
            )
            stock = (
                env["stock.warehouse"]
                .search([("company_id", "=", company.id)], limit=1)
                .lot_stock_id
            )
            product = env["product.product"].create(
                {
                    "name": "Dashboard Phone",
                    "is_storable": True,
                    "tracking": "serial",
                    "company_id": company.id,
                }
            )
            lots = env["stock.lot"].create(
                [
                    {
                        "name": f"DCC-{self._testMethodName[-6:]}-{n}",
                        "product_id": product.id,
                        "company_id": company.id,
                    }
                    for n in range(3)
                ]
            )
            env["stock.quant"].with_context(inventory_mode=True).create(
                [
                    {
                        "product_id": product.id,
                        "lot_id": lot.id,
                        "inventory_quantity": 1,
                        "location_id": stock.id,
                    }
                    for lot in lots
                ]
            ).action_apply_inventory()
            self.company_id, self.lot_ids = company.id, lots.ids
            self.product_id = product.id
        self.envs = self._open_transactions(
            context={"allowed_company_ids": [self.company_id]}
        )
        self.domain = [("company_id", "=", self.company_id)]

    def _sell(self, env, index):
        lot = env["stock.lot"].browse(self.lot_ids[index])
        lot._apply_serial_events([{"lot": lot, "event": "sold"}])
        env.flush_all()

    def _fresh(self, env):
        env.cr.rollback()
        env.invalidate_all()
        return env

    def test_sales_do_not_wait_on_each_other_nor_on_the_dashboard(self):
        env1, env2, env3 = self.envs
        self._sell(env1, 0)  # not committed: holds its serial, not the counts
        self.assertTrue(env3["serial.prefix.summary"]._fold_deltas())
        self._dashboard(env3, self.domain)  # holds the fold's lock, not committed
        # a sale of another serial meanwhile takes no lock the others hold
        env2.cr.execute("SET LOCAL lock_timeout = '2s'")
        self._sell(env2, 1)
        env2.cr.commit()
        env1.cr.commit()
        env3.cr.commit()
        reader = self._fresh(env3)
        counts = self._dashboard(reader, self.domain)
        self.assertEqual(counts, self._group_by(reader, self.domain))
        self.assertEqual(sum(c["sold_count"] for c in counts.values()), 2)
        self.assertEqual(sum(c["active_count"] for c in counts.values()), 1)

    def test_fold_while_a_sale_is_open(self):
        env1, env2, env3 = self.envs
        self._sell(env1, 0)  # not committed yet
        env2["serial.prefix.summary"]._fold_deltas()  # cannot see that sale's change
        self.assertEqual(
            self._dashboard(env2, self.domain), self._group_by(env2, self.domain)
        )
        env2.cr.commit()
        env1.cr.commit()
        reader = self._fresh(env3)
        counts = self._dashboard(reader, self.domain)
        self.assertEqual(counts, self._group_by(reader, self.domain))
        self.assertEqual(sum(c["sold_count"] for c in counts.values()), 1)

    def test_module_update_counts_again_without_waiting_for_writers(self):
        """A module update (the models' init(), as `-u pos_serial_tracking` runs
        them) counts the lots again while a sale and a new serial are not committed
        yet: it waits for neither (no lock on stock_lot that a writer holds off), and
        once all have committed the counts are right, a drift of them corrected."""
        env1, env2, env3 = self.envs
        with self.env.registry.cursor() as cr:  # counts gone wrong, committed
            cr.execute(
                SQL(
                    "INSERT INTO serial_state_delta (%s, %s) "
                    "SELECT %s, 5, %s FROM stock_lot WHERE id = %s",
                    SQL(", ").join(map(SQL.identifier, KEYS)),
                    SQL(", ").join(map(SQL.identifier, STATES)),
                    SQL(", ").join(map(SQL.identifier, KEYS)),
                    SQL(", ").join(SQL("0") for _state in STATES[1:]),
                    self.lot_ids[0],
                )
            )
        self._sell(env1, 0)  # an update of stock_lot, not committed
        env3["stock.lot"].create(  # an insert, not committed
            {
                "name": f"DCC-{self._testMethodName[-6:]}-new",
                "product_id": self.product_id,
                "company_id": self.company_id,
            }
        )
        env3.flush_all()
        env2.cr.execute("SET LOCAL lock_timeout = '2s'")
        env2["stock.lot"].init()
        env2["serial.prefix.summary"].init()
        env2.cr.execute(
            """SELECT DISTINCT relation::regclass::text, mode FROM pg_locks
                WHERE pid = pg_backend_pid() AND locktype = 'relation'
                  AND mode NOT IN ('AccessShareLock', 'RowExclusiveLock')"""
        )
        self.assertEqual(env2.cr.fetchall(), [], "no lock a writer or reader waits on")
        env2.cr.execute(
            """SELECT mode FROM pg_locks WHERE pid = pg_backend_pid()
                  AND relation = 'stock_lot'::regclass"""
        )
        self.assertEqual({mode for (mode,) in env2.cr.fetchall()}, {"AccessShareLock"})
        env2.cr.commit()
        env1.cr.commit()
        env3.cr.commit()
        reader = self._fresh(env2)
        counts = self._dashboard(reader, self.domain)
        self.assertEqual(counts, self._group_by(reader, self.domain))
        self.assertEqual(sum(c["unit_count"] for c in counts.values()), 4)
        self.assertEqual(sum(c["sold_count"] for c in counts.values()), 1)
        self.assertEqual(sum(c["registered_count"] for c in counts.values()), 1)

    def test_a_reader_with_an_older_snapshot(self):
        """A reader whose snapshot predates another reader's fold cannot fold the
        same changes again: it leaves them and still counts right."""
        env1, env2, env3 = self.envs
        self._sell(env1, 0)
        env1.cr.commit()
        expected = self._group_by(env2, self.domain)  # env2's snapshot starts here
        self.assertTrue(env3["serial.prefix.summary"]._fold_deltas())
        env3.cr.commit()
        self.assertFalse(env2["serial.prefix.summary"]._fold_deltas())
        self.assertEqual(self._dashboard(env2, self.domain), expected)


@tagged("post_install", "-at_install")
class TestSerialDashboardTour(SerialDataMixin, HttpCase):
    """In a real browser, an auditor opens the dashboard and clicks a count through to
    the list of its serials."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.stock_location = cls.env.ref("stock.warehouse0").lot_stock_id
        product = cls._create_serial_product("Tour Phone", "TOURP")
        cls.lots = cls._receive_serials(product, [f"TOUR-{n:04d}" for n in range(1, 6)])
        cls.lots[2:4]._apply_serial_events(
            [
                {"lot": lot, "event": "marked_lost", "note": "Tour"}
                for lot in cls.lots[2:4]
            ]
        )
        cls._create_user("tour_auditor", "pos_serial_tracking.group_serial_auditor")

    def test_dashboard_count_to_its_serials(self):
        lines = self.env["serial.audit.line"].search_count([])
        self.start_tour(
            "/odoo/action-pos_serial_tracking.serial_prefix_summary_action",
            "serial_dashboard_tour",
            login="tour_auditor",
        )
        # the auditor read and changed nothing
        self.assertEqual(
            self.lots.mapped("serial_state"),
            ["in_stock", "in_stock", "lost", "lost", "in_stock"],
        )
        self.assertEqual(self.env["serial.audit.line"].search_count([]), lines)
