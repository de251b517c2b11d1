"""Which units a recall affects, as one SQL condition on stock_lot (alias `lot`): every
criterion given must match (products, serials, import batches, received dates, a file
of serials); and their lines, inserted set-based. serial.recall's locating steps, each
a method another module may override with super().

Serials (`serial_ranges`, one per line): a range FIRST..LAST (stock.lot's
`serial_range` search, through stock_lot_serial_range_index), a prefix ABC* (the
upper(name) pattern index) or a single serial (the name b-tree).

Received: the date of the unit's receipt into our custody as its history records it,
the `received` or `imported` event that took it from no state to in stock (through the
index on serial_audit_line.date). The history, not the first incoming move line: an
import puts units in stock without any stock move, and the history is the one record
every path writes."""

import base64
from datetime import datetime, time, timedelta

import pytz

from odoo import _, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL

from ..tools.serial_recall_sql import LIKE_ESCAPES, SHOWN_UNKNOWN, insert_lines_sql
from ..tools.serial_split import range_condition


class SerialRecall(models.Model):
    _inherit = "serial.recall"

    def _locate_units(self):
        """Replace this recall's lines by the units its criteria match (one INSERT ...
        SELECT, _insert_lines). Returns the number of units; a UserError when none
        matches. May be overridden."""
        self.ensure_one()
        count = self._insert_lines()
        if not count:
            raise UserError(
                _(
                    "No unit of %(company)s matches all the criteria of %(recall)s "
                    "(every criterion given must match). Check the serials, products "
                    "and dates, or leave out a criterion.",
                    company=self.company_id.name,
                    recall=self.name,
                )
            )
        self.located_date = fields.Datetime.now()
        return count

    def _lots_condition(self):
        """The SQL condition (on alias `lot`) of the units this recall affects, every
        criterion given AND-ed; a UserError saying which criterion to give or to
        correct. May be overridden to add a criterion."""
        self.ensure_one()
        conditions = []
        if self.product_ids:
            conditions.append(SQL("lot.product_id = ANY(%s)", self.product_ids.ids))
        serial_lines = [
            line.strip() for line in (self.serial_ranges or "").splitlines()
        ]
        serial_lines = [line for line in serial_lines if line]
        if serial_lines:
            conditions.append(
                SQL(
                    "(%s)",
                    SQL(" OR ").join(
                        self._serial_condition(line) for line in serial_lines
                    ),
                )
            )
        if self.import_batch_ids:
            conditions.append(
                SQL("lot.import_batch_id = ANY(%s)", self.import_batch_ids.ids)
            )
        if self.received_from or self.received_to:
            conditions.append(self._received_condition())
        if self.serial_file:
            conditions.append(SQL("lot.name = ANY(%s)", self._file_serials()))
        if not conditions:
            raise UserError(
                _(
                    "Choose the affected units first: products, serials (a range "
                    "SN-0100..SN-0199, a prefix SN-01* or a serial per line), import "
                    "batches, received dates or a file of serials."
                )
            )
        return SQL(" AND ").join(conditions)

    def _insert_lines(self):
        """Replace the lines of this recall by the units its criteria match
        (_lots_condition), in one INSERT ... SELECT: each unit's bucket
        (serial.recall.line._locate_bucket_sql), its location (its internal quant)
        and its customer (sold units). Returns the number of units. May be
        overridden."""
        self.ensure_one()
        condition = self._lots_condition()
        self.env.flush_all()
        cr = self.env.cr
        cr.execute("DELETE FROM serial_recall_line WHERE recall_id = %s", [self.id])
        cr.execute(
            insert_lines_sql(
                recall_id=self.id,
                company_id=self.company_id.id,
                uid=self.env.uid,
                condition=condition,
                bucket=self.env["serial.recall.line"]._locate_bucket_sql(),
            )
        )
        count = cr.rowcount
        self.env.invalidate_all()
        return count

    def _serial_condition(self, line):
        """The SQL condition (on alias `lot`) of one line of `serial_ranges`: a range
        FIRST..LAST, a prefix ABC* or a serial. May be overridden to read another
        notation."""
        if ".." in line:
            return range_condition(
                SQL("lot.serial_prefix"),
                SQL("lot.serial_trailing_number"),
                self.env["stock.lot"]._parse_serial_range(line),
            )
        if line.endswith("*"):
            stem = line.rstrip("*").strip()
            if not stem or "*" in stem:
                raise UserError(
                    _(
                        "%(line)s is not a serial prefix. Type the beginning of the "
                        "serials followed by one star, for example SN-01*.",
                        line=line,
                    )
                )
            pattern = stem.translate(LIKE_ESCAPES) + "%"
            # upper(name) LIKE: the pattern index; name LIKE: the serials as typed
            return SQL(
                "(upper(lot.name) LIKE upper(%s) AND lot.name LIKE %s)",
                pattern,
                pattern,
            )
        return SQL("lot.name = %s", line)

    def _received_condition(self):
        """The SQL condition (on alias `lot`) of the units whose history records their
        receipt (received or imported into stock from no state) between the recall's
        two dates, both included, in the user's time zone. May be overridden."""
        self.ensure_one()
        tz = pytz.timezone(self.env.user.tz or "UTC")

        def utc(day):
            return (
                tz.localize(datetime.combine(day, time.min))
                .astimezone(pytz.utc)
                .replace(tzinfo=None)
            )

        bounds = [SQL("TRUE")]
        if self.received_from:
            bounds.append(SQL("receipt.date >= %s", utc(self.received_from)))
        if self.received_to:
            bounds.append(
                SQL("receipt.date < %s", utc(self.received_to + timedelta(days=1)))
            )
        if (
            self.received_from
            and self.received_to
            and self.received_from > self.received_to
        ):
            raise UserError(
                _(
                    "The received dates are reversed: the first date must come "
                    "before the second."
                )
            )
        return SQL(
            """lot.id IN (SELECT receipt.lot_id FROM serial_audit_line receipt
                           WHERE receipt.event IN ('received', 'imported')
                             AND receipt.old_state IS NULL
                             AND receipt.new_state = 'in_stock' AND %s)""",
            SQL(" AND ").join(bounds),
        )

    def _file_serials(self):
        """The serials of this recall's file (a Serial column, or one serial per row),
        all known in the recall's company, sorted; a UserError naming the unknown
        ones. May be overridden."""
        self.ensure_one()
        env = self.env
        data = base64.b64decode(self.with_context(bin_size=False).serial_file)
        texts = env["stock.lot.import.batch"]._import_serial_list(
            data, self.serial_file_name
        )
        serials = sorted({text.strip() for text in texts if text.strip()})
        env.cr.execute(
            """SELECT serial FROM unnest(%s::varchar[]) AS serial
                WHERE NOT EXISTS (
                    SELECT 1 FROM stock_lot lot
                     WHERE lot.name = serial
                       AND (lot.company_id = %s OR lot.company_id IS NULL))
                ORDER BY serial""",
            [serials, self.company_id.id],
        )
        unknown = [row[0] for row in env.cr.fetchall()]
        if unknown:
            raise UserError(
                _(
                    "%(count)s serials of the file are not registered in %(company)s: "
                    "%(serials)s. Correct them in the file, or remove them, and "
                    "locate again.",
                    count=len(unknown),
                    company=self.company_id.name,
                    serials=", ".join(unknown[:SHOWN_UNKNOWN])
                    + (" …" if len(unknown) > SHOWN_UNKNOWN else ""),
                )
            )
        return serials
