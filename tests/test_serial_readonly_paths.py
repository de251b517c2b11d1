from contextlib import contextmanager

from odoo import api
from odoo.tests import tagged

from ..tools.serial_offline_set import OfflineSet
from .common import SerialPosSyncCommon

# the read paths a read replica serves (model, method): marked @api.readonly, so the
# web client's RPC (/web/dataset/call_kw, call_button) runs them on a read-only
# cursor, on the replica when the server has one (db_replica_host)
READ_PATHS = (
    ("serial.prefix.summary", "retrieve_dashboard"),
    ("serial.prefix.summary", "action_open_lots"),
    ("pos.config", "get_pos_serial_snapshot"),
    ("stock.lot", "epcis_document"),
    ("stock.lot", "action_download_epcis"),
    ("stock.lot", "action_view_audit_lines"),
    ("stock.lot", "serial_range_problem"),
    ("serial.count", "accuracy_summary"),
    ("serial.audit.line", "verify_chain"),
    ("serial.audit.line", "verify_fingerprint"),
)
# what must see the latest state, and writes: on the primary
PRIMARY_PATHS = (
    ("pos.config", "check_pos_serials"),
    ("pos.config", "find_pos_serial"),
    ("pos.order", "sync_from_ui"),
    ("serial.audit.line", "ledger_fingerprint"),
    ("serial.audit.line", "action_verify_chain"),
)


@tagged("post_install", "-at_install")
class TestSerialReadonlyPaths(SerialPosSyncCommon):
    """Each read path runs, as the user who calls it, in a read-only transaction (what
    a read replica gives): a write added to one of them later fails here. The till's
    check and the sync, which must see the latest sales, stay on the primary."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # registry.cursor() gives cursors on the test's transaction, read-only ones
        # included (SET TRANSACTION READ ONLY), as in an HttpCase
        cls.registry.enter_test_mode(cls.cr)
        cls.addClassCleanup(cls.registry.leave_test_mode)
        cls.cashier = cls._create_till_user(
            "ro_cashier", "base.group_user", "point_of_sale.group_pos_user"
        )
        cls.serial_user = cls._create_till_user(
            "ro_serial_user", "base.group_user", "pos_serial_tracking.group_serial_user"
        )
        cls.auditor = cls._create_till_user(
            "ro_auditor", "base.group_user", "pos_serial_tracking.group_serial_auditor"
        )
        cls.lots = cls._receive_serials(
            cls.phone, [f"RO-{number:04d}" for number in range(1, 6)]
        )
        cls.lots[4]._apply_serial_events(
            [{"lot": cls.lots[4], "event": "marked_stolen", "note": "read-only test"}]
        )

    @contextmanager
    def _read_only(self, user):
        """An environment of `user` (in the shop's company) on a read-only cursor
        that sees this test's data."""
        self.env.flush_all()
        with self.registry.cursor(readonly=True) as cr:
            self.assertTrue(cr.readonly)
            yield api.Environment(
                cr, user.id, {"allowed_company_ids": self.company.ids}
            )

    def test_read_paths_are_marked_readonly(self):
        for model, method in READ_PATHS:
            with self.subTest(model=model, method=method):
                function = getattr(self.registry[model], method)
                self.assertTrue(getattr(function, "_readonly", False))
        for model, method in PRIMARY_PATHS:
            with self.subTest(model=model, method=method):
                function = getattr(self.registry[model], method)
                self.assertFalse(getattr(function, "_readonly", False))

    def test_dashboard_in_a_read_only_transaction(self):
        with self._read_only(self.serial_user) as env:
            Summary = env["serial.prefix.summary"]
            data = Summary.retrieve_dashboard([("serial_prefix", "=", "RO-")])
            self.assertEqual(data["stolen"], 1)
            self.assertGreaterEqual(data["locate"]["events"], 1)
            freshness = data["freshness"]
            self.assertTrue(freshness["read_at"])
            self.assertFalse(freshness["replica"])
            self.assertFalse(freshness["replayed_at"])
            # the pivot's own read (web_read_group is read-only in Odoo 18): the
            # changes not folded yet are counted all the same
            groups = Summary.web_read_group(
                [("serial_prefix", "=", "RO-")],
                ["in_stock_count:sum", "stolen_count:sum"],
                groupby=["serial_prefix"],
            )["groups"]
            self.assertEqual(
                (groups[0]["in_stock_count"], groups[0]["stolen_count"]), (4, 1)
            )
            action = Summary.action_open_lots(
                [("serial_prefix", "=", "RO-")], "stolen_count"
            )
            lots = env["stock.lot"].search(action["domain"])
            self.assertEqual(lots.mapped("name"), ["RO-0005"])

    def test_counts_folded_on_the_primary_by_the_cron(self):
        """A replica cannot fold the counts' changes: the cron job does, on the
        primary."""
        self.env.flush_all()
        self.env.cr.execute("SELECT count(*) FROM serial_state_delta")
        self.assertTrue(self.env.cr.fetchone()[0], "the test's receipts appended")
        self.env.ref(
            "pos_serial_tracking.ir_cron_serial_counts_fold"
        ).method_direct_trigger()
        self.env.cr.execute("SELECT count(*) FROM serial_state_delta")
        self.assertEqual(self.env.cr.fetchone()[0], 0)
        with self._read_only(self.serial_user) as env:
            data = env["serial.prefix.summary"].retrieve_dashboard(
                [("serial_prefix", "=", "RO-")]
            )
        self.assertEqual(data["stolen"], 1)

    def test_snapshot_in_a_read_only_transaction(self):
        self._open_till(self.cashier)
        with self._read_only(self.cashier) as env:
            till = env["pos.config"].browse(self.config.id)
            snapshot = till.get_pos_serial_snapshot()
        units = OfflineSet(snapshot)
        self.assertEqual(len(units), 4)
        for number in range(1, 5):
            self.assertIn((self.phone.id, f"RO-{number:04d}"), units)
        self.assertTrue(snapshot["complete"])

    def test_history_epcis_and_search_in_a_read_only_transaction(self):
        with self._read_only(self.auditor) as env:
            lots = env["stock.lot"].browse(self.lots.ids)
            document = lots.epcis_document()
            events = document["epcisBody"]["eventList"]
            lines = env["serial.audit.line"].search([("lot_id", "in", lots.ids)])
            self.assertEqual(len(events), len(lines))
            self.assertEqual(events[-1]["pst:stateAfter"], "stolen")
            download = lots.action_download_epcis()
            self.assertIn("lot_ids=", download["url"])
            history = lots[4].action_view_audit_lines()
            lines = env[history["res_model"]].search_read(
                history["domain"], ["event", "new_state"], order="chain_index"
            )
            self.assertEqual(lines[-1]["new_state"], "stolen")
            Lot = env["stock.lot"]
            self.assertFalse(Lot.serial_range_problem("RO-0002..RO-0004"))
            self.assertTrue(Lot.serial_range_problem("RO-0004..XX-0002"))
            self.assertEqual(
                Lot.search_count([("serial_range", "=", "RO-0002..RO-0004")]), 3
            )
            self.assertFalse(env["serial.audit.line"].verify_chain())
            # the reports' data: read the same way (the report's own route renders it)
            certificate = env[
                "report.pos_serial_tracking.report_stock_lot_certificate"
            ]._get_report_values(lots[4].ids)
            self.assertTrue(certificate["docs"])

    def test_counts_and_fingerprint_in_a_read_only_transaction(self):
        # the fingerprint is taken on the primary (it locks the ledger), checked on a
        # replica
        fingerprint = (
            self.env["serial.audit.line"]
            .with_user(self.auditor)
            .with_context(allowed_company_ids=self.company.ids)
            .ledger_fingerprint()
        )
        with self._read_only(self.auditor) as env:
            verdict = env["serial.audit.line"].verify_fingerprint(fingerprint)
            self.assertTrue(verdict["ok"], verdict["message"])
        with self._read_only(self.serial_user) as env:
            summary = env["serial.count"].accuracy_summary()
            self.assertIsNone(summary["overall"]["accuracy_rate"])

    def test_till_check_stays_on_the_primary(self):
        """The check reads the latest sales and records a refused attempt (an audit
        line): it is not read-only (test_read_paths_are_marked_readonly), so the
        RPC runs it on the primary, where it writes."""
        self._open_till(self.cashier)
        verdict = (
            self.config.with_user(self.cashier)
            .with_context(allowed_company_ids=self.company.ids)
            .check_pos_serials(self.phone.id, ["RO-0005"])[0]
        )
        self.assertEqual(verdict["reason"], "blocked")
        self.assertEqual(
            self.lots[4].sudo().audit_line_ids.sorted("chain_index")[-1].event,
            "blocked_sale",
        )
