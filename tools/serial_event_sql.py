"""The statement that applies one event to many serials at once (stock.lot's
set-based path, models/stock_lot_events_set.py): pure SQL, run by
serial.audit.line._insert_chained_sql.

In one statement: the serials' rows locked in id order, then their heads (a head is
always locked after its serial's row, as stock.lot._lock_serials_and_heads does); the
serials whose state the event is not allowed from returned, and then nothing written;
else one line per serial appended to its chain, hashed by PostgreSQL with the
verifier's own expression (serial_audit_hash.digest_sql: byte for byte what
hash_row writes), the heads saved and the states written."""

from odoo.tools import SQL

from .serial_audit_hash import STORED_FIELDS, digest_sql, hashed_column_sql

# the statement's parameters, in order: (name, PostgreSQL type)
EVENT_SET_PARAMS = (
    ("ids", "int[]"),  # the serials, sorted, distinct
    ("old_states", "varchar[]"),  # the states the event is allowed from (NULL: none)
    ("new_states", "varchar[]"),  # where each leads
    ("company_id", "int"),  # a line's company when its serial has none
    ("event", "varchar"),
    ("user_id", "int"),
    ("date", "timestamp"),
    ("res_model", "varchar"),
    ("res_id", "int"),
    ("reference", "varchar"),
    ("pos_config_id", "int"),
    ("location_id", "int"),
    ("location_dest_id", "int"),
    ("note", "text"),
)
LINE_COLUMNS = (*STORED_FIELDS, "previous_hash", "hash")
# the database function holding the statement (serial.audit.line's init), its
# parameters named p_<name>
EVENT_SET_FUNCTION = "serial_apply_event_set"


def event_set_sql(param):
    """The statement, its parameters given by `param(name)` (an SQL: the value, or
    the function's parameter). Returns the refused serials' rows (id, name,
    serial_state)."""

    transitions = SQL(
        "unnest(%s, %s) AS step(old_state, new_state)",
        param("old_states"),
        param("new_states"),
    )
    return SQL(
        """WITH lot AS MATERIALIZED (
             SELECT id, name, product_id, company_id, serial_state
               FROM stock_lot WHERE id = ANY(%(ids)s)
              ORDER BY id FOR NO KEY UPDATE
           ), head AS MATERIALIZED (
             SELECT lot_id, length, hash FROM serial_audit_head
              WHERE lot_id IN (SELECT id FROM lot)
              ORDER BY lot_id FOR NO KEY UPDATE
           ), refused AS MATERIALIZED (
             SELECT lot.id, lot.name, lot.serial_state FROM lot
              WHERE NOT EXISTS (
                    SELECT 1 FROM %(transitions)s
                     WHERE step.old_state IS NOT DISTINCT FROM lot.serial_state)
           ), given AS (
             SELECT lot.id AS lot_id, lot.name AS lot_name, lot.product_id,
                    COALESCE(lot.company_id, %(company_id)s) AS company_id,
                    lot.serial_state AS old_state, step.new_state,
                    %(event)s AS event, %(user_id)s AS user_id, %(date)s AS date,
                    %(res_model)s AS res_model, %(res_id)s AS res_id,
                    %(reference)s AS reference, NULL::int AS partner_ref_id,
                    %(pos_config_id)s AS pos_config_id,
                    %(location_id)s AS location_id,
                    %(location_dest_id)s AS location_dest_id, %(note)s AS note,
                    COALESCE(head.length, 0) + 1 AS chain_index,
                    head.hash AS previous_hash
               FROM lot
               JOIN %(transitions)s
                 ON step.old_state IS NOT DISTINCT FROM lot.serial_state
               LEFT JOIN head ON head.lot_id = lot.id
              WHERE NOT EXISTS (SELECT 1 FROM refused)
           ), line AS MATERIALIZED (
             SELECT given.previous_hash, %(columns)s FROM given
           ), written AS (
             INSERT INTO serial_audit_line (%(insert)s)
             SELECT %(stored)s, line.previous_hash, %(digest)s FROM line
             RETURNING lot_id, chain_index, hash
           ), saved AS (
             INSERT INTO serial_audit_head (lot_id, length, hash)
             SELECT lot_id, chain_index, hash FROM written
             ON CONFLICT (lot_id) DO UPDATE SET length = EXCLUDED.length,
                                                hash = EXCLUDED.hash
           ), changed AS (
             UPDATE stock_lot target SET serial_state = line.new_state
               FROM line
              WHERE target.id = line.lot_id
                AND line.old_state IS DISTINCT FROM line.new_state
           )
           SELECT id, name, serial_state FROM refused""",
        transitions=transitions,
        **{
            name: param(name)
            for name, _type in EVENT_SET_PARAMS
            if "states" not in name
        },
        # as hashed: a missing or empty value is NULL
        columns=SQL(", ").join(
            hashed_column_sql("given", name) for name in STORED_FIELDS
        ),
        insert=SQL(", ").join(SQL.identifier(name) for name in LINE_COLUMNS),
        stored=SQL(", ").join(SQL.identifier("line", name) for name in STORED_FIELDS),
        digest=digest_sql("line"),
    )
