import re

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL
from odoo.tools.sql import column_exists, create_column, create_index

from ..tools.serial_split import (
    SPLIT_FIELDS,
    SerialRange,
    fill_serial_split,
    number_condition,
    range_condition,
    range_example,
    split_serial,
)

NUMBER_OPERATORS = ("=", "<", "<=", ">", ">=")
# the trailing numbers' statistics target (PostgreSQL's default: 100), see init
NUMBER_STATISTICS = 1000
# a prefix pattern the upper(name) index can serve: no wildcard but a trailing %
PREFIX_PATTERN = re.compile(r"^[^%_\\]+%$")


class StockLot(models.Model):
    """Finding a serial among millions: exact, by prefix and by numeric range, each
    through an index of its own (the lifecycle and history live in stock_lot.py)."""

    _inherit = "stock.lot"

    # searching (_split_serial): both indexed together, with the number's
    # length, by stock_lot_serial_range_index (see init)
    serial_prefix = fields.Char(
        compute="_compute_serial_split",
        store=True,
        readonly=True,
        help="The serial without its trailing digits: SN- for SN-0100.",
    )
    serial_trailing_number = fields.Char(
        compute="_compute_serial_split",
        store=True,
        readonly=True,
        help=(
            "The serial's trailing digits without leading zeros (100 for SN-0100); "
            "compared as a number in searches."
        ),
    )
    serial_range = fields.Char(
        compute="_compute_serial_range",
        search="_search_serial_range",
        help="Search only: FIRST..LAST, for example SN-0090..SN-0110.",
    )

    @api.depends("name")
    def _compute_serial_split(self):
        for lot in self:
            prefix, number = lot._split_serial(lot.name)
            # no prefix is NULL (never ''), as the SQL split and the import write it:
            # the range search finds the serials without one by IS NULL
            lot.serial_prefix, lot.serial_trailing_number = prefix or False, number

    def _compute_serial_range(self):
        self.serial_range = False

    def _search_serial_range(self, operator, value):
        return self._serial_range_domain(operator, value)

    def _auto_init(self):
        # the split columns are created and filled set-based before Odoo sees the
        # fields, which it would otherwise compute lot by lot through the ORM
        cr = self.env.cr
        if not column_exists(cr, "stock_lot", "serial_prefix"):
            create_column(cr, "stock_lot", "serial_prefix", "varchar")
            create_column(cr, "stock_lot", "serial_trailing_number", "varchar")
            fill_serial_split(cr)
        return super()._auto_init()

    def init(self):
        # exact lookups use a b-tree (stock's trigram index makes `=` scan); prefix
        # lookups (=ilike 'ABC%') use the upper(name) pattern index through
        # _condition_to_sql below. Each is created only when missing: CREATE INDEX
        # locks stock_lot against writers (SHARE) even when the index exists, until
        # the module update commits
        cr = self.env.cr
        for name, expressions in (
            ("stock_lot_name_btree_index", ["name"]),
            ("stock_lot_upper_name_prefix_index", ["upper(name) text_pattern_ops"]),
            (
                "stock_lot_serial_range_index",
                [
                    "serial_prefix",
                    "length(serial_trailing_number)",
                    'serial_trailing_number COLLATE "C"',
                ],
            ),
        ):
            create_index(cr, name, "stock_lot", expressions)
        # a finer histogram of the trailing numbers (all lengths in one column): a
        # range over two lengths is then estimated at about its size, so the list
        # of its serials (ORDER BY name LIMIT 80) reads the range's index scans
        # rather than walking the name's b-tree. Only when lower: ALTER TABLE
        # takes a lock (SHARE UPDATE EXCLUSIVE, writers go on) until the update ends
        cr.execute(
            """SELECT attstattarget FROM pg_attribute
                WHERE attrelid = 'stock_lot'::regclass
                  AND attname = 'serial_trailing_number'"""
        )
        if cr.fetchone()[0] < NUMBER_STATISTICS:
            cr.execute(
                SQL(
                    "ALTER TABLE stock_lot ALTER COLUMN serial_trailing_number "
                    "SET STATISTICS %s",
                    NUMBER_STATISTICS,
                )
            )

    def _condition_to_sql(self, alias, fname, operator, value, query):
        if (
            fname == "serial_trailing_number"
            and operator == "="
            and isinstance(value, SerialRange)
        ):
            # the range search's term (_serial_range_domain): the lots of the range,
            # one index range scan per length of number
            return range_condition(
                self._field_to_sql(alias, "serial_prefix", query),
                self._field_to_sql(alias, fname, query),
                value,
            )
        if (
            fname == "name"
            and operator == "=ilike"
            and isinstance(value, str)
            and PREFIX_PATTERN.match(value)
        ):
            # the same rows as ILIKE, found through the upper(name) pattern index
            name = self._field_to_sql(alias, "name", query)
            return SQL(
                "(upper(%s) LIKE upper(%s) AND %s ILIKE %s)", name, value, name, value
            )
        if (
            fname == "serial_trailing_number"
            and operator in NUMBER_OPERATORS
            and isinstance(value, str)
            and value.isascii()
            and value.isdigit()
        ):
            # compared as numbers, through stock_lot_serial_range_index
            number = self._field_to_sql(alias, fname, query)
            return number_condition(number, operator, value)
        return super()._condition_to_sql(alias, fname, operator, value, query)

    @api.model
    @api.readonly
    def serial_range_problem(self, text):
        """What is wrong with `text` as a serial range search (the sentence the
        search would raise, with an example built from what was typed), or False
        when it is a range: the search view checks a range before adding it."""
        self.check_access("read")
        try:
            self._serial_range_domain("=", text)
        except UserError as error:
            return error.args[0]
        return False

    # --- the split and the range (steps a module may override) ---------------------
    @api.model
    def _split_serial(self, name):
        """The SerialSplit (tools/serial_split.py) of the serial `name`: its prefix
        and its trailing number (digits without leading zeros), each False where
        there is none; "SN-0100" gives ("SN-", "100"). The lot's serial_prefix and
        serial_trailing_number are computed by it, and the ends of a range typed in a
        search (_parse_serial_range) and of a recall; the import's set-based path
        writes what it gives. Override it, with super() for the serials it does not
        know, to split serials of another shape (a check letter after the number,
        say). The install splits the lots already there in SQL as the default does
        (tools/serial_split.split_serial_sql): a module installed on such lots
        recomputes their split (_compute_serial_split)."""
        return split_serial(name)

    @api.model
    def _check_split_untouched(self, vals):
        """Refuse the values of a lot (create or write) that set its split fields:
        they follow its name."""
        if SPLIT_FIELDS & vals.keys():
            raise UserError(
                self.env._(
                    "A serial's prefix and trailing number follow its name: rename "
                    "the serial instead."
                )
            )

    @api.model
    def _serial_range_domain(self, operator, value):
        """The domain of the `serial_range` search (`operator`, `value` as the
        search gives them): one term ("serial_trailing_number", "=", the SerialRange
        _parse_serial_range reads), which _condition_to_sql turns into the lots of the
        range's prefix whose trailing number lies in it, compared as numbers, through
        stock_lot_serial_range_index (tools/serial_split.range_condition). Raises a
        UserError saying what to type for another operator or a bad range."""
        if operator not in ("=", "ilike"):
            raise UserError(
                self.env._(
                    "Search a serial range with 'is equal to', for example "
                    "SN-0090..SN-0110."
                )
            )
        return [("serial_trailing_number", "=", self._parse_serial_range(value))]

    @api.model
    def _parse_serial_range(self, text):
        """The SerialRange (tools/serial_split.py) typed as FIRST..LAST, both ends
        split by _split_serial, or a UserError saying what to type: the range of the
        search and of a recall's serial ranges. Override it to read ranges written
        otherwise."""
        _ = self.env._
        parts = text.split("..") if isinstance(text, str) else []
        first, last = (part.strip() for part in parts) if len(parts) == 2 else ("", "")
        first_prefix, first_number = self._split_serial(first)
        last_prefix, last_number = self._split_serial(last)
        if not (first_number and last_number):
            raise UserError(
                _(
                    "%(text)s is not a serial range. Type the first and the last "
                    "serial separated by two dots, both ending in digits, for example "
                    "%(example)s; to find one serial, search Serial Number.",
                    text=text if isinstance(text, str) else repr(text),
                    example=range_example(text),
                )
            )
        if first_prefix != last_prefix:
            raise UserError(
                _(
                    "%(first)s and %(last)s have different prefixes (%(first_prefix)s "
                    "and %(last_prefix)s): a serial range stays within one prefix, "
                    "for example %(example)s. Search each prefix on its own.",
                    first=first,
                    last=last,
                    first_prefix=first_prefix or _("none"),
                    last_prefix=last_prefix or _("none"),
                    example=range_example(text),
                )
            )
        if (len(first_number), first_number) > (len(last_number), last_number):
            raise UserError(
                _(
                    "The serial range %(text)s is reversed: type the lower serial "
                    "first, %(last)s..%(first)s.",
                    text=text,
                    first=first,
                    last=last,
                )
            )
        return SerialRange(first_prefix, first_number, last_number)
