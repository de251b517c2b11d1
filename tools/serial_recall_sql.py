"""The SQL text and the values of a recall's steps (serial.recall's methods in
models/serial_recall_locate.py and serial_recall_units.py run them): the INSERT ...
SELECT of the located units, the CASE of a unit's bucket, and what an activation
did. No model is read here."""

from typing import NamedTuple

from odoo.tools import SQL

LIKE_ESCAPES = str.maketrans({"\\": "\\\\", "%": "\\%", "_": "\\_"})
SHOWN_UNKNOWN = 10  # unknown serials of a file named in the message


class RecallActivation(NamedTuple):
    """What activating a recall did: the units in our hands recalled, and the units
    at customers to notify."""

    recalled: int
    to_notify: int


def bucket_case_sql(bucket_of_state, default):
    """SQL: the bucket of a unit from its state (alias `lot`), `default` for a unit
    of no state listed in `bucket_of_state` ({serial_state: bucket})."""
    return SQL(
        "CASE lot.serial_state %s ELSE %s END",
        SQL(" ").join(
            SQL("WHEN %s THEN %s", state, bucket)
            for state, bucket in bucket_of_state.items()
        ),
        default,
    )


def insert_lines_sql(recall_id, company_id, uid, condition, bucket):
    """SQL inserting a line of recall `recall_id` for each serial-tracked unit of the
    company matching `condition` (SQL on alias `lot`), its bucket given by `bucket`
    (SQL on the aliases `lot` and `quant`, the unit's internal quant: its
    `location_id`, NULL when the unit is in no internal stock). The lines in the
    order of their units (the lines' order, whatever the plan)."""
    return SQL(
        """WITH matched AS MATERIALIZED (
               SELECT lot.id FROM stock_lot lot WHERE %(condition)s)
           INSERT INTO serial_recall_line (
               recall_id, company_id, lot_id, product_id, bucket,
               state_at_locate, location_id, partner_id, outreach_state,
               create_uid, write_uid, create_date, write_date)
           SELECT %(recall)s, %(company)s, lot.id, lot.product_id, %(bucket)s,
                  lot.serial_state, quant.location_id,
                  CASE WHEN lot.serial_state = 'sold'
                       THEN lot.serial_partner_id END,
                  CASE WHEN lot.serial_state <> 'sold' THEN NULL
                       WHEN lot.serial_partner_id IS NULL THEN 'unreachable'
                       ELSE 'to_notify' END,
                  %(uid)s, %(uid)s, now() at time zone 'UTC',
                  now() at time zone 'UTC'
             FROM matched
             JOIN stock_lot lot ON lot.id = matched.id
             JOIN product_product product ON product.id = lot.product_id
             JOIN product_template template
               ON template.id = product.product_tmpl_id
             LEFT JOIN LATERAL (
                  SELECT q.location_id FROM stock_quant q
                    JOIN stock_location location ON location.id = q.location_id
                   WHERE q.lot_id = lot.id AND q.quantity > 0
                     AND location.usage = 'internal'
                   ORDER BY q.quantity DESC, q.id LIMIT 1) quant ON TRUE
            WHERE template.tracking = 'serial'
              AND (lot.company_id = %(company)s OR lot.company_id IS NULL)
            ORDER BY lot.id""",
        recall=recall_id,
        company=company_id,
        bucket=bucket,
        uid=uid,
        condition=condition,
    )
