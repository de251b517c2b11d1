"""A module adding a rule to the till's verdicts as an integrator would, loaded by the
typed events test only (odoo-test-helper's FakeModelLoader): a unit whose lot
reference says QUARANTINE is not sold (a quality hold), at the till and at the sync of
a paid order."""

from odoo import fields, models

from ..tools.serial_verdict import Refusal, VerdictRule


def is_quarantined(check):
    return "QUARANTINE" in (check.lot.ref or "").upper()


def refuse_quarantined(check):
    _ = check.env._
    return Refusal(
        _("Unit in quarantine"),
        _(
            "Serial %(serial)s is held in quarantine by quality control: do not sell "
            "it.",
            serial=check.serial,
        ),
    )


class PosConfig(models.Model):
    _inherit = "pos.config"

    def _serial_verdict_rules(self):
        rules = super()._serial_verdict_rules()
        # after the unit is known and sellable, before where it is and open orders
        position = [rule.reason for rule in rules].index("elsewhere")
        return (
            rules[:position]
            + (VerdictRule("quarantine", is_quarantined, refuse_quarantined),)
            + rules[position:]
        )


class SerialConflict(models.Model):
    _inherit = "serial.conflict"

    reason = fields.Selection(
        selection_add=[("quarantine", "In quarantine")],
        ondelete={"quarantine": "cascade"},
    )
