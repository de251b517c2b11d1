import re

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL
from odoo.tools.sql import column_exists, create_column, create_index

from .serial_split import (
    fill_serial_split,
    number_condition,
    serial_range_domain,
    split_serial,
)

NUMBER_OPERATORS = ("=", "<", "<=", ">", ">=")
# a prefix pattern the upper(name) index can serve: no wildcard but a trailing %
PREFIX_PATTERN = re.compile(r"^[^%_\\]+%$")


class StockLot(models.Model):
    """Finding a serial among millions: exact, by prefix and by numeric range, each
    through an index of its own (the lifecycle and history live in stock_lot.py)."""

    _inherit = "stock.lot"

    # searching (models/serial_split.py): both indexed together, with the number's
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
            lot.serial_prefix, lot.serial_trailing_number = split_serial(lot.name)

    def _compute_serial_range(self):
        self.serial_range = False

    def _search_serial_range(self, operator, value):
        return serial_range_domain(self.env, operator, value)

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

    def _condition_to_sql(self, alias, fname, operator, value, query):
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
            serial_range_domain(self.env, "=", text)
        except UserError as error:
            return error.args[0]
        return False
