"""The pure parts of a serial count's comparison (serial.count's methods in
models/serial_count_compare.py run them): the accuracy by serial, the scope and the
totals of a comparison, and the SQL text that finds each scanned serial's unit and
the units nobody scanned.

Every look-up goes through an index (a serial's name, a quant's lot, a lot's id) from
one scanned serial or one expected unit at a time, so the plans hold whatever the
statistics of the lines just written say (a planner trusting them joined 5,000 lines
with 5,000 quants in seconds). 5,000 serials among 1,000,000 lots compare in well under
a second."""

from typing import NamedTuple

from odoo.tools import SQL


class Scope(NamedTuple):
    """What a comparison covers: the count, its company, and the counted location."""

    count_id: int
    company_id: int
    parent_path: str  # of the counted location: its sublocations are counted too


class Totals(NamedTuple):
    """The figures of a compared count, as its lines say."""

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


def found_sql(source, params):
    """SQL: for each row (key, serial) of `source`, the serial's unit in the company (a
    serial-tracked lot of that name; the one in stock here first) and the quant that
    best says where it is (here, else an internal location of the company): key,
    serial, lot_id, serial_state, location_id, here, status. `params`: `company`,
    `path` (the counted location's parent_path LIKE pattern), `internal`
    (internal usages) and `sellable` (states)."""
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


def missing_sql(params):
    """SQL inserting the missing lines of count `params["count"]`: the serialized units
    in stock at the location (or below it, `params["path"]`) that no scanned line
    found; the scanned ones are left out through a hashed set."""
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
