import json
import uuid
from datetime import timedelta

import pytz

from odoo import SUPERUSER_ID, fields
from odoo.exceptions import AccessError
from odoo.service.model import retrying
from odoo.tests import TransactionCase, tagged
from odoo.tools import mute_logger

from .common import (
    ConcurrentTransactionsMixin,
    SerialPosHttpCommon,
    SerialPosSyncCommon,
)


class TestPosSerialLeases(SerialPosSyncCommon):
    """A serial the till's check accepts is held by that till's open order: another
    till's check refuses it, naming the till and since when, until the order
    releases it, the hold expires or a Serial Manager breaks it. Every till works
    as a cashier with Point of Sale: User only; a paid order is never lost to a
    hold."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        pos_groups = ("base.group_user", "point_of_sale.group_pos_user")
        cls.cashier_1 = cls._create_till_user("lease_cashier_1", *pos_groups)
        cls.cashier_2 = cls._create_till_user("lease_cashier_2", *pos_groups)
        cls.manager = cls._create_till_user(
            "lease_manager",
            "base.group_user",
            "pos_serial_tracking.group_serial_manager",
        )
        cls.auditor = cls._create_till_user(
            "lease_auditor",
            "base.group_user",
            "pos_serial_tracking.group_serial_auditor",
        )
        journal = cls.env["account.journal"].create(
            {"name": "Cash Till 2", "type": "cash", "code": "LT2"}
        )
        cash = cls.env["pos.payment.method"].create(
            {"name": "Cash Till 2", "journal_id": journal.id}
        )
        cls.till_2 = cls.env["pos.config"].create(
            {"name": "Till Two", "payment_method_ids": [(6, 0, cash.ids)]}
        )
        cls.config.name = "Till One"
        cls.lots = cls._receive_serials(cls.phone, ["LEASE-1", "LEASE-2", "LEASE-3"])
        cls.cashier_2.tz = "Asia/Kolkata"

    def setUp(self):
        super().setUp()
        self._open_till(self.cashier_1)
        self.till_2.with_user(self.cashier_2).open_ui()
        self.till_2.current_session_id.set_opening_control(0, None)
        self.order_1, self.order_2 = str(uuid.uuid4()), str(uuid.uuid4())

    def _check(self, till, user, serial, order_uuid):
        return till.with_user(user).check_pos_serials(
            self.phone.id, [serial], order_uuid=order_uuid
        )[0]

    def _check_1(self, serial="LEASE-1", order_uuid=None):
        return self._check(
            self.config, self.cashier_1, serial, order_uuid or self.order_1
        )

    def _check_2(self, serial="LEASE-1", order_uuid=None):
        return self._check(
            self.till_2, self.cashier_2, serial, order_uuid or self.order_2
        )

    def _leases(self, serial="LEASE-1"):
        return (
            self.env["pos.serial.lease"].sudo().search([("lot_id.name", "=", serial)])
        )

    def _expire(self, serial="LEASE-1"):
        self._sql(
            """UPDATE pos_serial_lease SET expires_at = %s
                WHERE lot_id = (SELECT id FROM stock_lot WHERE name = %s)""",
            [fields.Datetime.now() - timedelta(seconds=1), serial],
        )

    def test_second_till_refused_while_held(self):
        self.assertTrue(self._check_1()["ok"])
        lease = self._leases()
        self.assertEqual(
            (lease.config_id, lease.order_uuid, lease.user_id, lease.session_id),
            (
                self.config,
                self.order_1,
                self.cashier_1,
                self.config.current_session_id,
            ),
        )
        self.assertTrue(lease.active_lease)
        refused = self._check_2()
        self.assertEqual(refused["reason"], "leased")
        self.assertFalse(refused["ok"])
        self.assertIn(
            "Serial LEASE-1 is in an open order at Till One since", refused["message"]
        )
        # the time as the cashier of till 2 reads it, in their time zone
        since = pytz.utc.localize(lease.date_start).astimezone(
            pytz.timezone("Asia/Kolkata")
        )
        self.assertIn(f"since {since:%H:%M}.", refused["message"])
        # the holding order may check it again; the other order still may not
        self.assertTrue(self._check_1()["ok"])
        self.assertEqual(self._check_2()["reason"], "leased")
        self.assertEqual(self._leases().order_uuid, self.order_1)

    def test_accepted_after_release(self):
        self.assertTrue(self._check_1("LEASE-1")["ok"])
        self.assertTrue(self._check_1("LEASE-2")["ok"])
        # the cashier of till 1 removes the line of LEASE-1
        released = self.config.with_user(self.cashier_1).release_pos_serials(
            self.order_1, ["LEASE-1"]
        )
        self.assertEqual(released, ["LEASE-1"])
        self.assertTrue(self._check_2("LEASE-1")["ok"])
        self.assertEqual(self._leases("LEASE-1").order_uuid, self.order_2)
        self.assertEqual(self._check_2("LEASE-2")["reason"], "leased")
        # the order is deleted on till 1: all it held is free
        self.config.with_user(self.cashier_1).release_pos_serials(self.order_1)
        self.assertTrue(self._check_2("LEASE-2")["ok"])

    def test_accepted_after_expiry(self):
        self.assertTrue(self._check_1()["ok"])
        self._expire()
        verdict = self._check_2()
        self.assertTrue(verdict["ok"])
        lease = self._leases()
        self.assertEqual(
            (lease.config_id, lease.order_uuid), (self.till_2, self.order_2)
        )
        self.assertGreater(lease.expires_at, fields.Datetime.now())
        # till 1's order no longer holds it: refused there now
        self.assertEqual(self._check_1()["reason"], "leased")

    def test_renewed_while_open(self):
        self.assertTrue(self._check_1()["ok"])
        self._sql(
            "UPDATE pos_serial_lease SET expires_at = %s",
            [fields.Datetime.now() + timedelta(seconds=20)],
        )
        answer = self.config.with_user(self.cashier_1).renew_pos_serials([self.order_1])
        self.assertEqual(answer, {"renewed": 1, "seconds": 300})
        self.assertGreater(
            self._leases().expires_at, fields.Datetime.now() + timedelta(seconds=200)
        )
        # another till's cashier cannot renew till 1's orders through till 2
        answer = self.till_2.with_user(self.cashier_2).renew_pos_serials([self.order_1])
        self.assertEqual(answer["renewed"], 0)

    def test_setting_sets_the_time(self):
        self.env["res.config.settings"].create(
            {"pos_serial_lease_minutes": 2}
        ).execute()
        self.assertTrue(self._check_1()["ok"])
        lease = self._leases()
        self.assertEqual(lease.expires_at - lease.date_start, timedelta(minutes=2))
        # 0: no hold
        self.env["ir.config_parameter"].set_param(
            "pos_serial_tracking.lease_minutes", "0"
        )
        self.assertTrue(self._check_1("LEASE-2")["ok"])
        self.assertFalse(self._leases("LEASE-2"))
        self.assertTrue(self._check_2("LEASE-2")["ok"])

    def test_refused_serial_is_not_held(self):
        self._sync(self._order([(self.phone, ["LEASE-3"])]))
        self.assertEqual(self._check_1("LEASE-3")["reason"], "already_sold")
        self.assertEqual(self._check_1("NO-SUCH")["reason"], "unknown")
        self.assertFalse(self._leases("LEASE-3"))
        # without an order (the old signature): nothing held, and still refused
        # while another order holds the serial
        self.assertTrue(
            self.config.with_user(self.cashier_1).check_pos_serials(
                self.phone.id, ["LEASE-2"]
            )[0]["ok"]
        )
        self.assertFalse(self._leases("LEASE-2"))
        self.assertTrue(self._check_2("LEASE-2")["ok"])
        verdict = self.config.with_user(self.cashier_1).check_pos_serials(
            self.phone.id, ["LEASE-2"]
        )[0]
        self.assertEqual(verdict["reason"], "leased")

    def test_cashier_releases_only_own_till(self):
        self.assertTrue(self._check_1()["ok"])
        # till 2's cashier does not work at till 1
        with self.assertRaises(AccessError):
            self.config.with_user(self.cashier_2).release_pos_serials(self.order_1)
        # through their own till, another till's order holds nothing
        self.assertEqual(
            self.till_2.with_user(self.cashier_2).release_pos_serials(self.order_1), []
        )
        self.assertEqual(self._check_2()["reason"], "leased")
        # a cashier reads no lease directly
        with self.assertRaises(AccessError):
            self.env["pos.serial.lease"].with_user(self.cashier_1).search([])

    def test_manager_breaks_a_hold(self):
        self.assertTrue(self._check_1()["ok"])
        lot = self.lots.filtered(lambda l: l.name == "LEASE-1").sudo()
        history = len(lot.audit_line_ids)
        leases = self.env["pos.serial.lease"].with_user(self.manager)
        lease = leases.search([("active_lease", "=", True)])
        self.assertEqual(lease.lot_id, lot)
        # the list as the manager's web client reads it (no Point of Sale rights)
        many2one = {"fields": {"display_name": {}}}
        listed = leases.web_search_read(
            [("active_lease", "=", True)],
            {
                "lot_id": many2one,
                "product_id": many2one,
                "config_id": many2one,
                "user_id": many2one,
                "session_id": many2one,
                "order_uuid": {},
                "date_start": {},
                "expires_at": {},
                "active_lease": {},
                "company_id": many2one,
            },
        )["records"]
        self.assertEqual(
            (
                listed[0]["lot_id"]["display_name"],
                listed[0]["config_id"]["display_name"],
            ),
            ("LEASE-1", "Till One"),
        )
        # an auditor sees it and cannot break it
        seen = self.env["pos.serial.lease"].with_user(self.auditor).search([])
        self.assertEqual(seen.ids, lease.ids)
        with self.assertRaises(AccessError):
            seen.action_break()
        lease.action_break()
        self.assertFalse(self._leases())
        line = lot.audit_line_ids.sorted("chain_index")[-1]
        self.assertEqual(len(lot.audit_line_ids), history + 1)
        self.assertEqual(
            (line.event, line.old_state, line.new_state, line.user_id),
            ("lease_broken", "in_stock", "in_stock", self.manager),
        )
        self.assertEqual(line.pos_config_id, self.config)
        self.assertIn("Till One", line.note)
        self.assertEqual(lot.serial_state, "in_stock")
        self.assertFalse(self.env["serial.audit.line"].sudo().verify_chain())
        self.assertTrue(self._check_2()["ok"])

    def test_paid_order_kept_when_its_hold_expired(self):
        """Till 1's hold expired and till 2's order took the unit; till 1's order is
        paid first: it sells the unit (the sync checks again, a hold is no sale),
        and till 2's paid order is kept with a conflict."""
        self.assertTrue(self._check_1()["ok"])
        self._expire()
        self.assertTrue(self._check_2()["ok"])
        paid = self._sync(self._order([(self.phone, ["LEASE-1"])], uuid=self.order_1))
        self.assertEqual(paid.state, "paid")
        lot = self.lots.filtered(lambda l: l.name == "LEASE-1")
        self.assertEqual(lot.serial_state, "sold")
        self.assertFalse(
            self.env["serial.conflict"].sudo().search([("pos_order_id", "=", paid.id)])
        )
        self.assertFalse(self._leases(), "the sale ends every hold on the unit")
        self.assertEqual(self._check_2()["reason"], "already_sold")
        self.config = self.till_2
        self.pos_session = self.till_2.current_session_id
        data = self._order([(self.phone, ["LEASE-1"])], uuid=self.order_2)
        data["payment_ids"][0][2]["payment_method_id"] = (
            self.till_2.payment_method_ids.id
        )
        second = self._sync(data)
        self.assertEqual(second.state, "paid")
        conflict = (
            self.env["serial.conflict"]
            .sudo()
            .search([("pos_order_id", "=", second.id)])
        )
        self.assertEqual(conflict.reason, "already_sold")

    def test_paid_order_ends_its_holds(self):
        self.assertTrue(self._check_1("LEASE-1")["ok"])
        self.assertTrue(self._check_1("LEASE-2")["ok"])
        paid = self._sync(self._order([(self.phone, ["LEASE-1"])], uuid=self.order_1))
        self.assertEqual(paid.state, "paid")
        # the serial kept aside on the order (not paid) is free as well
        self.assertFalse(self._leases("LEASE-1") | self._leases("LEASE-2"))
        self.assertTrue(self._check_2("LEASE-2")["ok"])

    def test_other_tills_told_over_the_bus(self):
        channel = self.till_2._ensure_access_token()
        self.config._ensure_access_token()
        self.assertTrue(self._check_1()["ok"])
        self.config.with_user(self.cashier_1).release_pos_serials(self.order_1)
        self.env.cr.precommit.run()
        messages = [
            json.loads(bus.message)
            for bus in self.env["bus.bus"]
            .sudo()
            .search([("channel", "like", channel)], order="id")
        ]
        availability = [
            message["payload"]
            for message in messages
            if message["type"] == f"{channel}-POS_SERIAL_AVAILABILITY"
        ]
        self.assertEqual(
            availability,
            [
                {"unavailable": [[self.phone.id, "LEASE-1"]], "available": []},
                {"unavailable": [], "available": [[self.phone.id, "LEASE-1"]]},
            ],
        )
        # the till that took it is not told
        own = (
            self.env["bus.bus"]
            .sudo()
            .search([("channel", "like", self.config.access_token)])
        )
        self.assertFalse(own)


@tagged("post_install", "-at_install")
class TestPosSerialLeaseConcurrency(ConcurrentTransactionsMixin, TransactionCase):
    """Two tills check one serial at the same moment, each in its own transaction: one
    order holds it, the other till is refused (after Odoo replays its request). The
    shop is committed in a company of its own; it stays in the throwaway test
    database."""

    def setUp(self):
        super().setUp()
        self.shop = self._commit_shop("Leases", "LEASE-RACE", tills=2)
        self.envs = self._open_transactions(
            context={"allowed_company_ids": [self.shop["company"]]}
        )

    def _check(self, env, till, order_uuid):
        config = env["pos.config"].browse(self.shop["configs"][till])
        return config.check_pos_serials(
            self.shop["product"], ["LEASE-RACE"], order_uuid=order_uuid
        )[0]

    @mute_logger("odoo.sql_db", "odoo.service.model")
    def test_two_tills_check_at_once(self):
        env1, env2, env3 = self.envs
        order_1, order_2 = str(uuid.uuid4()), str(uuid.uuid4())
        env2.cr.execute("SELECT 1")  # till 2's check starts before till 1 commits
        self.assertTrue(self._check(env1, 0, order_1)["ok"])  # not committed yet
        self.assertWaitsThenFailsToSerialize(
            env1, env2, lambda: self._check(env2, 1, order_2), "till 2's check"
        )
        verdict = retrying(lambda: self._check(env2, 1, order_2), env2)
        self.assertEqual(verdict["reason"], "leased")
        self.assertIn("Till 1", verdict["message"])
        leases = env3["pos.serial.lease"].search([("lot_id", "=", self.shop["lot"])])
        self.assertEqual(
            (len(leases), leases.order_uuid, leases.config_id.id),
            (1, order_1, self.shop["configs"][0]),
        )
        self.assertEqual(env3.uid, SUPERUSER_ID)


@tagged("post_install", "-at_install")
class TestPosSerialLeaseTour(SerialPosHttpCommon):
    """In a real POS (Chromium), as a cashier with Point of Sale: User only: another
    till's hold refuses a serial; the till holds the serials it checked and releases
    one when its line is removed."""

    def test_hold_and_release_at_the_till(self):
        self._receive_serials(self.phone, ["SPH-HELD", "SPH-L1", "SPH-L2"])
        journal = self.env["account.journal"].create(
            {"name": "Cash Till Two", "type": "cash", "code": "LTT"}
        )
        cash = self.env["pos.payment.method"].create(
            {"name": "Cash Till Two", "journal_id": journal.id}
        )
        till_2 = self.env["pos.config"].create(
            {"name": "Till Two", "payment_method_ids": [(6, 0, cash.ids)]}
        )
        till_2.with_user(self.pos_admin).open_ui()
        held_by = str(uuid.uuid4())
        verdict = till_2.with_user(self.pos_admin).check_pos_serials(
            self.phone.id, ["SPH-HELD"], order_uuid=held_by
        )[0]
        self.assertTrue(verdict["ok"])
        self.main_pos_config.with_user(self.pos_user).open_ui()

        self.start_pos_tour("pos_serial_lease_tour", login="pos_user")

        leases = (
            self.env["pos.serial.lease"]
            .sudo()
            .search([("lot_id.product_id", "=", self.phone.id)])
        )
        self.assertEqual(
            {lease.lot_id.name: lease.config_id for lease in leases},
            {"SPH-HELD": till_2, "SPH-L1": self.main_pos_config},
        )
        self.assertEqual(
            leases.filtered(lambda l: l.config_id == till_2).order_uuid, held_by
        )
        self.assertEqual(
            leases.filtered(lambda l: l.config_id == self.main_pos_config).user_id,
            self.pos_user,
        )
