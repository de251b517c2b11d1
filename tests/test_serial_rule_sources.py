from datetime import date

from freezegun import freeze_time
from lxml import etree

from odoo.tests import HttpCase, tagged
from odoo.tools.misc import file_open
from odoo.tools.safe_eval import safe_eval

from ..tools import serial_lifecycle as lifecycle
from ..tools.serial_offline_set import OfflineSet
from .common import SerialDataMixin, SerialPosSyncCommon, SerialTrackingCommon

POS_USER = ("base.group_user", "point_of_sale.group_pos_user")
MANAGER_EVENTS = [event for event, _label in lifecycle.MANAGER_EVENTS]


class TestSerialFormButtonsFollowTheLifecycle(SerialTrackingCommon):
    """The actions a Serial Manager sees on a serial's form are the ones the lifecycle
    table (serial_lifecycle.TRANSITIONS) allows from the serial's state, and the same
    ones the state change wizard accepts."""

    def _table(self, state):
        """The manager events TRANSITIONS allows from `state`, read from the table."""
        return [
            event
            for event in MANAGER_EVENTS
            if lifecycle.ANY in lifecycle.TRANSITIONS[event]
            or (state or False) in lifecycle.TRANSITIONS[event]
        ]

    def _form_buttons(self):
        """{event: the button's invisible expression} of the form's state change
        buttons, as the Serial Manager's web client gets the form."""
        Lot = self.env["stock.lot"].with_user(self.serial_manager)
        lot = self._receive_serials(self.phone, ["RULE-FORM"]).with_user(
            self.serial_manager
        )
        arch = etree.fromstring(
            Lot.get_views([(False, "form")])["views"]["form"]["arch"]
        )
        buttons = {}
        for button in arch.iterfind(".//header/button[@type='object']"):
            action = getattr(lot, button.get("name"))()
            if action.get("res_model") == "serial.state.change":
                event = action["context"]["default_event"]
                buttons[event] = button.get("invisible")
        return buttons

    def test_form_buttons_are_the_lifecycles_events_in_every_state(self):
        buttons = self._form_buttons()
        # one button per manager event, and the wizard offers exactly these
        self.assertEqual(set(buttons), set(MANAGER_EVENTS))
        Change = self.env["serial.state.change"]
        self.assertEqual(
            [key for key, _label in Change._fields["event"].selection], MANAGER_EVENTS
        )
        for state in [False, *(key for key, _label in lifecycle.SERIAL_STATES)]:
            with self.subTest(state=state):
                lot = self.env["stock.lot"].new(
                    {"product_id": self.phone.id, "serial_state": state}
                )
                allowed = lot.serial_allowed_events or []  # a JSON [] reads False
                self.assertEqual(allowed, self._table(state))
                shown = [
                    event
                    for event, invisible in buttons.items()
                    if not safe_eval(invisible, {"serial_allowed_events": allowed})
                ]
                self.assertEqual(sorted(shown), sorted(self._table(state)))
        # each event is shown in some state (the test would pass on no button)
        self.assertTrue(
            all(self._table(key) for key in ("in_stock", "lost", "recalled"))
        )

    def test_allowed_events_follow_the_state_as_the_form_reads_them(self):
        lot = self._receive_serials(self.phone, ["RULE-LOST"])
        as_manager = lot.with_user(self.serial_manager)
        read = as_manager.web_read({"serial_allowed_events": {}})[0]
        self.assertEqual(
            read["serial_allowed_events"], ["marked_lost", "marked_stolen", "recalled"]
        )
        as_manager._mark_serial_state("marked_lost", "Not on the shelf")
        read = as_manager.web_read({"serial_allowed_events": {}})[0]
        self.assertEqual(read["serial_allowed_events"], ["marked_stolen", "found"])

    def test_wizard_refuses_an_event_the_form_does_not_show(self):
        """An action the form hides for the serial's state (Found on a unit in stock)
        is refused by the wizard too, naming the serial, and nothing is written."""
        lot = self._receive_serials(self.phone, ["RULE-WIZ"])
        self.assertNotIn("found", lot.serial_allowed_events)
        wizard = (
            self.env["serial.state.change"]
            .with_user(self.serial_manager)
            .create(
                {"lot_ids": [(6, 0, lot.ids)], "event": "found", "reason": "Counted"}
            )
        )
        lines = len(lot.audit_line_ids)
        with self.assertRefused(
            "Serial RULE-WIZ is in state In Stock, which does not allow the event Found"
        ):
            wizard.action_confirm()
        self.assertEqual(lot.serial_state, "in_stock")
        self.assertEqual(len(lot.audit_line_ids), lines)


class TestTillOfflineRulesFromTheServer(SerialPosSyncCommon):
    """The till refuses an expired unit offline with the server's rules and
    sentences: its snapshot carries the refusals the server's verdicts use, in the
    cashier's language, and today's date where the server reads expiries."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["res.lang"]._activate_lang("fr_FR")
        cls.cashier = cls._create_user("rules_cashier", *POS_USER)
        cls.cashier.write(
            {
                "company_id": cls.company.id,
                "company_ids": [(6, 0, cls.company.ids)],
                "lang": "fr_FR",
                "tz": "America/New_York",
            }
        )

    def setUp(self):
        super().setUp()
        self.config.with_user(self.cashier).open_ui()
        self.pos_session = self.config.current_session_id
        self.pos_session.set_opening_control(0, None)
        expired = (
            "Serial %(serial)s expired on %(date)s and cannot be sold. Put the "
            "unit aside for destruction or return."
        )
        self._use_code_translations(
            "fr_FR",
            {
                "Unit expired": "Unité périmée",
                expired: "Le numéro de série %(serial)s a expiré le %(date)s : ne "
                "le vendez pas. Mettez l'unité de côté.",
            },
        )

    def _loaded_snapshot(self):
        """The snapshot as the till loads it with the session, as the cashier."""
        session = self.pos_session.with_user(self.cashier).with_context(
            lang="fr_FR", allowed_company_ids=self.company.ids
        )
        data = session.load_data(["pos.session"])
        return data["pos.session"]["data"][0]["_serial_snapshot"]

    @freeze_time("2026-06-15 02:00:00")
    def test_snapshot_holds_the_servers_refusals_in_the_cashiers_language(self):
        lot = self._receive_serials(self.phone, ["RULE-EXP"])
        lot.serial_expiry_date = date(2026, 6, 14)
        snapshot = self._loaded_snapshot()
        units = OfflineSet(snapshot)
        self.assertEqual(len(units), 1)
        self.assertEqual(units.expiry(self.phone.id, "RULE-EXP"), date(2026, 6, 14))
        # 02:00 UTC is still 14 June in New York, where the cashier is
        self.assertEqual(snapshot["timezone"], "America/New_York")
        self.assertEqual(snapshot["today"], "2026-06-14")
        expired = snapshot["refusals"]["expired"]
        self.assertEqual(expired["title"], "Unité périmée")
        self.assertEqual(
            expired["message"],
            "Le numéro de série %(serial)s a expiré le %(date)s : ne le vendez pas. "
            "Mettez l'unité de côté.",
        )
        self.assertFalse(expired["alert"])
        self.assertTrue(snapshot["refusals"]["expiry_mismatch"]["alert"])
        self.assertIn("%(scanned)s", snapshot["refusals"]["expiry_mismatch"]["message"])
        # the same sentence, filled, is the server's own verdict at the till
        till = self.config.with_user(self.cashier).with_context(
            lang="fr_FR", allowed_company_ids=self.company.ids
        )
        with freeze_time("2026-06-15 12:00:00"):
            verdict = till.check_pos_serials(self.phone.id, ["RULE-EXP"])[0]
        self.assertEqual(verdict["title"], "Unité périmée")
        self.assertEqual(
            verdict["message"],
            expired["message"] % {"serial": "RULE-EXP", "date": "14/06/2026"},
        )
        # the periodic refresh carries them too
        refreshed = till.get_pos_serial_snapshot()
        self.assertEqual(refreshed["refusals"], snapshot["refusals"])

    def test_till_code_holds_no_copy_of_the_refusals(self):
        """The till's code fills the server's sentences: it holds none of them."""
        with file_open(
            "pos_serial_tracking/static/src/overrides/models/pos_store.js"
        ) as js:
            code = js.read()
        for refusal in self.config._serial_expiry_refusals().values():
            self.assertNotIn(refusal["title"], code)
            self.assertNotIn(refusal["message"][:40], code)


@tagged("post_install", "-at_install")
class TestSerialFormButtonsTour(SerialDataMixin, HttpCase):
    """In a real browser, the Serial Manager sees on a serial's form the actions the
    lifecycle allows from its state, and they follow the state."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.stock_location = cls.env.ref("stock.warehouse0").lot_stock_id
        product = cls._create_serial_product("Buttons Tour Phone", "BTOURP")
        cls.lot = cls._receive_serials(product, ["BTOUR-0001"])
        cls.manager = cls._create_user(
            "tour_buttons_manager", "pos_serial_tracking.group_serial_manager"
        )
        cls.lot.with_user(cls.manager)._mark_serial_state("marked_lost", "Not here")

    def test_manager_sees_the_actions_of_the_state(self):
        self.start_tour(
            f"/odoo/action-pos_serial_tracking.stock_lot_action/{self.lot.id}",
            "serial_state_buttons_tour",
            login="tour_buttons_manager",
        )
        self.assertEqual(self.lot.serial_state, "in_stock")
        found = self.lot.audit_line_ids.sorted("chain_index")[-1]
        self.assertEqual(
            (found.event, found.note, found.user_id),
            ("found", "Behind the counter", self.manager),
        )


@tagged("post_install", "-at_install")
class TestSerialAllowedEventsExtension(SerialTrackingCommon):
    """A module overriding stock.lot._serial_allowed_events changes the form's buttons
    and what the state change wizard accepts, at once."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        from .fake_serial_rules import StockLot

        cls._load_fake_models(StockLot)

    def test_override_narrows_the_buttons_and_the_wizard(self):
        lot = self._receive_serials(self.phone, ["RULE-EXT"])
        self._deliver(lot, self.customer)
        as_manager = lot.with_user(self.serial_manager)
        read = as_manager.web_read({"serial_allowed_events": {}})[0]
        self.assertEqual(read["serial_allowed_events"], ["marked_stolen", "recalled"])
        action = as_manager.action_mark_lost()
        wizard = (
            self.env[action["res_model"]]
            .with_user(self.serial_manager)
            .with_context(**action["context"])
            .create({"reason": "The customer lost it"})
        )
        with self.assertRefused(
            "Serial RULE-EXT is in state Sold, which does not allow the event "
            "Marked lost"
        ):
            wizard.action_confirm()
        self.assertEqual(lot.serial_state, "sold")
        as_manager._mark_serial_state("marked_stolen", "Police report 12")
        self.assertEqual(lot.serial_state, "stolen")
