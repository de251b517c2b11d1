"""From a file's columns to the import's named rows: which column fills which field (by
its header, in English or the user's language, or as the user mapped it), and the
rows of a sheet as ImportRow. Used by the Import Serials wizard, its background job
and the count import; the reading itself is serial_import_reader's."""

import re
from contextlib import contextmanager

import openpyxl

from odoo.exceptions import UserError

from ..tools.serial_import_records import ImportRow
from . import serial_import_reader as reader
from .serial_import_check import cell_text
from .serial_import_messages import file_problem_message

# the fields a column can fill (the import column's selection)
IMPORT_FIELDS = [
    ("serial", "Serial"),
    ("product", "Product"),
    ("lot_ref", "Lot Reference"),
    ("location", "Location"),
    ("warranty_end", "Warranty End"),
    ("expiry_date", "Expiry Date"),
    ("batch", "Batch"),
    ("note", "Note"),
    ("ignore", "Ignore"),
]
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
        "ai 21",
        "gs1 21",
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
    "expiry_date": [
        "expiry date",
        "expiry",
        "expiration date",
        "expiration",
        "exp date",
        "exp",
        "use by",
        "ai 17",
        "gs1 17",
    ],
    "batch": [
        "batch",
        "batch number",
        "batch no",
        "batch lot",
        "lot number",
        "lot no",
        "ai 10",
        "gs1 10",
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
TEXT_FIELDS = ("serial", "product", "location", "lot_ref", "batch", "note")
DATE_FIELDS = ("warranty_end", "expiry_date")


def normalize_header(text):
    return re.sub(r"[^0-9a-z]+", " ", str(text or "").lower()).strip()


def header_aliases(labels):
    """{normalized header: field}: the aliases, and the fields' `labels` ((field,
    label) in the user's language)."""
    aliases = {
        normalize_header(alias): field
        for field, names in HEADER_ALIASES.items()
        for alias in names
    }
    for field, label in labels:
        aliases.setdefault(normalize_header(label), field)
    return aliases


@contextmanager
def open_file(env, data, filename):
    """`data` (bytes) as a reader.SerialFile, closed after; UserError for a file too
    big or that cannot be read."""
    try:
        reader.check_size(data, reader.limits(env).max_megabytes)
        source = reader.SerialFile(data, filename)
    except reader.FileProblem as problem:
        raise UserError(file_problem_message(env, problem)) from problem
    try:
        yield source
    finally:
        source.close()


def sheet_names(env, source):
    try:
        return source.sheet_names()
    except reader.FileProblem as problem:
        raise UserError(file_problem_message(env, problem)) from problem


def read_rows(env, source, sheet_name):
    """The (row number, cells) of a sheet, the header first; UserError for a file
    that cannot be read or is over the row limit."""
    try:
        yield from source.rows(
            sheet=sheet_name or None, max_rows=reader.limits(env).max_rows
        )
    except reader.FileProblem as problem:
        raise UserError(file_problem_message(env, problem)) from problem


def sheet_columns(env, source, sheet_name, labels):
    """The mapping lines of a sheet: its header, a sample value, the field each column
    fills as guessed from its name."""
    rows = read_rows(env, source, sheet_name)
    header = next(rows, None)
    if header is None:
        raise UserError(file_problem_message(env, reader.FileProblem("empty")))
    sample = next(rows, (0, ()))[1]
    rows.close()
    aliases = header_aliases(labels)
    return [
        {
            "sequence": index,
            "header": cell_text(value)
            or env._(
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


def column_positions(env, columns, labels, has_default_product):
    """{field: column position} from the mapping `columns` (records with header,
    field and sequence), or UserError saying what to fix."""

    def refuse(code, **params):
        raise UserError(file_problem_message(env, reader.FileProblem(code, **params)))

    if columns and not columns.filtered("field"):
        refuse("no_header", cells=", ".join(columns.mapped("header")))
    unknown = columns.filtered(lambda column: not column.field)
    if unknown:
        refuse("unknown_columns", columns=", ".join(unknown.mapped("header")))
    positions = {}
    for field, field_columns in columns.grouped("field").items():
        if field != "ignore" and len(field_columns) > 1:
            refuse(
                "duplicate_columns",
                field=dict(labels)[field],
                columns=", ".join(field_columns.mapped("header")),
            )
        positions[field] = field_columns[0].sequence
    positions.pop("ignore", None)
    if "serial" not in positions:
        refuse("no_serial_column")
    if "product" not in positions and not has_default_product:
        refuse("no_product_column")
    return positions


def import_rows(env, source, sheet_name, positions):
    """The rows of a sheet below its header as ImportRow, the columns at `positions`
    ({field: position}) read as text, the date columns as the cell holds them."""
    rows = read_rows(env, source, sheet_name)
    next(rows, None)  # the header
    # ImportRow's fields after the number, in order: (position, read as a date)
    cells = [
        (positions.get(name), name in DATE_FIELDS)
        for name in ImportRow.__slots__
        if name != "number"
    ]
    for number, values in rows:
        width = len(values)
        yield ImportRow(
            number,
            *[
                (None if is_date else "")
                if position is None or position >= width
                else values[position]
                if is_date
                else cell_text(values[position])
                for position, is_date in cells
            ],
        )


SERIAL_HEADERS = frozenset(normalize_header(name) for name in HEADER_ALIASES["serial"])


def serial_list(env, data, filename):
    """The serials of a file of serials (a count's, a recall's), as text: the column
    whose header names a serial, or the one filled cell of each row of a file without
    that header. UserError for a file that cannot be read or holds none."""
    with open_file(env, data, filename) as source:
        rows = [values for _number, values in read_rows(env, source, None)]
    try:
        if not rows:
            raise reader.FileProblem("empty")
        texts = _serial_column(rows)
        if not any(text.strip() for text in texts):
            raise reader.FileProblem("no_rows")
    except reader.FileProblem as problem:
        raise UserError(file_problem_message(env, problem)) from problem
    return texts


def _serial_column(rows):
    header = [normalize_header(value) for value in rows[0]]
    column = next(
        (index for index, name in enumerate(header) if name in SERIAL_HEADERS), None
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
