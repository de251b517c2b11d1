import base64
from contextlib import contextmanager

from odoo import Command, _, api, fields, models
from odoo.exceptions import UserError

from ..tools.serial_epcis_in import is_epcis_file
from ..tools.serial_import_reader import FileProblem
from ..tools.serial_import_records import ImportOptions
from . import stock_lot_import_workbooks as workbooks


class StockLotImport(models.TransientModel):
    """Register serials in bulk from a CSV or XLSX file: dry run first (counts and every
    problem, nothing written), then the import, all or nothing by default, optionally
    receiving the units in stock. Automatable over RPC: create it with `file` (base64)
    and `filename`, call `action_dry_run`, read the counts, call `action_import`."""

    _name = "stock.lot.import"
    _description = "Import Serial Numbers"
    _check_company_auto = True

    state = fields.Selection(
        [
            ("upload", "Upload"),
            ("map", "Map"),
            ("checked", "Checked"),
            ("done", "Done"),
        ],
        default="upload",
        required=True,
    )
    company_id = fields.Many2one(
        "res.company",
        required=True,
        readonly=True,
        default=lambda self: self.env.company,
    )
    file = fields.Binary(
        attachment=False,
        help="A CSV (any delimiter, UTF-8 or Latin-1), an Excel workbook (.xlsx) "
        "or a GS1 EPCIS 2.0 document (.jsonld, .json, .xml) "
        "with a header row; download the template for the layout.",
    )
    filename = fields.Char()
    file_format = fields.Selection([("csv", "CSV"), ("xlsx", "XLSX")], readonly=True)
    read_signature = fields.Char(
        readonly=True,
        help="The file and sheet the column mapping was read from.",
    )
    sheet_ids = fields.One2many(
        "stock.lot.import.sheet", "import_id", string="Sheets", readonly=True
    )
    sheet_id = fields.Many2one(
        "stock.lot.import.sheet",
        domain="[('import_id', '=', id)]",
    )
    column_ids = fields.One2many(
        "stock.lot.import.column", "import_id", string="Columns"
    )
    product_id = fields.Many2one(
        "product.product",
        string="Default Product",
        check_company=True,
        domain="[('tracking', '=', 'serial')]",
        help="The product of the rows that name none (or of every row, when the file "
        "has no product column).",
    )
    location_id = fields.Many2one(
        "stock.location",
        string="Receive Into",
        check_company=True,
        domain="[('usage', '=', 'internal')]",
        help="Receive the units in stock here, in state In Stock, sellable at once. A "
        "row naming its own location is received there. Empty: the serials are only "
        "registered (unless their row names a location).",
    )
    valid_rows_only = fields.Boolean(
        string="Import Only the Valid Rows",
        help="Skip the rows with a problem and import the others. Unticked, a file "
        "with any problem imports nothing.",
    )
    row_count = fields.Integer(string="Rows", readonly=True)
    new_count = fields.Integer(string="New Serials", readonly=True)
    existing_count = fields.Integer(string="Already Registered", readonly=True)
    invalid_count = fields.Integer(string="Invalid Rows", readonly=True)
    error_ids = fields.One2many("stock.lot.import.error", "import_id", readonly=True)
    error_report = fields.Binary(attachment=False, readonly=True)
    error_report_name = fields.Char(readonly=True)
    template_file = fields.Binary(attachment=False, readonly=True)
    batch_id = fields.Many2one("stock.lot.import.batch", readonly=True)
    limits_note = fields.Char(compute="_compute_limits_note")

    def _compute_limits_note(self):
        self.limits_note = self.env["stock.lot.import.batch"]._import_limits_message()

    @api.onchange("sheet_id")
    def _onchange_sheet_id(self):
        """Another sheet: map its columns (from the file as saved)."""
        wizard = self._origin
        if self.sheet_id and wizard.read_signature and wizard.file:
            with wizard._open_file() as source:
                if self.read_signature != self._signature(source, self.sheet_id.name):
                    self.update(self._mapping_values(source))

    @api.onchange("file")
    def _onchange_file(self):
        """Another file: the previous file's mapping, counts and problems are gone
        (read it again)."""
        if self.state != "upload":
            self.update(self._file_changed_values())

    @api.onchange("column_ids", "product_id", "location_id", "valid_rows_only")
    def _onchange_mapping(self):
        if self.state == "checked":
            self.state = "map"

    @api.constrains("company_id", "location_id")
    def _check_import_target(self):
        """The company and the receive location are readonly or restricted in the form
        only: over RPC any id can be sent (the import checks them again)."""
        for wizard in self:
            self.env["stock.lot.import.batch"]._check_import_target(
                wizard.company_id, wizard.location_id
            )

    def write(self, vals):
        if "file" in vals:
            vals = {**self._file_changed_values(), **vals}
        return super().write(vals)

    # --- actions ----------------------------------------------------------------------
    def action_read_file(self):
        """Read the file's sheets and header, and map its columns (an EPCIS document
        has none to map)."""
        self.ensure_one()
        if is_epcis_file(self.filename):
            self.state = "map"
            return self._reopen()
        with self._open_file() as source:
            self._read_file(source)
        self.state = "map"
        return self._reopen()

    def action_dry_run(self):
        """Check every row and show the counts and the problems; write nothing else."""
        self.ensure_one()
        if is_epcis_file(self.filename):
            check, _batch = self._import_epcis(dry_run=True)
            self.write(
                {
                    "state": "checked",
                    **check.counts(),
                    "error_ids": self.env["stock.lot.import.error"]._preview(check),
                }
            )
            return self._reopen()
        with self._open_file() as source:
            check, _batch = self._import(source, dry_run=True)
            report = self._error_report_values(check, source)
        self.write(
            {
                "state": "checked",
                **check.counts(),
                "error_ids": self.env["stock.lot.import.error"]._preview(check),
                **report,
            }
        )
        return self._reopen()

    def action_import(self):
        """Register the serials (and receive them when a location is given), all or
        nothing unless `valid_rows_only`; opens the import batch. A large file is
        queued and imported in the background: the batch shows its progress."""
        self.ensure_one()
        self.env["stock.lot"].check_access("create")
        if is_epcis_file(self.filename):
            check, batch = self._import_epcis()
            self.write({"state": "done", "batch_id": batch.id, **check.counts()})
            return batch._get_records_action()
        with self._open_file() as source:
            check, batch = self._import(source)
            problems = check and check.problems
            report = self._error_report_values(check, source) if problems else {}
        counts = check.counts() if check else {}
        self.write({"state": "done", "batch_id": batch.id, **counts, **report})
        return batch._get_records_action()

    def action_download_template(self):
        self.ensure_one()
        self.template_file = base64.b64encode(workbooks.template_workbook(self.env))
        return self._download("template_file", "serial_import_template.xlsx")

    def action_download_error_report(self):
        self.ensure_one()
        if not self.error_report:
            raise UserError(_("There is no error report: run the dry run first."))
        return self._download("error_report", self.error_report_name)

    # --- the file -------------------------------------------------------------------
    @contextmanager
    def _open_file(self):
        """The uploaded file as a SerialFile, opened once for the whole action;
        UserError for a missing, too big or unreadable file."""
        if not self.file:
            if self.filename:
                raise self.env["stock.lot.import.batch"]._import_file_error(
                    FileProblem("empty")
                )
            raise UserError(_("Choose the file holding the serials first."))
        data = base64.b64decode(self.with_context(bin_size=False).file)
        Batch = self.env["stock.lot.import.batch"]
        with Batch._open_import_file(data, self.filename) as source:
            yield source

    def _file_changed_values(self):
        """What another file resets: back to reading it, nothing checked yet."""
        return {
            "state": "upload",
            "read_signature": False,
            "row_count": 0,
            "new_count": 0,
            "existing_count": 0,
            "invalid_count": 0,
            "error_ids": [Command.clear()],
            "error_report": False,
            "error_report_name": False,
        }

    def _signature(self, source, sheet_name):
        return f"{source.sha256}:{sheet_name or ''}"

    def _read_file(self, source):
        """(Re)build the sheets and the column mapping from the file."""
        sheets = self.env["stock.lot.import.batch"]._import_sheet_names(source)
        previous = self.sheet_id.name
        self.sheet_ids.unlink()
        self.write(
            {
                "file_format": source.format,
                "sheet_ids": [
                    Command.create({"name": name, "sequence": index})
                    for index, name in enumerate(sheets)
                ],
            }
        )
        sheet = (
            self.sheet_ids.filtered(lambda s: s.name == previous)[:1]
            or self.sheet_ids[:1]
        )
        self.sheet_id = sheet
        self.write(self._mapping_values(source))

    def _mapping_values(self, source):
        """The column mapping of the chosen sheet, guessed from its header."""
        return {
            "column_ids": self.env["stock.lot.import.column"]._guess(
                source, self.sheet_id.name
            ),
            "read_signature": self._signature(source, self.sheet_id.name),
        }

    def _ensure_read(self, source):
        """Over RPC the file is given and checked at once: read it when it (or the
        chosen sheet) is not the one the mapping was made from."""
        if (self.read_signature or "").partition(":")[0] != source.sha256:
            self._read_file(source)
        elif self.read_signature != self._signature(source, self.sheet_id.name):
            self.write(self._mapping_values(source))
        if self.state == "upload":
            self.state = "map"

    # --- the import -----------------------------------------------------------------
    def _import(self, source, dry_run=False):
        """The file's rows, as mapped, checked (and registered unless `dry_run`) by
        the import batch's service: (ImportCheck, batch)."""
        self._check_import_target()  # again: the request's companies may have changed
        self._ensure_read(source)
        positions = self.column_ids._positions(bool(self.product_id))
        options = ImportOptions(
            company=self.company_id,
            product=self.product_id,
            location=self.location_id,
            valid_rows_only=self.valid_rows_only,
            file_name=self.filename,
            sheet_name=self.sheet_id.name,
        )
        return self.env["stock.lot.import.batch"]._import_file(
            source, positions, options, dry_run
        )

    def _import_epcis(self, dry_run=False):
        """An EPCIS 2.0 document (.jsonld, .json, .xml): its commissioned units
        checked (and registered unless `dry_run`) by the import batch's service:
        (ImportCheck, batch)."""
        self._check_import_target()
        if not self.file:
            raise UserError(_("Choose the file holding the serials first."))
        data = base64.b64decode(self.with_context(bin_size=False).file)
        options = ImportOptions(
            company=self.company_id,
            product=self.env["product.product"],
            location=self.location_id,
            valid_rows_only=self.valid_rows_only,
            file_name=self.filename,
        )
        return self.env["stock.lot.import.batch"]._import_epcis_file(
            data, options, dry_run
        )

    # --- files for the user -----------------------------------------------------------
    def _error_report_values(self, check, source):
        return workbooks.error_report_values(
            self.env, check, source, self.sheet_id.name, self.filename
        )

    def _download(self, field, filename):
        return {
            "type": "ir.actions.act_url",
            "url": f"/web/content/{self._name}/{self.id}/{field}/{filename}"
            "?download=true",
            "target": "self",
        }

    def _reopen(self):
        return self._get_records_action(name=_("Import Serials"), target="new")
