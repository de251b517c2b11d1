"""A serial split for searching: its prefix (the serial without its trailing digits)
and its trailing number, the same in Python (the ORM, the import) and in SQL (the
install, the bench).

The trailing number is kept as text: its digits without leading zeros ("0100" and
"100" both give "100", "000" gives "0"). An IMEI (15 digits) or an ICCID (20) does
not fit an int4 and a float loses digits, while text of digits without leading zeros
compares exactly as numbers do when compared by (length, digits) in the "C" collation
(byte order): shorter is smaller, then digit by digit. stock_lot_serial_range_index
holds (prefix, length, digits COLLATE "C") in that order, so the numbers of one length
within one prefix are one index range scan, and a range (range_condition) is one such
scan per length it spans.

These are the default split: stock.lot._split_serial (models/stock_lot_search.py) is
the step a module overrides to split its serials otherwise, and
stock.lot._parse_serial_range parses a range typed as FIRST..LAST (the `serial_range`
search) with it. The split fields follow the serial's name: nobody writes them."""

import re
from dataclasses import dataclass
from typing import NamedTuple

from odoo.tools import SQL

DIGITS = "0123456789"
# a typed serial: what stands before its digits, and its digits
TYPED_SERIAL = re.compile(r"(\D*?)(\d+)")
DEFAULT_RANGE_EXAMPLE = "SN-0090..SN-0110"
# follow the serial's name (computed from it), never written by hand
SPLIT_FIELDS = {"serial_prefix", "serial_trailing_number"}


class SerialSplit(NamedTuple):
    """A serial's prefix (what stands before its trailing number) and its trailing
    number (digits without leading zeros), False where there is none."""

    prefix: str | bool
    number: str | bool


@dataclass(frozen=True)
class SerialRange:
    """A range within one prefix: its first and last trailing numbers, as digits
    without leading zeros (see split_serial). Not a tuple: the value of the domain
    term ("serial_trailing_number", "=", SerialRange) that stock.lot's range search
    gives, which Odoo would read as a list of values."""

    prefix: str | bool
    first: str
    last: str


def split_serial(name):
    """The SerialSplit (prefix, trailing number) of a serial, False where there is none:
    "SN-0100" -> ("SN-", "100"), "ABC" -> ("ABC", False), "0042" -> (False, "42")."""
    name = name or ""
    stem = name.rstrip(DIGITS)
    digits = name[len(stem) :]
    return SerialSplit(stem or False, (digits.lstrip("0") or "0") if digits else False)


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


def range_condition(prefix_column, number_column, serial_range):
    """SQL of the lots whose split (the prefix and trailing-number columns, SQL
    objects) lies in `serial_range`: its prefix (IS NULL for none) and, for each
    length of number the range spans, equality on the length and bounds on the digits,
    the columns of stock_lot_serial_range_index. Each length is one index range scan
    bounded at both ends (SN-90..SN-110 is two, in a bitmap OR; numbers of the lengths
    between the ends' are a third), which the planner estimates from each column's
    statistics however the serials are spread: one prefix holding every serial, or
    none (IMEIs). The row comparisons of number_condition find the same lots, but
    PostgreSQL (15) stops a scan at a row comparison's bound only on its first column
    (the length: every number of that length is read) and estimates it by that column
    alone, so a range among a million serials of one prefix became a scan of most of
    them."""
    first = serial_range.first.lstrip("0") or "0"
    last = serial_range.last.lstrip("0") or "0"
    if (len(first), first) > (len(last), last):
        return SQL("FALSE")
    prefix = (
        SQL("%s = %s", prefix_column, serial_range.prefix)
        if serial_range.prefix
        else SQL("%s IS NULL", prefix_column)
    )
    length = SQL("length(%s)", number_column)
    digits = SQL('%s COLLATE "C"', number_column)
    if len(first) == len(last):
        return SQL(
            "(%s AND %s = %s AND %s >= %s AND %s <= %s)",
            prefix,
            length,
            len(first),
            digits,
            first,
            digits,
            last,
        )
    lengths = [SQL("(%s = %s AND %s >= %s)", length, len(first), digits, first)]
    if len(last) - len(first) > 1:
        lengths.append(
            SQL("(%s > %s AND %s < %s)", length, len(first), length, len(last))
        )
    lengths.append(SQL("(%s = %s AND %s <= %s)", length, len(last), digits, last))
    return SQL("(%s AND (%s))", prefix, SQL(" OR ").join(lengths))


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


def range_example(text):
    """A range to show for what was typed: the typed serials' first real prefix (one
    holding a letter) at both ends, the first two typed numbers in order (the first
    and 8 more when one was typed): "0002..NVX-0010" and "NVX-0002-0010" give
    NVX-0002..NVX-0010. SN-0090..SN-0110 when nothing typed ends in digits."""
    typed = TYPED_SERIAL.findall(text) if isinstance(text, str) else []
    if not typed:
        return DEFAULT_RANGE_EXAMPLE
    # what stands before a number, less the words and separators before the prefix
    stems = [
        (stem.split() or [""])[-1].lstrip(".,;:-_/") if stem[-1:].strip() else ""
        for stem, _digits in typed
    ]
    prefix = next(
        (stem for stem in stems if any(char.isalpha() for char in stem)), "SN-"
    )
    numbers = [digits for _stem, digits in typed[:2]]
    if len(numbers) == 1:
        numbers.append(str(int(numbers[0]) + 8).zfill(len(numbers[0])))
    numbers.sort(key=lambda digits: int(digits))
    return f"{prefix}{numbers[0]}..{prefix}{numbers[1]}"
