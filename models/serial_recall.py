from odoo import _, api, fields, models

RECALL_STATES = [("draft", "Draft"), ("active", "Active"), ("closed", "Closed")]
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
    received_from = fields.Date(string="Received From")
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
        help="Customers' units acknowledged, returned or remedied, out of those "
        "notified (%).",
    )
    recovery_rate = fields.Float(
        compute="_compute_rates",
        help="Affected units accounted for, out of all affected units (%).",
    )

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            if vals.get("name", _("New")) == _("New"):
                vals["name"] = self.env["ir.sequence"].next_by_code("serial.recall")
        return super().create(vals_list)

    def _compute_rates(self):
        # filled in by the recall's tracking
        for recall in self:
            recall.effectiveness_rate = 0.0
            recall.recovery_rate = 0.0

    def action_locate(self):
        """Snapshot every affected unit in serial.recall.line with its bucket."""
        raise NotImplementedError

    def action_activate(self):
        """Block the units in our hands (recalled); customers' units wait for notices."""
        raise NotImplementedError

    def action_send_notices(self):
        """Queue one notice per affected customer (serial.recall.notice)."""
        return self.env["serial.recall.notice"]._queue_recall_notices(self)

    def action_close(self):
        """Release or scrap every unit still recalled, and close the recall."""
        raise NotImplementedError
