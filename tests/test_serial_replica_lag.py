import os
import time
import uuid

from odoo import SUPERUSER_ID, api, fields, sql_db
from odoo.tests import TransactionCase, tagged
from odoo.tools import mute_logger

from .common import ConcurrentTransactionsMixin


@tagged("post_install", "-at_install")
class TestSerialReplicaLag(ConcurrentTransactionsMixin, TransactionCase):
    """A read replica behind never sells a unit twice. The test database's cluster is
    the primary and a real streaming standby of it (made once by make test:
    scripts/pg_replica.py, its port in POS_SERIAL_REPLICA_PORT) is the replica Odoo
    sends the calls of `@api.readonly` methods to (`db_replica_port`). With the
    standby's replay paused, a unit sold at one till is still in stock on the replica,
    yet the next till's check refuses it and its sync records a conflict: both read
    the primary. The shop is committed (the standby must see it) in a company of its
    own; it stays in the throwaway test database, since history can never be
    deleted."""

    def setUp(self):
        super().setUp()
        port = os.environ.get("POS_SERIAL_REPLICA_PORT")
        self.assertTrue(
            port,
            "no replica: make test makes one (scripts/pg_replica.py) and names its "
            "port in POS_SERIAL_REPLICA_PORT",
        )
        self.shop = self._commit_shop("Replica Lag", "LAG-1", tills=2)
        self.company = self.shop["company"]
        with self.env.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            company = {"company_id": self.company, "company_ids": [self.company]}
            suffix = uuid.uuid4().hex[:6]
            self.cashier = self._committed_user(
                env, f"lag_cashier_{suffix}", company, "point_of_sale.group_pos_user"
            )
            self.manager = self._committed_user(
                env,
                f"lag_manager_{suffix}",
                company,
                "pos_serial_tracking.group_serial_manager",
            )
            # the cashier enters both tills (the till page logs in as the superuser)
            for session in env["pos.session"].browse(self.shop["sessions"]):
                session.with_user(self.cashier).sudo().login()
        # the replica as Odoo's registry has it with db_replica_host/db_replica_port
        _dbname, info = sql_db.connection_info_for(self.env.cr.dbname, readonly=True)
        info.update(host="127.0.0.1", port=int(port))
        self.replica_pool = sql_db.ConnectionPool(4, readonly=True)
        self.addCleanup(self.replica_pool.close_all)
        replica = sql_db.Connection(self.replica_pool, self.env.cr.dbname, info)
        previous = self.registry._db_readonly
        self.registry._db_readonly = replica
        self.addCleanup(setattr, self.registry, "_db_readonly", previous)
        self.replica = replica

    @staticmethod
    def _committed_user(env, login, company, group):
        return (
            env["res.users"]
            .create(
                {
                    "name": login.replace("_", " ").title(),
                    "login": login,
                    "password": login,
                    # the sender of the conflict's activity notice to the manager
                    "email": f"{login}@example.com",
                    "groups_id": [
                        (6, 0, [env.ref("base.group_user").id, env.ref(group).id])
                    ],
                    **company,
                }
            )
            .id
        )

    # --- the replica ---------------------------------------------------------------
    def _on_replica(self, sql):
        with self.replica.cursor() as cr:
            cr.execute(sql)
            return cr.fetchone()[0]

    def _wait_replayed(self):
        """Wait until the standby replayed everything the primary committed."""
        with self.env.registry.cursor() as cr:
            cr.execute("SELECT pg_current_wal_lsn()::text")
            lsn = cr.fetchone()[0]
        deadline = time.time() + 60
        while not self._on_replica(
            f"SELECT pg_last_wal_replay_lsn() >= '{lsn}'::pg_lsn"
        ):
            self.assertLess(time.time(), deadline, "the standby does not catch up")
            time.sleep(0.2)

    def _pause_replay(self):
        self._on_replica("SELECT pg_wal_replay_pause()")
        self.addCleanup(self._on_replica, "SELECT pg_wal_replay_resume()")
        deadline = time.time() + 30
        while self._on_replica("SELECT pg_get_wal_replay_pause_state()") != "paused":
            self.assertLess(time.time(), deadline, "the standby's replay goes on")
            time.sleep(0.1)

    # --- the calls, on the cursor Odoo's RPC route gives them ------------------------
    def _routed_readonly(self, model, method):
        """Whether /web/dataset/call_kw serves `model`.`method` on the replica: the
        rule of the web client's route (web's DataSet._call_kw_readonly), the first
        `_readonly` mark (@api.readonly) along the model's classes."""
        for cls in type(self.env[model]).mro():
            found = getattr(cls, method, None)
            if found is not None and hasattr(found, "_readonly"):
                return found._readonly
        return False

    def _call(self, user, model, method, call):
        """`call`(the model as `user`) on the cursor the RPC route would open, as a
        request does: committed, then closed; (its result, whether on the replica)."""
        readonly = self._routed_readonly(model, method)
        with self.registry.cursor(readonly=readonly) as cr:
            cr.execute("SELECT pg_is_in_recovery()")
            on_replica = cr.fetchone()[0]
            env = api.Environment(cr, user, {"allowed_company_ids": [self.company]})
            return call(env[model]), on_replica

    def _order(self, till):
        order_uuid = str(uuid.uuid4())
        return {
            "amount_paid": 100,
            "amount_return": 0,
            "amount_tax": 0,
            "amount_total": 100,
            "date_order": fields.Datetime.to_string(fields.Datetime.now()),
            "fiscal_position_id": False,
            "pricelist_id": self.shop["pricelists"][till],
            "name": f"Order {order_uuid}",
            "last_order_preparation_change": "{}",
            "lines": [
                (
                    0,
                    0,
                    {
                        "product_id": self.shop["product"],
                        "qty": 1,
                        "price_unit": 100,
                        "price_subtotal": 100,
                        "price_subtotal_incl": 100,
                        "tax_ids": [],
                        "discount": 0,
                        "pack_lot_ids": [[0, 0, {"lot_name": "LAG-1"}]],
                    },
                )
            ],
            "partner_id": False,
            "session_id": self.shop["sessions"][till],
            "sequence_number": 1,
            "uuid": order_uuid,
            "user_id": self.cashier,
            "payment_ids": [
                (
                    0,
                    0,
                    {
                        "amount": 100,
                        "name": fields.Datetime.now(),
                        "payment_method_id": self.shop["cash"][till],
                    },
                )
            ],
            "to_invoice": False,
        }

    def _sync(self, till):
        order = self._order(till)
        self._call(
            self.cashier,
            "pos.order",
            "sync_from_ui",
            lambda orders: orders.sync_from_ui([order]),
        )
        return order["uuid"]

    def _check(self, till):
        verdicts, on_replica = self._call(
            self.cashier,
            "pos.config",
            "check_pos_serials",
            lambda configs: configs.browse(
                self.shop["configs"][till]
            ).check_pos_serials(self.shop["product"], ["LAG-1"]),
        )
        self.assertFalse(on_replica, "the till's check must read the primary")
        return verdicts[0]

    def _state_seen_by_manager(self):
        """The unit's state in the manager's list of units (search_read, an
        @api.readonly method: served by the replica); (state, whether on the
        replica)."""
        records, on_replica = self._call(
            self.manager,
            "stock.lot",
            "search_read",
            lambda lots: lots.search_read(
                [("id", "=", self.shop["lot"])], ["serial_state"]
            ),
        )
        return records[0]["serial_state"], on_replica

    @mute_logger("odoo.addons.pos_serial_tracking.models.pos_order")
    def test_sold_unit_refused_while_replica_behind(self):
        self._wait_replayed()
        self.assertEqual(self._state_seen_by_manager(), ("in_stock", True))
        self.assertTrue(self._check(1)["ok"])
        self._pause_replay()

        first = self._sync(0)  # till 1 sells the unit: committed on the primary

        # the replica is behind: the manager's list still shows the unit in stock
        self.assertEqual(self._state_seen_by_manager(), ("in_stock", True))
        # till 2's check reads the primary: the unit is sold
        verdict = self._check(1)
        self.assertFalse(verdict["ok"])
        self.assertEqual(verdict["reason"], "already_sold")
        # a second paid order of the unit at till 2: kept, a conflict, no second sale
        second = self._sync(1)
        self.assertEqual(self._state_seen_by_manager(), ("in_stock", True))

        with self.env.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            orders = env["pos.order"].search([("uuid", "in", [first, second])])
            sale = orders.filtered(lambda o: o.uuid == first)
            late = orders.filtered(lambda o: o.uuid == second)
            self.assertEqual((sale.state, late.state), ("paid", "paid"))
            lot = env["stock.lot"].browse(self.shop["lot"])
            self.assertEqual(lot.serial_state, "sold")
            sales = lot.audit_line_ids.filtered(lambda line: line.event == "sold")
            self.assertEqual(sales.reference, sale.name)
            conflict = env["serial.conflict"].search([("lot_id", "=", lot.id)])
            self.assertEqual(conflict.pos_order_id, late)
            self.assertEqual(conflict.reason, "already_sold")
            self.assertEqual(sale.picking_ids.state, "done")
            self.assertNotEqual(late.picking_ids.state, "done")
            delivered = env["stock.move.line"].search_count(
                [
                    ("lot_id", "=", lot.id),
                    ("state", "=", "done"),
                    ("location_dest_id.usage", "=", "customer"),
                ]
            )
            self.assertEqual(delivered, 1)

        # replay resumed, the replica catches up: the unit is sold there too
        self._on_replica("SELECT pg_wal_replay_resume()")
        self._wait_replayed()
        self.assertEqual(self._state_seen_by_manager(), ("sold", True))
