import threading

from psycopg2.errors import SerializationFailure

from odoo import SUPERUSER_ID, api
from odoo.exceptions import UserError
from odoo.service.model import retrying
from odoo.tests import TransactionCase, tagged
from odoo.tools import mute_logger

from .common import ConcurrentTransactionsMixin


@tagged("post_install", "-at_install")
class TestSoldOnceConcurrency(ConcurrentTransactionsMixin, TransactionCase):
    """Two transactions sell one serial at the same moment: the database lets exactly
    one through; the other fails, is replayed as Odoo replays a request, and is refused
    with a message the user understands. Data is committed (the transactions must see
    it); it stays in the throwaway test database, since history can never be deleted."""

    def setUp(self):
        super().setUp()
        with self.env.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            product = env["product.product"].create(
                {
                    "name": "Concurrency Phone",
                    "is_storable": True,
                    "tracking": "serial",
                }
            )
            self.serials = [f"CONC-{self._testMethodName}-{i}" for i in range(2)]
            lots = env["stock.lot"].create(
                [{"name": serial, "product_id": product.id} for serial in self.serials]
            )
            env["stock.quant"].with_context(inventory_mode=True).create(
                [
                    {
                        "product_id": product.id,
                        "lot_id": lot.id,
                        "inventory_quantity": 1,
                        "location_id": env.ref("stock.warehouse0").lot_stock_id.id,
                    }
                    for lot in lots
                ]
            ).action_apply_inventory()
            self.lot_ids = lots.ids
        self.envs = self._open_transactions()

    def _sell(self, env, lot_id, till):
        lot = env["stock.lot"].browse(lot_id)
        lot._apply_serial_events([{"lot": lot, "event": "sold", "reference": till}])

    def _sales(self, lot_id):
        env = self.envs[2]
        env.cr.rollback()  # a fresh snapshot
        env.invalidate_all()
        lot = env["stock.lot"].browse(lot_id)
        return lot.serial_state, lot.audit_line_ids.filtered(
            lambda l: l.event == "sold"
        )

    @mute_logger("odoo.service.model", "odoo.sql_db")
    def test_interleaved_sale_is_replayed_and_refused(self):
        env1, env2, _env3 = self.envs
        env1.cr.execute("SELECT 1")  # till 1's transaction starts before till 2 sells
        self._sell(env2, self.lot_ids[0], "till 2")
        env2.cr.commit()
        with self.assertRaises(SerializationFailure):
            self._sell(env1, self.lot_ids[0], "till 1")
        env1.cr.rollback()
        # what Odoo does with a request that failed so: replay it, on a fresh snapshot
        with self.assertRaises(UserError) as caught:
            retrying(lambda: self._sell(env1, self.lot_ids[0], "till 1"), env1)
        self.assertIn(
            f"Serial {self.serials[0]} is already sold", str(caught.exception)
        )
        state, sales = self._sales(self.lot_ids[0])
        self.assertEqual(state, "sold")
        self.assertEqual(sales.mapped("reference"), ["till 2"])

    @mute_logger("odoo.service.model", "odoo.sql_db")
    def test_simultaneous_sales_one_waits_then_fails(self):
        env1, env2, _env3 = self.envs
        lot_id = self.lot_ids[0]
        env2.cr.execute("SELECT 1")  # both snapshots taken before either sells
        self._sell(env1, lot_id, "till 1")  # holds the serial's row lock, not committed
        self.assertWaitsThenFailsToSerialize(
            env1, env2, lambda: self._sell(env2, lot_id, "till 2"), "till 2"
        )
        with self.assertRaises(UserError) as caught:
            retrying(lambda: self._sell(env2, lot_id, "till 2"), env2)
        self.assertIn("is already sold", str(caught.exception))
        state, sales = self._sales(lot_id)
        self.assertEqual(state, "sold")
        self.assertEqual(sales.mapped("reference"), ["till 1"])

    def test_different_serials_do_not_wait(self):
        env1, env2, _env3 = self.envs
        self._sell(env1, self.lot_ids[0], "till 1")  # not committed
        done = threading.Event()

        def till_2():
            self._sell(env2, self.lot_ids[1], "till 2")
            done.set()

        thread = threading.Thread(target=till_2)
        thread.start()
        thread.join(timeout=10)
        self.assertTrue(
            done.is_set(), "selling another serial must not wait for till 1"
        )
        env1.cr.commit()
        env2.cr.commit()
        self.assertEqual(self._sales(self.lot_ids[0])[0], "sold")
        self.assertEqual(self._sales(self.lot_ids[1])[0], "sold")
