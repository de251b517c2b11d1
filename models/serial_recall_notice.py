import secrets

from odoo import _, api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL, consteq

from .serial_recall_line import ANSWERS

NOTICE_STATES = [
    ("queued", "Queued"),
    ("sent", "Sent"),
    ("failed", "Not Delivered"),
    ("answered", "Answered"),
]
NOTICE_ANSWERS = [*ANSWERS, ("mixed", "Several Answers")]
# the answer does not take a line back: a unit already back or remedied stays so
SETTLED_OUTREACH_STATES = ("returned", "remedied")
NOTICE_MAIL_TEMPLATE = "pos_serial_tracking.serial_recall_notice_mail_template"


class SerialRecallNotice(models.Model):
    """The notice to one customer of a recall, grouping their units, queued through
    Odoo's mail queue, with the unguessable token of their acknowledgement page
    (portal.mixin's access_token: 43 random characters, readable by system
    administrators only)."""

    _name = "serial.recall.notice"
    _inherit = "portal.mixin"
    _description = "Serial Recall Notice"
    _order = "recall_id, id"
    _check_company_auto = True

    @api.model
    def _default_access_token(self):
        # longer than portal.mixin's own (a uuid4): the page needs no login
        return secrets.token_urlsafe(32)

    recall_id = fields.Many2one(
        "serial.recall", required=True, index=True, ondelete="cascade"
    )
    company_id = fields.Many2one(
        "res.company", related="recall_id.company_id", store=True, index=True
    )
    partner_id = fields.Many2one(
        "res.partner", string="Customer", required=True, index=True
    )
    line_ids = fields.One2many(
        "serial.recall.line", "notice_id", string="Customer's Units"
    )
    access_token = fields.Char(
        copy=False,
        default=lambda self: self._default_access_token(),
        groups="base.group_system",
    )
    unit_count = fields.Integer(
        string="Units", compute="_compute_unit_count", store=True
    )
    state = fields.Selection(
        NOTICE_STATES,
        compute="_compute_state",
        store=True,
        index=True,
        help="Queued: waiting in the mail queue; Sent: handed to the mail server; "
        "Not Delivered: the mail server refused it (see the mail); Answered: the "
        "customer answered on their acknowledgement page.",
    )
    sent_date = fields.Datetime(
        string="Notified On",
        readonly=True,
        help="When the last mail of this notice was queued.",
    )
    mail_id = fields.Many2one(
        "mail.mail",
        readonly=True,
        ondelete="set null",
        index="btree_not_null",  # the mail queue's sending updates the notice's state
        help="The last mail of this notice (kept after sending).",
    )
    mail_state = fields.Selection(related="mail_id.state", string="Mail Status")
    answer = fields.Selection(
        NOTICE_ANSWERS, compute="_compute_answer", store=True, readonly=True
    )
    answer_date = fields.Datetime(compute="_compute_answer", store=True, readonly=True)
    ack_url = fields.Char(
        string="Acknowledgement Link",
        compute="_compute_ack_url",
        groups="pos_serial_tracking.group_serial_manager",
        help="The customer's own page, without login, where they answer for their "
        "units. Anyone holding the link can answer: give it to this customer only.",
    )

    product_names = fields.Char(
        compute="_compute_product_names",
        help="The recalled products this customer holds, as their notice names them.",
    )

    _sql_constraints = [  # noqa: RUF012 Odoo reads this class attribute
        (
            "recall_partner_unique",
            "unique(recall_id, partner_id)",
            "A customer gets one notice per recall.",
        )
    ]

    @api.depends("recall_id", "partner_id")
    def _compute_display_name(self):
        for notice in self:
            notice.display_name = (
                f"{notice.recall_id.name} - {notice.partner_id.display_name}"
            )

    @api.depends("line_ids")
    def _compute_unit_count(self):
        counts = dict(
            self.env["serial.recall.line"]._read_group(
                [("notice_id", "in", self.ids)], ["notice_id"], ["__count"]
            )
        )
        for notice in self:
            notice.unit_count = counts.get(notice, 0)

    @api.depends("mail_id.state", "answer_date")
    def _compute_state(self):
        for notice in self:
            if notice.answer_date:
                notice.state = "answered"
            elif notice.mail_id.state in ("sent", "received"):
                notice.state = "sent"
            elif notice.mail_id.state in ("exception", "cancel"):
                notice.state = "failed"
            else:  # outgoing (or the mail deleted by hand: nothing more to tell)
                notice.state = "queued"

    @api.depends("line_ids.answer", "line_ids.answer_date")
    def _compute_answer(self):
        for notice in self:
            answered = notice.line_ids.filtered("answer")
            answers = set(answered.mapped("answer"))
            notice.answer = (
                (answers.pop() if len(answers) == 1 else "mixed") if answers else False
            )
            notice.answer_date = max(answered.mapped("answer_date"), default=False)

    def _compute_access_url(self):
        for notice in self:
            # the page without its key: _get_share_url() adds ?access_token=
            notice.access_url = f"/serial/recall/{notice.id}" if notice.id else "#"

    def _compute_ack_url(self):
        for notice in self:
            # the key in the path, as the mails carry it (the controller takes both)
            notice.ack_url = (
                f"{notice.get_base_url()}{notice.access_url}/"
                f"{notice.sudo()._portal_ensure_token()}"
                if notice.id
                else False
            )

    @api.depends("line_ids.product_id")
    @api.depends_context("lang")
    def _compute_product_names(self):
        for notice in self:
            notice.product_names = ", ".join(notice.line_ids.product_id.mapped("name"))

    def action_resend(self):
        """Mail these notices again, for their units the mail server refused."""
        lines = self.line_ids.filtered(
            lambda line: line.outreach_state == "not_delivered"
        )
        if not lines:
            raise UserError(
                _(
                    "Only a notice the mail server refused can be resent: its units "
                    "say Not Delivered."
                )
            )
        return lines.action_resend_notice()

    @api.model
    def mail_allowed_qweb_expressions(self):
        # the notice template's subject, sender and recipients: rendered without
        # evaluating code for each customer
        return (
            *super().mail_allowed_qweb_expressions(),
            "object.partner_id.id",
            "object.partner_id.lang",
            "object.company_id.email_formatted",
            "object.recall_id.name",
            "object.product_names",
        )

    # ------------------------------------------------------------------
    # queueing
    # ------------------------------------------------------------------

    @api.model
    def _queue_recall_notices(self, recalls, lines=None):
        """Notify every customer holding units of `recalls` still to notify (of
        `lines` only, when given): one notice per recall and customer (kept across
        runs), one mail per customer naming only their units, queued for the `mail`
        cron (nothing is sent here). Customers without a usable email address get
        none: their units become unreachable, noted on the recall. Returns the
        notices mailed."""
        # the gate: writing on the recalls is a Serial Manager's right, in their
        # companies (record rules); everything after acts on these recalls only
        recalls.check_access("write")
        not_active = recalls.filtered(lambda recall: recall.state != "active")
        if not_active:
            raise UserError(
                _(
                    "Notices go out for active recalls only; %(recalls)s is not "
                    "active. Activate the recall first, or reopen a new one.",
                    recalls=", ".join(not_active.mapped("name")),
                )
            )
        Line = self.env["serial.recall.line"]
        domain = [
            ("recall_id", "in", recalls.ids),
            ("outreach_state", "=", "to_notify"),
        ]
        if lines is not None:
            domain.append(("id", "in", lines.ids))
        groups = Line._read_group(
            domain,
            ["recall_id", "partner_id"],
            ["id:array_agg"],
        )
        reachable, unreachable = [], Line
        for recall, partner, line_ids in groups:
            if partner.email_normalized:
                reachable.append((recall, partner, line_ids))
            else:
                unreachable |= Line.browse(line_ids)
        notices = self._notices_for(reachable)
        self._note_unreachable(unreachable)
        if notices:
            self._send_notice_mails(notices)
        return notices

    def _notices_for(self, groups):
        """The notice of each (recall, customer, line ids) group, created with its
        token or found from an earlier run, with the group's lines linked and
        notified."""
        if not groups:
            return self
        existing = {
            (notice.recall_id, notice.partner_id): notice
            for notice in self.search(
                [
                    ("recall_id", "in", list({recall.id for recall, *_ in groups})),
                    (
                        "partner_id",
                        "in",
                        list({partner.id for _r, partner, _l in groups}),
                    ),
                ]
            )
        }
        new_groups = [group for group in groups if group[:2] not in existing]
        # the token (access_token's default) is readable by system administrators
        # only: written as superuser
        created = (
            self.sudo()
            .create(
                [
                    {"recall_id": recall.id, "partner_id": partner.id}
                    for recall, partner, _line_ids in new_groups
                ]
            )
            .sudo(False)
        )
        notice_of = dict(zip((group[:2] for group in new_groups), created, strict=True))
        notice_of.update(existing)
        linked = {
            line_id: notice_of[(recall, partner)].id
            for recall, partner, line_ids in groups
            for line_id in line_ids
        }
        self._update_per_record(
            self.env["serial.recall.line"],
            "notice_id",
            linked,
            outreach_state="notified",
        )
        return self.browse(list(dict.fromkeys(linked.values())))

    @api.model
    def _update_per_record(self, model, fname, value_of, **common):
        """Write `value_of[id]` (an id) into the many2one `fname` of each record of
        `model` and the `common` values into all of them, in one statement: the ORM
        writes one UPDATE per record when the values differ, too slow for the
        thousands of notices of a recall. The cache is dropped and the fields
        depending on these are recomputed, as after a write."""
        fnames = [fname, *common]
        records = model.browse(list(value_of))
        records.check_access("write")
        model.flush_model(fnames)
        assignments = SQL(", ").join(
            [
                SQL("%s = v.value", SQL.identifier(fname)),
                *(
                    SQL("%s = %s", SQL.identifier(name), value)
                    for name, value in common.items()
                ),
                SQL("write_uid = %s", self.env.uid),
                SQL("write_date = (now() AT TIME ZONE 'UTC')"),
            ]
        )
        self.env.cr.execute(
            SQL(
                """UPDATE %(table)s AS row SET %(assignments)s
                     FROM unnest(%(ids)s::int[], %(values)s::int[]) AS v(id, value)
                    WHERE row.id = v.id""",
                table=SQL.identifier(model._table),
                assignments=assignments,
                ids=list(value_of),
                values=list(value_of.values()),
            )
        )
        records.invalidate_recordset([*fnames, "write_uid", "write_date"])
        comodel = self.env[model._fields[fname].comodel_name]
        comodel.invalidate_model(
            [
                field.name
                for field in comodel._fields.values()
                if field.type == "one2many"
                and field.comodel_name == model._name
                and field.inverse_name == fname
            ]
        )
        records.modified(fnames)

    def _send_notice_mails(self, notices):
        """One mail per notice from the editable template, rendered for many notices
        at once (mail.template._queue_mail_batch), left in the queue for the `mail`
        cron."""
        template = self.env.ref(NOTICE_MAIL_TEMPLATE)
        mails = template._queue_mail_batch(notices.ids)
        self._update_per_record(
            notices,
            "mail_id",
            dict(zip(notices.ids, mails.ids, strict=True)),
            sent_date=fields.Datetime.now(),
        )
        for recall in notices.recall_id:
            mailed = notices.filtered(
                lambda notice, recall=recall: notice.recall_id == recall
            )
            recall._message_log(
                body=_(
                    "Recall notices queued for %(customers)s customers "
                    "(%(units)s units).",
                    customers=len(mailed),
                    units=sum(mailed.mapped("unit_count")),
                ),
            )

    @api.model
    def _note_not_delivered(self, mails, failure_reason=False):
        """After the mail queue's try: the notices whose mail the mail server
        refused are not delivered, and so are their units still counted as
        notified; noted on the recall, with the server's reason."""
        notices = self.sudo().search([("mail_id", "in", mails.ids)])
        if not notices:
            return
        lines = notices.line_ids.filtered(
            lambda line: line.outreach_state == "notified"
        )
        lines.outreach_state = "not_delivered"
        for notice in notices:
            notice.recall_id._message_log(
                body=_(
                    "The notice to %(customer)s was not delivered (%(reason)s): "
                    "correct their address and resend it, or mark their units "
                    "unreachable.",
                    customer=notice.partner_id.display_name,
                    reason=failure_reason
                    or notice.mail_id.failure_reason
                    or _("refused by the mail server"),
                ),
            )

    def _note_unreachable(self, lines):
        if not lines:
            return
        lines.outreach_state = "unreachable"
        for recall in lines.recall_id:
            partners = lines.filtered(
                lambda line, recall=recall: line.recall_id == recall
            ).partner_id
            recall._message_log(
                body=_(
                    "No notice for %(count)s customers without a usable email "
                    "address (their units are unreachable): %(customers)s. Reach "
                    "them another way and record what they say.",
                    count=len(partners),
                    customers=", ".join(partners[:50].mapped("display_name"))
                    + (", ..." if len(partners) > 50 else ""),
                ),
            )

    # ------------------------------------------------------------------
    # the customer's page (controllers/serial_recall.py)
    # ------------------------------------------------------------------

    @api.model
    def _get_by_token(self, notice_id, token):
        """The notice `notice_id` as superuser if `token` is its token (portal.mixin's
        access_token, compared in constant time), else an empty recordset: the only
        way in for the public page, whoever is logged in."""
        notice = self.sudo().browse(notice_id).exists()
        if not notice or not notice.access_token or not isinstance(token, str):
            return self
        if not consteq(notice.access_token.encode(), token.encode()):
            return self
        return notice

    def _record_answer(self, answer, lot_ids=None):
        """The customer's `answer` for their units of this notice (`lot_ids`, or all
        of them): kept on each unit, acknowledged (unless already back or remedied),
        and noted on the recall. Called from the token-checked page."""
        self.ensure_one()
        if answer not in dict(ANSWERS):
            raise UserError(_("Choose one of the answers offered."))
        if self.recall_id.state != "active":
            raise UserError(
                _(
                    "Recall %(recall)s is closed: no answer is needed any more.",
                    recall=self.recall_id.name,
                )
            )
        lines = self.line_ids
        if lot_ids:
            lines = lines.filtered(lambda line: line.lot_id.id in lot_ids)
        if not lines:
            return lines
        now = fields.Datetime.now()
        lines.write({"answer": answer, "answer_date": now})
        lines.filtered(
            lambda line: line.outreach_state not in SETTLED_OUTREACH_STATES
        ).outreach_state = "acknowledged"
        labels = dict(
            self.env["serial.recall.line"]
            ._fields["answer"]
            ._description_selection(self.env)
        )
        self.recall_id._message_log(
            body=_(
                "%(customer)s answered “%(answer)s” for %(serials)s.",
                customer=self.partner_id.display_name,
                answer=labels[answer],
                serials=", ".join(lines.lot_id.mapped("name")),
            ),
            author_id=self.partner_id.id,
        )
        return lines

    def _page_values(self):
        """What the customer's page shows: the recall's facts and their units only."""
        self.ensure_one()
        recall = self.recall_id
        answers = (
            self.env["serial.recall.line"]
            ._fields["answer"]
            ._description_selection(self.env)
        )
        return {
            "notice": self,
            "recall": recall,
            "company": recall.company_id,
            "res_company": recall.company_id,
            "lines": self.line_ids.sorted(lambda line: line.lot_id.name),
            "products": self.line_ids.product_id,
            "answers": answers,
            "answer_labels": dict(answers),
            "can_answer": recall.state == "active",
        }
