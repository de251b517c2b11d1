import uuid

from odoo import SUPERUSER_ID, fields
from odoo.service.model import retrying
from odoo.tests import TransactionCase, tagged
from odoo.tools import mute_logger

from .common import ConcurrentTransactionsMixin


@tagged("post_install", "-at_install")
class TestPosTwoTillsConcurrency(ConcurrentTransactionsMixin, TransactionCase):
    """Two tills sync paid orders selling the same serial at the same moment, each in
    its own transaction, as two browsers would: one sale, one conflict, both orders
    kept. The shop is committed (the transactions must see it) in a company of its own;
    it stays in the throwaway test database, since history can never be deleted."""

    def setUp(self):
        super().setUp()
        self.shop = self._commit_shop("Two Tills", "TILLS-1", tills=2)
        self.envs = self._open_transactions(
            context={"allowed_company_ids": [self.shop["company"]]}
        )

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
                        "pack_lot_ids": [[0, 0, {"lot_name": "TILLS-1"}]],
                    },
                )
            ],
            "partner_id": False,
            "session_id": self.shop["sessions"][till],
            "sequence_number": 1,
            "uuid": order_uuid,
            "user_id": SUPERUSER_ID,
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

    @mute_logger(
        "odoo.sql_db",
        "odoo.service.model",
        "odoo.addons.pos_serial_tracking.models.pos_order",
    )
    def test_same_serial_at_two_tills(self):
        env1, env2, env3 = self.envs
        order_1, order_2 = self._order(0), self._order(1)
        env2.cr.execute("SELECT 1")  # till 2's transaction starts before till 1 commits
        env1["pos.order"].sync_from_ui([order_1])  # holds the serial, not committed yet
        self.assertWaitsThenFailsToSerialize(
            env1, env2, lambda: env2["pos.order"].sync_from_ui([order_2]), "till 2"
        )
        # Odoo replays the failed request (the retry runs here: the registry lock that
        # `retrying` takes is held by the test runner's thread)
        retrying(lambda: env2["pos.order"].sync_from_ui([order_2]), env2)

        orders = env3["pos.order"].search(
            [("uuid", "in", [order_1["uuid"], order_2["uuid"]])]
        )
        first = orders.filtered(lambda o: o.uuid == order_1["uuid"])
        second = orders.filtered(lambda o: o.uuid == order_2["uuid"])
        self.assertEqual((first.state, second.state), ("paid", "paid"))
        lot = env3["stock.lot"].browse(self.shop["lot"])
        self.assertEqual(lot.serial_state, "sold")
        sales = lot.audit_line_ids.filtered(lambda line: line.event == "sold")
        self.assertEqual(sales.reference, first.name)
        conflicts = env3["serial.conflict"].search([("lot_id", "=", lot.id)])
        self.assertEqual(conflicts.pos_order_id, second)
        self.assertEqual(conflicts.reason, "already_sold")
        self.assertEqual(first.picking_ids.state, "done")
        self.assertNotEqual(second.picking_ids.state, "done")
