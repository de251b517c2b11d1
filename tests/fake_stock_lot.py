"""A module extending stock.lot as integrators do, loaded by the extension test only
(odoo-test-helper's FakeModelLoader): a column it fills through the import's extension
point, one with a default, one it computes."""

from odoo import api, fields, models


class StockLot(models.Model):
    _inherit = "stock.lot"

    origin_country = fields.Char()
    customs_cleared = fields.Boolean(default=True)
    serial_length = fields.Integer(compute="_compute_serial_length", store=True)

    @api.depends("name")
    def _compute_serial_length(self):
        for lot in self:
            lot.serial_length = len(lot.name or "")

    @api.model
    def _serial_import_values(self, rows, now):
        values = super()._serial_import_values(rows, now)
        values["origin_country"] = [
            "BE" if (row.batch or "").startswith("BE") else None for row in rows
        ]
        return values
