from typing import NamedTuple

from odoo import _, api, models
from odoo.tools import format_date, format_datetime, formatLang

from ..models.serial_recall_line import OPEN_OUTREACH, OUTREACH_STATES
from ..models.serial_recall_notice import NOTICE_STATES

OPEN_UNITS_SHOWN = 500  # a longer list is cut, with the number left out


class OpenUnit(NamedTuple):
    """A unit of the recall still open: waiting for its customer, or still recalled."""

    serial: str
    product: str
    bucket: str
    customer: str
    outreach: str
    state: str


class RecallStatus(NamedTuple):
    """What the recall status report says about one recall."""

    recall: models.Model
    recall_class: str
    state: str
    located: str
    activated: str
    closed: str
    deadline: str
    buckets: list  # (label, count)
    notices: list  # (label, count)
    outreach: list  # (label, count)
    effectiveness: str
    recovery: str
    open_units: list
    open_count: int


class ReportSerialRecallStatus(models.AbstractModel):
    """The recall status report (report/serial_recall_templates.xml), as a recall
    status report to an authority has it (21 CFR 7.53): the recall's facts, its units
    per bucket, the notices and the customers' answers, the effectiveness and recovery
    rates, and every unit still open, in the user's language and time zone."""

    _name = "report.pos_serial_tracking.report_serial_recall_status"
    _inherit = "serial.compliance.report"
    _description = "Recall Status Report"

    @api.model
    def _get_report_values(self, docids, data=None):
        self._check_report_printer(
            _("Only Serial Managers and Serial Auditors can print recall reports."),
        )
        recalls = self.env["serial.recall"].browse(docids)
        recalls.check_access("read")  # another company's recalls are refused
        printed = self._report_printing_values()
        tz = printed["timezone"]
        return {
            "doc_ids": docids,
            "doc_model": "serial.recall",
            "docs": recalls,
            "statuses": [self._status(recall, tz) for recall in recalls],
            **printed,
        }

    def _status(self, recall, tz):
        Line = self.env["serial.recall.line"]
        by_bucket = recall._bucket_counts().get(recall.id, {})
        buckets = Line._recall_buckets()
        bucket_labels = dict(buckets)
        by_outreach = dict(
            Line._read_group(
                [("recall_id", "=", recall.id), ("outreach_state", "!=", False)],
                ["outreach_state"],
                ["__count"],
            )
        )
        by_notice = dict(
            self.env["serial.recall.notice"]._read_group(
                [("recall_id", "=", recall.id)], ["state"], ["__count"]
            )
        )
        open_domain = [
            ("recall_id", "=", recall.id),
            "|",
            ("outreach_state", "in", list(OPEN_OUTREACH)),
            ("lot_id.serial_state", "=", "recalled"),
        ]
        open_lines = Line.search(open_domain, limit=OPEN_UNITS_SHOWN)

        def when(value):
            return format_datetime(self.env, value, tz=tz) if value else "-"

        return RecallStatus(
            recall=recall,
            recall_class=dict(self._selection(recall, "recall_class", [])).get(
                recall.recall_class, "-"
            ),
            state=dict(self._selection(recall, "state", []))[recall.state],
            located=when(recall.located_date),
            activated=when(recall.activated_date),
            closed=when(recall.closed_date),
            deadline=format_date(self.env, recall.deadline) if recall.deadline else "-",
            buckets=[(label, by_bucket.get(bucket, 0)) for bucket, label in buckets],
            notices=[
                (label, by_notice.get(state, 0))
                for state, label in self._selection(
                    self.env["serial.recall.notice"], "state", NOTICE_STATES
                )
            ],
            outreach=[
                (label, by_outreach.get(state, 0))
                for state, label in self._selection(
                    Line, "outreach_state", OUTREACH_STATES
                )
            ],
            effectiveness=self._percent(recall.effectiveness_rate),
            recovery=self._percent(recall.recovery_rate),
            open_units=[self._open_unit(line, bucket_labels) for line in open_lines],
            open_count=Line.search_count(open_domain),
        )

    def _percent(self, rate):
        """A rate as the user's language writes it, with one decimal."""
        return f"{formatLang(self.env, rate, digits=1)} %"

    def _selection(self, model, fname, default):
        """The selection of `model`.`fname` in the user's language."""
        return model._fields[fname]._description_selection(self.env) or default

    def _open_unit(self, line, bucket_labels):
        """The unit of `line` as the report lists it; `bucket_labels` {bucket:
        label} (serial.recall.line._recall_buckets)."""
        lot = line.lot_id
        return OpenUnit(
            serial=lot.name,
            product=line.product_id.display_name or lot.product_id.display_name,
            bucket=bucket_labels.get(line.bucket, line.bucket),
            customer=line.partner_id.display_name or "",
            outreach=dict(self._selection(line, "outreach_state", OUTREACH_STATES)).get(
                line.outreach_state, "-"
            ),
            state=lot._state_label(lot.serial_state),
        )
