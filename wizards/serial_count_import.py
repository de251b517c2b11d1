import base64

from odoo import _, fields, models
from odoo.exceptions import UserError

from . import serial_import_reader as reader
from .stock_lot_import import HEADER_ALIASES, cell_text, normalize_header

SERIAL_HEADERS = frozenset(normalize_header(name) for name in HEADER_ALIASES["serial"])


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
        """The serials of the file, as text: the column whose header names a serial,
        or every row of a one-column file. UserError for a file without any."""
        if not self.file:
            raise UserError(_("Choose the file holding the counted serials first."))
        data = base64.b64decode(self.with_context(bin_size=False).file)
        limits = reader.limits(self.env)
        try:
            reader.check_size(data, limits.max_megabytes)
            source = reader.SerialFile(data, self.filename)
            try:
                rows = [
                    values for _number, values in source.rows(max_rows=limits.max_rows)
                ]
            finally:
                source.close()
            if not rows:
                raise reader.FileProblem("empty")
            serials = self._column_texts(rows)
            if not any(serial.strip() for serial in serials):
                raise reader.FileProblem("no_rows")
        except reader.FileProblem as problem:
            raise UserError(reader.problem_message(self.env, problem)) from problem
        return serials

    def _column_texts(self, rows):
        """The texts of the serial column below its header, or of the one filled cell
        of each row of a file without that header; FileProblem without either."""
        header = [normalize_header(value) for value in rows[0]]
        column = next(
            (index for index, name in enumerate(header) if name in SERIAL_HEADERS),
            None,
        )
        if column is not None:
            return [
                cell_text(values[column]) if column < len(values) else ""
                for values in rows[1:]
            ]
        if any(len([v for v in row if cell_text(v)]) > 1 for row in rows):
            raise reader.FileProblem("no_serial_column")
        # one serial per row, no header
        return [next((cell_text(v) for v in row if cell_text(v)), "") for row in rows]
