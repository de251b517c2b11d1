import json

from odoo.tests import HttpCase, tagged
from odoo.tools import mute_logger

from .common import SerialDataMixin, SerialTrackingCommon


class TestSerialAuditPrivacy(SerialTrackingCommon):
    """Customers who bought serials can be merged and erased: the hashed history holds
    a pseudonym of the customer, the link to the person lives outside the chain."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.alice = cls.env["res.partner"].create(
            {"name": "Alice Martin", "email": "alice.martin@example.com"}
        )
        cls.alice_copy = cls.env["res.partner"].create(
            {"name": "Alice Martin (shop)", "email": "alice.martin@example.com"}
        )
        cls.lots = cls._receive_serials(cls.phone, ["PRIV-1", "PRIV-2", "PRIV-3"])

    def _sale_line(self, lot):
        return lot.audit_line_ids.filtered(lambda line: line.event == "sold")

    def test_partner_merge_keeps_the_history_intact(self):
        self._deliver(self.lots[0], self.alice, origin="S-ALICE-1")
        self._deliver(self.lots[1], self.alice_copy, origin="S-ALICE-2")
        wizard = (
            self.env["base.partner.merge.automatic.wizard"]
            .with_context(
                active_model="res.partner",
                active_ids=(self.alice | self.alice_copy).ids,
            )
            .create({})
        )
        wizard.dst_partner_id = self.alice
        wizard.action_merge()

        self.assertFalse(self.alice_copy.exists())
        sales = self._sale_line(self.lots[0]) | self._sale_line(self.lots[1])
        self.assertEqual(len(sales), 2)
        self.assertEqual(sales.partner_id, self.alice)
        self.assertEqual(self.lots[:2].serial_partner_id, self.alice)
        # the customer's history is found through the merged customer
        self.assertEqual(
            self.env["serial.audit.line"]
            .with_user(self.serial_user)
            .search([("partner_id", "=", self.alice.id), ("event", "=", "sold")]),
            sales,
        )
        self.assertEqual(
            self.env["serial.audit.line"]._read_group(
                [("event", "=", "sold")], ["partner_id"], ["__count"]
            ),
            [(self.alice, 2)],
        )
        self.assertFalse(self.env["serial.audit.line"].verify_chain())

    def test_erased_customer_leaves_a_verified_history_without_them(self):
        picking = self._deliver(self.lots[2], self.alice, origin="S-ALICE-3")
        sale = self._sale_line(self.lots[2])
        self.assertEqual(sale.partner_id, self.alice)
        history = self.lots[2].audit_line_ids

        self.alice.unlink()
        self.env.flush_all()
        self.env.invalidate_all()

        self.assertEqual(self.lots[2].audit_line_ids, history, "no line removed")
        self.assertFalse(sale.partner_id)
        self.assertEqual(
            sale.partner_ref_id.display_name,
            f"Erased partner #{sale.partner_ref_id.id}",
        )
        self.assertFalse(self.lots[2].serial_partner_id)
        self.assertFalse(picking.partner_id)
        self.assertFalse(self.env["serial.audit.line"].verify_chain())
        # nothing in the hashed rows names the person
        self.env.cr.execute(
            "SELECT row_to_json(line)::text FROM serial_audit_line line "
            "WHERE lot_id = %s",
            [self.lots[2].id],
        )
        for (row,) in self.env.cr.fetchall():
            self.assertNotIn("Alice", row)
            self.assertNotIn("alice.martin", row)

    def test_partner_reference_cannot_be_deleted(self):
        self._deliver(self.lots[0], self.alice)
        ref = self._sale_line(self.lots[0]).partner_ref_id
        self.assertEqual(ref.partner_id, self.alice)
        with self.assertRefused("cannot be deleted"):
            ref.unlink()
        self.assertTrue(ref.exists())


@tagged("post_install", "-at_install")
class TestSerialAuditDeletionOverRpc(SerialDataMixin, HttpCase):
    """Deleting a till or a user named in the history, from the web client: Odoo's
    clear refusal (archive it instead), not a raw database error."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.stock_location = cls.env.ref("stock.warehouse0").lot_stock_id
        cls.phone = cls._create_serial_product("Privacy Phone", "PRIVPH")
        cls.lot = cls._receive_serials(cls.phone, ["PRIV-RPC-1"])

    def _unlink_over_rpc(self, records):
        self.authenticate("admin", "admin")
        payload = {
            "jsonrpc": "2.0",
            "method": "call",
            "id": 1,
            "params": {
                "model": records._name,
                "method": "unlink",
                "args": [records.ids],
                "kwargs": {},
            },
        }
        with mute_logger("odoo.http", "odoo.sql_db"):
            response = self.url_open(
                f"/web/dataset/call_kw/{records._name}/unlink",
                data=json.dumps(payload),
                headers={"Content-Type": "application/json"},
            )
        return response.json()["error"]["data"]

    def test_deleting_a_till_or_user_in_the_history_is_refused_clearly(self):
        till = self.env["pos.config"].create({"name": "Privacy Till"})
        cashier = self._create_user("privacy_cashier", "base.group_user")
        self.lot.with_user(cashier).sudo()._apply_serial_events(
            [
                {
                    "lot": self.lot,
                    "event": "blocked_sale",
                    "pos_config_id": till.id,
                    "reference": till.name,
                }
            ]
        )
        for records in (till, cashier):
            with self.subTest(model=records._name):
                error = self._unlink_over_rpc(records)
                self.assertEqual(error["name"], "odoo.exceptions.ValidationError")
                self.assertIn("archive it instead", error["message"])
                self.assertIn("Serial Audit Line", error["message"])
                self.assertTrue(records.exists())
        self.assertFalse(self.env["serial.audit.line"].verify_chain())
