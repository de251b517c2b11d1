import psycopg2
import psycopg2.errors

from odoo.api import call_kw
from odoo.exceptions import AccessError, UserError
from odoo.tools import mute_logger

from odoo.addons.pos_serial_tracking.tools.serial_audit_hash import (
    STORED_FIELDS,
    hash_row,
)

from .common import SerialTrackingCommon


class TestSerialAuditLine(SerialTrackingCommon):
    """The history is append-only for everyone and tampering is detected."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.lots = cls._receive_serials(cls.phone, ["P1-A1", "P1-A2", "P1-A3"])
        cls.lots[1]._apply_serial_events([{"lot": cls.lots[1], "event": "sold"}])
        cls.lot = cls.lots[1]
        cls.line = cls.lot.audit_line_ids.sorted("chain_index")[1]  # "received"

    def test_chain_links_and_hashes(self):
        lines = self.lot.audit_line_ids.sorted("chain_index")
        self.assertEqual(lines.mapped("event"), ["registered", "received", "sold"])
        self.assertEqual(lines.mapped("chain_index"), [1, 2, 3])
        self.assertFalse(lines[0].previous_hash)
        self.assertEqual(lines[1].previous_hash, lines[0].hash)
        self.assertEqual(lines[2].previous_hash, lines[1].hash)
        self.assertEqual(len(set(lines.mapped("hash"))), 3)
        self.assertFalse(self.env["serial.audit.line"].verify_chain())
        self.assertIs(
            call_kw(self.env["serial.audit.line"], "verify_chain", [], {}), False
        )

    def test_orm_write_and_unlink_refused_for_admin_and_superuser(self):
        for env in (self.env, self.env(su=True)):
            line = self.line.with_env(env)
            with self.assertRefused("cannot be changed"):
                line.write({"note": "rewritten"})
            with self.assertRefused("cannot be deleted"):
                line.unlink()
            with self.assertRefused("written by the serial operations"):
                env["serial.audit.line"].create(
                    {"lot_id": self.lot.id, "event": "sold"}
                )
        self.assertEqual(self.line.event, "received")

    def test_users_have_read_only_access(self):
        for user in (self.serial_user, self.serial_manager, self.serial_auditor):
            line = self.line.with_user(user)
            self.assertEqual(line.read(["event"])[0]["event"], "received")
            with self.assertRaises(UserError):  # AccessError or the append-only refusal
                line.write({"note": "x"})
            with self.assertRaises(AccessError):
                self.env["serial.audit.line"].with_user(user).check_access("write")
            with self.assertRaises(AccessError):
                self.env["serial.audit.line"].with_user(user).check_access("unlink")

    @mute_logger("odoo.sql_db")
    def test_sql_update_delete_truncate_refused_by_trigger(self):
        for query in (
            "UPDATE serial_audit_line SET note = 'x' WHERE id = %s",
            "DELETE FROM serial_audit_line WHERE id = %s",
            "TRUNCATE serial_audit_line CASCADE",
        ):
            with (
                self.subTest(query=query),
                self.assertRaises(psycopg2.Error) as caught,
                self.env.cr.savepoint(),
            ):
                self.env.cr.execute(query, [self.line.id])
            self.assertIn("append-only", str(caught.exception))
        self.assertEqual(self.line.note, False)

    def test_changed_row_detected(self):
        customer_ref = self.env["serial.partner.ref"]._ref_ids([self.customer.id])
        self._with_trigger_disabled(
            "UPDATE serial_audit_line SET partner_ref_id = %s WHERE id = %s",
            [customer_ref[self.customer.id], self.line.id],
        )
        self.assertEqual(self.env["serial.audit.line"].verify_chain(), self.line)
        # over RPC, the line's id
        self.assertEqual(
            call_kw(self.env["serial.audit.line"], "verify_chain", [], {}), self.line.id
        )

    def test_changed_row_with_recomputed_hash_detected_at_next_row(self):
        """Someone rewrites a row and its hash: the next row no longer links to it."""
        audit = self.env["serial.audit.line"]
        fields_ = audit._fields
        row = {}
        for name in STORED_FIELDS:  # the locations too: the line is a receipt
            value = self.line[name]
            if fields_[name].type == "many2one":
                value = value.id or None
            elif fields_[name].type == "datetime":
                value = fields_[name].to_string(value)
            row[name] = value or None
        row["new_state"] = "returned"
        forged = hash_row(self.line.previous_hash, row)
        self._with_trigger_disabled(
            "UPDATE serial_audit_line SET new_state = 'returned', hash = %s WHERE id = "
            "%s",
            [forged, self.line.id],
        )
        next_line = self.lot.audit_line_ids.sorted("chain_index")[2]
        self.assertEqual(audit.verify_chain(), next_line)

    def test_removed_row_detected(self):
        next_line = self.lot.audit_line_ids.sorted("chain_index")[2]
        self._with_trigger_disabled(
            "DELETE FROM serial_audit_line WHERE id = %s", [self.line.id]
        )
        self.assertEqual(self.env["serial.audit.line"].verify_chain(), next_line)

    def test_removed_last_row_detected(self):
        lines = self.lot.audit_line_ids.sorted("chain_index")
        self._with_trigger_disabled(
            "DELETE FROM serial_audit_line WHERE id = %s", [lines[2].id]
        )
        self.assertEqual(self.env["serial.audit.line"].verify_chain(), lines[1])

    def test_auditor_runs_the_check_from_the_menu(self):
        action = self.env.ref("pos_serial_tracking.serial_audit_line_action_verify")
        result = action.with_user(self.serial_auditor).run()
        self.assertEqual(result["params"]["type"], "success")
        self.assertIn("every hash matches", result["params"]["message"])
        self._with_trigger_disabled(
            "UPDATE serial_audit_line SET note = 'edited' WHERE id = %s", [self.line.id]
        )
        result = action.with_user(self.serial_auditor).run()
        self.assertEqual(result["res_model"], "serial.audit.line")
        self.assertEqual(result["domain"], [("id", "in", [self.line.id])])
        self.assertIn("was changed after it was written", result["help"])

    def test_check_refused_to_plain_users(self):
        cashier = self._create_user(
            "cashier_a", "base.group_user", "point_of_sale.group_pos_user"
        )
        with self.assertRaises(AccessError):
            self.env["serial.audit.line"].with_user(cashier).action_verify_chain()
        with self.assertRaises(AccessError):
            self.env["serial.audit.line"].with_user(
                self.serial_user
            ).action_verify_chain()

    def test_lot_with_history_cannot_be_deleted(self):
        # its audit lines and quants refer to the lot with ON DELETE RESTRICT
        with (
            self.assertRaises(psycopg2.errors.ForeignKeyViolation),
            mute_logger("odoo.sql_db"),
            self.env.cr.savepoint(),
        ):
            self.lots[0].unlink()
            self.env.flush_all()
        self.assertTrue(self.lots[0].exists())
