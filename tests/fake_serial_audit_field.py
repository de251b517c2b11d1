"""A module adding a field to every audit line as an integrator would, loaded by the
ledger extension test only (odoo-test-helper's FakeModelLoader): the register an
event was recorded at (the till, or the back office and who was there), written on
each line by an override of stock.lot._serial_audit_values."""

from odoo import fields, models


class SerialAuditLine(models.Model):
    _inherit = "serial.audit.line"

    x_register_ref = fields.Char(string="Register", readonly=True)


class StockLot(models.Model):
    _inherit = "stock.lot"

    def _serial_audit_values(self, event, serial, old_state, new_state, date):
        values = super()._serial_audit_values(
            event, serial, old_state=old_state, new_state=new_state, date=date
        )
        values["x_register_ref"] = (
            f"till-{event.pos_config_id}"
            if event.pos_config_id
            else f"desk-{self.env.user.login}"
        )
        return values
