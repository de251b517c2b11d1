from odoo.exceptions import AccessError, UserError

from .common import SerialTrackingCommon


class TestSerialRoles(SerialTrackingCommon):
    """What each role may and may not do with serials and their history."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.lot = cls._receive_serials(cls.phone, ["P1-ROLE1"])
        cls.cashier = cls._create_user(
            "cashier_r", "base.group_user", "point_of_sale.group_pos_user"
        )

    def test_serial_user_reads_and_registers(self):
        Lot = self.env["stock.lot"].with_user(self.serial_user)
        lot = Lot.create({"name": "P1-ROLE2", "product_id": self.phone.id})
        self.assertEqual(lot.audit_line_ids.mapped("event"), ["registered"])
        self.assertEqual(lot.audit_line_ids.user_id, self.serial_user)
        history = self.lot.with_user(self.serial_user).audit_line_ids
        self.assertEqual(history.mapped("event"), ["received", "registered"])

    def test_serial_user_cannot_mark_or_write_state(self):
        lot = self.lot.with_user(self.serial_user)
        with self.assertRefused("Only Serial Managers", exception=AccessError):
            lot._mark_serial_state("marked_lost", "gone")
        with self.assertRefused("changes only through its operations"):
            lot.write({"serial_state": "lost"})
        with self.assertRaises(AccessError):
            self.env["serial.state.change"].with_user(self.serial_user).create(
                {"lot_ids": [(6, 0, lot.ids)], "event": "marked_lost", "reason": "x"}
            )
        with self.assertRaises(AccessError):
            self.env["serial.audit.line"].with_user(
                self.serial_user
            ).action_verify_chain()
        self.assertEqual(self.lot.serial_state, "in_stock")

    def test_serial_manager_marks_with_the_wizard(self):
        wizard = (
            self.env["serial.state.change"]
            .with_user(self.serial_manager)
            .create(
                {
                    "lot_ids": [(6, 0, self.lot.ids)],
                    "event": "marked_stolen",
                    "reason": "Robbery",
                }
            )
        )
        wizard.action_confirm()
        self.assertEqual(self.lot.serial_state, "stolen")
        line = self.lot.audit_line_ids.sorted("chain_index")[-1]
        self.assertEqual(
            (line.event, line.user_id, line.note),
            ("marked_stolen", self.serial_manager, "Robbery"),
        )
        result = (
            self.env["serial.audit.line"]
            .with_user(self.serial_manager)
            .action_verify_chain()
        )
        self.assertEqual(result["params"]["type"], "success")

    def test_auditor_reads_everything_changes_nothing(self):
        auditor = self.serial_auditor
        self.assertEqual(
            self.lot.with_user(auditor).audit_line_ids.mapped("event"),
            ["received", "registered"],
        )
        self.assertTrue(
            self.env["stock.lot"].with_user(auditor).search([("id", "=", self.lot.id)])
        )
        with self.assertRaises(AccessError):
            self.env["stock.lot"].with_user(auditor).create(
                {"name": "P1-AUD9", "product_id": self.phone.id}
            )
        with self.assertRaises(AccessError):
            self.lot.with_user(auditor).write({"ref": "changed"})
        with self.assertRefused("Only Serial Managers", exception=AccessError):
            self.lot.with_user(auditor)._mark_serial_state("marked_lost", "x")
        result = self.env["serial.audit.line"].with_user(auditor).action_verify_chain()
        self.assertEqual(result["params"]["type"], "success")

    def test_cashier_has_no_direct_access(self):
        with self.assertRaises(AccessError):
            self.env["serial.audit.line"].with_user(self.cashier).search([])
        with self.assertRaises(UserError):
            self.lot.with_user(self.cashier).write({"serial_state": "sold"})
        with self.assertRaises(AccessError):
            self.lot.with_user(self.cashier)._mark_serial_state("marked_lost", "x")

    def test_multi_company_history_is_separated(self):
        other_company = self.env["res.company"].create({"name": "Branch B"})
        other_phone = self._create_serial_product(
            "Phone B", "PB", company_id=other_company.id
        )
        other_lot = (
            self.env["stock.lot"]
            .with_company(other_company)
            .create(
                {
                    "name": "PB-1",
                    "product_id": other_phone.id,
                    "company_id": other_company.id,
                }
            )
        )
        self.assertEqual(other_lot.audit_line_ids.company_id, other_company)
        visible = (
            self.env["serial.audit.line"]
            .with_user(self.serial_auditor)
            .search([("lot_name", "in", ["PB-1", "P1-ROLE1"])])
        )
        self.assertEqual(set(visible.mapped("lot_name")), {"P1-ROLE1"})
        self.serial_auditor.write({"company_ids": [(4, other_company.id)]})
        visible = (
            self.env["serial.audit.line"]
            .with_user(self.serial_auditor)
            .with_context(allowed_company_ids=[self.env.company.id, other_company.id])
            .search([("lot_name", "in", ["PB-1", "P1-ROLE1"])])
        )
        self.assertEqual(set(visible.mapped("lot_name")), {"P1-ROLE1", "PB-1"})
