from odoo import fields, models

from ..models.serial_import_columns import IMPORT_FIELDS


class StockLotImportColumn(models.TransientModel):
    """One column of the file being imported and the serial field it fills."""

    _name = "stock.lot.import.column"
    _description = "Serial Import Column"
    _order = "sequence"

    import_id = fields.Many2one("stock.lot.import", required=True, ondelete="cascade")
    sequence = fields.Integer(
        string="Position",
        required=True,
        help="The column's position in the file, from 0.",
    )
    header = fields.Char(string="Column", readonly=True)
    sample = fields.Char(string="First Value", readonly=True)
    field = fields.Selection(
        IMPORT_FIELDS,
        string="Imported As",
        help="The serial field this column fills; Ignore to leave it out. Empty: an "
        "unknown column, to be mapped before importing.",
    )
