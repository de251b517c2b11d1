from odoo import _, fields, models


class SerialFingerprintCheck(models.TransientModel):
    """The ledger's fingerprint on a screen: get one to keep outside Odoo, or check one
    kept before (serial.audit.line.ledger_fingerprint / verify_fingerprint)."""

    _name = "serial.fingerprint.check"
    _description = "Ledger Fingerprint"

    fingerprint = fields.Char(
        help="Get one to keep outside Odoo (print it, mail it to yourself, file it), "
        "or paste one you kept to check it."
    )
    verdict = fields.Text(readonly=True)
    state = fields.Selection(
        [
            ("new", "New"),
            ("taken", "Taken"),
            ("intact", "Verified"),
            ("broken", "Broken"),
        ],
        default="new",
        readonly=True,
    )

    def action_take(self):
        self.ensure_one()
        self.write(
            {
                "fingerprint": self.env["serial.audit.line"].ledger_fingerprint(),
                "state": "taken",
                "verdict": _(
                    "Copy this fingerprint and keep it outside Odoo. Checking it later "
                    "tells whether any serial history was rewound, truncated or "
                    "rewritten since now."
                ),
            }
        )
        return self._reopen()

    def action_check(self):
        self.ensure_one()
        result = self.env["serial.audit.line"].verify_fingerprint(self.fingerprint)
        self.write(
            {
                "state": "intact" if result["ok"] else "broken",
                "verdict": result["message"],
            }
        )
        return self._reopen()

    def action_print_integrity_report(self):
        """The integrity report: the whole check run now, and the fingerprint taken
        at that moment, as a PDF for the auditor to keep."""
        self.ensure_one()
        return self.env.ref(
            "pos_serial_tracking.serial_integrity_report"
        ).report_action(self)

    def _reopen(self):
        return {
            "type": "ir.actions.act_window",
            "res_model": self._name,
            "res_id": self.id,
            "view_mode": "form",
            "target": "new",
            "name": _("Ledger Fingerprint"),
        }
