"""A serial split for searching: its prefix (the serial without its trailing digits)
and its trailing number, the same in Python (the ORM, the import) and in SQL (the
install, the bench).

The trailing number is kept as text: its digits without leading zeros ("0100" and
"100" both give "100", "000" gives "0"). An IMEI (15 digits) or an ICCID (20) does
not fit an int4 and a float loses digits, while text of digits without leading zeros
compares exactly as numbers do when compared by (length, digits) in the "C" collation
(byte order): shorter is smaller, then digit by digit. stock_lot_serial_range_index
holds (prefix, length, digits COLLATE "C") in that order, so a range within one prefix
is one index range scan."""

from odoo.tools import SQL

DIGITS = "0123456789"


def split_serial(name):
    """(prefix, trailing number) of a serial, False where there is none:
    "SN-0100" -> ("SN-", "100"), "ABC" -> ("ABC", False), "0042" -> (False, "42")."""
    name = name or ""
    stem = name.rstrip(DIGITS)
    digits = name[len(stem) :]
    return stem or False, (digits.lstrip("0") or "0") if digits else False


def split_serial_sql(name):
    """The SQL of split_serial over the text expression `name` (an SQL object):
    (prefix, trailing number), NULL where there is none."""
    stem = SQL("rtrim(%s, %s)", name, DIGITS)
    digits = SQL("substr(%s, length(%s) + 1)", name, stem)
    return (
        SQL("NULLIF(%s, '')", stem),
        SQL(
            "CASE WHEN %s <> '' THEN COALESCE(NULLIF(ltrim(%s, '0'), ''), '0') END",
            digits,
            digits,
        ),
    )


def number_condition(column, operator, number):
    """SQL comparing the trailing-number column to `number` (digits) as numbers, in
    the form stock_lot_serial_range_index serves."""
    number = number.lstrip("0") or "0"
    return SQL(
        '(length(%s), %s COLLATE "C") %s (%s, %s)',
        column,
        column,
        SQL(operator),
        len(number),
        number,
    )


def fill_serial_split(cr):
    """Set-based: the prefix and trailing number of every lot that has neither (lots
    there before the addon, or written by SQL)."""
    prefix, number = split_serial_sql(SQL.identifier("name"))
    cr.execute(
        SQL(
            """UPDATE stock_lot SET serial_prefix = %s, serial_trailing_number = %s
                WHERE serial_prefix IS NULL AND serial_trailing_number IS NULL""",
            prefix,
            number,
        )
    )
    return cr.rowcount
