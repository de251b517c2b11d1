"""The web client's own calls, made as a user: the tests of the roles open every
menu of the Serials app as a browser would (tests/test_serial_role_menus.py)."""

import json
from contextlib import closing
from datetime import date, datetime

from dateutil.relativedelta import relativedelta
from lxml import etree

from odoo.exceptions import AccessError, UserError
from odoo.tools.safe_eval import safe_eval

ROOT_MENU = "pos_serial_tracking.serial_numbers_menu"


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
        (its views are loaded and read; only a dialog's buttons are pressed)."""
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

    def _open_window_action(self, user, action, follow=False, load_only=False):
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
            spec = self._spec(arches["form"], Model._name, fields_info)
            if load_only:
                Model.onchange({}, [], spec)
            else:
                self._open_wizard(user, Model, action, arches["form"], spec)
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

    def _open_wizard(self, user, Model, action, arch, spec):
        """A dialog: its defaults loaded as the client loads them, then the record
        saved with what the user types (`_wizard_input`) and its buttons pressed."""
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
            if button.get("type") not in ("object", "action"):
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
                if button.get("type") == "action":
                    # another app's screen: opened and read, not worked through
                    action = self._button_action(button.get("name"), record, ctx)
                    if action["type"] == "ir.actions.act_window":
                        self._open_window_action(
                            user, action, follow=True, load_only=True
                        )
                    result = None
                else:
                    result = getattr(record.with_context(**ctx), button.get("name"))()
                if isinstance(result, dict):
                    self._run_action(user, result, record, follow=True)
            except AccessError as error:
                self.fail(f"{user.login} pressing {button.get('name')}: {error}")
            except UserError as error:
                self.refusals.append((record._name, button.get("name"), str(error)))
            self.env.flush_all()
        self.env.invalidate_all()

    def _button_action(self, name, record, button_context):
        """The action of a `type="action"` button, as /web/action/load gives it, with
        the record as its active record and the button's context."""
        if name.isdigit():
            action = self.env["ir.actions.actions"].browse(int(name))
        else:
            action = self.env.ref(name)
        action = self.env[action.type].sudo().browse(action.id)._get_action_dict()
        ctx = action.get("context") or {}
        if isinstance(ctx, str):
            ctx = safe_eval(
                ctx, self._eval_context(record.env.user, active_id=record.id)
            )
        action["context"] = {
            **ctx,
            **button_context,
            "active_id": record.id,
            "active_ids": record.ids,
            "active_model": record._name,
        }
        return action

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
