from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError

from ..tools.serial_text import clean_serial

COUNT_STATES = [
    ("draft", "Draft"),
    ("compared", "Compared"),
    ("applied", "Applied"),
    ("cancelled", "Cancelled"),
]
LINE_FIELDS = {"line_ids", "scanned_line_ids", "scanned_serials", "location_id"}
# written by Compare, Apply and Cancel only (_write_results), never by a user: the
# context key holds an object no RPC request can give
RESULTS_WRITE = "serial_count_results"
RESULTS_WRITER = object()
RESULT_FIELDS = {
    "state",
    "compared_date",
    "applied_user_id",
    "applied_date",
    "scanned_count",
    "expected_count",
    "matched_count",
    "missing_count",
    "unexpected_count",
    "unknown_count",
    "accuracy_rate",
}


class SerialCount(models.Model):
    """A count of the serialized units physically at a location: the serials scanned,
    typed, pasted or imported there, compared set-based with Odoo's stock (matched,
    missing, unexpected, unknown) and, by a Serial Manager, applied through Odoo's
    inventory adjustment, each change in the serials' history with the count as its
    document."""

    _name = "serial.count"
    _description = "Serial Count"
    _inherit = ("mail.thread",)
    _order = "date desc, id desc"
    _check_company_auto = True

    name = fields.Char(
        string="Reference",
        required=True,
        readonly=True,
        copy=False,
        default=lambda self: _("New"),
    )
    company_id = fields.Many2one(
        "res.company",
        required=True,
        index=True,
        default=lambda self: self.env.company,
    )
    location_id = fields.Many2one(
        "stock.location",
        required=True,
        check_company=True,
        tracking=True,
        domain="[('usage', '=', 'internal')]",
        help="The location counted, with the locations below it.",
    )
    state = fields.Selection(
        COUNT_STATES,
        default="draft",
        required=True,
        readonly=True,
        copy=False,
        tracking=True,
        index=True,
    )
    user_id = fields.Many2one(
        "res.users",
        string="Counted By",
        required=True,
        default=lambda self: self.env.user,
    )
    date = fields.Datetime(
        string="Counted On", required=True, default=fields.Datetime.now
    )
    compared_date = fields.Datetime(string="Compared On", readonly=True, copy=False)
    applied_user_id = fields.Many2one(
        "res.users", string="Applied By", readonly=True, copy=False
    )
    applied_date = fields.Datetime(string="Applied On", readonly=True, copy=False)
    scanned_serials = fields.Text(
        string="Scan or Paste",
        help="Scan (a scanner types the serial and Enter) or paste serials here, one "
        "per line; Compare adds them to the scanned serials.",
    )
    line_ids = fields.One2many(
        "serial.count.line", "count_id", string="Lines", copy=False
    )
    scanned_line_ids = fields.One2many(
        "serial.count.line",
        "count_id",
        string="Scanned Serials",
        domain=[("scanned", "=", True)],
    )
    matched_line_ids = fields.One2many(
        "serial.count.line", "count_id", domain=[("status", "=", "matched")]
    )
    missing_line_ids = fields.One2many(
        "serial.count.line", "count_id", domain=[("status", "=", "missing")]
    )
    unexpected_line_ids = fields.One2many(
        "serial.count.line", "count_id", domain=[("status", "=", "unexpected")]
    )
    unknown_line_ids = fields.One2many(
        "serial.count.line", "count_id", domain=[("status", "=", "unknown")]
    )
    scanned_count = fields.Integer(string="Scanned", readonly=True, copy=False)
    expected_count = fields.Integer(
        string="Expected",
        readonly=True,
        copy=False,
        help="Serialized units Odoo's stock has at the location.",
    )
    matched_count = fields.Integer(
        string="Matched",
        readonly=True,
        copy=False,
        help="Scanned, in stock at the location and sellable (In Stock, Returned).",
    )
    missing_count = fields.Integer(
        string="Missing",
        readonly=True,
        copy=False,
        help="Expected at the location and not scanned.",
    )
    unexpected_count = fields.Integer(
        string="Unexpected",
        readonly=True,
        copy=False,
        help="Scanned and registered, but in stock elsewhere or in another state.",
    )
    unknown_count = fields.Integer(
        string="Unknown",
        readonly=True,
        copy=False,
        help="Scanned but not registered.",
    )
    accuracy_rate = fields.Float(
        string="Accuracy (%)",
        readonly=True,
        copy=False,
        digits=(5, 2),
        aggregator="avg",
        help="Matched / expected, in %.",
    )
    note = fields.Text()
    apply_summary = fields.Text(
        string="What Applying Does",
        compute="_compute_apply_summary",
        help="How many units applying the compared count adjusts out of stock "
        "(lost), brings here, finds again, and leaves as they are.",
    )

    def _compute_apply_summary(self):
        for count in self:
            count.apply_summary = (
                count._apply_summary_text(count._apply_plan())
                if count.id and count.state == "compared"
                else False
            )

    @api.constrains("location_id")
    def _check_location_internal(self):
        for count in self:
            if count.location_id.usage != "internal":
                raise ValidationError(
                    _(
                        "%(location)s is not a stock location: count an internal "
                        "location (a warehouse's stock, a shelf).",
                        location=count.location_id.display_name,
                    )
                )

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            if vals.get("state", "draft") != "draft" or any(
                vals.get(name) for name in RESULT_FIELDS - {"state"}
            ):
                raise UserError(self._results_message())
            if vals.get("name", _("New")) == _("New"):
                vals["name"] = self.env["ir.sequence"].next_by_code("serial.count")
        return super().create(vals_list)

    def write(self, vals):
        if (
            RESULT_FIELDS & vals.keys()
            and self.env.context.get(RESULTS_WRITE) is not RESULTS_WRITER
        ):
            raise UserError(self._results_message())
        if LINE_FIELDS & vals.keys():
            self._lines_changed()
        return super().write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_except_applied(self):
        if any(count.state in ("compared", "applied") for count in self):
            raise UserError(
                _(
                    "A compared or applied count is kept: the serials' history names "
                    "it. Cancel it instead."
                )
            )

    # --- actions ---------------------------------------------------------------------
    def action_compare(self):
        """Take in the serials typed or pasted in Scanned Serials, then compare the
        scanned serials with Odoo's stock at the location (see _compare)."""
        self.check_access("write")
        for count in self:
            count._check_open()
            count._compare()
        return True

    def action_open_import(self):
        """The wizard adding the serials of a CSV or XLSX file to the scanned ones."""
        self.check_access("write")
        self.ensure_one()
        self._check_open()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "pos_serial_tracking.serial_count_import_action"
        )
        action["context"] = {"default_count_id": self.id}
        return action

    def action_apply(self):
        """Serial Managers: compare again, then make the stock agree with the count
        through Odoo's inventory adjustment: missing units adjusted out (lost),
        unexpected units brought to the location; each change in the serials' history
        with the count as its document. Unknown serials are not created."""
        self._check_can_apply()
        for count in self:
            count._lock_compared()
            count._compare()
            count._apply_differences()
            count._write_results(
                {
                    "state": "applied",
                    "applied_user_id": self.env.uid,
                    "applied_date": fields.Datetime.now(),
                }
            )
        return True

    def action_confirm_apply(self):
        """Apply's confirmation: the count compared again, and a dialog saying what
        applying it does (apply_summary), whose button applies it."""
        self.ensure_one()
        self._check_can_apply()
        self._check_open()
        self._compare()
        return {
            "type": "ir.actions.act_window",
            "name": _("Apply %(count)s", count=self.name),
            "res_model": self._name,
            "res_id": self.id,
            "view_mode": "form",
            "views": [
                (
                    self.env.ref("pos_serial_tracking.serial_count_view_form_apply").id,
                    "form",
                )
            ],
            "target": "new",
        }

    def action_cancel(self):
        self.check_access("write")
        for count in self:
            count._check_open()
        self._write_results({"state": "cancelled"})
        return True

    # --- business methods ------------------------------------------------------------
    @api.model
    @api.readonly
    def accuracy_summary(self, location_ids=None):
        """Inventory accuracy by serial, for dashboards: the latest applied count
        of each location (by Counted On, then id) among the counts the user may read,
        optionally only of `location_ids`, and the overall rate over them. A count
        compared but not applied does not count: it may still be recounted.

        Returns a dict: `overall` {`accuracy_rate` (float %, or None without any
        count), `expected`, `matched`, `missing`, `unexpected`, `unknown`,
        `locations` (ints)} and `locations`, a list (by location name) of dicts
        {`location_id`, `location_name`, `count_id`, `count_name`, `state`, `date`
        (ISO string, UTC), `expected`, `matched`, `missing`, `unexpected`, `unknown`,
        `accuracy_rate`}."""
        self.check_access("read")
        domain = [("state", "=", "applied")]
        if location_ids:
            domain.append(("location_id", "in", list(location_ids)))
        return self._summarize_accuracy(self.search(domain, order="date desc, id desc"))

    def add_serials(self, serials):
        """Add `serials` (a list of texts, one serial each, as scanned or read from a
        file, or one text of a serial per line; spaces around and empty ones left
        out) to the count's scanned serials, set-based; those already there are kept
        once. Returns how many were added."""
        self.check_access("write")
        self.ensure_one()
        self._check_open()
        if not isinstance(serials, str):
            serials = "\n".join(map(str, serials))
        serials = self._serials_of_text(serials)
        if not serials:
            return 0
        self._lines_changed()
        Line = self.env["serial.count.line"]
        Line.flush_model()
        added = self._add_scanned(serials)
        Line.invalidate_model()
        self.invalidate_recordset()
        return added

    # --- private helpers -------------------------------------------------------------
    def _check_can_apply(self):
        self.check_access("write")
        if not self.env.user.has_group("pos_serial_tracking.group_serial_manager"):
            raise AccessError(
                _(
                    "Only Serial Managers can apply a count: ask one to check the "
                    "count and apply it."
                )
            )

    def _apply_summary_text(self, plan):
        """What applying does, a line per kind of change, from _apply_plan()."""
        self.ensure_one()
        lines = [
            _(
                "Become lost: %(count)s (not found here, adjusted out of stock)",
                count=len(plan["adjusted_out"]),
            ),
            _(
                "Brought in to %(location)s: %(count)s (in stock elsewhere or in no "
                "stock)",
                count=len(plan["brought_here"]),
                location=self.location_id.display_name,
            ),
        ]
        if plan["received"]:
            lines.append(
                _(
                    "Back in stock: %(count)s (lost or stolen, found here)",
                    count=len(plan["received"]),
                )
            )
        if plan["left"]:
            lines.append(
                _(
                    "Left as they are: %(count)s (sold, in repair, scrapped, recalled "
                    "or another company's: their own operation settles them)",
                    count=len(plan["left"]),
                )
            )
        if self.unknown_count:
            lines.append(
                _("Unknown serials, not created: %(count)s", count=self.unknown_count)
            )
        return "\n".join(lines)

    def _write_results(self, vals):
        """Write the state and figures (RESULT_FIELDS), which write() refuses to
        anyone else."""
        return self.with_context(**{RESULTS_WRITE: RESULTS_WRITER}).write(vals)

    def _results_message(self):
        return _(
            "A count's state and figures are set by its buttons: Compare, Apply, "
            "Cancel."
        )

    def _check_open(self):
        self.ensure_one()
        if self.state == "applied":
            raise UserError(
                _(
                    "Count %(count)s is already applied: it cannot change or be "
                    "applied again. Start a new count of %(location)s.",
                    count=self.name,
                    location=self.location_id.display_name,
                )
            )
        if self.state == "cancelled":
            raise UserError(
                _(
                    "Count %(count)s is cancelled. Start a new count.",
                    count=self.name,
                )
            )

    def _lines_changed(self):
        """The scanned serials change: refused on an applied or cancelled count; a
        compared count goes back to draft, its missing lines dropped (the next
        comparison finds them again)."""
        for count in self:
            count._check_open()
        compared = self.filtered(lambda count: count.state == "compared")
        if compared:
            Line = self.env["serial.count.line"]
            Line.flush_model()
            compared._drop_missing()
            Line.invalidate_model()
            compared.invalidate_recordset()
            compared._write_results({"state": "draft"})

    def _serials_of_text(self, text):
        """The serials of a text, one per line, stripped, empty lines left out, each
        once, as the database can hold them (clean_serial)."""
        serials = (clean_serial(line.strip()) for line in text.splitlines())
        return list(dict.fromkeys(serial for serial in serials if serial))
