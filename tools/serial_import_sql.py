"""The SQL pieces of the serial import's set-based path: the columns it writes, array
parameters PostgreSQL parses at once, a field's value as COPY writes it. Pure helpers;
the writes themselves are stock.lot.import.batch's methods (its _sql and _receipt
concerns)."""

import json

# the columns of a new lot written by stock.lot.import.batch._insert_import_lots
LOT_COLUMNS = [
    "id",
    "name",
    "serial_prefix",
    "serial_trailing_number",
    "product_id",
    "company_id",
    "product_uom_id",
    "ref",
    "note",
    "vendor_warranty_end_date",
    "serial_expiry_date",
    "serial_batch",
    "import_batch_id",
    "location_id",
    "serial_state",
    "standard_price",
    "create_uid",
    "write_uid",
    "create_date",
    "write_date",
]
# stored on a lot, empty at registration: written by the events that fill them
EMPTY_AT_REGISTRATION = [
    "serial_partner_id",
    "serial_sale_date",
    "serial_source_ref",
    "warranty_start_date",
    "warranty_end_date",
    "pos_claim_line_id",
]
MAGIC_COLUMNS = ("id", "create_uid", "create_date", "write_uid", "write_date")
# what stock_account's valuation of an incoming move reads on each of its move lines
# (_get_in_move_lines, _should_exclude_for_valuation, _get_in_svl_vals)
VALUED_LINE_FIELDS = [
    "picked",
    "owner_id",
    "company_id",
    "location_id",
    "location_dest_id",
    "lot_id",
    "quantity_product_uom",
]


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


def int_array(values):
    """PostgreSQL's text of an int[]: parsed at once, where a list of parameters
    makes an expression per value."""
    return "{" + ",".join(map(str, values)) + "}"


def column_value(field, value, record):
    """A field's value as COPY writes it."""
    value = field.convert_to_column(value, record)
    if hasattr(value, "adapted"):  # psycopg2's Json
        value = value.adapted
    if isinstance(value, dict | list):
        return json.dumps(value)
    return value
