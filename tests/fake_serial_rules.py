"""A module narrowing the Serial Manager's actions as an integrator would, loaded by
the rule sources test only (odoo-test-helper's FakeModelLoader): a sold unit is not
marked lost by hand (its customer reports a loss to the insurer, not to the shop)."""

from odoo import models


class StockLot(models.Model):
    _inherit = "stock.lot"

    def _serial_allowed_events(self):
        events = super()._serial_allowed_events()
        if self.serial_state == "sold":
            events = [event for event in events if event != "marked_lost"]
        return events
