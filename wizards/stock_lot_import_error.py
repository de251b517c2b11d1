from odoo import fields, models


class StockLotImportError(models.TransientModel):
    """A row of the file that cannot be imported, and why (the first ones, shown on the
    wizard; the error report lists them all)."""

    _name = "stock.lot.import.error"
    _description = "Serial Import Problem"
    _order = "row"

    import_id = fields.Many2one("stock.lot.import", required=True, ondelete="cascade")
    row = fields.Integer(readonly=True)
    serial = fields.Char(readonly=True)
    product = fields.Char(readonly=True)
    reason = fields.Char(string="Problem", readonly=True)
