import base64

from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tools import SQL

from ..wizards import serial_import_reader as reader
from ..wizards.stock_lot_import import HEADER_ALIASES, cell_text, normalize_header
from . import serial_count_compare as compare
from . import serial_lifecycle as lifecycle
from .pos_config import clean_serial
from .serial_count_line import APPLY_RESULTS
from .stock_move import EVENT_DOCUMENT
from .stock_move_line import INTERNAL

COUNT_STATES = [
    ("draft", "Draft"),
    ("compared", "Compared"),
    ("applied", "Applied"),
    ("cancelled", "Cancelled"),
]
# the states an inventory adjustment may take a unit out of, or bring it in from
ADJUST_OUT_FROM = frozenset(lifecycle.TRANSITIONS["adjusted_out"])
RECEIVE_FROM = frozenset(lifecycle.TRANSITIONS["received"])
SERIAL_HEADERS = frozenset(normalize_header(name) for name in HEADER_ALIASES["serial"])
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
    import_file = fields.Binary(string="File", copy=False)
    import_filename = fields.Char(string="File Name", copy=False)
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

    def action_import_file(self):
        """Add the serials of a CSV or XLSX file (a column named Serial, or a file of
        one column) to the scanned serials, read by the serial import's reader."""
        self.check_access("write")
        self.ensure_one()
        self._check_open()
        serials = self._file_serials()
        self._add_serials(serials)
        self.write({"import_file": False})
        return True

    def action_apply(self):
        """Serial Managers: compare again, then make the stock agree with the count
        through Odoo's inventory adjustment: missing units adjusted out (lost),
        unexpected units brought to the location; each change in the serials' history
        with the count as its document. Unknown serials are not created."""
        self.check_access("write")
        if not self.env.user.has_group("pos_serial_tracking.group_serial_manager"):
            raise AccessError(
                _(
                    "Only Serial Managers can apply a count: ask one to check the "
                    "count and apply it."
                )
            )
        for count in self:
            count._lock_for_apply()
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

    def action_cancel(self):
        self.check_access("write")
        for count in self:
            count._check_open()
        self._write_results({"state": "cancelled"})
        return True

    # --- business methods ------------------------------------------------------------
    @api.model
    def accuracy_summary(self, location_ids=None):
        """Inventory accuracy by serial, for dashboards: the latest compared or applied
        count of each location (by Counted On, then id) among the counts the user may
        read, optionally only of `location_ids`, and the overall rate over them.

        Returns a dict: `overall` {`accuracy_rate` (float %, or None without any
        count), `expected`, `matched`, `missing`, `unexpected`, `unknown`,
        `locations` (ints)} and `locations`, a list (by location name) of dicts
        {`location_id`, `location_name`, `count_id`, `count_name`, `state`, `date`
        (ISO string, UTC), `expected`, `matched`, `missing`, `unexpected`, `unknown`,
        `accuracy_rate`}."""
        self.check_access("read")
        domain = [("state", "in", ("compared", "applied"))]
        if location_ids:
            domain.append(("location_id", "in", list(location_ids)))
        latest = {}
        for count in self.search(domain, order="date desc, id desc"):
            latest.setdefault(count.location_id, count)
        locations = [
            {
                "location_id": location.id,
                "location_name": location.complete_name,
                "count_id": count.id,
                "count_name": count.name,
                "state": count.state,
                "date": fields.Datetime.to_string(count.date),
                "expected": count.expected_count,
                "matched": count.matched_count,
                "missing": count.missing_count,
                "unexpected": count.unexpected_count,
                "unknown": count.unknown_count,
                "accuracy_rate": count.accuracy_rate,
            }
            for location, count in sorted(
                latest.items(), key=lambda item: item[0].complete_name or ""
            )
        ]
        totals = {
            key: sum(row[key] for row in locations)
            for key in ("expected", "matched", "missing", "unexpected", "unknown")
        }
        overall_rate = (
            compare.accuracy(
                totals["matched"],
                totals["expected"],
                totals["unexpected"] + totals["unknown"],
            )
            if locations
            else None
        )
        return {
            "overall": {
                "accuracy_rate": overall_rate,
                "locations": len(locations),
                **totals,
            },
            "locations": locations,
        }

    # --- private helpers -------------------------------------------------------------
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
            self.env.cr.execute(
                """DELETE FROM serial_count_line
                    WHERE count_id = ANY(%s) AND NOT scanned""",
                [compared.ids],
            )
            Line.invalidate_model()
            compared.invalidate_recordset()
            compared._write_results({"state": "draft"})

    def _lock_for_apply(self):
        """Lock the count's row and read its state as committed: two managers applying
        one count at once, the second waits, fails to serialize, is replayed by Odoo
        and is refused as already applied."""
        self.flush_recordset()
        self.env.cr.execute(
            "SELECT state FROM serial_count WHERE id = %s FOR NO KEY UPDATE",
            [self.id],
        )
        self.invalidate_recordset(["state"])
        self._check_open()
        if self.state != "compared":
            raise UserError(
                _(
                    "Compare count %(count)s first and check its lists: applying it "
                    "adjusts the stock.",
                    count=self.name,
                )
            )

    def _serials_of_text(self, text):
        """The serials of a text, one per line, stripped, empty lines left out, each
        once, as the database can hold them (clean_serial)."""
        serials = (clean_serial(line.strip()) for line in text.splitlines())
        return list(dict.fromkeys(serial for serial in serials if serial))

    def _add_serials(self, serials):
        """Add serials to the scanned ones, set-based; those already there are kept
        once. Returns how many were added."""
        self.ensure_one()
        if not serials:
            return 0
        self._lines_changed()
        self.env["serial.count.line"].flush_model()
        self.env.cr.execute(
            SQL(
                """INSERT INTO serial_count_line (count_id, serial, scanned, status)
                SELECT %(count)s, serial, true, 'pending'
                  FROM unnest(%(serials)s::varchar[]) WITH ORDINALITY AS s(serial, n)
                 ORDER BY n
                ON CONFLICT (count_id, serial) DO NOTHING""",
                count=self.id,
                serials=list(serials),
            )
        )
        added = self.env.cr.rowcount
        self.env["serial.count.line"].invalidate_model()
        self.invalidate_recordset()
        return added

    def _file_serials(self):
        """The serials of the uploaded file: the column whose header names a serial
        (as the serial import knows them), or every row of a one-column file."""
        Import = self.env["stock.lot.import"]
        if not self.import_file:
            raise UserError(_("Choose the file holding the counted serials first."))
        data = base64.b64decode(self.with_context(bin_size=False).import_file)
        max_rows, max_megabytes = Import._limits()
        try:
            if len(data) > max_megabytes * 1024 * 1024:
                raise reader.FileProblem(
                    "too_big",
                    size=round(len(data) / 1024 / 1024, 1),
                    limit=max_megabytes,
                )
            source = reader.SerialFile(data, self.import_filename)
            try:
                rows = [values for _number, values in source.rows(max_rows=max_rows)]
            finally:
                source.close()
        except reader.FileProblem as problem:
            raise UserError(Import._file_problem_message(problem)) from problem
        if not rows:
            raise UserError(Import._file_problem_message(reader.FileProblem("empty")))
        header = [normalize_header(value) for value in rows[0]]
        column = next(
            (index for index, name in enumerate(header) if name in SERIAL_HEADERS),
            None,
        )
        if column is not None:
            rows = rows[1:]
        elif all(len([v for v in row if cell_text(v)]) <= 1 for row in rows):
            column = None  # one serial per row, no header
        else:
            raise UserError(
                Import._file_problem_message(reader.FileProblem("no_serial_column"))
            )
        serials = []
        for values in rows:
            if column is None:
                text = next((cell_text(v) for v in values if cell_text(v)), "")
            else:
                text = cell_text(values[column]) if column < len(values) else ""
            serials.append(text)
        serials = self._serials_of_text("\n".join(serials))
        if not serials:
            raise UserError(Import._file_problem_message(reader.FileProblem("no_rows")))
        return serials

    def _event_document(self):
        return {
            "res_model": self._name,
            "res_id": self.id,
            "reference": self.name,
        }

    def _compare(self):
        """Compare the scanned serials with Odoo's stock, set-based (serial_count_
        compare): each scanned serial is matched (in stock at the location or below
        it, sellable), unexpected (registered, but in stock elsewhere, in no stock,
        or in another state) or unknown (not registered in the company); each unit in
        stock at the location and not scanned gets a missing line. The counts and
        the accuracy follow."""
        self.ensure_one()
        typed = self._serials_of_text(self.scanned_serials or "")
        if self.scanned_serials:
            self.scanned_serials = False
        self.env.flush_all()
        totals = compare.compare(
            self.env.cr,
            compare.Scope(
                count_id=self.id,
                company_id=self.company_id.id,
                parent_path=self.location_id.parent_path,
            ),
            typed,
        )
        self.env["serial.count.line"].invalidate_model()
        self.invalidate_recordset()
        self._write_results(
            {
                "state": "compared",
                "compared_date": fields.Datetime.now(),
                "scanned_count": totals.scanned,
                "expected_count": totals.expected,
                "matched_count": totals.matched,
                "missing_count": totals.missing,
                "unexpected_count": totals.unexpected,
                "unknown_count": totals.unknown,
                "accuracy_rate": compare.accuracy(
                    totals.matched, totals.expected, totals.unexpected + totals.unknown
                ),
            }
        )

    def _apply_differences(self):
        """Make the stock agree with the compared count, through Odoo's inventory
        adjustment (stock.quant in inventory mode, inventory_quantity,
        action_apply_inventory): first every unit out (the missing ones, and the
        unexpected ones from where the stock has them), then the unexpected ones in
        at the location, so that each serial's events run in order (adjusted out,
        then received). A lost or stolen unit already in stock here is received with
        no stock change. A unit whose state no adjustment may change (sold, in
        repair, scrapped, recalled...) is left as it is, for its own operation (a
        return, the end of the repair)."""
        Line = self.env["serial.count.line"]
        lines = Line.search(
            [("count_id", "=", self.id), ("status", "in", ("missing", "unexpected"))]
        )
        plan = {result: Line for result, _label in APPLY_RESULTS}
        for line in lines:
            plan[self._apply_result(line)] |= line
        out_here, bring = plan["adjusted_out"], plan["brought_here"]
        context = {
            "inventory_mode": True,
            "inventory_name": self.name,
            EVENT_DOCUMENT: self._event_document(),
        }
        Quant = self.env["stock.quant"].with_context(**context)
        here = self.location_id.parent_path
        outs = Quant.search(
            [
                ("lot_id", "in", out_here.lot_id.ids),
                ("location_id", "child_of", self.location_id.id),
                ("quantity", ">", 0),
            ]
        ) | Quant.search(
            [
                ("lot_id", "in", bring.lot_id.ids),
                ("location_id.usage", "in", INTERNAL),
                ("quantity", ">", 0),
            ]
        ).filtered(lambda quant: not quant.location_id.parent_path.startswith(here))
        if outs:
            outs.write({"inventory_quantity": 0})
            self._apply_inventory(outs)
        if bring:
            self._apply_inventory(
                Quant.create(
                    [
                        {
                            "product_id": line.product_id.id,
                            "location_id": self.location_id.id,
                            "lot_id": line.lot_id.id,
                            "inventory_quantity": 1,
                        }
                        for line in bring
                    ]
                )
            )
        self.env["stock.lot"]._apply_serial_events(
            [
                {"lot": line.lot_id, "event": "received", **self._event_document()}
                for line in plan["received"]
            ]
        )
        self.env.flush_all()
        for result, result_lines in plan.items():
            if result_lines:
                self.env.cr.execute(
                    "UPDATE serial_count_line SET apply_result = %s WHERE id = ANY(%s)",
                    [result, result_lines.ids],
                )
        Line.invalidate_model(["apply_result"])

    def _apply_result(self, line):
        """What applying the count does to a missing or unexpected line's unit: an
        APPLY_RESULTS key, from its state and where the stock has it."""
        state = line.found_state or False
        if line.status == "missing":
            return "adjusted_out" if state in ADJUST_OUT_FROM else "left"
        if state not in RECEIVE_FROM:
            return "left"  # sold, in repair, scrapped, recalled: their own operation
        if line.at_location:
            return "received"  # lost or stolen, and in stock here already
        where = line.sudo().found_location_id
        if where.usage in INTERNAL and (
            state not in ADJUST_OUT_FROM
            or (where.company_id and where.company_id != self.company_id)
        ):
            return "left"  # in the stock of another company, or not movable
        return "brought_here"

    def _apply_inventory(self, quants):
        action = quants.action_apply_inventory()
        if isinstance(action, dict):  # Odoo asks for a confirmation first
            raise UserError(
                _(
                    "The stock of some serials of count %(count)s changed while it "
                    "was applied (%(what)s). Compare it again, then apply it.",
                    count=self.name,
                    what=action.get("name"),
                )
            )
