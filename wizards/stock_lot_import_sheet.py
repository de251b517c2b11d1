from odoo import fields, models


class StockLotImportSheet(models.TransientModel):
    """A sheet of the workbook being imported, to choose from."""

    _name = "stock.lot.import.sheet"
    _description = "Serial Import Sheet"
    _order = "sequence"

    import_id = fields.Many2one("stock.lot.import", required=True, ondelete="cascade")
    sequence = fields.Integer()
    name = fields.Char(string="Sheet", required=True)
