from odoo import SUPERUSER_ID, api
from odoo.api import call_kw
from odoo.exceptions import AccessError, UserError
from odoo.service.model import retrying
from odoo.tests import TransactionCase, tagged
from odoo.tools import mute_logger

from ..tools.serial_offline_set import OfflineSet
from .common import ConcurrentTransactionsMixin, SerialPosSyncCommon

TILL_METHODS = (
    ("check_pos_serials", lambda product: [product.id, ["TILL-STOLEN"]]),
    ("find_pos_serial", lambda product: ["TILL-STOLEN"]),
    ("get_pos_serial_snapshot", lambda product: []),
    ("get_pos_serial_snapshot_delta", lambda product: ["2026-01-01 00:00:00"]),
)


class TestPosTillAccess(SerialPosSyncCommon):
    """The till's public methods (check, find, snapshot) answer only a cashier working
    in an open session of that till, or a POS manager, and only within the companies
    of the request; a blocked attempt is written once per serial and session."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company_a = cls.company
        cls.company_b = cls.setup_other_company(name="Till Company B")["company"]
        pos_groups = ("base.group_user", "point_of_sale.group_pos_user")
        cls.cashier = cls._company_user("till_cashier", [cls.company_a], *pos_groups)
        cls.other_cashier = cls._company_user(
            "till_other_cashier", [cls.company_a], *pos_groups
        )
        cls.two_company_cashier = cls._company_user(
            "till_two_company_cashier", [cls.company_a, cls.company_b], *pos_groups
        )
        cls.pos_manager = cls._company_user(
            "till_pos_manager",
            [cls.company_a],
            "base.group_user",
            "point_of_sale.group_pos_manager",
        )
        cls.lot = cls._receive_serials(cls.phone, ["TILL-STOLEN"])
        cls.lot._apply_serial_events(
            [{"lot": cls.lot, "event": "marked_stolen", "note": "Shop window"}]
        )
        # company B: its own till and a stolen unit of its own
        env_b = cls.env(context={"allowed_company_ids": [cls.company_b.id]})
        cash_b = env_b["pos.payment.method"].create(
            {
                "name": "Cash B",
                "company_id": cls.company_b.id,
                "journal_id": env_b["account.journal"]
                .create(
                    {
                        "name": "Cash B",
                        "type": "cash",
                        "code": "TCB",
                        "company_id": cls.company_b.id,
                    }
                )
                .id,
            }
        )
        cls.till_b = env_b["pos.config"].create(
            {
                "name": "Till B",
                "company_id": cls.company_b.id,
                "payment_method_ids": [(6, 0, cash_b.ids)],
            }
        )
        cls.phone_b = cls._create_serial_product(
            "Phone B", "PB", company_id=cls.company_b.id
        )
        cls.lot_b = env_b["stock.lot"].create(
            {"name": "TILL-STOLEN", "product_id": cls.phone_b.id}
        )
        env_b["stock.quant"].with_context(inventory_mode=True).create(
            {
                "product_id": cls.phone_b.id,
                "lot_id": cls.lot_b.id,
                "location_id": cls.till_b.picking_type_id.default_location_src_id.id,
                "inventory_quantity": 1,
            }
        ).action_apply_inventory()
        cls.lot_b._apply_serial_events(
            [{"lot": cls.lot_b, "event": "marked_stolen", "note": "Shop window"}]
        )
        cls.till_b.open_ui()

    @classmethod
    def _company_user(cls, login, companies, *groups):
        user = cls._create_user(login, *groups)
        user.write(
            {
                "company_id": companies[0].id,
                "company_ids": [(6, 0, [company.id for company in companies])],
            }
        )
        return user

    def setUp(self):
        super().setUp()
        # the cashier opens the till, as from the Point of Sale dashboard
        self.config.with_user(self.cashier).open_ui()
        self.pos_session = self.config.current_session_id
        self.pos_session.set_opening_control(0, None)

    def _as(self, user, config, companies=None):
        """`config` in the environment of an RPC call by `user`."""
        companies = companies or user.company_ids
        return config.with_user(user).with_context(allowed_company_ids=companies.ids)

    def _blocked_lines(self, lot):
        return lot.sudo().audit_line_ids.filtered(
            lambda line: line.event == "blocked_sale"
        )

    def _check(self, user, config=None, serial="TILL-STOLEN"):
        return self._as(user, config or self.config).check_pos_serials(
            self.phone.id, [serial]
        )

    def test_other_company_till_refused_over_rpc(self):
        """A cashier of company A calls company B's till as the web client does:
        each of the three methods is refused, and nothing is written."""
        for method, args in TILL_METHODS:
            with self.subTest(method=method):
                till_b = self._as(self.cashier, self.till_b)
                with self.assertRaises(AccessError):
                    call_kw(
                        till_b.browse(),
                        method,
                        [[self.till_b.id], *args(self.phone_b)],
                        {},
                    )
        self.assertFalse(self._blocked_lines(self.lot_b))

    def test_request_companies_limit_the_tills(self):
        """A cashier allowed in both companies, whose request allows only A, cannot
        reach B's till either."""
        till_b = self._as(self.two_company_cashier, self.till_b, self.company_a)
        for method, args in TILL_METHODS:
            with self.subTest(method=method), self.assertRaises(AccessError):
                getattr(till_b, method)(*args(self.phone_b))
        self.assertFalse(self._blocked_lines(self.lot_b))

    def test_cashier_outside_the_session_refused_until_joining(self):
        till = self._as(self.other_cashier, self.config)
        for method, args in TILL_METHODS:
            with (
                self.subTest(method=method),
                self.assertRefused("open session", AccessError),
            ):
                getattr(till, method)(*args(self.phone))
        self.assertFalse(self._blocked_lines(self.lot))
        # entering the till (Odoo's /pos/ui calls login()) makes them its cashier
        self.pos_session.with_user(self.other_cashier).sudo().login()
        self.assertEqual(self._check(self.other_cashier)[0]["reason"], "blocked")
        self.assertEqual(self._blocked_lines(self.lot).user_id, self.other_cashier)

    def test_till_without_open_session_refused(self):
        till = self._as(self.cashier, self.other_currency_config)
        with self.assertRefused("open session", AccessError):
            till.check_pos_serials(self.phone.id, ["TILL-STOLEN"])
        self.assertFalse(self._blocked_lines(self.lot))

    def test_pos_manager_allowed_without_session(self):
        verdict = self._check(self.pos_manager, self.other_currency_config)[0]
        self.assertEqual(verdict["reason"], "blocked")
        # no open session at that till: no sale, nothing written
        self.assertFalse(self._blocked_lines(self.lot))
        snapshot = self._as(
            self.pos_manager, self.other_currency_config
        ).get_pos_serial_snapshot()
        self.assertTrue(snapshot["complete"])
        # at a till with an open session the attempt is recorded with that session
        self._check(self.pos_manager)
        self.assertEqual(
            self._blocked_lines(self.lot).mapped("res_id"), [self.pos_session.id]
        )

    def test_cashier_in_session_checks_as_before(self):
        self._receive_serials(self.phone, ["TILL-OK"])
        till = self._as(self.cashier, self.config)
        verdicts = till.check_pos_serials(
            self.phone.id, ["TILL-OK", "TILL-STOLEN", "TILL-NOPE"]
        )
        self.assertEqual([v["reason"] for v in verdicts], [False, "blocked", "unknown"])
        self.assertEqual(till.find_pos_serial("TILL-OK")["product_id"], self.phone.id)
        units = OfflineSet(till.get_pos_serial_snapshot())
        self.assertEqual((len(units), (self.phone.id, "TILL-OK") in units), (1, True))
        line = self._blocked_lines(self.lot)
        self.assertEqual(
            (line.user_id, line.pos_config_id, line.res_model, line.res_id),
            (self.cashier, self.config, "pos.session", self.pos_session.id),
        )
        self.assertEqual(line.old_state, "stolen")
        self.assertNotIn(self.cashier.name, line.note)
        self.assertFalse(self.env["serial.audit.line"].verify_chain())

    def test_blocked_attempt_written_once_per_session(self):
        for _attempt in range(5):
            self.assertEqual(self._check(self.cashier)[0]["reason"], "blocked")
        self._as(self.cashier, self.config).find_pos_serial("TILL-STOLEN")
        self.assertEqual(len(self._blocked_lines(self.lot)), 1)
        # the next session of the till records the next attempt
        self.pos_session.post_closing_cash_details(0)
        self.pos_session.close_session_from_ui()
        self.assertEqual(self.pos_session.state, "closed")
        self.config.with_user(self.cashier).open_ui()
        self.config.current_session_id.set_opening_control(0, None)
        self._check(self.cashier)
        self._check(self.cashier)
        lines = self._blocked_lines(self.lot)
        self.assertEqual(len(lines), 2)
        self.assertEqual(
            set(lines.mapped("res_id")),
            {self.pos_session.id, self.config.current_session_id.id},
        )

    def test_nul_serial_at_the_till(self):
        """A NUL character in a scanned or typed serial is an unknown serial, not a
        database error."""
        till = self._as(self.cashier, self.config)
        verdict = till.check_pos_serials(self.phone.id, ["TILL\x00STOLEN"])[0]
        self.assertEqual(verdict["reason"], "unknown")
        self.assertEqual(verdict["serial"], "TILL\ufffdSTOLEN")
        self.assertIs(till.find_pos_serial("TILL\x00STOLEN"), False)

    def _translate_selection(self, model, field, value, label):
        self.env["res.lang"]._activate_lang("fr_FR")
        selection = self.env["ir.model.fields.selection"].search(
            [
                ("field_id.model", "=", model),
                ("field_id.name", "=", field),
                ("value", "=", value),
            ]
        )
        selection.update_field_translations("name", {"fr_FR": label})
        self.env.registry.clear_cache()  # get_field_selection caches the labels

    def test_labels_in_till_messages_are_translated(self):
        """The state and event labels inside messages are the selections' labels in
        the user's language, not their technical keys or English source."""
        self._translate_selection("stock.lot", "serial_state", "stolen", "Volé")
        # the till's sentences as the addon's French translation file would give them
        stolen = (
            "Serial %(serial)s is reported stolen. Do not sell it and do not hand "
            "the unit back: keep it aside and call your manager. This attempt has "
            "been recorded."
        )
        self._use_code_translations(
            "fr_FR",
            {
                "Do not sell: unit reported stolen": (
                    "Ne pas vendre : unité déclarée volée"
                ),
                stolen: "Le numéro de série %(serial)s est déclaré volé. Ne le "
                "vendez pas, ne rendez pas l'unité : mettez-la de côté et appelez "
                "votre responsable. Cette tentative est enregistrée.",
            },
        )
        till = self._as(self.cashier, self.config).with_context(lang="fr_FR")
        verdict = till.check_pos_serials(self.phone.id, ["TILL-STOLEN"])[0]
        self.assertEqual(verdict["title"], "Ne pas vendre : unité déclarée volée")
        self.assertIn("TILL-STOLEN est déclaré volé", verdict["message"])
        self.assertNotIn("stolen", verdict["message"])
        self.assertIn("in state Volé", self._blocked_lines(self.lot).note)

    def test_labels_in_refusals_are_translated(self):
        self._translate_selection("stock.lot", "serial_state", "stolen", "Volé")
        self._translate_selection("stock.lot", "serial_state", "in_stock", "En stock")
        self._translate_selection(
            "serial.audit.line", "event", "repair_out", "Fin de réparation"
        )
        french = self.env["stock.lot"].with_context(lang="fr_FR")
        lot = self._receive_serials(self.phone, ["TILL-LABEL"]).with_env(french.env)
        with self.assertRefused(
            "in state En stock, which does not allow the event Fin de réparation"
        ):
            lot._apply_serial_events([{"lot": lot, "event": "repair_out"}])
        with self.assertRefused("in state Volé and cannot be sold", UserError):
            self.lot.with_env(french.env)._apply_serial_events(
                [{"lot": self.lot, "event": "sold"}]
            )
        self.assertEqual(
            lot._open_state_change("repair_out")["name"], "Fin de réparation"
        )


@tagged("post_install", "-at_install")
class TestPosTillConcurrentAttempts(ConcurrentTransactionsMixin, TransactionCase):
    """Two checks of one stolen unit at once in one session (two tabs, or a script):
    one blocked attempt in its history. The shop is committed in a company of its
    own; it stays in the throwaway test database, since history cannot be deleted."""

    def setUp(self):
        super().setUp()
        self.shop = self._commit_shop("Till Attempts", "ATTEMPT-1")
        with self.env.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            lot = env["stock.lot"].browse(self.shop["lot"])
            lot._apply_serial_events(
                [{"lot": lot, "event": "marked_stolen", "note": "Shop window"}]
            )
        self.shop["config"] = self.shop["configs"][0]
        self.envs = self._open_transactions(
            context={"allowed_company_ids": [self.shop["company"]]}
        )

    def _check(self, env):
        config = env["pos.config"].browse(self.shop["config"])
        return config.check_pos_serials(self.shop["product"], ["ATTEMPT-1"])

    @mute_logger("odoo.sql_db", "odoo.service.model")
    def test_two_checks_at_once_write_one_attempt(self):
        env1, env2, env3 = self.envs
        env2.cr.execute("SELECT 1")  # the second check starts before the first commits
        self.assertEqual(self._check(env1)[0]["reason"], "blocked")  # not committed
        self.assertWaitsThenFailsToSerialize(
            env1, env2, lambda: self._check(env2), "the second check"
        )
        # Odoo replays the failed request, which now sees the first attempt
        verdicts = retrying(lambda: self._check(env2), env2)
        self.assertEqual(verdicts[0]["reason"], "blocked")
        attempts = env3["serial.audit.line"].search(
            [("lot_id", "=", self.shop["lot"]), ("event", "=", "blocked_sale")]
        )
        self.assertEqual(len(attempts), 1)
        self.assertFalse(env3["serial.audit.line"].verify_chain())
