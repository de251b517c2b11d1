"""Which units a recall affects, as one SQL condition on stock_lot (alias `lot`): every
criterion given must match (products, serials, import batches, received dates, a file
of serials); and their lines, inserted set-based. Not a model: plain functions taking
the recall, called by serial.recall.action_locate.

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

from odoo.exceptions import UserError
from odoo.tools import SQL

from .serial_recall_line import BUCKET_OF_STATE
from .serial_split import number_condition, parse_serial_range

LIKE_ESCAPES = str.maketrans({"\\": "\\\\", "%": "\\%", "_": "\\_"})
SHOWN_UNKNOWN = 10  # unknown serials of a file named in the message


def lots_condition(recall):
    """The SQL condition (on alias `lot`) of the units `recall` affects, or a
    UserError saying which criterion to give or to correct."""
    env = recall.env
    conditions = []
    if recall.product_ids:
        conditions.append(SQL("lot.product_id = ANY(%s)", recall.product_ids.ids))
    serial_lines = [line.strip() for line in (recall.serial_ranges or "").splitlines()]
    serial_lines = [line for line in serial_lines if line]
    if serial_lines:
        conditions.append(
            SQL(
                "(%s)",
                SQL(" OR ").join(serial_condition(env, line) for line in serial_lines),
            )
        )
    if recall.import_batch_ids:
        conditions.append(
            SQL("lot.import_batch_id = ANY(%s)", recall.import_batch_ids.ids)
        )
    if recall.received_from or recall.received_to:
        conditions.append(received_condition(recall))
    if recall.serial_file:
        conditions.append(SQL("lot.name = ANY(%s)", file_serials(recall)))
    if not conditions:
        raise UserError(
            env._(
                "Choose the affected units first: products, serials (a range "
                "SN-0100..SN-0199, a prefix SN-01* or a serial per line), import "
                "batches, received dates or a file of serials."
            )
        )
    return SQL(" AND ").join(conditions)


def insert_lines(recall):
    """Replace the lines of `recall` by the units its criteria match, in one INSERT
    ... SELECT: each unit's bucket (from its state), its location (its internal quant)
    and its customer (sold units). Returns the number of units."""
    condition = lots_condition(recall)
    recall.env.flush_all()
    cr = recall.env.cr
    cr.execute("DELETE FROM serial_recall_line WHERE recall_id = %s", [recall.id])
    bucket = SQL(
        "CASE lot.serial_state %s ELSE 'not_received' END",
        SQL(" ").join(
            SQL("WHEN %s THEN %s", state, bucket)
            for state, bucket in BUCKET_OF_STATE.items()
        ),
    )
    cr.execute(
        SQL(
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
                  AND (lot.company_id = %(company)s OR lot.company_id IS NULL)""",
            recall=recall.id,
            company=recall.company_id.id,
            bucket=bucket,
            uid=recall.env.uid,
            condition=condition,
        )
    )
    count = cr.rowcount
    recall.env.invalidate_all()
    return count


def serial_condition(env, line):
    """One line of `serial_ranges`: a range, a prefix or a serial."""
    if ".." in line:
        serial_range = parse_serial_range(env, line)
        number = SQL("lot.serial_trailing_number")
        prefix = (
            SQL("lot.serial_prefix = %s", serial_range.prefix)
            if serial_range.prefix
            else SQL("lot.serial_prefix IS NULL")
        )
        return SQL(
            "(%s AND %s AND %s)",
            prefix,
            number_condition(number, ">=", serial_range.first),
            number_condition(number, "<=", serial_range.last),
        )
    if line.endswith("*"):
        stem = line.rstrip("*").strip()
        if not stem or "*" in stem:
            raise UserError(
                env._(
                    "%(line)s is not a serial prefix. Type the beginning of the "
                    "serials followed by one star, for example SN-01*.",
                    line=line,
                )
            )
        pattern = stem.translate(LIKE_ESCAPES) + "%"
        # upper(name) LIKE: the pattern index; name LIKE: the serials as typed
        return SQL(
            "(upper(lot.name) LIKE upper(%s) AND lot.name LIKE %s)", pattern, pattern
        )
    return SQL("lot.name = %s", line)


def received_condition(recall):
    """Units whose history records their receipt (received or imported into stock
    from no state) between the two dates, both included, in the user's time zone."""
    tz = pytz.timezone(recall.env.user.tz or "UTC")

    def utc(day):
        return (
            tz.localize(datetime.combine(day, time.min))
            .astimezone(pytz.utc)
            .replace(tzinfo=None)
        )

    bounds = [SQL("TRUE")]
    if recall.received_from:
        bounds.append(SQL("receipt.date >= %s", utc(recall.received_from)))
    if recall.received_to:
        bounds.append(
            SQL("receipt.date < %s", utc(recall.received_to + timedelta(days=1)))
        )
    if (
        recall.received_from
        and recall.received_to
        and recall.received_from > recall.received_to
    ):
        raise UserError(
            recall.env._(
                "The received dates are reversed: the first date must come before "
                "the second."
            )
        )
    return SQL(
        """lot.id IN (SELECT receipt.lot_id FROM serial_audit_line receipt
                       WHERE receipt.event IN ('received', 'imported')
                         AND receipt.old_state IS NULL
                         AND receipt.new_state = 'in_stock' AND %s)""",
        SQL(" AND ").join(bounds),
    )


def file_serials(recall):
    """The serials of the recall's file (a Serial column, or one serial per row), all
    known in the recall's company; a UserError naming the unknown ones."""
    env = recall.env
    data = base64.b64decode(recall.with_context(bin_size=False).serial_file)
    texts = env["stock.lot.import.batch"]._import_serial_list(
        data, recall.serial_file_name
    )
    serials = sorted({text.strip() for text in texts if text.strip()})
    env.cr.execute(
        """SELECT serial FROM unnest(%s::varchar[]) AS serial
            WHERE NOT EXISTS (
                SELECT 1 FROM stock_lot lot
                 WHERE lot.name = serial
                   AND (lot.company_id = %s OR lot.company_id IS NULL))
            ORDER BY serial""",
        [serials, recall.company_id.id],
    )
    unknown = [row[0] for row in env.cr.fetchall()]
    if unknown:
        raise UserError(
            env._(
                "%(count)s serials of the file are not registered in %(company)s: "
                "%(serials)s. Correct them in the file, or remove them, and locate "
                "again.",
                count=len(unknown),
                company=recall.company_id.name,
                serials=", ".join(unknown[:SHOWN_UNKNOWN])
                + (" …" if len(unknown) > SHOWN_UNKNOWN else ""),
            )
        )
    return serials
