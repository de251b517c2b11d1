from odoo import api, fields, models


class SerialIntegrityRun(models.Model):
    """One run of the integrity check of the serial histories (Verify Integrity): who
    ran it, when, how many lines it checked and its verdict. Kept for the auditors like
    the history itself: written by serial.audit.line.action_verify_chain only (after
    the caller's right to run it was checked), read-only for everyone."""

    _name = "serial.integrity.run"
    _description = "Serial History Integrity Run"
    _order = "date desc, id desc"
    _rec_name = "date"
    _check_company_auto = True

    date = fields.Datetime(
        required=True, readonly=True, index=True, default=fields.Datetime.now
    )
    user_id = fields.Many2one(
        "res.users", string="Run By", required=True, readonly=True
    )
    company_id = fields.Many2one(
        "res.company", required=True, readonly=True, index=True
    )
    line_count = fields.Integer(string="Lines Checked", readonly=True)
    serial_count = fields.Integer(string="Serials Checked", readonly=True)
    verdict = fields.Selection(
        [("intact", "Intact"), ("broken", "Broken")], required=True, readonly=True
    )
    broken_line_id = fields.Many2one(
        "serial.audit.line",
        string="First Broken Line",
        readonly=True,
        help="The first audit line, in chain order, whose hash does not match its "
        "content or that follows a missing line.",
    )
    problems = fields.Text(
        readonly=True, help="The first problems found, as the check reported them."
    )

    @api.model
    def _record(self, line_count, serial_count, problems):
        """Keep a run of the check over the current companies' history: `problems`
        are the check's [ChainProblem], in chain order (none: intact). Called by the
        verify action once the caller's right to run it was checked."""
        return self.sudo().create(
            {
                "user_id": self.env.uid,
                "company_id": self.env.company.id,
                "line_count": line_count,
                "serial_count": serial_count,
                "verdict": "broken" if problems else "intact",
                "broken_line_id": problems[0].line_id if problems else False,
                "problems": "\n".join(problem.reason for problem in problems) or False,
            }
        )
