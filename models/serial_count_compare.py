"""A serial count compared with the stock, in set-based SQL: serial.count's comparing
steps (the scope, the comparison of the lines, the scanned lines added or the missing
ones dropped, the accuracy summary), each a method another module may override with
super(). The SQL text and the figures are in tools/serial_count_compare.py."""

from odoo import fields, models
from odoo.tools import SQL

from ..tools.serial_count_compare import Scope, Totals, accuracy, found_sql, missing_sql
from ..tools.serial_lifecycle import SELLABLE_STATES
from .stock_move_line import INTERNAL

SUMMED = ("expected", "matched", "missing", "unexpected", "unknown")


class SerialCount(models.Model):
    _inherit = "serial.count"

    def _compare(self):
        """Compare the scanned serials with Odoo's stock, set-based (_compare_lines):
        each scanned serial is matched (in stock at the location or below it,
        sellable), unexpected (registered, but in stock elsewhere, in no stock, or in
        another state) or unknown (not registered in the company); each unit in stock
        at the location and not scanned gets a missing line. The counts and the
        accuracy follow (Totals.count_values). May be overridden."""
        self.ensure_one()
        typed = self._serials_of_text(self.scanned_serials or "")
        if self.scanned_serials:
            self.scanned_serials = False
        self.env.flush_all()
        totals = self._compare_lines(self._compare_scope(), typed)
        self.env["serial.count.line"].invalidate_model()
        self.invalidate_recordset()
        self._write_results(
            {
                "state": "compared",
                "compared_date": fields.Datetime.now(),
                **totals.count_values(),
            }
        )

    def _compare_scope(self):
        """The Scope of this count's comparison: the count, its company and the
        counted location (with the locations below it). May be overridden."""
        self.ensure_one()
        return Scope(
            count_id=self.id,
            company_id=self.company_id.id,
            parent_path=self.location_id.parent_path,
        )

    def _compare_lines(self, scope, typed):
        """Compare the scanned lines of the count of `scope` (a Scope), and the `typed`
        serials (a list of texts, inserted already compared: a row inserted then
        updated in one transaction has every foreign key checked again), then add a
        missing line for each unit in stock at the location that nobody scanned.
        Returns the Totals. Everything flushed before; the caller invalidates. May be
        overridden."""
        cr = self.env.cr
        params = {
            "count": scope.count_id,
            "company": scope.company_id,
            "path": f"{scope.parent_path}%",
            "internal": INTERNAL,
            "sellable": SELLABLE_STATES,
        }
        self.browse(scope.count_id)._drop_missing()
        # thousands of cheap index look-ups: compiling the plan (PostgreSQL's JIT, which
        # a plan this size triggers) costs more than running it
        cr.execute("SET LOCAL jit = off")
        listed = SQL(
            "SELECT id, serial FROM serial_count_line "
            "WHERE count_id = %(count)s AND scanned",
            **params,
        )
        cr.execute(
            SQL(
                """UPDATE serial_count_line line
                      SET lot_id = found.lot_id, found_state = found.serial_state,
                          found_location_id = found.location_id,
                          at_location = found.here, status = found.status,
                          apply_result = NULL
                     FROM (%(found)s) found
                    WHERE line.id = found.key""",
                found=found_sql(listed, params),
            )
        )
        if typed:
            source = SQL(
                "SELECT n, serial FROM unnest(%(serials)s::varchar[]) "
                "WITH ORDINALITY AS s(serial, n)",
                serials=list(typed),
            )
            cr.execute(
                SQL(
                    """INSERT INTO serial_count_line
                           (count_id, serial, scanned, status, lot_id, found_state,
                            found_location_id, at_location)
                    SELECT %(count)s, found.serial, true, found.status, found.lot_id,
                           found.serial_state, found.location_id, found.here
                      FROM (%(found)s) found
                     ORDER BY found.key
                    ON CONFLICT (count_id, serial) DO NOTHING""",
                    found=found_sql(source, params),
                    **params,
                )
            )
        cr.execute(missing_sql(params))
        cr.execute("SET LOCAL jit = DEFAULT")
        cr.execute(
            """SELECT count(*) FILTER (WHERE scanned),
                      count(*) FILTER (WHERE at_location),
                      count(*) FILTER (WHERE status = 'matched'),
                      count(*) FILTER (WHERE status = 'missing'),
                      count(*) FILTER (WHERE status = 'unexpected'),
                      count(*) FILTER (WHERE status = 'unknown')
                 FROM serial_count_line WHERE count_id = %s""",
            [scope.count_id],
        )
        return Totals(*cr.fetchone())

    def _add_scanned(self, serials):
        """Insert `serials` (a list of texts) as scanned lines of this count, not
        compared yet, in their order; those already there are kept once. Returns how
        many were added. The lines flushed before; the caller invalidates. May be
        overridden."""
        self.ensure_one()
        self.env.cr.execute(
            SQL(
                """INSERT INTO serial_count_line (count_id, serial, scanned, status)
                SELECT %(count)s, serial, true, 'pending'
                  FROM unnest(%(serials)s::varchar[]) WITH ORDINALITY AS s(serial, n)
                 ORDER BY n
                ON CONFLICT (count_id, serial) DO NOTHING""",
                count=self.id,
                serials=list(serials),
            )
        )
        return self.env.cr.rowcount

    def _drop_missing(self):
        """Delete the missing lines (expected, not scanned) of these counts: the next
        comparison finds them again. The lines flushed before; the caller
        invalidates. May be overridden."""
        self.env.cr.execute(
            "DELETE FROM serial_count_line WHERE count_id = ANY(%s) AND NOT scanned",
            [self.ids],
        )

    def _summarize_accuracy(self, counts):
        """The accuracy by serial of the latest of `counts` (serial.count, latest
        first) of each location, and the overall rate over them: the dict
        accuracy_summary documents. May be overridden."""
        latest = {}
        for count in counts:
            latest.setdefault(count.location_id, count)
        locations = [
            count._accuracy_location_row()
            for _location, count in sorted(
                latest.items(), key=lambda item: item[0].complete_name or ""
            )
        ]
        totals = {key: sum(row[key] for row in locations) for key in SUMMED}
        overall_rate = (
            accuracy(
                totals["matched"],
                totals["expected"],
                totals["unexpected"] + totals["unknown"],
            )
            if locations
            else None
        )
        return {
            "overall": {
                "accuracy_rate": overall_rate,
                "locations": len(locations),
                **totals,
            },
            "locations": locations,
        }

    def _accuracy_location_row(self):
        """This count as a location of accuracy_summary: a dict of the keys it
        documents. May be overridden to add keys."""
        self.ensure_one()
        return {
            "location_id": self.location_id.id,
            "location_name": self.location_id.complete_name,
            "count_id": self.id,
            "count_name": self.name,
            "state": self.state,
            "date": fields.Datetime.to_string(self.date),
            "expected": self.expected_count,
            "matched": self.matched_count,
            "missing": self.missing_count,
            "unexpected": self.unexpected_count,
            "unknown": self.unknown_count,
            "accuracy_rate": self.accuracy_rate,
        }
