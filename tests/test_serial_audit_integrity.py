from odoo.api import call_kw
from odoo.exceptions import AccessError
from odoo.tools import SQL

from odoo.addons.pos_serial_tracking.tools import serial_audit_hash as chain

from .common import SerialTrackingCommon

# every character json.dumps escapes, and some it does not
CHANGED = "was changed after it was written"
AWKWARD = 'quote " backslash \\ newline \n tab \t \x01 \x1f \x7f é 📦 \u2028 end'


class TestSerialAuditIntegrity(SerialTrackingCommon):
    """The chains verified in PostgreSQL find what the walk in Python found: a changed
    field, a removed or reordered line, a changed hash, a chain shorter than its
    head."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.lots = cls._receive_serials(cls.phone, ["I-1", "I-2"])
        cls.lots[0]._apply_serial_events([{"lot": cls.lots[0], "event": "sold"}])
        cls.lines = cls.lots[0].audit_line_ids.sorted("chain_index")

    def _problems(self, limit=20):
        return [
            (problem.line_id, problem.reason)
            for problem in self.env["serial.audit.line"]._find_chain_problems(limit)
        ]

    @staticmethod
    def _gap(line):
        return (
            f"line {line.id} of serial I-1 follows a gap: the line before it was "
            "removed or changed"
        )

    def test_database_hashes_rows_as_python_does(self):
        """Whatever the texts hold, PostgreSQL's canonical JSON is Python's."""
        lot = self.lots[1]
        lot._apply_serial_events(
            [
                {
                    "lot": lot,
                    "event": "marked_lost",
                    "note": AWKWARD,
                    "reference": 'R"1\\',
                }
            ]
        )
        line = lot.audit_line_ids.sorted("chain_index")[-1]
        self.assertEqual(line.note, AWKWARD)
        self.env.cr.execute(
            SQL(
                "SELECT %s, hash FROM serial_audit_line line WHERE id = %s",
                chain.digest_sql("line"),
                line.id,
            )
        )
        digest, stored = self.env.cr.fetchone()
        self.assertEqual(digest, stored)
        self.assertFalse(self.env["serial.audit.line"].verify_chain())
        # one escaped character changed is found
        self._with_trigger_disabled(
            "UPDATE serial_audit_line SET note = %s WHERE id = %s",
            [AWKWARD.replace("\x01", "\x02"), line.id],
        )
        self.assertEqual(self.env["serial.audit.line"].verify_chain(), line)

    def test_reordered_lines_detected(self):
        received, sold = self.lines[1], self.lines[2]
        for line, index in ((received, 99), (sold, 2), (received, 3)):
            self._with_trigger_disabled(
                "UPDATE serial_audit_line SET chain_index = %s WHERE id = %s",
                [index, line.id],
            )
        self.assertEqual(self.env["serial.audit.line"].verify_chain(), sold)
        self.assertIn(
            (sold.id, self._gap(sold)),
            self._problems(),
        )

    def test_changed_hash_detected_there_and_at_the_next_line(self):
        received, sold = self.lines[1], self.lines[2]
        self._with_trigger_disabled(
            "UPDATE serial_audit_line SET hash = %s WHERE id = %s",
            ["0" * 64, received.id],
        )
        self.assertEqual(
            self._problems(),
            [
                (received.id, f"line {received.id} of serial I-1 {CHANGED}"),
                (sold.id, self._gap(sold)),
            ],
        )

    def test_changed_last_hash_is_changed_and_off_its_head(self):
        """As the walk said: the line's hash no longer matches it, nor its head."""
        sold = self.lines[2]
        self._with_trigger_disabled(
            "UPDATE serial_audit_line SET hash = %s WHERE id = %s", ["1" * 64, sold.id]
        )
        self.assertEqual(
            self._problems(),
            [
                (sold.id, f"line {sold.id} of serial I-1 {CHANGED}"),
                (
                    sold.id,
                    (
                        "serial I-1 records 3 events but its history ends at event 3: "
                        "lines after it were removed or changed"
                    ),
                ),
            ],
        )

    def test_chain_shorter_than_its_head_detected(self):
        received, sold = self.lines[1], self.lines[2]
        self._with_trigger_disabled(
            "DELETE FROM serial_audit_line WHERE id = %s", [sold.id]
        )
        self.assertEqual(
            self._problems(),
            [
                (
                    received.id,
                    (
                        "serial I-1 records 3 events but its history ends at event 2: "
                        "lines after it were removed or changed"
                    ),
                )
            ],
        )

    def test_problems_in_chain_order_and_limited(self):
        first = self.lots[1].audit_line_ids.sorted("chain_index")[0]
        for line in (self.lines[2], first, self.lines[0]):
            self._with_trigger_disabled(
                "UPDATE serial_audit_line SET note = 'edited' WHERE id = %s",
                [line.id],
            )
        found = [line_id for line_id, _reason in self._problems()]
        self.assertEqual(found, [self.lines[0].id, self.lines[2].id, first.id])
        self.assertEqual(
            [line_id for line_id, _reason in self._problems(limit=2)], found[:2]
        )
        self.assertEqual(self.env["serial.audit.line"].verify_chain(), self.lines[0])


class TestSerialLedgerFingerprint(SerialTrackingCommon):
    """A fingerprint kept outside the database tells a rewound, truncated or
    rewritten history from normal new events."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.lots = cls._receive_serials(cls.phone, ["F-1", "F-2", "F-3"])
        cls.Line = cls.env["serial.audit.line"]

    def _fingerprint(self, user=None):
        return self.Line.with_user(user or self.serial_auditor).ledger_fingerprint()

    def _verify(self, fingerprint, user=None):
        return self.Line.with_user(user or self.serial_auditor).verify_fingerprint(
            fingerprint
        )

    def _rewind(self, lot):
        """A superuser removes the serial's last line and sets its head back on the
        line before, by SQL: the chain itself then looks intact."""
        lines = lot.audit_line_ids.sorted("chain_index")
        self._with_trigger_disabled(
            "DELETE FROM serial_audit_line WHERE id = %s", [lines[-1].id]
        )
        self._sql(
            "UPDATE serial_audit_head SET length = %s, hash = %s WHERE lot_id = %s",
            [lines[-2].chain_index, lines[-2].hash, lot.id],
        )

    def test_fingerprint_verifies_after_normal_events(self):
        fingerprint = self._fingerprint()
        self.assertRegex(fingerprint, r"^pst1:\d{8}T\d{6}Z:\d+:\d+:\d+:[0-9a-f]{64}$")
        self.lots[0].with_user(self.serial_manager)._mark_serial_state(
            "marked_lost", "left on the counter"
        )
        self._receive_serials(self.phone, ["F-4"])
        result = self._verify(fingerprint)
        self.assertTrue(result["ok"], result["message"])
        self.assertRegex(
            result["message"],
            r"^Fingerprint verified: the \d+ serial histories as they stood on .* are "
            r"unchanged\. Events recorded since are not covered",
        )
        # the new events are covered by the next fingerprint
        self.assertNotEqual(self._fingerprint(), fingerprint)
        self.assertTrue(self._verify(self._fingerprint())["ok"])

    def test_rewound_history_no_longer_verifies(self):
        fingerprint = self._fingerprint()
        self._rewind(self.lots[1])
        # the chains alone no longer show it: the head was set back too
        self.assertFalse(self.Line.verify_chain())
        result = self._verify(fingerprint)
        self.assertFalse(result["ok"])
        self.assertRegex(
            result["message"],
            r"^Fingerprint NOT verified: the ledger was changed after .*: of its \d+ "
            r"serial histories, at least one no longer ends where it did\. A history "
            r"was rewound, truncated or rewritten",
        )
        # events recorded after the rewind do not hide it
        self.lots[1].with_user(self.serial_manager)._mark_serial_state(
            "marked_lost", "after the rewind"
        )
        self.assertFalse(self._verify(fingerprint)["ok"])

    def test_removed_history_no_longer_verifies(self):
        """A superuser deletes a serial's whole history and its head."""
        fingerprint = self._fingerprint()
        chains = int(fingerprint.split(":")[4])
        lot = self.lots[2]
        self._with_trigger_disabled(
            "DELETE FROM serial_audit_line WHERE lot_id = %s", [lot.id]
        )
        self._sql("DELETE FROM serial_audit_head WHERE lot_id = %s", [lot.id])
        self.assertFalse(self.Line.verify_chain())
        result = self._verify(fingerprint)
        self.assertFalse(result["ok"])
        self.assertIn(
            f"it covered {chains} serial histories, {chains - 1} remain",
            result["message"],
        )

    def test_rewritten_history_with_recomputed_hashes_no_longer_verifies(self):
        """Someone who can recompute hashes rewrites a line and every hash after it
        and the head: the chains verify, the fingerprint does not."""
        lot = self.lots[0]
        lot._apply_serial_events([{"lot": lot, "event": "sold"}])
        fingerprint = self._fingerprint()
        lines = lot.audit_line_ids.sorted("chain_index")
        previous = lines[0].hash
        for line in lines[1:]:
            row = {}
            for name in chain.STORED_FIELDS:
                field, value = self.Line._fields[name], line[name]
                if field.type == "many2one":
                    value = value.id
                elif field.type == "datetime":
                    value = field.to_string(value)
                row[name] = value or None
            if line.event == "received":
                row["note"] = "received from elsewhere"
            digest = chain.hash_row(previous, row)
            self._with_trigger_disabled(
                "UPDATE serial_audit_line SET note = %s, previous_hash = %s, "
                "hash = %s WHERE id = %s",
                [row["note"], previous, digest, line.id],
            )
            previous = digest
        self._sql(
            "UPDATE serial_audit_head SET hash = %s WHERE lot_id = %s",
            [previous, lot.id],
        )
        self.assertFalse(self.Line.verify_chain())
        self.assertFalse(self._verify(fingerprint)["ok"])

    def test_malformed_or_edited_fingerprint(self):
        fingerprint = self._fingerprint()
        for text in (
            "",
            False,
            "hello",
            fingerprint[:-1],
            fingerprint.replace("pst1", "pst9"),
            fingerprint.replace("T", "X", 1),
        ):
            with self.subTest(text=text):
                result = self._verify(text)
                self.assertFalse(result["ok"])
                self.assertRegex(
                    result["message"],
                    r"^This is not a ledger fingerprint: expected pst1:.* Copy the "
                    r"whole fingerprint you kept",
                )
        # well formed but edited by hand: its seal no longer matches
        version, when, line, companies, chains, digest = fingerprint.split(":")
        for edited in (
            f"{version}:{when}:{int(line) + 1}:{companies}:{chains}:{digest}",
            f"{version}:{when}:{line}:{companies}:{int(chains) + 1}:{digest}",
            f"{version}:20200101T000000Z:{line}:{companies}:{chains}:{digest}",
        ):
            with self.subTest(edited=edited):
                self.assertFalse(self._verify(edited)["ok"])
        # surrounding blanks, as pasted, are fine
        self.assertTrue(self._verify(f"  {fingerprint}\n")["ok"])

    def test_auditors_and_managers_only(self):
        cashier = self._create_user(
            "cashier_f", "base.group_user", "point_of_sale.group_pos_user"
        )
        fingerprint = self._fingerprint()
        for user in (cashier, self.serial_user):
            with self.subTest(user=user.login):
                with self.assertRaises(AccessError):
                    self._fingerprint(user)
                with self.assertRaises(AccessError):
                    self._verify(fingerprint, user)
        # over RPC: a string, then a dict
        manager_env = self.Line.with_user(self.serial_manager)
        kept = call_kw(manager_env, "ledger_fingerprint", [], {})
        self.assertIsInstance(kept, str)
        self.assertEqual(
            call_kw(manager_env, "verify_fingerprint", [kept], {})["ok"], True
        )

    def test_another_company(self):
        company_b, stock_b = self._create_company_with_stock("Fingerprint Co B")
        product_b = self._create_serial_product(
            "Phone B", "PB", company_id=company_b.id
        )
        lots_b = self._receive_serials(product_b, ["FB-1", "FB-2"], stock_b)
        auditor_b = self._create_user(
            "auditor_b", "pos_serial_tracking.group_serial_auditor"
        )
        auditor_b.write(
            {"company_ids": [(6, 0, company_b.ids)], "company_id": company_b.id}
        )
        fingerprint_a = self._fingerprint()
        fingerprint_b = self._fingerprint(auditor_b)
        self.assertEqual(fingerprint_b.split(":")[3], str(company_b.id))
        self.assertEqual(fingerprint_b.split(":")[4], "2")
        self.assertNotIn(str(company_b.id), fingerprint_a.split(":")[3].split("-"))
        with self.assertRaisesRegex(AccessError, "companies you have no access to"):
            self._verify(fingerprint_a, auditor_b)
        # a rewind in company B breaks B's fingerprint, not A's
        self._rewind(lots_b[0])
        self.assertFalse(self._verify(fingerprint_b, auditor_b)["ok"])
        self.assertTrue(self._verify(fingerprint_a)["ok"])

    def test_wizard_gets_and_checks_a_fingerprint(self):
        action = self.env.ref("pos_serial_tracking.serial_fingerprint_check_action")
        wizard = self.env[action.res_model].with_user(self.serial_auditor).create({})
        wizard.action_take()
        self.assertEqual(wizard.state, "taken")
        self.assertIn("keep it outside Odoo", wizard.verdict)
        kept = wizard.fingerprint
        wizard.action_check()
        self.assertEqual(wizard.state, "intact")
        self.assertTrue(wizard.verdict.startswith("Fingerprint verified"))
        self._rewind(self.lots[0])
        check = (
            self.env[action.res_model]
            .with_user(self.serial_auditor)
            .create({"fingerprint": kept})
        )
        check.action_check()
        self.assertEqual(check.state, "broken")
        self.assertTrue(check.verdict.startswith("Fingerprint NOT verified"))
        menu = self.env.ref("pos_serial_tracking.serial_fingerprint_check_menu")
        visible = self.env["ir.ui.menu"].with_user(self.serial_user)._visible_menu_ids()
        self.assertNotIn(menu.id, visible)
