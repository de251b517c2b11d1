from lxml import etree

from odoo.exceptions import AccessError

from .common import SerialTrackingCommon


class TestSerialIntegrityRun(SerialTrackingCommon):
    """Each Verify Integrity run is kept: who, when, the lines checked and the verdict,
    listed for the auditors of its company, read-only for everyone."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.lots = cls._receive_serials(cls.phone, ["R-1", "R-2"])
        cls.lots[0]._apply_serial_events([{"lot": cls.lots[0], "event": "sold"}])
        cls.verify = cls.env.ref("pos_serial_tracking.serial_audit_line_action_verify")
        cls.runs = cls.env.ref("pos_serial_tracking.serial_integrity_run_action")

    def _verify(self, user):
        """Audit > Verify Integrity, as the menu runs it."""
        return self.verify.with_user(user).run()

    def _listed(self, user):
        """Audit > Integrity Runs as the web client loads it: the list view's
        fields, read as `user`."""
        Run = self.env[self.runs.res_model].with_user(user)
        views = Run.get_views([(False, "list")])
        arch = etree.fromstring(views["views"]["list"]["arch"])
        names = [field.get("name") for field in arch.iter("field")]
        return Run.web_search_read([], {name: {} for name in names}, order="id")[
            "records"
        ]

    def _company_lines(self, company):
        return self.env["serial.audit.line"].search_count(
            [("company_id", "=", company.id)]
        )

    def test_auditor_runs_and_reads_the_verdict(self):
        action = self._verify(self.serial_auditor)
        self.assertEqual(action["tag"], "display_notification")
        self.assertIn("Integrity Runs", action["params"]["message"])
        (run,) = self._listed(self.serial_auditor)
        self.assertEqual(run["verdict"], "intact")
        self.assertEqual(run["line_count"], self._company_lines(self.env.company))
        self.assertGreater(run["line_count"], 2)  # R-1 received and sold, R-2 received
        self.assertEqual(run["serial_count"], 2)
        self.assertEqual(run["user_id"], self.serial_auditor.id)
        self.assertFalse(run["broken_line_id"])
        menu = self.env.ref("pos_serial_tracking.serial_integrity_run_menu")
        Menu = self.env["ir.ui.menu"]
        self.assertIn(menu.id, Menu.with_user(self.serial_auditor)._visible_menu_ids())
        self.assertIn(menu.id, Menu.with_user(self.serial_manager)._visible_menu_ids())
        self.assertNotIn(menu.id, Menu.with_user(self.serial_user)._visible_menu_ids())

    def test_broken_history_run_names_the_first_broken_line(self):
        sold = self.lots[0].audit_line_ids.sorted("chain_index")[-1]
        self._with_trigger_disabled(
            "UPDATE serial_audit_line SET note = 'rewritten' WHERE id = %s", [sold.id]
        )
        action = self._verify(self.serial_auditor)
        self.assertEqual(action["res_model"], "serial.audit.line")
        (run,) = self._listed(self.serial_auditor)
        self.assertEqual(run["verdict"], "broken")
        self.assertEqual(run["broken_line_id"], sold.id)
        record = self.env["serial.integrity.run"].with_user(self.serial_auditor)
        self.assertIn(
            "was changed after it was written", record.browse(run["id"]).problems
        )

    def test_runs_are_read_only_for_everyone(self):
        self._verify(self.serial_manager)
        for user in (self.serial_auditor, self.serial_manager):
            run = self.env["serial.integrity.run"].with_user(user).search([])
            self.assertEqual(len(run), 1)
            with self.subTest(user=user.login):
                with self.assertRaises(AccessError):
                    run.write({"verdict": "broken"})
                with self.assertRaises(AccessError):
                    run.unlink()
                with self.assertRaises(AccessError):
                    run.create(
                        {
                            "user_id": user.id,
                            "company_id": self.env.company.id,
                            "verdict": "intact",
                        }
                    )

    def test_serial_user_cannot_run_or_read(self):
        with self.assertRaises(AccessError):
            self._verify(self.serial_user)
        with self.assertRaises(AccessError):
            self.env["serial.audit.line"].with_user(
                self.serial_user
            ).action_verify_chain()
        with self.assertRaises(AccessError):
            self.env["serial.integrity.run"].with_user(self.serial_user).search([])
        self.assertFalse(self.env["serial.integrity.run"].search([]))

    def test_another_company_sees_its_own_runs_only(self):
        company_b, stock_b = self._create_company_with_stock("Integrity Co B")
        product_b = self._create_serial_product(
            "Phone B", "PB", company_id=company_b.id
        )
        self._receive_serials(product_b, ["RB-1"], stock_b)
        auditor_b = self._create_user(
            "auditor_run_b", "pos_serial_tracking.group_serial_auditor"
        )
        auditor_b.write(
            {"company_ids": [(6, 0, company_b.ids)], "company_id": company_b.id}
        )
        self._verify(self.serial_auditor)
        self.assertEqual(self._listed(auditor_b), [])
        self._verify(auditor_b)
        (run_b,) = self._listed(auditor_b)
        self.assertEqual(run_b["line_count"], self._company_lines(company_b))
        self.assertEqual(run_b["serial_count"], 1)
        (run_a,) = self._listed(self.serial_auditor)
        Run = self.env["serial.integrity.run"]
        self.assertEqual(Run.browse(run_b["id"]).company_id, company_b)
        self.assertEqual(Run.browse(run_a["id"]).company_id, self.env.company)

    def test_fingerprint_check_is_primary_once_pasted(self):
        Check = self.env["serial.fingerprint.check"].with_user(self.serial_auditor)
        arch = etree.fromstring(
            Check.get_views([(False, "form")])["views"]["form"]["arch"]
        )
        primary = {
            button.get("name"): button.get("invisible")
            for button in arch.iter("button")
            if "btn-primary" in (button.get("class") or "")
        }
        # one primary button at a time: Get without a fingerprint, Check with one
        self.assertEqual(
            primary,
            {"action_take": "fingerprint", "action_check": "not fingerprint"},
        )
