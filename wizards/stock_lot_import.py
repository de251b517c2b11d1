import base64
import re
from collections import defaultdict
from contextlib import contextmanager
from datetime import date, datetime

import openpyxl

from odoo import Command, _, api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tools.misc import get_lang

from . import serial_import_reader as reader
from . import stock_lot_import_workbooks as workbooks
from . import stock_lot_import_writer as writer

PREVIEW_PROBLEMS = 50  # shown on the wizard; the error report lists every one
SEARCH_CHUNK = 10000  # values per ORM search of products
LOOKUP_CHUNK = 100000  # serials per look-up of the registered ones
# header names recognized for each field, compared lower-case, punctuation as spaces
HEADER_ALIASES = {
    "serial": [
        "serial",
        "serial number",
        "serial no",
        "serial nr",
        "serial num",
        "sn",
        "s n",
        "lot serial number",
        "lot serial",
        "serial lot number",
        "imei",
    ],
    "product": [
        "product",
        "product reference",
        "product code",
        "product internal reference",
        "internal reference",
        "default code",
        "sku",
        "barcode",
        "ean",
        "gtin",
        "product name",
        "product barcode",
        "article",
        "item",
        "item code",
    ],
    "lot_ref": ["lot reference", "lot ref", "reference", "ref", "serial reference"],
    "location": [
        "location",
        "stock location",
        "destination",
        "destination location",
        "receive into",
        "received into",
    ],
    "warranty_end": [
        "warranty end",
        "warranty end date",
        "warranty until",
        "warranty expiry",
        "warranty expiry date",
        "warranty expiration",
        "warranty expiration date",
        "warranty",
        "vendor warranty end",
    ],
    "note": [
        "note",
        "notes",
        "description",
        "comment",
        "comments",
        "remark",
        "remarks",
    ],
    # the columns the error report adds: its rows can be fixed and imported again
    "ignore": ["row", "problem"],
}
DISPLAY_NAME_CODE = re.compile(r"^\[([^\]]+)\]")


def normalize_header(text):
    return re.sub(r"[^0-9a-z]+", " ", str(text or "").lower()).strip()


def cell_text(value):
    """A cell as the text a user typed: whole numbers without '.0', dates as ISO."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return (
            value.date().isoformat()
            if value.time() == datetime.min.time()
            else value.isoformat(" ")
        )
    return str(value).strip()


def pg_array(values):
    """A list as the text of a PostgreSQL array ('{"a","b"}'), a query parameter that
    array_in parses at once: much faster than the ARRAY[...] expression of one element
    per value that psycopg2 makes of a list."""
    return (
        "{"
        + ",".join(
            "NULL"
            if value is None
            else '"' + str(value).replace("\\", "\\\\").replace('"', '\\"') + '"'
            for value in values
        )
        + "}"
    )


class ImportCheck:
    """What a dry run finds: the rows to register, and the rows that cannot be, why."""

    def __init__(self):
        self.row_count = 0
        # (row number, serial, product id, company id, lot reference, note,
        #  warranty end, location id or None)
        self.new_rows = []
        # (row number, serial, product as written, problem code, message parameters)
        self.problems = []

    @property
    def existing_count(self):
        return sum(1 for problem in self.problems if problem[3] == "existing")

    @property
    def invalid_count(self):
        return len(self.problems) - self.existing_count


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
        help="A CSV (any delimiter, UTF-8 or Latin-1) or an Excel workbook (.xlsx) "
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
        max_rows, max_megabytes = reader.limits(self.env)
        rows = (
            f"{max_rows:,}"  # formatted apart: the term extractor evaluates arguments
        )
        for wizard in self:
            wizard.limits_note = _(
                "At most %(rows)s rows and %(megabytes)s MB per file.",
                rows=rows,
                megabytes=max_megabytes,
            )

    @api.onchange("sheet_id")
    def _onchange_sheet_id(self):
        """Another sheet: map its columns (from the file as saved)."""
        wizard = self._origin
        if not self.sheet_id or not wizard.read_signature or not wizard.file:
            return
        with wizard._open_file() as source:
            if self.read_signature != self._signature(source, self.sheet_id.name):
                self.column_ids = [Command.clear()] + [
                    Command.create(values)
                    for values in self._column_values(source, self.sheet_id.name)
                ]
                self.read_signature = self._signature(source, self.sheet_id.name)

    @api.onchange("column_ids", "product_id", "location_id", "valid_rows_only")
    def _onchange_mapping(self):
        if self.state == "checked":
            self.state = "map"

    @api.constrains("company_id", "location_id")
    def _check_import_target(self):
        """The company and the receive location are readonly or restricted in the form
        only: over RPC any id can be sent. Serials go only into a company the user works
        in (the request's allowed companies, which Odoo checks against the user's), and
        are received only into an internal location (Odoo's company check keeps it in
        that company)."""
        if self.env.su:
            return
        allowed = self.env.companies
        for wizard in self:
            if wizard.company_id not in allowed:
                raise AccessError(
                    _(
                        "Serials can only be imported into a company you are working "
                        "in (%(companies)s). Switch company in the company selector, "
                        "or ask an administrator for access to that company.",
                        companies=", ".join(allowed.mapped("name")),
                    )
                )
            if wizard.location_id and wizard.location_id.usage != "internal":
                raise ValidationError(
                    _(
                        "Serials can only be received into an internal location, not "
                        "into %(location)s. Choose a stock location of %(company)s.",
                        location=wizard.location_id.display_name,
                        company=wizard.company_id.name,
                    )
                )

    def write(self, vals):
        if "file" in vals:
            vals = dict(vals, read_signature=False, state="upload")
        return super().write(vals)

    # --- actions ----------------------------------------------------------------------
    def action_read_file(self):
        """Read the file's sheets and header, and map its columns."""
        self.ensure_one()
        with self._open_file() as source:
            self._read_file(source)
        self.state = "map"
        return self._reopen()

    def action_dry_run(self):
        """Check every row and show the counts and the problems; write nothing else."""
        self.ensure_one()
        with self._open_file() as source:
            check = self._check_file(source)
            report = self._error_report_values(check, source)
        preview = check.problems[:PREVIEW_PROBLEMS]
        messages = self._problem_messages()
        self.write(
            {
                "state": "checked",
                "row_count": check.row_count,
                "new_count": len(check.new_rows),
                "existing_count": check.existing_count,
                "invalid_count": check.invalid_count,
                "error_ids": [Command.clear()]
                + [
                    Command.create(
                        {
                            "row": row,
                            "serial": serial,
                            "product": product,
                            "reason": messages[code] % params,
                        }
                    )
                    for row, serial, product, code, params in preview
                ],
                **report,
            }
        )
        return self._reopen()

    def action_import(self):
        """Register the serials (and receive them when a location is given), all or
        nothing unless `valid_rows_only`; returns the import batch."""
        self.ensure_one()
        self.env["stock.lot"].check_access("create")
        with self._open_file() as source:
            check = self._check_file(source)
            report = self._error_report_values(check, source) if check.problems else {}
            sha256 = source.sha256
        if check.problems and not self.valid_rows_only:
            row, _serial, _product, code, params = check.problems[0]
            raise UserError(
                _(
                    "%(count)s of the %(total)s rows cannot be imported (row %(row)s: "
                    "%(reason)s) Nothing was imported. Run the dry run to see every "
                    "problem and download the error report; then fix the file, or "
                    'tick "Import Only the Valid Rows".',
                    count=len(check.problems),
                    total=check.row_count,
                    row=row,
                    reason=self._problem_messages()[code] % params,
                )
            )
        if not check.new_rows:
            raise UserError(
                _(
                    "No new serial to import: every row of the file is already "
                    "registered or has a problem. Run the dry run to see why."
                )
            )
        if any(row[7] for row in check.new_rows):
            self.env["stock.move"].check_access("create")
        with self.env.cr.savepoint():
            batch = self._register_serials(check, sha256)
        self.write(
            {
                "state": "done",
                "batch_id": batch.id,
                "row_count": check.row_count,
                "new_count": len(check.new_rows),
                "existing_count": check.existing_count,
                "invalid_count": check.invalid_count,
                **report,
            }
        )
        return {
            "type": "ir.actions.act_window",
            "res_model": "stock.lot.import.batch",
            "res_id": batch.id,
            "view_mode": "form",
            "target": "current",
        }

    def action_download_template(self):
        self.ensure_one()
        self.template_file = base64.b64encode(workbooks.template_workbook(self.env))
        return self._download("template_file", "serial_import_template.xlsx")

    def action_download_error_report(self):
        self.ensure_one()
        if not self.error_report:
            raise UserError(_("There is no error report: run the dry run first."))
        return self._download("error_report", self.error_report_name)

    # --- reading the file -------------------------------------------------------------
    @contextmanager
    def _open_file(self):
        """The uploaded file as a reader.SerialFile, opened once for the whole action;
        UserError for a missing, too big or unreadable file."""
        if not self.file:
            if self.filename:
                raise UserError(
                    reader.problem_message(self.env, reader.FileProblem("empty"))
                )
            raise UserError(_("Choose the file holding the serials first."))
        data = base64.b64decode(self.with_context(bin_size=False).file)
        try:
            reader.check_size(data, reader.limits(self.env).max_megabytes)
            source = reader.SerialFile(data, self.filename)
        except reader.FileProblem as problem:
            raise UserError(reader.problem_message(self.env, problem)) from problem
        try:
            yield source
        finally:
            source.close()

    def _signature(self, source, sheet_name):
        return f"{source.sha256}:{sheet_name or ''}"

    def _read_file(self, source):
        """(Re)build the sheets and the column mapping from the file."""
        try:
            sheets = source.sheet_names()
        except reader.FileProblem as problem:
            raise UserError(reader.problem_message(self.env, problem)) from problem
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
        self.write(
            {
                "sheet_id": sheet.id,
                "column_ids": [Command.clear()]
                + [
                    Command.create(values)
                    for values in self._column_values(source, sheet.name)
                ],
                "read_signature": self._signature(source, sheet.name),
            }
        )

    def _ensure_read(self, source):
        """Over RPC the file is given and checked at once: read it when it (or the
        chosen sheet) is not the one the mapping was made from."""
        if (self.read_signature or "").partition(":")[0] != source.sha256:
            self._read_file(source)
        elif self.read_signature != self._signature(source, self.sheet_id.name):
            self.column_ids = [Command.clear()] + [
                Command.create(values)
                for values in self._column_values(source, self.sheet_id.name)
            ]
            self.read_signature = self._signature(source, self.sheet_id.name)
        if self.state == "upload":
            self.state = "map"

    def _rows(self, source, sheet_name):
        try:
            yield from source.rows(
                sheet=sheet_name or None, max_rows=reader.limits(self.env).max_rows
            )
        except reader.FileProblem as problem:
            raise UserError(reader.problem_message(self.env, problem)) from problem

    def _column_values(self, source, sheet_name):
        """The mapping lines of a sheet: its header, a sample value, the field each
        column fills as guessed from its name."""
        rows = self._rows(source, sheet_name)
        header = next(rows, None)
        if header is None:
            raise UserError(
                reader.problem_message(self.env, reader.FileProblem("empty"))
            )
        sample = next(rows, (0, ()))[1]
        rows.close()
        aliases = self._header_aliases()
        return [
            {
                "sequence": index,
                "header": cell_text(value)
                or _(
                    "(column %(letter)s)",
                    letter=openpyxl.utils.get_column_letter(index + 1),
                ),
                "sample": cell_text(sample[index]) if index < len(sample) else "",
                "field": aliases.get(normalize_header(value), False)
                if cell_text(value)
                else "ignore",
            }
            for index, value in enumerate(header[1])
        ]

    def _header_aliases(self):
        """{normalized header: field}: the aliases, and the fields' labels in the user's
        language."""
        aliases = {
            normalize_header(alias): field
            for field, names in HEADER_ALIASES.items()
            for alias in names
        }
        labels = (
            self.env["stock.lot.import.column"]
            ._fields["field"]
            ._description_selection(self.env)
        )
        for field, label in labels:
            aliases.setdefault(normalize_header(label), field)
        return aliases

    def _column_positions(self):
        """{field: column position} from the mapping, or UserError saying what to
        fix."""
        columns = self.column_ids
        if columns and not columns.filtered("field"):
            raise UserError(
                reader.problem_message(
                    self.env,
                    reader.FileProblem(
                        "no_header",
                        cells=", ".join(columns.mapped("header")),
                    ),
                )
            )
        unknown = columns.filtered(lambda column: not column.field)
        if unknown:
            raise UserError(
                reader.problem_message(
                    self.env,
                    reader.FileProblem(
                        "unknown_columns",
                        columns=", ".join(unknown.mapped("header")),
                    ),
                )
            )
        positions = {}
        for field, field_columns in columns.grouped("field").items():
            if field != "ignore" and len(field_columns) > 1:
                raise UserError(
                    reader.problem_message(
                        self.env,
                        reader.FileProblem(
                            "duplicate_columns",
                            field=dict(
                                self.env["stock.lot.import.column"]
                                ._fields["field"]
                                ._description_selection(self.env)
                            )[field],
                            columns=", ".join(field_columns.mapped("header")),
                        ),
                    )
                )
            positions[field] = field_columns[0].sequence
        positions.pop("ignore", None)
        if "serial" not in positions:
            raise UserError(
                reader.problem_message(self.env, reader.FileProblem("no_serial_column"))
            )
        if "product" not in positions and not self.product_id:
            raise UserError(
                reader.problem_message(
                    self.env, reader.FileProblem("no_product_column")
                )
            )
        return positions

    # --- checking the rows ------------------------------------------------------------
    def _check_file(self, source):
        """Read and check every row; nothing is written."""
        self._check_import_target()  # again: the request's companies may have changed
        self._ensure_read(source)
        positions = self._column_positions()
        rows = self._rows(source, self.sheet_id.name)
        next(rows, None)  # the header

        def cell(values, field):
            position = positions.get(field)
            if position is None or position >= len(values):
                return None
            return values[position]

        parsed = []
        for number, values in rows:
            parsed.append(
                (
                    number,
                    cell_text(cell(values, "serial")),
                    cell_text(cell(values, "product")),
                    cell_text(cell(values, "lot_ref")) or None,
                    cell_text(cell(values, "location")),
                    cell(values, "warranty_end"),
                    cell_text(cell(values, "note")) or None,
                )
            )
        if not parsed:
            raise UserError(
                reader.problem_message(self.env, reader.FileProblem("no_rows"))
            )
        products = self._resolve_products({row[2] for row in parsed if row[2]})
        locations = self._resolve_locations({row[4] for row in parsed if row[4]})
        return self._check_rows(parsed, products, locations)

    def _check_rows(self, parsed, products, locations):
        """Check each row against the products and locations resolved from the file;
        then look the remaining serials up among the registered ones, set-based."""
        check = ImportCheck()
        check.row_count = len(parsed)
        product_info = self._product_info(
            {product.id for product, _code, _params in products.values() if product}
            | set(self.product_id.ids)
        )
        location_company = {
            location.id: location.company_id.id
            for location in self.location_id
            | self.env["stock.location"].concat(
                *(
                    location
                    for location, _code, _params in locations.values()
                    if location
                )
            )
        }
        default_product = product_info.get(self.product_id.id)
        default_location = self.location_id.id or None
        first_row = {}
        candidates = []
        for number, serial, product_text, ref, location_text, warranty, note in parsed:
            code, params, product = self._check_row(
                serial,
                product_text,
                products,
                product_info,
                default_product,
            )
            if not code:
                key = (serial, product["id"])
                if key in first_row:
                    code, params = (
                        "duplicate",
                        {"serial": serial, "row": first_row[key]},
                    )
                else:
                    first_row[key] = number
                    code, params = self._check_serial_format(serial, product)
            if not code:
                warranty_end = self._parse_date(warranty)
                if warranty_end is False:
                    code, params = "bad_date", {"value": cell_text(warranty)}
            location_id = default_location
            if not code and location_text:
                location, code, params = locations[location_text]
                location_id = location and location.id
            if not code and location_id:
                if location_company[location_id] not in (
                    None,
                    False,
                    product["company_id"],
                ):
                    location_name = location_text or self.location_id.complete_name
                    code, params = "other_company_location", {"location": location_name}
                elif not product["is_storable"]:
                    code, params = "not_storable", {"product": product["name"]}
            if code:
                shown = product["name"] if product else product_text or ""
                check.problems.append((number, serial, shown, code, params))
                continue
            candidates.append(
                (
                    number,
                    serial,
                    product["id"],
                    product["company_id"],
                    ref,
                    note,
                    warranty_end or None,
                    location_id,
                )
            )
        existing = self._existing_rows(candidates)
        for row in candidates:
            if row[0] in existing:
                name = product_info[row[2]]["name"]
                check.problems.append(
                    (
                        row[0],
                        row[1],
                        name,
                        "existing",
                        {"serial": row[1], "product": name},
                    )
                )
            else:
                check.new_rows.append(row)
        check.problems.sort(key=lambda problem: problem[0])
        return check

    def _check_row(self, serial, product_text, products, product_info, default_product):
        """(problem code, params, product info) of a row's serial and product."""
        if not serial:
            return "empty_serial", {}, None
        product = None
        if product_text:
            record, code, params = products[product_text]
            if code:
                return code, params, None
            product = product_info[record.id]
        elif default_product:
            product = default_product
        if not product:
            return "no_product", {}, None
        if product["tracking"] != "serial":
            return "not_serial", {"product": product["name"]}, product
        return None, {}, product

    def _check_serial_format(self, serial, product):
        if product["format"] and not product["format"].fullmatch(serial):
            return "format", {
                "serial": serial,
                "product": product["name"],
                "format": product["format"].pattern,
            }
        return None, {}

    def _product_info(self, product_ids):
        """What the checks need of each product, read once (not per row)."""
        return {
            product.id: {
                "id": product.id,
                "name": product.display_name,
                "tracking": product.tracking,
                "format": re.compile(product.serial_format)
                if product.serial_format
                else None,
                "company_id": product.company_id.id or self.company_id.id,
                "is_storable": product.is_storable,
            }
            for product in self.env["product.product"].browse(product_ids)
        }

    def _parse_date(self, value):
        """A date, None for an empty cell, False for a value that is not a date."""
        if value in (None, ""):
            return None
        if isinstance(value, datetime):
            return value.date()
        if isinstance(value, date):
            return value
        text = cell_text(value)
        if not text:
            return None
        formats = ["%Y-%m-%d", "%Y-%m-%d %H:%M:%S", get_lang(self.env).date_format]
        for date_format in formats:
            try:
                return datetime.strptime(text, date_format).date()
            except ValueError:
                continue
        return False

    def _resolve_products(self, texts):
        """{text: (product, problem code, params)}: by internal reference, then barcode,
        then name (an exact match, of an active product usable in this company)."""
        Product = self.env["product.product"]
        codes = {}
        for text in texts:
            match = DISPLAY_NAME_CODE.match(text)
            codes[text] = match.group(1).strip() if match else text
        found = Product.browse()
        sudo_found = Product.sudo().browse()
        values = list(set(codes.values()) | set(texts))
        for start in range(0, len(values), SEARCH_CHUNK):
            chunk = values[start : start + SEARCH_CHUNK]
            domain = [
                "|",
                "|",
                ("default_code", "in", chunk),
                ("barcode", "in", chunk),
                ("name", "in", chunk),
            ]
            found |= Product.search(domain)
            sudo_found |= Product.sudo().search(domain)
        allowed_companies = self.company_id.parent_ids
        by_value = defaultdict(lambda: ([], [], []))
        for product in sudo_found:
            for tier, value in enumerate(
                (product.default_code, product.barcode, product.name)
            ):
                if value:
                    by_value[value][tier].append(product)
        result = {}
        visible = set(found.ids)
        for text in texts:
            tiers = by_value.get(codes[text]) if codes[text] != text else None
            tiers = tiers or by_value.get(text) or ([], [], [])
            matches = next((tier for tier in tiers if tier), [])
            usable = [
                product
                for product in matches
                if product.id in visible
                and (not product.company_id or product.company_id in allowed_companies)
            ]
            if len(usable) == 1:
                result[text] = (Product.browse(usable[0].id), None, {})
            elif len(usable) > 1:
                result[text] = (
                    None,
                    "ambiguous_product",
                    {
                        "product": text,
                        "products": ", ".join(
                            product.display_name
                            for product in Product.browse(
                                [product.id for product in usable[:5]]
                            )
                        ),
                    },
                )
            elif matches:
                result[text] = (None, "other_company_product", {"product": text})
            else:
                result[text] = (None, "unknown_product", {"product": text})
        return result

    def _resolve_locations(self, texts):
        """{text: (location, problem code, params)}: an internal location by full name
        (WH/Stock), barcode or name."""
        Location = self.env["stock.location"]
        result = {}
        texts = list(texts)
        domain = [
            ("usage", "=", "internal"),
            "|",
            "|",
            ("complete_name", "in", texts),
            ("barcode", "in", texts),
            ("name", "in", texts),
        ]
        visible = set(Location.search(domain).ids) if texts else set()
        by_value = defaultdict(lambda: ([], [], []))
        for location in Location.sudo().search(domain) if texts else []:
            for tier, value in enumerate(
                (location.complete_name, location.barcode, location.name)
            ):
                if value:
                    by_value[value][tier].append(location)
        for text in texts:
            matches = next((tier for tier in by_value.get(text, ()) if tier), [])
            usable = [
                location
                for location in matches
                if location.id in visible
                and (not location.company_id or location.company_id == self.company_id)
            ]
            if len(usable) == 1:
                result[text] = (Location.browse(usable[0].id), None, {})
            elif len(usable) > 1:
                result[text] = (None, "ambiguous_location", {"location": text})
            elif matches:
                result[text] = (None, "other_company_location", {"location": text})
            else:
                result[text] = (None, "unknown_location", {"location": text})
        return result

    def _existing_rows(self, candidates):
        """Row numbers of the candidates whose serial is already registered for the
        product in the company (or without company), as Odoo's uniqueness rule has
        it."""
        existing = set()
        self.env["stock.lot"].flush_model(["name", "product_id", "company_id"])
        for start in range(0, len(candidates), LOOKUP_CHUNK):
            chunk = candidates[start : start + LOOKUP_CHUNK]
            self.env.cr.execute(
                """SELECT v.row_number
                     FROM unnest(%s::int[], %s::varchar[], %s::int[], %s::int[])
                          AS v(row_number, name, product_id, company_id)
                    WHERE EXISTS (
                        SELECT 1 FROM stock_lot lot
                         WHERE lot.name = v.name AND lot.product_id = v.product_id
                           AND (lot.company_id IS NULL
                                OR lot.company_id = v.company_id))""",
                [pg_array([row[column] for row in chunk]) for column in range(4)],
            )
            existing.update(row[0] for row in self.env.cr.fetchall())
        return existing

    # --- writing ----------------------------------------------------------------------
    def _register_serials(self, check, sha256):
        """Create the serials of `check.new_rows`, their `imported` audit lines, the
        batch, and receive the rows with a location: set-based, in this transaction."""
        cr = self.env.cr
        rows = check.new_rows
        product_ids = sorted({row[2] for row in rows})
        writer.lock_products(self.env, product_ids)
        now = fields.Datetime.now()
        name = self.env["ir.sequence"].next_by_code("stock.lot.import.batch")
        moves = writer.create_receipt_moves(self.env, rows, name, now)
        batch = self.env["stock.lot.import.batch"].create(
            {
                "name": name,
                "company_id": self.company_id.id,
                "date": now,
                "file_name": self.filename,
                "file_sha256": sha256,
                "sheet_name": self.sheet_id.name,
                "location_id": self.location_id.id,
                "valid_rows_only": self.valid_rows_only,
                "row_count": check.row_count,
                "created_count": len(rows),
                "received_count": sum(1 for row in rows if row[7]),
                "existing_count": check.existing_count,
                "invalid_count": check.invalid_count,
                "move_ids": [Command.set([move["id"] for move in moves.values()])],
            }
        )
        self.env.flush_all()
        cr.execute(
            "SELECT nextval('stock_lot_id_seq') FROM generate_series(1, %s)",
            [len(rows)],
        )
        lot_ids = [row[0] for row in cr.fetchall()]
        writer.insert_lots(self.env, rows, lot_ids, batch, now, self.company_id)
        writer.append_audit_lines(
            self.env, rows, lot_ids, batch, moves, now, self.filename
        )
        if moves:
            writer.insert_stock(self.env, batch, moves, now)
        self.env.invalidate_all()
        if moves:
            writer.value_receipts(
                self.env,
                self.env["stock.move"].browse([move["id"] for move in moves.values()]),
                rows,
                lot_ids,
            )
        return batch

    # --- files for the user -----------------------------------------------------------
    def _error_report_values(self, check, source):
        """The error report fields of `check`, from the file's chosen sheet."""
        return workbooks.error_report_values(
            self.env,
            check,
            self._rows(source, self.sheet_id.name),
            self.filename,
            self._problem_messages(),
        )

    def _download(self, field, filename):
        return {
            "type": "ir.actions.act_url",
            "url": f"/web/content/{self._name}/{self.id}/{field}/{filename}"
            "?download=true",
            "target": "self",
        }

    def _reopen(self):
        return {
            "type": "ir.actions.act_window",
            "name": _("Import Serials"),
            "res_model": self._name,
            "res_id": self.id,
            "view_mode": "form",
            "target": "new",
        }

    # --- messages ---------------------------------------------------------------------
    def _problem_messages(self):
        """The sentence of each row problem, translated once per check."""
        return {
            "empty_serial": _("The serial is empty: fill it in, or remove the row."),
            "no_product": _(
                "The product is empty: fill it in, or choose a default product."
            ),
            "unknown_product": _(
                "No product has the internal reference, barcode or name %(product)s: "
                "check the spelling, or create the product first."
            ),
            "ambiguous_product": _(
                "%(product)s matches several products (%(products)s): write the "
                "internal reference instead."
            ),
            "other_company_product": _(
                "Product %(product)s belongs to another company: switch to that "
                "company to import its serials."
            ),
            "not_serial": _(
                "Product %(product)s is not tracked by serial number: set its "
                'tracking to "By Unique Serial Number" first.'
            ),
            "duplicate": _(
                "Serial %(serial)s appears more than once in the file (first in row "
                "%(row)s): keep one row."
            ),
            "format": _(
                "Serial %(serial)s does not match the serial format of %(product)s "
                "(%(format)s): check the serial."
            ),
            "bad_date": _(
                "The warranty end %(value)s is not a date: write it as YYYY-MM-DD, for "
                "example 2027-12-31."
            ),
            "unknown_location": _(
                "No internal location is named %(location)s: write its full name, for "
                "example WH/Stock."
            ),
            "ambiguous_location": _(
                "Several internal locations are named %(location)s: write the full "
                "name, for example WH/Stock."
            ),
            "other_company_location": _(
                "Location %(location)s belongs to another company than the serial: "
                "choose a location of the product's company."
            ),
            "not_storable": _(
                "Product %(product)s does not track its inventory: it cannot be "
                'received in stock. Tick "Track Inventory" on the product, or import '
                "without a location."
            ),
            "existing": _("Serial %(serial)s is already registered for %(product)s."),
        }
