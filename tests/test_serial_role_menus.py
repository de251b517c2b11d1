import base64
import json
from contextlib import closing
from datetime import date, datetime

from dateutil.relativedelta import relativedelta
from lxml import etree

from odoo import Command
from odoo.exceptions import AccessError, UserError
from odoo.tools.safe_eval import safe_eval

from .common import SerialPosSyncCommon

ROOT_MENU = "pos_serial_tracking.serial_numbers_menu"
# buttons shown only for records of other apps that these tests do not build:
# sale_stock's sale orders that delivered a unit, repair's repairs that used the unit
# as a spare part
REFUND = ("serial.conflict", "action_refund", "Refund")
NO_RECORD_FOR = {
    ("stock.lot", "action_view_so", ""),
    ("stock.lot", "action_view_ro", ""),
}


class RoleWebClientMixin:
    """What the web client does when a user opens a menu: load the menus, the action,
    its views (already filtered by the user's groups), read the records with the
    views' own fields, and press the buttons the user sees."""

    # --- menus and actions -----------------------------------------------------------
    def _visible_menu_actions(self, user):
        """{menu xml id: action} of every menu under the Serials root the user sees."""
        menus = self.env["ir.ui.menu"].with_user(user).load_menus(False)
        root = self.env.ref(ROOT_MENU)
        found = {}

        def walk(menu_id):
            menu = menus[menu_id]
            if menu["action"]:
                found[menu["xmlid"]] = menu["action"]
            for child in menu["children"]:
                walk(child)

        if root.id in menus:
            walk(root.id)
        return found

    def _eval_context(self, user, **values):
        return {
            "uid": user.id,
            "allowed_company_ids": user.company_ids.ids,
            "current_company_id": user.company_id.id,
            "context_today": date.today,
            "datetime": datetime,
            "relativedelta": relativedelta,
            "context": {},
            **values,
        }

    def _load_action(self, user, reference):
        """The action as /web/action/load gives it, its context and domain evaluated."""
        model, action_id = reference.split(",")
        action = self.env[model].sudo().browse(int(action_id))._get_action_dict()
        self._run_action(user, action)

    def _run_action(self, user, action, records=None, follow=False):
        """Run an action as the client would; `follow`: an action a button returned
        (its views are loaded and read, their own buttons are not pressed)."""
        kind = action.get("type")
        if kind == "ir.actions.act_window":
            self._open_window_action(user, action, follow=follow)
        elif kind == "ir.actions.server":
            server = self.env["ir.actions.server"].with_user(user).browse(action["id"])
            ctx = {"active_model": server.model_id.model}
            if records:
                ctx.update(active_id=records[:1].id, active_ids=records.ids)
            result = server.with_context(**ctx).run()
            if isinstance(result, dict):
                self._run_action(user, result, records, follow=True)
        elif kind == "ir.actions.report":
            ids = (action.get("context") or {}).get("active_ids") or (
                records.ids if records else []
            )
            # the client sends the report's data as JSON
            data = json.loads(json.dumps(action.get("data")))
            self._render(user, action["report_name"], ids, data)

    def _render(self, user, report_name, ids, data=None):
        report = self.env["ir.actions.report"].with_user(user)
        content, _kind = report._render_qweb_pdf(report_name, ids, data=data)
        self.assertTrue(content)
        self.rendered.append(report_name)

    def _open_window_action(self, user, action, follow=False):
        ctx = action.get("context") or {}
        if isinstance(ctx, str):
            ctx = safe_eval(ctx, self._eval_context(user))
        domain = action.get("domain") or []
        if isinstance(domain, str):
            domain = safe_eval(domain, self._eval_context(user, context=ctx))
        Model = (
            self.env[action["res_model"]]
            .with_user(user)
            .with_context(**{"allowed_company_ids": user.company_ids.ids, **ctx})
        )
        views = [list(view) for view in action.get("views") or []]
        if not views:
            views = [[False, mode] for mode in action["view_mode"].split(",")]
        views.append([False, "search"])
        loaded = Model.get_views(views, {"toolbar": True, "load_filters": True})
        arches = {
            kind: etree.fromstring(view["arch"])
            for kind, view in loaded["views"].items()
        }
        fields_info = {
            model: info["fields"] for model, info in loaded["models"].items()
        }
        if action.get("target") == "new" and "form" in arches:
            self._open_wizard(user, Model, action, arches["form"], fields_info)
            return
        if "pivot" in arches:
            self._read_pivot(Model, arches["pivot"], domain)
        ids = []
        for kind in ("list", "kanban"):
            if kind in arches:
                spec = self._spec(arches[kind], Model._name, fields_info)
                result = Model.web_search_read(domain, spec, limit=80)
                ids = [row["id"] for row in result["records"]]
        if action.get("res_id"):
            ids = [action["res_id"]]
        if "form" in arches and ids:
            spec = self._spec(arches["form"], Model._name, fields_info)
            rows = Model.browse(ids).web_read(spec)
            if not follow:
                self._press_buttons(user, Model, arches["form"], rows)
        if follow or not ids:
            return
        for view_type in ("list", "form"):
            toolbar = loaded["views"].get(view_type, {}).get("toolbar") or {}
            for bound in toolbar.get("print", []):
                self.toolbar.append((Model._name, "print", bound, ids))
            for bound in toolbar.get("action", []):
                self.toolbar.append((Model._name, "action", bound, ids))

    def _open_wizard(self, user, Model, action, arch, fields_info):
        """A dialog: its defaults loaded as the client loads them, then the record
        saved with what the user types (`_wizard_input`) and its buttons pressed."""
        spec = self._spec(arch, Model._name, fields_info)
        if action.get("res_id"):
            record = Model.browse(action["res_id"])
        else:
            Model.onchange({}, [], spec)
            record = Model.create(self._wizard_input(Model._name))
        rows = record.web_read(spec)
        self._press_buttons(user, Model, arch, rows, track_hidden=False)

    def _wizard_input(self, model):
        """What the user types in a dialog before pressing its buttons."""
        return {}

    def _read_pivot(self, Model, arch, domain):
        rows = [f.get("name") for f in arch.iter("field") if f.get("type") == "row"]
        measures = [
            f"{f.get('name')}:sum"
            for f in arch.iter("field")
            if f.get("type") == "measure"
        ]
        Model.read_group(domain, measures, rows, lazy=False)

    # --- views -----------------------------------------------------------------------
    def _nodes(self, node, tag):
        """The `tag` nodes of a view, not those of the x2many views inside it."""
        for child in node:
            if not isinstance(child.tag, str):
                continue
            if child.tag == tag:
                yield child
            if child.tag != "field":
                yield from self._nodes(child, tag)

    def _spec(self, arch, model, fields_info):
        spec = {}
        for node in self._nodes(arch, "field"):
            name = node.get("name")
            field = fields_info[model][name]
            if field["type"] == "many2one":
                spec[name] = {"fields": {"display_name": {}}}
            elif field["type"] in ("one2many", "many2many"):
                subviews = [c for c in node if c.tag in ("list", "kanban", "form")]
                if subviews and field["relation"] in fields_info:
                    sub = {}
                    for subview in subviews:
                        sub.update(self._spec(subview, field["relation"], fields_info))
                    spec[name] = {"fields": sub}
                else:
                    spec[name] = {"fields": {"display_name": {}}}
            else:
                spec.setdefault(name, {})
        return spec

    def _invisible(self, node, root, values, user):
        while node is not None and node is not root:
            expression = node.get("invisible")
            if expression and safe_eval(
                expression, self._eval_context(user, **values, parent={})
            ):
                return True
            node = node.getparent()
        return False

    @staticmethod
    def _values(row):
        values = {}
        for name, value in row.items():
            if isinstance(value, dict):
                value = value.get("id", False)
            elif isinstance(value, list):
                value = [v["id"] if isinstance(v, dict) else v for v in value]
            values[name] = value
        return values

    def _press_buttons(self, user, Model, arch, rows, track_hidden=True):
        for button in self._nodes(arch, "button"):
            if button.get("type") != "object":
                continue
            key = (Model._name, button.get("name"), button.get("string") or "")
            for row in rows:
                values = self._values(row)
                if self._invisible(button, arch, values, user):
                    continue
                if key not in self.seen_buttons:
                    self.seen_buttons.add(key)
                    self._press(user, Model.browse(row["id"]), button, values)
                break
            else:
                if track_hidden:
                    self.hidden_buttons.add(key)

    def _press(self, user, record, button, values):
        extra = button.get("context")
        ctx = dict(record.env.context)
        if extra:
            ctx.update(safe_eval(extra, self._eval_context(user, **values)))
        with closing(self.env.cr.savepoint()):
            try:
                result = getattr(record.with_context(**ctx), button.get("name"))()
                if isinstance(result, dict):
                    self._run_action(user, result, record, follow=True)
            except AccessError as error:
                self.fail(f"{user.login} pressing {button.get('name')}: {error}")
            except UserError as error:
                self.refusals.append((record._name, button.get("name"), str(error)))
            self.env.flush_all()
        self.env.invalidate_all()

    def _open_every_menu(self, user):
        """Open every Serials menu the user sees, as the web client does; returns the
        menus' xml ids."""
        self._reset()
        actions = self._visible_menu_actions(user)
        for xmlid, reference in actions.items():
            with self.subTest(menu=xmlid):
                try:
                    self._load_action(user, reference)
                except AccessError as error:
                    self.fail(f"{user.login} opening {xmlid}: {error}")
        for model, kind, bound, ids in self.toolbar:
            with self.subTest(model=model, toolbar=bound.get("name")):
                records = self.env[model].browse(ids)
                try:
                    if kind == "print":
                        report = self.env["ir.actions.report"].browse(bound["id"])
                        self._render(user, report.report_name, ids)
                    else:
                        action = self.env["ir.actions.actions"].browse(bound["id"])
                        action = self.env[action.type].browse(action.id)
                        self._run_action(user, action._get_action_dict(), records)
                except AccessError as error:
                    self.fail(f"{user.login} running {bound.get('name')}: {error}")
        return set(actions)

    def _open_dashboard(self, user):
        """What the dashboard's client code calls: the indicators, the chart of the
        units registered per day, and the serials behind each count."""
        Summary = self.env["serial.prefix.summary"].with_user(user)
        data = Summary.retrieve_dashboard([])
        Lot = self.env["stock.lot"].with_user(user)
        Lot.get_views([[data["registered_view_id"], "graph"], [False, "search"]])
        Lot.read_group(data["registered_domain"], [], ["create_date:day"], lazy=False)
        for measure in ("active_count", "sold_count", "lost_count", "recalled_count"):
            action = Summary.action_open_lots([], measure)
            self._open_window_action(user, action, follow=True)
        return data

    def _reset(self):
        self.toolbar = []
        self.rendered = []
        self.refusals = []
        self.seen_buttons = set()
        self.hidden_buttons = set()


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
