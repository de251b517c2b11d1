"""A serial count compared with the stock, in set-based SQL. Not a model: serial.count
calls compare() with the count's scope and the serials typed or pasted, and writes the
totals it returns; add_scanned() and drop_missing() write its lines, accuracy_summary()
sums up the latest counts.

Every look-up goes through an index (a serial's name, a quant's lot, a lot's id) from
one scanned serial or one expected unit at a time, so the plans hold whatever the
statistics of the lines just written say (a planner trusting them joined 5,000 lines
with 5,000 quants in seconds). 5,000 serials among 1,000,000 lots compare in well under
a second."""

from typing import NamedTuple

from odoo import fields
from odoo.tools import SQL

from ..tools.serial_lifecycle import SELLABLE_STATES
from .stock_move_line import INTERNAL


class Scope(NamedTuple):
    count_id: int
    company_id: int
    parent_path: str  # of the counted location: its sublocations are counted too


class Totals(NamedTuple):
    scanned: int
    expected: int  # in stock at the location: matched, missing, or there unsellable
    matched: int
    missing: int
    unexpected: int
    unknown: int

    def count_values(self):
        """The count's figures (serial.count fields), the accuracy with them."""
        return {
            "scanned_count": self.scanned,
            "expected_count": self.expected,
            "matched_count": self.matched,
            "missing_count": self.missing,
            "unexpected_count": self.unexpected,
            "unknown_count": self.unknown,
            "accuracy_rate": accuracy(
                self.matched, self.expected, self.unexpected + self.unknown
            ),
        }


def accuracy(matched, expected, other_found):
    """Accuracy by serial, in %: matched / expected. A location expected empty is 100 %
    accurate when nothing was found there, 0 % when something was."""
    if expected:
        return round(100.0 * matched / expected, 2)
    return 0.0 if other_found else 100.0


def accuracy_summary(counts):
    """The accuracy by serial of the latest of `counts` of each location (`counts`
    latest first), for serial.count.accuracy_summary, which documents the dict."""
    latest = {}
    for count in counts:
        latest.setdefault(count.location_id, count)
    locations = [
        {
            "location_id": location.id,
            "location_name": location.complete_name,
            "count_id": count.id,
            "count_name": count.name,
            "state": count.state,
            "date": fields.Datetime.to_string(count.date),
            "expected": count.expected_count,
            "matched": count.matched_count,
            "missing": count.missing_count,
            "unexpected": count.unexpected_count,
            "unknown": count.unknown_count,
            "accuracy_rate": count.accuracy_rate,
        }
        for location, count in sorted(
            latest.items(), key=lambda item: item[0].complete_name or ""
        )
    ]
    totals = {
        key: sum(row[key] for row in locations)
        for key in ("expected", "matched", "missing", "unexpected", "unknown")
    }
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


def add_scanned(cr, count_id, serials):
    """Insert `serials` as scanned lines of the count, not compared yet, in their
    order; those already there are kept once. Returns how many were added."""
    cr.execute(
        SQL(
            """INSERT INTO serial_count_line (count_id, serial, scanned, status)
            SELECT %(count)s, serial, true, 'pending'
              FROM unnest(%(serials)s::varchar[]) WITH ORDINALITY AS s(serial, n)
             ORDER BY n
            ON CONFLICT (count_id, serial) DO NOTHING""",
            count=count_id,
            serials=list(serials),
        )
    )
    return cr.rowcount


def drop_missing(cr, count_ids):
    """Delete the missing lines (expected, not scanned) of the counts: the next
    comparison finds them again."""
    cr.execute(
        "DELETE FROM serial_count_line WHERE count_id = ANY(%s) AND NOT scanned",
        [list(count_ids)],
    )


def compare(cr, scope, typed):
    """Compare the count's scanned lines, and the `typed` serials (inserted already
    compared: a row inserted then updated in one transaction has every foreign key
    checked again), then add a missing line for each unit in stock at the location
    that nobody scanned. Returns the Totals."""
    params = {
        "count": scope.count_id,
        "company": scope.company_id,
        "path": f"{scope.parent_path}%",
        "internal": INTERNAL,
        "sellable": SELLABLE_STATES,
    }
    drop_missing(cr, [scope.count_id])
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
            found=_found(listed, params),
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
                found=_found(source, params),
                **params,
            )
        )
    cr.execute(_missing(params))
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


def _found(source, params):
    """SQL: for each row (key, serial) of `source`, the serial's unit in the company (a
    serial-tracked lot of that name; the one in stock here first) and the quant that
    best says where it is (here, else an internal location of the company): key,
    serial, lot_id, serial_state, location_id, here, status."""
    return SQL(
        """
        SELECT source.key, source.serial, found.lot_id, found.serial_state,
               found.location_id, COALESCE(found.here, false) AS here,
               CASE WHEN found.lot_id IS NULL THEN 'unknown'
                    WHEN found.here AND found.serial_state IN %(sellable)s
                        THEN 'matched'
                    ELSE 'unexpected' END AS status
          FROM (%(source)s) AS source(key, serial)
          LEFT JOIN LATERAL (
              SELECT lot.id AS lot_id, lot.serial_state, quant.location_id,
                     COALESCE(quant.here, false) AS here
                FROM stock_lot lot
                JOIN product_product product ON product.id = lot.product_id
                JOIN product_template template
                  ON template.id = product.product_tmpl_id
                LEFT JOIN LATERAL (
                    SELECT quant.location_id,
                           location.parent_path LIKE %(path)s AS here
                      FROM stock_quant quant
                      JOIN stock_location location ON location.id = quant.location_id
                     WHERE quant.lot_id = lot.id AND quant.quantity > 0
                     ORDER BY location.parent_path LIKE %(path)s DESC,
                              location.usage IN %(internal)s DESC,
                              COALESCE(location.company_id = %(company)s, false) DESC,
                              quant.in_date DESC, quant.id DESC
                     LIMIT 1
                ) quant ON true
               WHERE lot.name = source.serial AND template.tracking = 'serial'
                 AND (lot.company_id = %(company)s OR lot.company_id IS NULL)
               ORDER BY COALESCE(quant.here, false) DESC,
                        lot.serial_state IN %(sellable)s DESC, lot.id
               LIMIT 1
          ) found ON true
        """,
        source=source,
        sellable=params["sellable"],
        path=params["path"],
        internal=params["internal"],
        company=params["company"],
    )


def _missing(params):
    """SQL inserting the missing lines: the serialized units in stock at the location
    (or below it) that no scanned line found; the scanned ones are left out through
    a hashed set."""
    return SQL(
        """
        INSERT INTO serial_count_line
               (count_id, serial, scanned, status, lot_id, found_state,
                found_location_id, at_location)
        SELECT %(count)s, lot.name, false, 'missing', lot.id, lot.serial_state,
               expected.location_id, true
          FROM (
                SELECT DISTINCT ON (quant.lot_id) quant.lot_id, quant.location_id
                  FROM stock_location location
                  JOIN stock_quant quant ON quant.location_id = location.id
                 WHERE location.parent_path LIKE %(path)s
                   AND quant.quantity > 0 AND quant.lot_id IS NOT NULL
                 ORDER BY quant.lot_id, quant.id
               ) expected
         CROSS JOIN LATERAL (
                SELECT lot.id, lot.name, lot.serial_state
                  FROM stock_lot lot
                  JOIN product_product product ON product.id = lot.product_id
                  JOIN product_template template
                    ON template.id = product.product_tmpl_id
                 WHERE lot.id = expected.lot_id AND template.tracking = 'serial'
                 LIMIT 1
               ) lot
         WHERE expected.lot_id NOT IN (
                   SELECT lot_id FROM serial_count_line
                    WHERE count_id = %(count)s AND lot_id IS NOT NULL
               )
         ORDER BY lot.name
        ON CONFLICT (count_id, serial) DO NOTHING
        """,
        count=params["count"],
        path=params["path"],
    )
