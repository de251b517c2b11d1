import time
from typing import NamedTuple

from odoo import _, api, models
from odoo.tools import format_datetime

from ..tools.serial_audit_fingerprint import parse

PROBLEMS_SHOWN = 20  # the first problems found, in chain order


class IntegrityRun(NamedTuple):
    """One run of the integrity check, as the integrity report prints it."""

    lines: int
    chains: int
    problems: list  # tools/serial_audit_hash.py's ChainProblem
    intact: bool
    seconds: str
    fingerprint: str
    fingerprint_at: str
    fingerprint_line: int
    companies: str


class ReportSerialIntegrity(models.AbstractModel):
    """The integrity report (report/serial_integrity_templates.xml): every serial
    history of the user's companies verified when it is printed, by whom, how many
    chains and lines, the first problems found, and the ledger's fingerprint at that
    moment, for the auditor to keep outside the database. Printed from the Ledger
    Fingerprint screen (serial.fingerprint.check), whose record only carries the
    print: the report runs the check itself."""

    _name = "report.pos_serial_tracking.report_serial_integrity"
    _inherit = "serial.compliance.report"
    _description = "Integrity Report"

    @api.model
    def _get_report_values(self, docids, data=None):
        self._check_report_printer(
            _(
                "Only Serial Managers and Serial Auditors can print the integrity "
                "report."
            ),
        )
        self.env["serial.audit.line"]._check_integrity_rights()
        printed = self._report_printing_values()
        tz = printed["timezone"]
        return {
            "doc_ids": docids,
            "doc_model": "serial.fingerprint.check",
            "docs": self.env["serial.fingerprint.check"].browse(docids),
            "run": self._run(tz),
            **printed,
        }

    def _run(self, tz):
        """The check and the fingerprint, over the companies of the context (the
        user's, by default) at this moment."""
        Line = self.env["serial.audit.line"]
        started = time.monotonic()
        count = Line._count_chains()
        problems = Line._find_chain_problems(limit=PROBLEMS_SHOWN)
        seconds = time.monotonic() - started
        text = Line.ledger_fingerprint()
        kept = parse(text)
        return IntegrityRun(
            lines=count.lines,
            chains=count.serials,
            problems=problems,
            intact=not problems,
            seconds=f"{seconds:.2f}",
            fingerprint=text,
            fingerprint_at=format_datetime(self.env, kept.taken_at, tz=tz),
            fingerprint_line=kept.line_id,
            companies=", ".join(
                self.env["res.company"].browse(kept.company_ids).mapped("name")
            ),
        )
