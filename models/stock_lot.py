import re

import pytz
from dateutil.relativedelta import relativedelta

from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tools import SQL
from odoo.tools.sql import column_exists, create_column

from ..tools import serial_lifecycle as lifecycle
from ..tools.serial_event import PROTECTED_FIELDS, SerialEvent
from ..tools.serial_import_paths import IMPORT_BATCH

# who may read serials and their history (the smart buttons leading to them too)
SERIAL_READERS = (
    "pos_serial_tracking.group_serial_user,pos_serial_tracking.group_serial_auditor"
)


class StockLot(models.Model):
    _inherit = "stock.lot"

    serial_state = fields.Selection(
        lifecycle.SERIAL_STATES,
        readonly=True,
        index=True,
        copy=False,
        tracking=False,
        help=(
            "Where the unit is in its life; it follows the stock and the managers' "
            "actions and never changes by hand. Empty: registered, not received."
        ),
    )
    # stored: the dashboard's triggers count a lot only when its product is tracked
    # by serial (tools/serial_state_counts.py), and a trigger's WHEN can read only
    # the lot's own row; the ORM updates it when a product's tracking changes
    product_tracking = fields.Selection(
        related="product_id.tracking", store=True, precompute=True
    )
    serial_partner_id = fields.Many2one(
        "res.partner",
        string="Customer",
        readonly=True,
        copy=False,
        index="btree_not_null",  # the units a customer owns (their smart button)
        help="The customer of the last sale.",
    )
    serial_sale_date = fields.Datetime(string="Sold On", readonly=True, copy=False)
    serial_source_ref = fields.Char(string="Sale Document", readonly=True, copy=False)
    warranty_start_date = fields.Date(readonly=True, copy=False)
    pos_claim_line_id = fields.Many2one(
        "pos.order.line",
        string="POS Sale Line",
        readonly=True,
        copy=False,
        index="btree_not_null",
        help="The POS order line whose sale (or refund) last claimed this serial.",
    )
    warranty_end_date = fields.Date(
        compute="_compute_warranty_end_date",
        store=True,
        readonly=True,
    )
    audit_line_ids = fields.One2many(
        "serial.audit.line", "lot_id", string="History", readonly=True
    )
    recall_note = fields.Char(
        string="Active Recall",
        compute="_compute_recall_note",
        help="The active recall this unit is part of, and how its customer's "
        "outreach goes.",
    )
    serial_allowed_events = fields.Json(
        compute="_compute_serial_allowed_events",
        help="The events a Serial Manager may apply to the unit in its state (Mark "
        "Lost, Found, Recall...), read from the lifecycle: the form shows their "
        "buttons.",
    )
    history_intact = fields.Boolean(
        compute="_compute_history_verdict",
        groups=SERIAL_READERS,
        help="Every line of the serial's history matches its hash and none is missing.",
    )
    history_verdict = fields.Char(
        compute="_compute_history_verdict",
        groups=SERIAL_READERS,
        help="The integrity check of this serial's history: its events intact, or the "
        "first event changed or following a removed one.",
    )
    import_batch_id = fields.Many2one(
        "stock.lot.import.batch",
        readonly=True,
        copy=False,
        index="btree_not_null",
        ondelete="restrict",
        help="The import that registered this serial.",
    )
    vendor_warranty_end_date = fields.Date(
        string="Vendor Warranty End",
        copy=False,
        help=(
            "The end of the warranty the unit came with, as registered (for example "
            "from the supplier's list of serials). The customer's warranty (Warranty "
            "End) starts at the sale."
        ),
    )

    serial_expiry_date = fields.Date(
        string="Expiry Date",
        copy=False,
        help="The date after which the unit may not be sold or used, as registered "
        "(GS1 AI 17, or the Expiry Date column of an import). The till refuses the "
        "unit once it has passed, and a scanned code giving another expiry.",
    )
    serial_batch = fields.Char(
        string="Batch",
        copy=False,
        help="The manufacturer's batch or lot the unit belongs to (GS1 AI 10), as "
        "registered.",
    )

    @api.depends("warranty_start_date", "product_id.warranty_months")
    def _compute_warranty_end_date(self):
        for lot in self:
            months = lot.product_id.warranty_months
            lot.warranty_end_date = (
                lot.warranty_start_date + relativedelta(months=months, days=-1)
                if lot.warranty_start_date and months
                else False
            )

    def _compute_recall_note(self):
        notes = self.env["serial.recall.line"]._active_recall_notes(self)
        for lot in self:
            lot.recall_note = notes.get(lot.id, False)

    @api.depends("serial_state")
    def _compute_serial_allowed_events(self):
        for lot in self:
            lot.serial_allowed_events = lot._serial_allowed_events()

    def _compute_history_verdict(self):
        """The serial's own chain verified (serial.audit.line's check, for one serial):
        the number of events intact, or the first event that is not."""
        Line = self.env["serial.audit.line"]
        for lot in self:
            verdict = Line._history_verdict(lot)
            lot.history_intact, lot.history_verdict = verdict.intact, verdict.message

    @api.constrains("name", "product_id")
    def _check_serial_format(self):
        for lot in self:
            pattern = lot.product_id.serial_format
            if pattern and not re.fullmatch(pattern, lot.name or ""):
                raise ValidationError(
                    _(
                        "Serial %(serial)s does not match the serial format of "
                        "%(product)s (%(format)s). Check the serial, or the product's "
                        "format.",
                        serial=lot.name,
                        product=lot.product_id.display_name,
                        format=pattern,
                    )
                )

    def _auto_init(self):
        # the column is created and filled set-based before Odoo sees the field,
        # which it would otherwise compute lot by lot through the ORM
        cr = self.env.cr
        if not column_exists(cr, "stock_lot", "product_tracking"):
            create_column(cr, "stock_lot", "product_tracking", "varchar")
            self._fill_product_tracking()
        return super()._auto_init()

    @api.model_create_multi
    def create(self, vals_list):
        # the ORM path of an import links its serials to its batch, and appends
        # their `imported` lines itself (stock.lot.import.batch._register_through_orm)
        import_batch = self.env.context.get(IMPORT_BATCH)
        for vals in vals_list:
            self._check_split_untouched(vals)
            protected = PROTECTED_FIELDS & vals.keys()
            if import_batch and vals.get("import_batch_id") == import_batch:
                protected.discard("import_batch_id")
            if protected:
                raise UserError(
                    _(
                        "The state, sale and history fields of a serial are set by its "
                        "operations, not at creation."
                    )
                )
        lots = super().create(vals_list)
        if import_batch:
            return lots
        lots._apply_serial_events(
            [
                SerialEvent(lot, "registered")
                for lot in lots
                if lot.product_id.tracking == "serial"
            ]
        )
        return lots

    def write(self, vals):
        self._check_split_untouched(vals)
        if PROTECTED_FIELDS & vals.keys():
            raise UserError(
                _(
                    "The state of a serial changes only through its operations (a "
                    "receipt, a sale, a return, a repair, a scrap) or the actions on "
                    "the serial (Mark Lost, Mark Stolen, Recall...), so that its "
                    "history stays complete."
                )
            )
        return super().write(vals)

    # --- actions ---------------------------------------------------------------------
    def action_mark_lost(self):
        return self._open_state_change("marked_lost")

    def action_mark_stolen(self):
        return self._open_state_change("marked_stolen")

    def action_mark_found(self):
        return self._open_state_change("found")

    def action_recall(self):
        return self._open_state_change("recalled")

    def action_close_recall(self):
        return self._open_state_change("recall_closed")

    @api.readonly
    def action_view_audit_lines(self):
        return {
            "type": "ir.actions.act_window",
            "name": _("History of %s", self.display_name)
            if len(self) == 1
            else _("History"),
            "res_model": "serial.audit.line",
            "view_mode": "list,form",
            "domain": [("lot_id", "in", self.ids)],
            "context": {"create": False},
        }

    def _action_open_serials(self, name):
        """These serials in one click, as the Serials menu shows them: their list, or
        the form of the only one. Only for users who may read serials; those of
        another company are left out."""
        self.browse().check_access("read")
        lots = self._filtered_access("read")
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "pos_serial_tracking.stock_lot_action"
        )
        action["name"] = name
        if len(lots) == 1:
            action.update(view_mode="form", views=[(False, "form")], res_id=lots.id)
        else:
            action["domain"] = [("id", "in", lots.ids)]
        return action

    # --- business methods ------------------------------------------------------------
    def _mark_serial_state(self, event, reason):
        """A Serial Manager's explicit action (lost, stolen, found, recall, recall
        closed), with the reason written to each serial's history."""
        if not self.env.user.has_group("pos_serial_tracking.group_serial_manager"):
            raise AccessError(
                _(
                    "Only Serial Managers can mark serials lost, stolen, found or "
                    "recalled."
                )
            )
        if not (reason or "").strip():
            raise UserError(_("Give a reason: it is kept in the serial's history."))
        for lot in self:
            if event not in lot._serial_allowed_events():
                raise UserError(
                    self._serial_refusal_message(event, lot.name, lot.serial_state)
                )
        if event in ("found", "recall_closed"):
            self._check_serial_restorable(event)
        self._apply_serial_events(
            [SerialEvent(lot, event, note=reason.strip()) for lot in self]
        )

    def _serial_allowed_events(self):
        """The events a Serial Manager may apply by hand to this serial now (keys of
        serial_lifecycle.MANAGER_EVENTS, in their order): those the lifecycle allows
        from its state. The form's buttons (serial_allowed_events) and
        _mark_serial_state (the state change wizard) both read it: override it, with
        super(), to narrow them (a module refusing to mark a sold unit lost)."""
        self.ensure_one()
        events = [event for event, _label in lifecycle.MANAGER_EVENTS]
        return lifecycle.allowed_events(self.serial_state or False, events)

    def _serial_expiry_dates(self):
        """{lot id: the unit's registered expiry (a date)} for those of these lots that
        have one: the Expiry Date of the serial when set, else product_expiry's
        Expiration Date (when that module is installed), a moment, taken as a date in
        `_serial_timezone()`. The till, the POS sync and the offline snapshot all read
        a unit's expiry here; one query, also for the thousands of lots of a till's
        snapshot."""
        if not self:
            return {}
        if "expiration_date" not in self._fields:
            fnames, expiry = ["serial_expiry_date"], SQL("serial_expiry_date")
        else:
            fnames = ["serial_expiry_date", "expiration_date"]
            expiry = SQL(
                "COALESCE(serial_expiry_date, "
                "(expiration_date AT TIME ZONE 'UTC' AT TIME ZONE %s)::date)",
                self._serial_timezone(),
            )
        self.flush_recordset(fnames)
        rows = self.env.execute_query(
            SQL(
                "SELECT id, %s FROM stock_lot WHERE id = ANY(%s) AND %s IS NOT NULL",
                expiry,
                list(self.ids),
                expiry,
            )
        )
        return dict(rows)

    @api.model
    def _serial_local_date(self, moment):
        """The date of a UTC datetime in `_serial_timezone()`: today's date for
        `fields.Datetime.now()`."""
        timezone = pytz.timezone(self._serial_timezone())
        return pytz.utc.localize(moment).astimezone(timezone).date()

    @api.model
    def _serial_timezone(self):
        """The time zone the expiry dates are read in: the request's, else the user's
        (the cashier's at a till), else the company's, else UTC."""
        names = (
            self.env.context.get("tz"),
            self.env.user.tz,
            self.env.company.partner_id.tz,
        )
        return next((name for name in names if name in pytz.all_timezones_set), "UTC")

    def _state_label(self, state):
        """A state's label in the user's language (the selection's translation)."""
        labels = dict(self._fields["serial_state"]._description_selection(self.env))
        return labels.get(state) or _("Registered, not received")

    def _event_label(self, event):
        """An event's label in the user's language (the selection's translation)."""
        Line = self.env["serial.audit.line"]
        return dict(Line._fields["event"]._description_selection(self.env))[event]

    def _open_state_change(self, event):
        return {
            "type": "ir.actions.act_window",
            "name": self._event_label(event),
            "res_model": "serial.state.change",
            "view_mode": "form",
            "target": "new",
            "context": {"default_lot_ids": self.ids, "default_event": event},
        }

    def _fill_product_tracking(self, missing_only=False):
        """Give lots their product's tracking in one statement (the stored copy the
        dashboard's triggers read): every lot when the column is created, or those
        written by SQL without it (`missing_only`)."""
        self.env.cr.execute(
            SQL(
                """UPDATE stock_lot lot SET product_tracking = template.tracking
                     FROM product_product product, product_template template
                    WHERE product.id = lot.product_id
                      AND template.id = product.product_tmpl_id
                      AND lot.product_tracking IS DISTINCT FROM template.tracking
                      %s""",
                SQL("AND lot.product_tracking IS NULL") if missing_only else SQL(),
            )
        )
        self.invalidate_model(["product_tracking"])
