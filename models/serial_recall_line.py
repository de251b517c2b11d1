from odoo import _, api, fields, models
from odoo.exceptions import UserError

from ..tools.serial_event import SerialEvent
from ..tools.serial_lifecycle import SELLABLE_STATES, SERIAL_STATES
from ..tools.serial_recall_sql import bucket_case_sql

BUCKETS = [
    ("in_stock", "In Stock"),
    ("sold", "At a Customer"),
    ("in_repair", "In Repair"),
    ("returned", "Returned"),
    ("lost_stolen", "Lost or Stolen"),
    ("scrapped", "Scrapped"),
    ("not_received", "Not in Our Custody"),
    ("recalled", "Already Recalled"),
]
# the bucket of a unit from its state (lost and stolen together; no state: not in our
# custody; recalled already, by another recall or a manager: held, not ours to release);
# see serial.recall.line._bucket_of_state
BUCKET_OF_STATE = {
    "in_stock": "in_stock",
    "returned": "returned",
    "in_repair": "in_repair",
    "sold": "sold",
    "lost": "lost_stolen",
    "stolen": "lost_stolen",
    "scrapped": "scrapped",
    "recalled": "recalled",
}
OUTREACH_STATES = [
    ("to_notify", "To Notify"),
    ("notified", "Notified"),
    ("not_delivered", "Not Delivered"),
    ("acknowledged", "Acknowledged"),
    ("returned", "Returned"),
    ("remedied", "Remedied"),
    ("unreachable", "Unreachable"),
]
ANSWERS = [
    ("have_it", "I have it"),
    ("returned_it", "I returned it"),
    ("no_longer_have", "I no longer have it"),
]
RESOLUTIONS = [("released", "Released"), ("scrapped", "Scrapped")]
# the lines still waiting for the customer: closing with any of them needs a reason
OPEN_OUTREACH = ("to_notify", "notified", "not_delivered", "unreachable")
# the unit is back or answered for (see serial.recall.recovery_rate)
ACCOUNTED_OUTREACH = ("acknowledged", "returned", "remedied")
# events after which a recall's line may change by itself (the others cost no query)
TRACKED_EVENTS = frozenset({"returned", "repair_in", "repair_out", "scrapped"})


class SerialRecallLine(models.Model):
    """One affected unit of a recall: where it was when the recall located it (its
    bucket, location and customer), and how the outreach to its customer went."""

    _name = "serial.recall.line"
    _description = "Serial Recall Unit"
    _order = "recall_id, id"
    _check_company_auto = True

    recall_id = fields.Many2one(
        "serial.recall", required=True, index=True, ondelete="cascade"
    )
    company_id = fields.Many2one(
        "res.company", related="recall_id.company_id", store=True, index=True
    )
    lot_id = fields.Many2one(
        "stock.lot",
        string="Serial",
        required=True,
        index=True,
        ondelete="restrict",
        check_company=True,
    )
    product_id = fields.Many2one("product.product", readonly=True)
    serial_state = fields.Selection(related="lot_id.serial_state", string="State Now")
    bucket = fields.Selection(BUCKETS, required=True, readonly=True, index=True)
    state_at_locate = fields.Selection(SERIAL_STATES, readonly=True)
    location_id = fields.Many2one("stock.location", readonly=True)
    partner_id = fields.Many2one("res.partner", string="Customer", readonly=True)
    outreach_state = fields.Selection(OUTREACH_STATES, index=True, readonly=True)
    notice_id = fields.Many2one("serial.recall.notice", readonly=True, index=True)
    answer = fields.Selection(ANSWERS, readonly=True)
    answer_date = fields.Datetime(readonly=True)
    resolution = fields.Selection(RESOLUTIONS, readonly=True)
    blocked = fields.Boolean(
        string="Held by This Recall",
        compute="_compute_blocked",
        help="The unit is recalled, and this recall recalled it (its history says "
        "so): the recall's closing releases or scraps it.",
    )

    _sql_constraints = [  # noqa: RUF012 Odoo reads this class attribute
        (
            "recall_lot_unique",
            "unique(recall_id, lot_id)",
            "A unit is listed once per recall.",
        )
    ]

    def _compute_blocked(self):
        held = set()
        for recall, lines in self.grouped("recall_id").items():
            held.update(
                (recall.id, lot_id) for lot_id in recall._held_lots(lines.lot_id).ids
            )
        for line in self:
            line.blocked = (line.recall_id.id, line.lot_id.id) in held

    # --- buckets ---------------------------------------------------------------------
    @api.model
    def _recall_buckets(self):
        """The buckets a recall sorts its units in, as [(key, label)] in the user's
        language and in the order the recall's status report lists them. Default:
        the selection of `bucket` (a module adding a bucket extends it with
        selection_add). May be overridden, with super(), to list a bucket elsewhere
        or leave one out of the report."""
        return self._fields["bucket"]._description_selection(self.env)

    @api.model
    def _bucket_of_state(self):
        """{serial_state: bucket}: the bucket of a unit from its state, for the units
        of no other bucket (_locate_bucket_sql); a unit of a state not listed is not
        in our custody (not_received). May be overridden."""
        return dict(BUCKET_OF_STATE)

    @api.model
    def _locate_bucket_sql(self):
        """Which bucket a unit falls in when its recall locates it: an SQL expression
        on the aliases `lot` (stock_lot) and `quant` (the unit's internal quant: its
        `location_id`, NULL when it is in no internal stock), computed set-based in
        the recall's INSERT ... SELECT (serial.recall._insert_lines). Default: from
        the unit's state (_bucket_of_state). May be overridden with super(), e.g.
        `SQL("CASE WHEN <condition> THEN 'quarantined' ELSE %s END", super()...)`,
        the new bucket added to `bucket` with selection_add."""
        return bucket_case_sql(self._bucket_of_state(), "not_received")

    # --- actions ---------------------------------------------------------------------
    def action_mark_remedied(self):
        """The customer's unit was remedied another way (replaced, refunded)."""
        self._set_outreach(
            "remedied", ("to_notify", "notified", "not_delivered", "acknowledged")
        )

    def action_mark_unreachable(self):
        """Nobody could reach the customer holding this unit."""
        self._set_outreach("unreachable", ("to_notify", "notified", "not_delivered"))

    def action_resend_notice(self):
        """Mail the notice again to the customers of these units, whose last notice
        the mail server refused (for example once their address is corrected)."""
        self.check_access("write")
        delivered = self.filtered(lambda line: line.outreach_state != "not_delivered")
        if delivered:
            raise UserError(
                _(
                    "Only the units whose notice was not delivered can be resent: "
                    "the outreach of serial %(serial)s is %(state)s.",
                    serial=delivered[0].lot_id.name,
                    state=dict(
                        self._fields["outreach_state"]._description_selection(self.env)
                    ).get(delivered[0].outreach_state, "-"),
                )
            )
        self._set_outreach("to_notify", ("not_delivered",))
        return self.env["serial.recall.notice"]._queue_recall_notices(
            self.recall_id, lines=self
        )

    # --- business methods ------------------------------------------------------------
    def _set_outreach(self, outreach_state, from_states):
        self.check_access("write")
        if any(line.recall_id.state != "active" for line in self):
            raise UserError(
                _(
                    "Only the units of an active recall can be marked: activate "
                    "it first."
                )
            )
        wrong = self.filtered(lambda line: line.outreach_state not in from_states)
        if wrong:
            raise UserError(wrong[0]._outreach_refusal(outreach_state))
        self.write({"outreach_state": outreach_state})

    def _outreach_refusal(self, outreach_state):
        """Why this line's outreach cannot become `outreach_state`: a whole sentence
        per target, the current state's label as it is."""
        self.ensure_one()
        labels = dict(self._fields["outreach_state"]._description_selection(self.env))
        names = {
            "serial": self.lot_id.name,
            "state": labels.get(self.outreach_state, "-"),
        }
        if outreach_state == "remedied":
            return _(
                "Serial %(serial)s cannot be marked remedied: its outreach is "
                "%(state)s. Select units at a customer that are not settled yet.",
                **names,
            )
        if outreach_state == "unreachable":
            return _(
                "Serial %(serial)s cannot be marked unreachable: its outreach is "
                "%(state)s. Select units at a customer that are not settled yet.",
                **names,
            )
        return _(
            "Serial %(serial)s cannot be notified again: its outreach is %(state)s. "
            "Only the units whose notice was not delivered can be.",
            **names,
        )

    def _active_recall_notes(self, lots):
        """{lot id: what its form, history and certificate say} for the `lots` (read
        by the caller) that are part of an active recall: the recall, its reason and,
        for a unit at a customer, how the outreach goes."""
        lines = self.sudo().search(
            [("lot_id", "in", lots.ids), ("recall_id.state", "=", "active")],
            order="id",
        )
        outreach = dict(self._fields["outreach_state"]._description_selection(self.env))
        notes = {}
        for line in lines:
            if line.lot_id.id in notes:
                continue  # the first recall that listed the unit
            note = _(
                "Under active recall %(recall)s: %(reason)s",
                recall=line.recall_id.name,
                reason=(line.recall_id.reason or "").strip(),
            )
            if line.outreach_state:
                note += " " + _(
                    "(customer notice: %(outreach)s)",
                    outreach=outreach[line.outreach_state],
                )
            notes[line.lot_id.id] = note
        return notes

    def _track_serial_events(self, events):
        """After stock.lot._apply_serial_events: the units of an active recall coming
        back update their line. A sold unit returned (POS refund, return transfer) or
        brought in for repair: returned; a repair finished: remedied; scrapped: its
        resolution. A unit back in our hands is recalled again at once, with the
        recall as its document, so it stays out of sale until the recall closes."""
        tracked = [event for event in events if event.event in TRACKED_EVENTS]
        if not tracked:
            return
        lot_ids = list({event.lot.id for event in tracked})
        self.env["serial.recall.line"].flush_model(["lot_id", "recall_id"])
        self.env.cr.execute(
            """SELECT line.id FROM serial_recall_line line
                 JOIN serial_recall recall ON recall.id = line.recall_id
                WHERE line.lot_id = ANY(%s) AND recall.state = 'active'
                ORDER BY line.id""",
            [lot_ids],
        )
        lines = self.sudo().browse([row[0] for row in self.env.cr.fetchall()])
        if not lines:
            return
        by_lot = lines.grouped("lot_id")
        to_block = self.env["serial.recall.line"].sudo()
        for event in tracked:
            for line in by_lot.get(event.lot, ()):
                to_block |= line._track_event(event)
        to_block._block_units()

    def _track_event(self, event):
        """This line after one tracked event of its unit; itself when the unit is in
        our hands again and must be recalled."""
        name, lot = event.event, self.lot_id
        if name == "scrapped":
            self.resolution = "scrapped"
            return self.browse()
        if name == "repair_out":
            repair = self.env["repair.order"].browse(
                event.res_id if event.res_model == "repair.order" else ()
            )
            if repair.exists().state == "done":
                self.outreach_state = "remedied"
        elif self.outreach_state in (*OPEN_OUTREACH, "acknowledged") or (
            not self.outreach_state and self.bucket == "sold"
        ):
            # a customer's unit returned, or brought in for repair: back in our hands
            self.outreach_state = "returned"
        return self if lot.serial_state in SELLABLE_STATES else self.browse()

    def _block_units(self):
        """Recall the units of these lines (in stock or returned), with their recall
        as the document, in one batch of events."""
        lines = self.browse()
        for lot, lot_lines in self.grouped("lot_id").items():
            # a unit in two active recalls is recalled once, by the first
            if lot.serial_state in SELLABLE_STATES:
                lines |= lot_lines[:1]
        self.env["stock.lot"]._apply_serial_events(
            [
                SerialEvent(
                    line.lot_id,
                    "recalled",
                    res_model="serial.recall",
                    res_id=line.recall_id.id,
                    reference=line.recall_id.name,
                    note=line.recall_id.reason,
                )
                for line in lines
            ]
        )
