from odoo import _, api, fields, models
from odoo.exceptions import UserError

from ..tools.serial_lifecycle import SERIAL_STATES
from ..tools.serial_text import clean_serial

LINE_STATUSES = [
    ("pending", "Not Compared Yet"),
    ("matched", "Matched"),
    ("missing", "Missing"),
    ("unexpected", "Unexpected"),
    ("unknown", "Unknown"),
]
APPLY_RESULTS = [
    ("adjusted_out", "Adjusted Out"),
    ("brought_here", "Brought Here"),
    ("received", "Received Here"),
    ("left", "Left As It Is"),
]
# written by the comparison and the apply (in SQL), never by a user
RESULT_FIELDS = {
    "status",
    "scanned",
    "lot_id",
    "at_location",
    "found_location_id",
    "found_state",
    "apply_result",
}


class SerialCountLine(models.Model):
    """One serial of a count: scanned (typed, pasted or imported), or expected at the
    location and not scanned (missing). What the comparison found is written by
    serial.count, set-based."""

    _name = "serial.count.line"
    _description = "Serial Count Line"
    _order = "count_id, id"
    # thousands of lines per count, written set-based: no create/write user and date
    # (the count has who and when), so two foreign keys fewer to check per line
    _log_access = False

    count_id = fields.Many2one("serial.count", required=True, ondelete="cascade")
    company_id = fields.Many2one(related="count_id.company_id")
    serial = fields.Char(
        required=True, help="The serial as scanned or typed (spaces around removed)."
    )
    scanned = fields.Boolean(
        default=True,
        readonly=True,
        help="Scanned, typed or imported; not scanned: expected at the location and "
        "not found there.",
    )
    status = fields.Selection(
        LINE_STATUSES, default="pending", required=True, readonly=True
    )
    lot_id = fields.Many2one(
        "stock.lot", string="Serial Number", readonly=True, index="btree_not_null"
    )
    product_id = fields.Many2one(related="lot_id.product_id")
    at_location = fields.Boolean(
        string="In Stock Here",
        readonly=True,
        help="Odoo's stock has the unit at the counted location (or below it).",
    )
    found_location_id = fields.Many2one(
        "stock.location",
        string="Stock Location",
        readonly=True,
        help="Where Odoo's stock has the unit when the count was compared.",
    )
    found_state = fields.Selection(
        SERIAL_STATES,
        string="Serial State",
        readonly=True,
        help="The serial's state when the count was compared (empty: registered, "
        "never received).",
    )
    finding = fields.Char(compute="_compute_finding")
    apply_result = fields.Selection(
        APPLY_RESULTS,
        string="Applied",
        readonly=True,
        help="What applying the count did to this unit's stock and state.",
    )

    _sql_constraints = [  # noqa: RUF012 Odoo reads this class attribute
        (
            "count_serial_unique",
            "unique(count_id, serial)",
            "This serial is already in the count: each serial is counted once.",
        )
    ]

    @api.depends("status", "found_state", "found_location_id", "at_location")
    def _compute_finding(self):
        Lot = self.env["stock.lot"]
        for line in self:
            # sudo: the unit may be in another company's stock, whose locations the
            # user may not read (then only "another company" is said)
            location = line.sudo().found_location_id
            where = location.complete_name
            state = Lot._state_label(line.found_state)
            if line.status == "unknown":
                line.finding = _("Not registered in this company.")
            elif line.status == "pending":
                line.finding = False
            elif line.status == "missing":
                line.finding = _(
                    "%(state)s at %(location)s, not found there.",
                    state=state,
                    location=where,
                )
            elif line.status == "matched":
                line.finding = _("%(state)s here.", state=state)
            elif line.at_location:
                line.finding = _(
                    "%(state)s: here in stock, but not sellable.", state=state
                )
            elif location.company_id and location.company_id != line.company_id:
                line.finding = _(
                    "%(state)s, in the stock of another company.", state=state
                )
            elif where:
                line.finding = _(
                    "%(state)s at %(location)s.", state=state, location=where
                )
            else:
                line.finding = _("%(state)s, in no stock location.", state=state)

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            if (
                any(
                    vals.get(name) not in (None, False)
                    for name in RESULT_FIELDS - {"status", "scanned"}
                )
                or vals.get("status", "pending") != "pending"
                or not vals.get("scanned", True)
            ):
                raise UserError(self._result_fields_message())
            if vals.get("serial"):
                vals["serial"] = clean_serial(vals["serial"].strip())
        counts = self.env["serial.count"].browse(
            {vals["count_id"] for vals in vals_list if vals.get("count_id")}
        )
        counts._lines_changed()
        self._check_not_counted(vals_list)
        return super().create(vals_list)

    def write(self, vals):
        if RESULT_FIELDS & vals.keys() or "count_id" in vals:
            raise UserError(self._result_fields_message())
        if vals.get("serial"):
            vals = dict(vals, serial=clean_serial(vals["serial"].strip()))
        self.count_id._lines_changed()
        return super().write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_except_done_count(self):
        self.count_id._lines_changed()

    def _check_not_counted(self, vals_list):
        """A serial scanned twice into a count's list: say so, naming it (one query
        for all the new lines)."""
        keys = [(vals.get("count_id"), vals.get("serial")) for vals in vals_list]
        existing = {
            (line.count_id.id, line.serial)
            for line in self.search(
                [
                    ("count_id", "in", [count_id for count_id, _s in keys]),
                    ("serial", "in", [serial for _c, serial in keys]),
                ]
            )
        }
        for key in keys:
            if key in existing:
                raise UserError(
                    _(
                        "Serial %(serial)s is already in this count: each serial is "
                        "counted once.",
                        serial=key[1],
                    )
                )
            existing.add(key)

    def _result_fields_message(self):
        return _(
            "What a count found is written by its comparison: scan, type or import "
            "the serials, then click Compare."
        )
