import base64

from lxml import etree

from odoo import Command
from odoo.exceptions import AccessError

from .common import SerialPosSyncCommon
from .role_web_client import RoleWebClientMixin

# refunding a conflicting unit makes a POS order: shown only with Point of Sale rights
REFUND = ("serial.conflict", "action_refund", "Refund")
# buttons shown only for records of other apps that these tests do not build:
# sale_stock's sale orders that delivered a unit, repair's repairs that used the unit
# as a spare part
NO_RECORD_FOR = {
    ("stock.lot", "action_view_so", ""),
    ("stock.lot", "action_view_ro", ""),
}


class TestSerialRoleMenus(RoleWebClientMixin, SerialPosSyncCommon):
    """Each role opens every Serials menu it sees, reads the records with the views'
    own fields and presses every button it is shown, with its own rights only."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        env = cls.env
        cls.serial_user = cls._create_user(
            "menu_serial_user",
            "base.group_user",
            "pos_serial_tracking.group_serial_user",
        )
        cls.serial_manager = cls._create_user(
            "menu_serial_manager",
            "base.group_user",
            "pos_serial_tracking.group_serial_manager",
        )
        cls.auditor = cls._create_user(
            "menu_serial_auditor",
            "base.group_user",
            "pos_serial_tracking.group_serial_auditor",
        )
        cls.pos_manager = cls._create_user(
            "menu_pos_manager", "base.group_user", "point_of_sale.group_pos_manager"
        )
        for user in (cls.serial_user, cls.serial_manager, cls.auditor, cls.pos_manager):
            user.write(
                {
                    "company_id": env.company.id,
                    "company_ids": [Command.set(env.company.ids)],
                }
            )
        cls.customer = env["res.partner"].create(
            {"name": "Menu Customer", "email": "menu.customer@example.com"}
        )
        names = [f"MN-{n:04d}" for n in range(1, 9)]
        cls.lots = dict(zip(names, cls._receive_serials(cls.phone, names), strict=True))
        cls.lost = cls.lots["MN-0003"]
        cls.lost.with_user(cls.serial_manager)._mark_serial_state(
            "marked_lost", "Not on the shelf"
        )
        # a recalled unit in our hands, a sold one under the recall, an active recall
        cls.recall_phone = cls._create_serial_product(
            "Recall Phone",
            "RCM",
            list_price=100.0,
            taxes_id=[(5, 0, 0)],
            company_id=env.company.id,
        )
        cls.recalled_lots = cls._receive_serials(
            cls.recall_phone, ["RCM-0001", "RCM-0002"]
        )
        Recall = env["serial.recall"].with_user(cls.serial_manager)
        cls.draft_recall = Recall.create(
            {"reason": "Draft recall", "serial_ranges": "MN-0007"}
        )
        cls.recall = Recall.create(
            {"reason": "Battery", "product_ids": [Command.set(cls.recall_phone.ids)]}
        )
        cls.recall.action_locate()
        cls.recall.action_activate()
        cls.draft_recall.action_locate()
        # a repair of a unit (its form's repair buttons)
        env["repair.order"].create(
            {
                "product_id": cls.phone.id,
                "lot_id": cls.lots["MN-0005"].id,
                "partner_id": cls.customer.id,
            }
        )

    def setUp(self):
        super().setUp()
        self.open_new_session()
        # a sold unit and a conflict: the same serial sold twice
        self.sale = self._sync(self._order([(self.phone, ["MN-0002"])]))
        self.conflict_order = self._sync(
            self._order([(self.phone, ["MN-0002"])], customer=self.customer)
        )
        self.conflict = (
            self.env["serial.conflict"]
            .sudo()
            .search([("pos_order_id", "=", self.conflict_order.id)])
        )
        self.assertEqual(self.conflict.reason, "already_sold")
        # counts: one to compare, one compared
        location = self.stock_location
        Count = self.env["serial.count"].with_user(self.serial_user)
        self.draft_count = Count.create(
            {"location_id": location.id, "scanned_serials": "MN-0001\nMN-0004"}
        )
        self.compared_count = Count.create(
            {"location_id": location.id, "scanned_serials": "MN-0001"}
        )
        self.compared_count.action_compare()
        # an import batch that received its units, by the Serial User
        data = b"Serial,Product\nMN-0100,SYNC\nMN-0101,SYNC\n"
        wizard = (
            self.env["stock.lot.import"]
            .with_user(self.serial_user)
            .create(
                {
                    "file": base64.b64encode(data),
                    "filename": "serials.csv",
                    "location_id": location.id,
                }
            )
        )
        wizard.action_import()
        self.batch = wizard.batch_id
        self.assertEqual(self.batch.state, "done")

    def _wizard_input(self, model):
        return {
            "stock.lot.import": {
                "file": base64.b64encode(b"Serial,Product\nMN-0300,SYNC\n"),
                "filename": "menu.csv",
            },
            "serial.count.import": {
                "file": base64.b64encode(b"Serial\nMN-0001\n"),
                "filename": "count.csv",
            },
            "serial.state.change": {"reason": "Checked on the shelf"},
            "serial.conflict.resolve": {"lot_id": self.lots["MN-0006"].id},
            "serial.recall.close": {"reason": "Every customer was told"},
        }.get(model, {})

    def _assert_every_button_pressed(self, not_for_this_role=()):
        self.assertEqual(self.refusals, [], "a button shown should not be refused")
        self.assertFalse(
            self.hidden_buttons
            - self.seen_buttons
            - NO_RECORD_FOR
            - set(not_for_this_role),
            "every button shown should be pressed on a record where it is visible",
        )

    # --- roles -----------------------------------------------------------------------
    def test_serial_auditor_opens_everything_changes_nothing(self):
        auditor = self.auditor
        menus = self._open_every_menu(auditor)
        self.assertLessEqual(
            {
                "pos_serial_tracking.stock_lot_menu",
                "pos_serial_tracking.serial_prefix_summary_menu",
                "pos_serial_tracking.serial_audit_line_menu",
                "pos_serial_tracking.serial_conflict_menu",
                "pos_serial_tracking.serial_recall_menu",
                "pos_serial_tracking.serial_count_menu",
                "pos_serial_tracking.serial_loss_report_menu",
                "pos_serial_tracking.serial_fingerprint_check_menu",
                "pos_serial_tracking.product_template_serial_menu",
            },
            menus,
        )
        self.assertNotIn("pos_serial_tracking.stock_lot_import_menu", menus)
        self._assert_every_button_pressed(not_for_this_role=[REFUND])
        for button in (
            ("stock.lot", "action_view_audit_lines", "History"),
            ("stock.lot", "action_download_epcis", "EPCIS Export"),
            ("stock.lot", "action_lot_open_quants", ""),
            ("serial.recall", "action_view_lines", ""),
            ("stock.lot.import.batch", "action_view_lots", ""),
        ):
            self.assertIn(button, self.seen_buttons)
        self.assertFalse(
            {name for _model, name, _string in self.seen_buttons}
            & {"action_mark_lost", "action_accept", "action_compare", "action_apply"}
        )
        self.assertIn("pos_serial_tracking.report_stock_lot_certificate", self.rendered)
        # the dashboard, the history, the integrity check, EPCIS, the reports
        data = self._open_dashboard(auditor)
        self.assertEqual(data["lost"], 1)
        self.assertEqual(data["open_conflicts"], 1)
        self.assertTrue(data["can_print_reports"])
        sold = self.lots["MN-0002"].with_user(auditor)
        self.assertEqual(sold.serial_state, "sold")
        self.assertIn("sold", sold.audit_line_ids.mapped("event"))
        result = self.env["serial.audit.line"].with_user(auditor).action_verify_chain()
        self.assertEqual(result["params"]["type"], "success")
        document = sold.epcis_document()
        self.assertTrue(document["epcisBody"]["eventList"])
        Report = self.env["ir.actions.report"].with_user(auditor)
        for report, ids in (
            ("pos_serial_tracking.report_stock_lot_certificate", sold.ids),
            ("pos_serial_tracking.report_serial_recall_status", self.recall.ids),
        ):
            content, _kind = Report._render_qweb_pdf(report, ids)
            self.assertTrue(content)
        # the ledger fingerprint, the integrity and loss prevention reports
        check = self.env["serial.fingerprint.check"].with_user(auditor).create({})
        check.action_take()
        check.action_check()
        self.assertEqual(check.state, "intact")
        self._run_action(auditor, check.action_print_integrity_report(), check)
        loss = self.env["serial.loss.report"].with_user(auditor).create({})
        self._run_action(auditor, loss.action_print(), loss)
        self.assertLessEqual(
            {
                "pos_serial_tracking.report_serial_integrity",
                "pos_serial_tracking.report_serial_loss",
            },
            set(self.rendered),
        )
        # and changes nothing
        with self.assertRaises(AccessError):
            sold.write({"note": "tampered"})
        with self.assertRaises(AccessError):
            self.recall.with_user(auditor).write({"reason": "tampered"})
        with self.assertRaises(AccessError):
            self.draft_count.with_user(auditor).write({"scanned_serials": "MN-0009"})
        with self.assertRaises(AccessError):
            self.conflict.with_user(auditor).action_accept()
        with self.assertRaises(AccessError):
            self.env["stock.lot.import"].with_user(auditor).create({})
        self.assertEqual(self.conflict.state, "open")

    def test_serial_user_opens_searches_imports_counts(self):
        user = self.serial_user
        menus = self._open_every_menu(user)
        self.assertLessEqual(
            {
                "pos_serial_tracking.stock_lot_menu",
                "pos_serial_tracking.serial_prefix_summary_menu",
                "pos_serial_tracking.serial_count_menu",
                "pos_serial_tracking.stock_lot_import_menu",
                "pos_serial_tracking.product_template_serial_menu",
            },
            menus,
        )
        for manager_menu in (
            "pos_serial_tracking.serial_conflict_menu",
            "pos_serial_tracking.serial_warranty_outreach_menu",
            "pos_serial_tracking.serial_audit_line_verify_menu",
        ):
            self.assertNotIn(manager_menu, menus)
        self._assert_every_button_pressed()
        self.assertNotIn(
            ("stock.lot", "action_mark_lost", "Mark Lost"), self.seen_buttons
        )
        self.assertNotIn(("serial.count", "action_apply", "Apply"), self.seen_buttons)
        for button in (
            ("stock.lot.import", "action_read_file", "Next"),
            ("stock.lot.import", "action_dry_run", "Dry Run"),
            ("stock.lot.import", "action_import", "Import"),
            ("stock.lot.import", "action_download_template", "Download Template"),
            ("serial.count", "action_compare", "Compare"),
            ("serial.count.import", "action_import", "Import"),
        ):
            self.assertIn(button, self.seen_buttons)
        data = self._open_dashboard(user)
        self.assertIsNone(data["open_conflicts"])
        self.assertFalse(data["can_print_reports"])
        # search by range, import, count
        Lot = self.env["stock.lot"].with_user(user)
        found = Lot.search([("serial_range", "=", "MN-0002..MN-0004")])
        self.assertEqual(found.mapped("name"), ["MN-0002", "MN-0003", "MN-0004"])
        wizard = (
            self.env["stock.lot.import"]
            .with_user(user)
            .create(
                {
                    "file": base64.b64encode(b"Serial,Product\nMN-0200,SYNC\n"),
                    "filename": "more.csv",
                }
            )
        )
        wizard.action_import()
        self.assertTrue(Lot.search([("name", "=", "MN-0200")]))
        count = (
            self.env["serial.count"]
            .with_user(user)
            .create(
                {"location_id": self.stock_location.id, "scanned_serials": "MN-0001"}
            )
        )
        count.action_compare()
        self.assertEqual(count.state, "compared")
        # not the managers' buttons
        with self.assertRaises(AccessError):
            count.action_apply()
        with self.assertRaises(AccessError):
            self.lots["MN-0001"].with_user(user)._mark_serial_state("marked_lost", "x")
        with self.assertRaises(AccessError):
            self.recall.with_user(user).action_close()
        with self.assertRaises(AccessError):
            self.conflict.with_user(user).action_accept()

    def test_serial_manager_opens_and_presses_everything(self):
        manager = self.serial_manager
        menus = self._open_every_menu(manager)
        self.assertLessEqual(
            {
                "pos_serial_tracking.stock_lot_menu",
                "pos_serial_tracking.serial_conflict_menu",
                "pos_serial_tracking.serial_warranty_outreach_menu",
                "pos_serial_tracking.serial_recall_notice_menu",
                "pos_serial_tracking.serial_loss_report_menu",
            },
            menus,
        )
        # refunding a conflict makes a POS order: not without Point of Sale rights
        self._assert_every_button_pressed(not_for_this_role=[REFUND])
        self.assertNotIn(REFUND, self.seen_buttons)
        for button in (
            ("stock.lot", "action_mark_lost", "Mark Lost"),
            ("stock.lot", "action_mark_found", "Found"),
            ("stock.lot", "action_close_recall", "Close Recall"),
            ("serial.count", "action_apply", "Apply"),
            ("serial.recall", "action_send_notices", "Send Notices"),
            ("serial.conflict", "action_accept", "Accept Sale"),
            # the dialogs those buttons open
            ("serial.state.change", "action_confirm", "Confirm"),
            ("serial.conflict.resolve", "action_confirm", "Deliver with this serial"),
            ("serial.recall.close", "action_confirm", "Close the Recall"),
            ("serial.count.import", "action_import", "Import"),
            ("serial.fingerprint.check", "action_check", "Check Fingerprint"),
            ("serial.loss.report", "action_print", "Print"),
        ):
            self.assertIn(button, self.seen_buttons)
        data = self._open_dashboard(manager)
        self.assertEqual(data["open_conflicts"], 1)
        # with Point of Sale rights too, the Refund button is theirs
        cashier_manager = self._create_user(
            "menu_serial_manager_pos",
            "base.group_user",
            "pos_serial_tracking.group_serial_manager",
            "point_of_sale.group_pos_user",
        )
        self.assertFalse(self.conflict.with_user(manager).refund_allowed)
        self.assertTrue(self.conflict.with_user(cashier_manager).refund_allowed)
        self.assertFalse(self.conflict.with_user(self.auditor).refund_allowed)

    def test_pos_manager_sees_no_serials_app_but_opens_lots(self):
        """A POS manager (Inventory user by Odoo's design) has no Serials app; the lots
        of Inventory show them the addon's fields they may read."""
        user = self.pos_manager
        self.assertFalse(self._open_every_menu(user))
        self._reset()
        action = self.env.ref("stock.action_production_lot_form")
        self._load_action(user, f"ir.actions.act_window,{action.id}")
        self.assertNotIn(
            ("stock.lot", "action_mark_lost", "Mark Lost"), self.seen_buttons
        )
        self.assertNotIn(
            ("stock.lot", "action_view_audit_lines", "History"), self.seen_buttons
        )
        # their orders, the sold serial's among them (read, not pressed)
        orders = self.env.ref("point_of_sale.action_pos_pos_form")._get_action_dict()
        self._open_window_action(user, orders, follow=True)

    def test_other_company_sees_none_of_these_serials(self):
        other = self.env["res.company"].create({"name": "Menu Other Co"})
        for groups in (
            ("pos_serial_tracking.group_serial_auditor",),
            ("pos_serial_tracking.group_serial_user",),
        ):
            user = self._create_user(
                f"menu_other_{groups[0].rsplit('_', 1)[1]}", "base.group_user", *groups
            )
            user.write(
                {"company_id": other.id, "company_ids": [Command.set(other.ids)]}
            )
            Lot = self.env["stock.lot"].with_user(user).with_company(other)
            self.assertFalse(Lot.search([("name", "=like", "MN-%")]))
            self.assertFalse(
                self.env["serial.audit.line"]
                .with_user(user)
                .with_company(other)
                .search([("lot_name", "=like", "MN-%")])
            )
            self.assertFalse(
                self.env["serial.recall"].with_user(user).with_company(other).search([])
            )
            data = (
                self.env["serial.prefix.summary"]
                .with_user(user)
                .with_company(other)
                .retrieve_dashboard([])
            )
            self.assertEqual(data["lost"], 0)

    def test_product_form_labels_serial_format_and_warranty(self):
        """The product's serial format and warranty have their own labelled group, not
        a box inside the Track Inventory row, for the roles that read them."""
        for user in (self.serial_user, self.auditor):
            Product = self.env["product.template"].with_user(user)
            arch = etree.fromstring(
                Product.get_views([[False, "form"]])["views"]["form"]["arch"]
            )
            group = arch.xpath("//group[@name='serial_tracking']")
            self.assertEqual(len(group), 1, user.login)
            self.assertEqual(group[0].get("string"), "Serial Numbers")
            labels = [field.get("string") for field in group[0].iter("field")]
            self.assertEqual(labels, ["Serial Format", "Warranty Months"])
            row = arch.xpath("//field[@name='is_storable']/..")[0]
            self.assertFalse(row.xpath(".//field[@name='serial_format']"))
            values = Product.browse(self.phone.product_tmpl_id.id).web_read(
                {"serial_format": {}, "warranty_months": {}}
            )
            self.assertIn("warranty_months", values[0])

    def test_lot_form_shows_inventory_values_to_inventory_users_only(self):
        """The unit's transfers, valuation, repairs and sales (Inventory rights) are
        not in the auditor's form, not an error; the Serial User keeps them."""
        inventory_only = [
            "//button[@name='action_lot_open_transfers']",
            "//button[@name='action_lot_open_repairs']",
            "//button[@type='action'][@icon='oi-arrow-up']",
            "//field[@name='total_value']",
            "//label[@for='avg_cost']",
            "//field[@name='sale_order_ids']",
        ]
        for user, shown in ((self.auditor, False), (self.serial_user, True)):
            views = (
                self.env["stock.lot"]
                .with_user(user)
                .get_views([[False, "form"], [False, "list"]])["views"]
            )
            form = etree.fromstring(views["form"]["arch"])
            for path in inventory_only:
                self.assertEqual(bool(form.xpath(path)), shown, (user.login, path))
            self.assertTrue(form.xpath("//page[@name='serial_history']"), user.login)
            self.assertTrue(form.xpath("//field[@name='serial_partner_id']"))
            listed = etree.fromstring(views["list"]["arch"])
            self.assertEqual(
                bool(listed.xpath("//field[@name='last_delivery_partner_id']")), shown
            )
        sold = self.lots["MN-0002"].with_user(self.auditor)
        row = sold.web_read(
            {"serial_state": {}, "audit_line_ids": {"fields": {"event": {}}}}
        )[0]
        self.assertEqual(row["serial_state"], "sold")
        self.assertIn("sold", [line["event"] for line in row["audit_line_ids"]])
