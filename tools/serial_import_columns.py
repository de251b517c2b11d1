"""From a file's columns to the import's named rows: which column fills which field (by
its header, in English or the user's language, or as the user mapped it), and the
rows of a sheet as ImportRow. Pure helpers over the rows a SerialFile yields ((row
number, cells), the header first); a file the user must fix raises
serial_import_reader.FileProblem. The batch (stock.lot.import.batch, its _file
concern) opens the file within its limits and tells the user."""

import re

import openpyxl

from .serial_import_cells import cell_text
from .serial_import_reader import FileProblem
from .serial_import_records import ImportRow

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


SERIAL_HEADERS = frozenset(normalize_header(name) for name in HEADER_ALIASES["serial"])


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


def sheet_columns(env, rows, labels):
    """The mapping lines of a sheet of `rows`: its header, a sample value, the field
    each column fills as guessed from its name. `env` translates the name of a column
    without header."""
    header = next(rows, None)
    if header is None:
        raise FileProblem("empty")
    sample = next(rows, (0, ()))[1]
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


def column_positions(columns, labels, has_default_product):
    """{field: column position} from the mapping `columns` (records with header,
    field and sequence), or FileProblem saying what to fix."""
    if columns and not columns.filtered("field"):
        raise FileProblem("no_header", cells=", ".join(columns.mapped("header")))
    unknown = columns.filtered(lambda column: not column.field)
    if unknown:
        raise FileProblem(
            "unknown_columns", columns=", ".join(unknown.mapped("header"))
        )
    positions = {}
    for field, field_columns in columns.grouped("field").items():
        if field != "ignore" and len(field_columns) > 1:
            raise FileProblem(
                "duplicate_columns",
                field=dict(labels)[field],
                columns=", ".join(field_columns.mapped("header")),
            )
        positions[field] = field_columns[0].sequence
    positions.pop("ignore", None)
    if "serial" not in positions:
        raise FileProblem("no_serial_column")
    if "product" not in positions and not has_default_product:
        raise FileProblem("no_product_column")
    return positions


def import_rows(rows, positions):
    """The `rows` of a sheet below its header as ImportRow, the columns at
    `positions` ({field: position}) read as text, the date columns as the cell holds
    them."""
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


def serial_column(rows):
    """The serials of a file of serials (a count's, a recall's: its rows' cells), as
    text: the column whose header names a serial, or the one filled cell of each row
    of a file without that header. FileProblem for a file that holds none."""
    if not rows:
        raise FileProblem("empty")
    texts = _serial_column(rows)
    if not any(text.strip() for text in texts):
        raise FileProblem("no_rows")
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
        raise FileProblem("no_serial_column")
    # one serial per row, no header
    return [next((cell_text(v) for v in row if cell_text(v)), "") for row in rows]
