from collections import defaultdict

from odoo import _, api, fields, models
from odoo.exceptions import UserError

from .serial_recall_line import ACCOUNTED_OUTREACH, OPEN_OUTREACH

RECALL_STATES = [("draft", "Draft"), ("active", "Active"), ("closed", "Closed")]
NOTIFIED_OR_BEYOND = ("notified", *ACCOUNTED_OUTREACH)
# the count fields of the form's buttons: {field: bucket} (see _bucket_count_fields)
BUCKET_COUNTS = {
    "in_stock_count": "in_stock",
    "sold_count": "sold",
    "in_repair_count": "in_repair",
    "returned_count": "returned",
    "lost_stolen_count": "lost_stolen",
    "scrapped_count": "scrapped",
    "not_received_count": "not_received",
    "recalled_count": "recalled",
}
RECALL_CLASSES = [
    ("1", "Class I"),  # a reasonable probability of serious harm
    ("2", "Class II"),
    ("3", "Class III"),
]


class SerialRecall(models.Model):
    """A recall case: which units are affected (by product, serial ranges, prefixes,
    single serials, import batch, receipt dates or a file of serials), where each one is
    (serial.recall.line, located set-based), blocking those in our hands, a notice to
    every customer holding one (serial.recall.notice, through the mail queue), their
    answers, and the closing of every unit still recalled. Every step is in the units'
    history with the recall as its document."""

    _name = "serial.recall"
    _description = "Serial Recall"
    _inherit = ("mail.thread", "mail.activity.mixin")
    _order = "id desc"
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
    state = fields.Selection(
        RECALL_STATES,
        default="draft",
        required=True,
        readonly=True,
        copy=False,
        tracking=True,
        index=True,
    )
    user_id = fields.Many2one(
        "res.users",
        string="Responsible",
        default=lambda self: self.env.user,
        tracking=True,
    )
    reason = fields.Text(
        required=True,
        help="The problem, as the customers will read it in their notice.",
    )
    recall_class = fields.Selection(
        RECALL_CLASSES,
        string="Class",
        tracking=True,
        help="Class I: a reasonable probability of serious harm; Class II: temporary "
        "or reversible harm; Class III: unlikely to cause harm.",
    )
    firm_reference = fields.Char(
        string="Recalling Firm's Reference",
        help="The reference the manufacturer or the authority gave this recall.",
    )
    customer_instructions = fields.Text(
        string="Instructions for Customers",
        help="What a customer holding a unit should do, as written in their notice.",
    )
    deadline = fields.Date(tracking=True)
    # which units: every criterion given must match (an empty one is left out)
    product_ids = fields.Many2many(
        "product.product",
        string="Products",
        check_company=True,
        domain="[('tracking', '=', 'serial')]",
    )
    serial_ranges = fields.Text(
        string="Serials",
        help="One per line: a range (SN-0100..SN-0199), a prefix (SN-01*) or a "
        "single serial.",
    )
    import_batch_ids = fields.Many2many(
        "stock.lot.import.batch",
        string="Import Batches",
        check_company=True,
    )
    received_from = fields.Date()
    received_to = fields.Date(string="Received Until")
    serial_file = fields.Binary(
        string="File of Serials",
        attachment=True,
        help="A CSV or XLSX file whose first column holds the affected serials.",
    )
    serial_file_name = fields.Char()
    line_ids = fields.One2many(
        "serial.recall.line", "recall_id", string="Affected Units", copy=False
    )
    notice_ids = fields.One2many(
        "serial.recall.notice", "recall_id", string="Notices", copy=False
    )
    located_date = fields.Datetime(string="Located On", readonly=True, copy=False)
    activated_date = fields.Datetime(string="Activated On", readonly=True, copy=False)
    closed_date = fields.Datetime(string="Closed On", readonly=True, copy=False)
    close_reason = fields.Text(readonly=True, copy=False)
    effectiveness_rate = fields.Float(
        compute="_compute_rates",
        help="Units acknowledged, returned or remedied, out of the units whose "
        "customer was notified or has answered since (%).",
    )
    recovery_rate = fields.Float(
        compute="_compute_rates",
        help="Affected units accounted for, out of all affected units (%). A unit is "
        "accounted for once it is back in our hands and blocked (recalled), "
        "scrapped, returned or remedied, once its customer has answered, or once "
        "the closing resolved it.",
    )
    line_count = fields.Integer(string="Affected", compute="_compute_counts")
    in_stock_count = fields.Integer(string="In Stock", compute="_compute_counts")
    sold_count = fields.Integer(string="At Customers", compute="_compute_counts")
    in_repair_count = fields.Integer(string="In Repair", compute="_compute_counts")
    returned_count = fields.Integer(string="Returned", compute="_compute_counts")
    lost_stolen_count = fields.Integer(
        string="Lost or Stolen", compute="_compute_counts"
    )
    scrapped_count = fields.Integer(string="Scrapped", compute="_compute_counts")
    not_received_count = fields.Integer(
        string="Not in Custody", compute="_compute_counts"
    )
    recalled_count = fields.Integer(
        string="Already Recalled", compute="_compute_counts"
    )
    no_contact_count = fields.Integer(
        string="No Contact",
        compute="_compute_counts",
        help="Units at customers with no customer recorded (POS sales without a "
        "customer): no notice can reach them.",
    )
    open_count = fields.Integer(
        string="Waiting for Customers",
        compute="_compute_counts",
        help="Units still waiting for their customer: to notify, notified, not "
        "delivered or unreachable.",
    )

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            if vals.get("name", _("New")) == _("New"):
                vals["name"] = self.env["ir.sequence"].next_by_code("serial.recall")
        return super().create(vals_list)

    @api.depends("line_ids.bucket", "line_ids.partner_id", "line_ids.outreach_state")
    def _compute_counts(self):
        Line = self.env["serial.recall.line"]
        counts = self._bucket_counts()
        count_fields = self._bucket_count_fields()
        no_contact = dict(
            Line._read_group(
                [
                    ("recall_id", "in", self.ids),
                    ("bucket", "=", "sold"),
                    ("partner_id", "=", False),
                ],
                ["recall_id"],
                ["__count"],
            )
        )
        waiting = dict(
            Line._read_group(
                [
                    ("recall_id", "in", self.ids),
                    ("outreach_state", "in", list(OPEN_OUTREACH)),
                ],
                ["recall_id"],
                ["__count"],
            )
        )
        for recall in self:
            by_bucket = counts.get(recall.id, {})
            recall.open_count = waiting.get(recall, 0)
            for field, bucket in count_fields.items():
                recall[field] = by_bucket.get(bucket, 0)
            recall.line_count = sum(by_bucket.values())
            recall.no_contact_count = no_contact.get(recall, 0)

    @api.depends(
        "line_ids.outreach_state",
        "line_ids.answer",
        "line_ids.resolution",
        "line_ids.lot_id.serial_state",
    )
    def _compute_rates(self):
        figures = {}
        if self.ids:
            self.env["serial.recall.line"].flush_model()
            self.env["stock.lot"].flush_model(["serial_state"])
            self.env.cr.execute(
                """SELECT line.recall_id,
                          count(*) FILTER (WHERE line.outreach_state = ANY(%(done)s)),
                          count(*) FILTER (
                              WHERE line.outreach_state = ANY(%(notified)s)),
                          count(*) FILTER (
                              WHERE lot.serial_state IN ('recalled', 'scrapped')
                                 OR line.outreach_state = ANY(%(done)s)
                                 OR line.answer IS NOT NULL
                                 OR line.resolution IS NOT NULL),
                          count(*)
                     FROM serial_recall_line line
                     JOIN stock_lot lot ON lot.id = line.lot_id
                    WHERE line.recall_id = ANY(%(ids)s)
                    GROUP BY line.recall_id""",
                {
                    "ids": self.ids,
                    "done": list(ACCOUNTED_OUTREACH),
                    "notified": list(NOTIFIED_OR_BEYOND),
                },
            )
            figures = {row[0]: row[1:] for row in self.env.cr.fetchall()}
        for recall in self:
            done, notified, accounted, total = figures.get(recall.id, (0, 0, 0, 0))
            recall.effectiveness_rate = 100.0 * done / notified if notified else 0.0
            recall.recovery_rate = 100.0 * accounted / total if total else 0.0

    def action_locate(self):
        """Snapshot every affected unit in serial.recall.line with its bucket, its
        location and its customer, set-based; run again, it replaces the lines."""
        self._check_manageable("draft")
        for recall in self:
            count = recall._locate_units()
            recall._message_log(
                body=_("%(count)s affected units located.", count=count)
            )
        return True

    def action_activate(self):
        """Block the units in our hands (recalled); customers' units wait for notices
        (to notify, or unreachable when the sale has no customer)."""
        self._check_manageable("draft")
        for recall in self:
            # whether it has lines, without reading them all
            if not self.env["serial.recall.line"].search_count(
                [("recall_id", "=", recall.id)], limit=1
            ):
                raise UserError(
                    _(
                        "Recall %(recall)s has no affected units: locate them first.",
                        recall=recall.name,
                    )
                )
            activation = recall._activate_units()
            recall.write({"state": "active", "activated_date": fields.Datetime.now()})
            recall._message_log(
                body=_(
                    "Recall activated: %(blocked)s units in our hands recalled, "
                    "%(customers)s units at customers to notify.",
                    blocked=activation.recalled,
                    customers=activation.to_notify,
                )
            )
        return True

    def action_send_notices(self):
        """Queue one notice per affected customer (serial.recall.notice)."""
        return self.env["serial.recall.notice"]._queue_recall_notices(self)

    def action_close(self):
        """The closing wizard: release or scrap every unit still recalled."""
        self._check_manageable("active")
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": _("Close %s", self.name),
            "res_model": "serial.recall.close",
            "view_mode": "form",
            "target": "new",
            "context": {"default_recall_id": self.id},
        }

    def action_view_lines(self):
        """The affected units, those of one bucket (context `recall_bucket`) or the
        units at customers with no contact (`recall_no_contact`)."""
        self.ensure_one()
        self.check_access("read")
        domain = [("recall_id", "=", self.id)]
        bucket = self.env.context.get("recall_bucket")
        if bucket:
            domain.append(("bucket", "=", bucket))
        if self.env.context.get("recall_no_contact"):
            domain += [("bucket", "=", "sold"), ("partner_id", "=", False)]
        return {
            "type": "ir.actions.act_window",
            "name": _("Units of %s", self.name),
            "res_model": "serial.recall.line",
            "view_mode": "list",
            "domain": domain,
            "context": {"create": False},
        }

    # --- business methods ------------------------------------------------------------
    def _close(self, resolution, reason=None):
        """Close these active recalls: every unit this recall still holds recalled is
        released (back to the state it had, `recall_closed`) or scrapped (through a
        stock scrap when it is in stock); the lines get their resolution. `resolution`:
        "released" or "scrapped"; `reason` is required while units wait for their
        customer (to notify, notified, not delivered, unreachable)."""
        self._check_manageable("active")
        if resolution not in ("released", "scrapped"):
            raise UserError(_("Choose whether to release or to scrap the units."))
        reason = (reason or "").strip()
        for recall in self:
            open_lines = recall.line_ids.filtered(
                lambda line: line.outreach_state in OPEN_OUTREACH
            )
            if open_lines and not reason:
                raise UserError(
                    _(
                        "%(count)s units of %(recall)s still wait for their customer "
                        "(to notify, notified, not delivered or unreachable): give the "
                        "reason for closing the recall anyway.",
                        count=len(open_lines),
                        recall=recall.name,
                    )
                )
            held = set(recall._held_lots().ids)
            lines = recall.line_ids.filtered(
                lambda line, held=held: line.lot_id.id in held
            )
            if resolution == "released":
                recall._release_units(lines, reason)
            else:
                recall._scrap_units(lines, reason)
            lines.resolution = resolution
            recall.write(
                {
                    "state": "closed",
                    "closed_date": fields.Datetime.now(),
                    "close_reason": reason or False,
                }
            )
            recall._message_log(
                body=(
                    _("Recall closed: %(count)s units released.", count=len(lines))
                    if resolution == "released"
                    else _("Recall closed: %(count)s units scrapped.", count=len(lines))
                )
            )
        return True

    def _check_manageable(self, state):
        """The gate of the recall's actions, before any sudo(): the caller may change
        these recalls (Serial Managers), which are all in `state`."""
        self.check_access("write")
        wrong = self.filtered(lambda recall: recall.state != state)
        if wrong:
            states = dict(self._fields["state"]._description_selection(self.env))
            names = {"recall": wrong[0].name, "state": states[wrong[0].state]}
            if state == "draft":
                message = _(
                    "Recall %(recall)s is in state %(state)s: this can be done only "
                    "on a draft recall.",
                    **names,
                )
            elif state == "active":
                message = _(
                    "Recall %(recall)s is in state %(state)s: this can be done only "
                    "on an active recall.",
                    **names,
                )
            else:
                message = _(
                    "Recall %(recall)s is in state %(state)s: this can be done only "
                    "on a recall in state %(expected)s.",
                    expected=states[state],
                    **names,
                )
            raise UserError(message)

    def _event_document(self):
        self.ensure_one()
        return {
            "res_model": "serial.recall",
            "res_id": self.id,
            "reference": self.name,
        }

    def _bucket_counts(self):
        """{recall id: {bucket: number of units}} of these recalls' lines, every
        bucket with units (serial.recall.line._recall_buckets), in one query. Read by
        the count fields and the status report. May be overridden."""
        counts = defaultdict(dict)
        for recall, bucket, count in self.env["serial.recall.line"]._read_group(
            [("recall_id", "in", self.ids)], ["recall_id", "bucket"], ["__count"]
        ):
            counts[recall.id][bucket] = count
        return counts

    @api.model
    def _bucket_count_fields(self):
        """{count field of serial.recall: its bucket}: the figures of the form's
        buttons. A module adding a bucket adds its Integer field (compute=
        "_compute_counts") and returns it here with super(). Every bucket counts in
        line_count, with a field or not."""
        return dict(BUCKET_COUNTS)
