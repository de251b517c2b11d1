from contextlib import contextmanager

from odoo import api, models
from odoo.exceptions import UserError

from ..tools import serial_import_columns as columns
from ..tools import serial_import_messages as messages
from ..tools import serial_import_queue as queue
from ..tools.serial_import_reader import (
    MAX_MEGABYTES,
    MAX_ROWS,
    FileProblem,
    Limits,
    SerialFile,
    check_size,
)

MAX_ROWS_PARAM = "pos_serial_tracking.import_max_rows"
MAX_MEGABYTES_PARAM = "pos_serial_tracking.import_max_megabytes"


class StockLotImportBatch(models.Model):
    """The file of an import: its limits, opening it, its sheets, columns and rows
    (the pure reading is tools/serial_import_reader and serial_import_columns), and
    the sentences of the problems its rows may have. Used by the Import Serials
    wizard, the background job and the count and recall imports of serials."""

    _inherit = "stock.lot.import.batch"

    @api.model
    def _import_limits(self):
        """The most rows and megabytes one file may hold (system parameters
        pos_serial_tracking.import_max_rows and .import_max_megabytes), as a
        serial_import_reader.Limits. Override it to set them by rule of your own."""
        params = self.env["ir.config_parameter"].sudo()
        return Limits(
            max_rows=int(params.get_param(MAX_ROWS_PARAM, MAX_ROWS)),
            max_megabytes=int(params.get_param(MAX_MEGABYTES_PARAM, MAX_MEGABYTES)),
        )

    @api.model
    def _import_limits_message(self):
        """The sentence telling the user the size a file may have."""
        return messages.limits_message(self.env, self._import_limits())

    @api.model
    def _import_row_problem_messages(self):
        """{problem code: sentence} of the problems a row may have (RowProblem.code),
        translated once per check; a problem's params fill it in. Override it, with
        super(), to add the sentence of a problem code of your own (a row refused by
        your _check_import_row)."""
        return messages.row_problem_messages(self.env)

    @api.model
    def _import_file_error(self, problem):
        """The UserError telling the user what is wrong with the file (FileProblem)."""
        return UserError(messages.file_problem_message(self.env, problem))

    @api.model
    @contextmanager
    def _open_import_file(self, data, filename):
        """`data` (bytes) as a SerialFile, closed after; UserError for a file too big
        or that cannot be read."""
        try:
            check_size(data, self._import_limits().max_megabytes)
            source = SerialFile(data, filename)
        except FileProblem as problem:
            raise self._import_file_error(problem) from problem
        try:
            yield source
        finally:
            source.close()

    @api.model
    def _import_sheet_names(self, source):
        """The sheets of a workbook (none for a CSV); UserError when it is damaged."""
        try:
            return source.sheet_names()
        except FileProblem as problem:
            raise self._import_file_error(problem) from problem

    @api.model
    def _read_import_file_rows(self, source, sheet_name):
        """The (row number, cells) of a sheet of `source`, the header first; UserError
        for a file that cannot be read or is over the row limit."""
        try:
            yield from source.rows(
                sheet=sheet_name or None, max_rows=self._import_limits().max_rows
            )
        except FileProblem as problem:
            raise self._import_file_error(problem) from problem

    @api.model
    def _import_file_rows(self, source, sheet_name, positions):
        """The rows of a sheet below its header as ImportRow, the columns at
        `positions` ({field: position})."""
        return columns.import_rows(
            self._read_import_file_rows(source, sheet_name), positions
        )

    @api.model
    def _import_sheet_columns(self, source, sheet_name, labels):
        """The mapping lines of a sheet ({sequence, header, sample, field}), each
        column mapped to the field its header names (`labels`: (field, label) in the
        user's language)."""
        rows = self._read_import_file_rows(source, sheet_name)
        try:
            return columns.sheet_columns(self.env, rows, labels)
        except FileProblem as problem:
            raise self._import_file_error(problem) from problem
        finally:
            rows.close()

    @api.model
    def _import_column_positions(self, columns_mapped, labels, has_default_product):
        """{field: column position} of a mapping (stock.lot.import.column records),
        or UserError saying what to fix."""
        try:
            return columns.column_positions(columns_mapped, labels, has_default_product)
        except FileProblem as problem:
            raise self._import_file_error(problem) from problem

    @api.model
    def _import_serial_list(self, data, filename):
        """The serials of a file of serials (a count's, a recall's), as text: the
        column whose header names a serial, or the one filled cell of each row of a
        file without that header. UserError for a file that cannot be read or holds
        none."""
        with self._open_import_file(data, filename) as source:
            rows = [
                values for _number, values in self._read_import_file_rows(source, None)
            ]
        try:
            return columns.serial_column(rows)
        except FileProblem as problem:
            raise self._import_file_error(problem) from problem

    @api.model
    def _import_file(self, source, positions, options, dry_run=False):
        """_import_rows of the rows of an opened file (a SerialFile), the columns at
        `positions` ({field: position}) of the options' sheet. A file of more rows
        than the background threshold is queued instead: (None, the queued batch)."""
        if not dry_run and self._import_should_queue(source, options.sheet_name):
            options.file_sha256 = source.sha256
            return None, self._queue_import(source, positions, options)
        rows = list(self._import_file_rows(source, options.sheet_name, positions))
        if not rows:
            raise self._import_file_error(FileProblem("no_rows"))
        options.file_sha256 = source.sha256
        return self._import_rows(rows, options, dry_run)

    @api.model
    def _import_should_queue(self, source, sheet_name):
        """Whether a file is imported in the background: more rows than the system
        parameter pos_serial_tracking.import_background_rows (0: never)."""
        threshold = int(
            self.env["ir.config_parameter"]
            .sudo()
            .get_param(queue.QUEUE_ROWS_PARAM, queue.QUEUE_ROWS)
        )
        return 0 < threshold < queue.estimated_rows(source, sheet_name)
