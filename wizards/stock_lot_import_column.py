from odoo import Command, api, fields, models

from ..tools.serial_import_columns import IMPORT_FIELDS


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

    @api.model
    def _guess(self, source, sheet_name):
        """Commands replacing the mapping by the columns of a sheet, each mapped to the
        field its header names."""
        guessed = self.env["stock.lot.import.batch"]._import_sheet_columns(
            source, sheet_name, self._field_labels()
        )
        return [Command.clear()] + [Command.create(values) for values in guessed]

    def _positions(self, has_default_product):
        """{field: column position} of this mapping; UserError saying what to fix."""
        return self.env["stock.lot.import.batch"]._import_column_positions(
            self, self._field_labels(), has_default_product
        )

    @api.model
    def _field_labels(self):
        return self._fields["field"]._description_selection(self.env)
