import base64

from odoo import _, fields, models
from odoo.exceptions import UserError


class SerialCountImport(models.TransientModel):
    """The serials of a CSV or XLSX file added to a count's scanned serials: a column
    named Serial (as the serial import knows it), or a file of one column. Read by
    the serial import's reader; the count adds them (serial.count.add_serials)."""

    _name = "serial.count.import"
    _description = "Import Counted Serials"

    count_id = fields.Many2one("serial.count", required=True, ondelete="cascade")
    file = fields.Binary(required=True)
    filename = fields.Char(string="File Name")

    def action_import(self):
        self.ensure_one()
        self.count_id.add_serials(self._file_serials())
        return {"type": "ir.actions.act_window_close"}

    def _file_serials(self):
        """The serials of the file, as text. UserError for a file without any."""
        if not self.file:
            raise UserError(_("Choose the file holding the counted serials first."))
        data = base64.b64decode(self.with_context(bin_size=False).file)
        return self.env["stock.lot.import.batch"]._import_serial_list(
            data, self.filename
        )
