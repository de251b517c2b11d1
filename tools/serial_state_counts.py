"""The dashboard's live counts of serials, kept by PostgreSQL without a hot row.

Counting 1,000,000 lots per prefix and state takes about 200 ms here, even from an
index-only scan. So triggers on stock_lot append every change to serial_state_delta
(per company, product, prefix and location: +1 in the lot's new state, -1 in its old
one): once per statement for an insert or a delete (a bulk registration is counted at
once, from its transition table), once per row for an update that changes what a lot
is counted by (a sale: two rows of VALUES; any other update fires nothing). The
serial_prefix_summary view adds those changes to serial_state_total. Appending takes
no lock that another sale waits for: there is no counter row that every sale updates.
Reading the dashboard folds the changes into the totals (fold()) when no other
transaction is folding them; either way, a transaction sees totals and changes that
agree with the lots of its snapshot.

Only the lots of serial-tracked products are counted: stock_lot.product_tracking (a
stored copy of the product's tracking, kept by the ORM when a product's tracking
changes) lets the row trigger's WHEN skip the other lots before any function runs, and
the statement triggers leave them out of what they append.

A module update checks the triggers against this version's definition (a hash in
their comments) and replaces them only when they differ, then reconciles the counts
(reconcile()): the lots of its snapshot counted again, the difference with the totals
and changes of the same snapshot appended as one more change. Nothing there locks
stock_lot against writers: a sale committed after the snapshot appended its own change.

Nothing here takes a value from outside: the SQL is built from the constants below."""

import hashlib
import logging
from contextlib import contextmanager

from psycopg2.errors import SerializationFailure

from odoo.sql_db import db_connect
from odoo.tools import SQL

from .serial_lifecycle import SERIAL_STATES

_logger = logging.getLogger(__name__)

# a row of the counts: the units of one product and prefix at one location of one
# company; NULLs are kept as 0 / '' in the tables, so that a key is one unique row
KEY_DEFAULTS = {
    "company_id": 0,
    "product_id": None,
    "serial_prefix": "",
    "location_id": 0,
}
KEYS = tuple(KEY_DEFAULTS)
# one column per state; `unset`: registered, never received (no state)
STATES = (*(state for state, _label in SERIAL_STATES), "unset")
TOTALS = "serial_state_total"
DELTAS = "serial_state_delta"
TRIGGER_FUNCTION = "serial_state_delta_record"
# a lot is counted when its product is tracked by serial (stock_lot's stored copy of
# the product's tracking, stock.lot.product_tracking)
TRACKING = "product_tracking"
SERIAL = "serial"
# what a lot is counted by: a change of any of them moves it from one count to another
COUNTED = (*KEYS, "serial_state", TRACKING)
TRIGGERS = {  # name: how it fires
    # a bulk registration (the import) is one statement: counted at once
    "serial_state_delta_insert": SQL(
        "AFTER INSERT ON stock_lot REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT"
    ),
    "serial_state_delta_delete": SQL(
        "AFTER DELETE ON stock_lot REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT"
    ),
    # a sale changes one row: it fires only for a serial-tracked lot, when a counted
    # column changes (not for the warranty written after it), and appends two rows
    # of VALUES; a lot-tracked lot moving between locations fires nothing
    "serial_state_delta_update": SQL(
        "AFTER UPDATE OF %s ON stock_lot FOR EACH ROW "
        "WHEN ((OLD.%s = %s OR NEW.%s = %s) AND (%s) IS DISTINCT FROM (%s))",
        SQL(", ").join(SQL.identifier(column) for column in COUNTED),
        SQL.identifier(TRACKING),
        SERIAL,
        SQL.identifier(TRACKING),
        SERIAL,
        SQL(", ").join(SQL("OLD.%s", SQL.identifier(column)) for column in COUNTED),
        SQL(", ").join(SQL("NEW.%s", SQL.identifier(column)) for column in COUNTED),
    ),
}


def _names(names, alias=None):
    return SQL(", ").join(
        SQL.identifier(alias, name) if alias else SQL.identifier(name) for name in names
    )


def _no_units(alias=None, aggregate=False):
    """Every state count of a row (or the sums of a group) is zero."""
    counts = _names(STATES, alias)
    if aggregate:
        counts = SQL(", ").join(
            SQL("sum(%s)", SQL.identifier(alias, state)) for state in STATES
        )
    return SQL("(%s) = (%s)", counts, SQL(", ").join(SQL("0") for _state in STATES))


def _lot_rows(table, quantity):
    """The key, state and `quantity` (+1 or -1) of every serial-tracked lot of
    `table`."""
    keys = SQL(", ").join(
        SQL(
            "COALESCE(%s, %s) AS %s",
            SQL.identifier("lot", key),
            default,
            SQL.identifier(key),
        )
        if default is not None
        else SQL.identifier("lot", key)
        for key, default in KEY_DEFAULTS.items()
    )
    return SQL(
        "SELECT %s, lot.serial_state, %s AS quantity FROM %s AS lot WHERE %s = %s",
        keys,
        quantity,
        SQL.identifier(table),
        SQL.identifier("lot", TRACKING),
        SERIAL,
    )


def _row_values(record, quantity):
    """VALUES of the change one row trigger's record (OLD or NEW) makes: `quantity`
    in the column of its state."""
    keys = [
        SQL("COALESCE(%s.%s, %s)", SQL(record), SQL.identifier(key), default)
        if default is not None
        else SQL("%s.%s", SQL(record), SQL.identifier(key))
        for key, default in KEY_DEFAULTS.items()
    ]
    states = [
        SQL(
            "CASE WHEN %s.serial_state IS NULL THEN %s ELSE 0 END",
            SQL(record),
            quantity,
        )
        if state == "unset"
        else SQL(
            "CASE WHEN %s.serial_state = %s THEN %s ELSE 0 END",
            SQL(record),
            state,
            quantity,
        )
        for state in STATES
    ]
    return SQL("(%s)", SQL(", ").join(keys + states))


def _counts(rows):
    """The counts per key and state of `rows` (_lot_rows); all-zero keys left out."""
    states = SQL(", ").join(
        SQL(
            "COALESCE(sum(quantity) FILTER (WHERE serial_state IS NULL), 0) AS %s",
            SQL.identifier(state),
        )
        if state == "unset"
        else SQL(
            "COALESCE(sum(quantity) FILTER (WHERE serial_state = %s), 0) AS %s",
            state,
            SQL.identifier(state),
        )
        for state in STATES
    )
    return SQL(
        """SELECT * FROM (
               SELECT %s, %s FROM (%s) AS change GROUP BY %s
           ) AS counts
           WHERE NOT %s""",
        _names(KEYS),
        states,
        rows,
        _names(KEYS),
        _no_units("counts"),
    )


def _append(rows):
    return SQL(
        "INSERT INTO %s (%s) %s",
        SQL.identifier(DELTAS),
        _names(KEYS + STATES),
        _counts(rows),
    )


def create(cr):
    """The tables, the trigger function and the triggers as this version defines
    them, then the counts reconciled with the lots. At a module update where nothing
    changed, nothing is locked but the rows it appends: the function and the triggers
    are replaced only when missing, changed by hand, or defined otherwise by this
    version (their comment holds a hash of the definition they were made from, and
    one of what PostgreSQL made of it), and reconciling reads stock_lot from the
    snapshot."""
    columns = SQL(", ").join(
        SQL(
            "%s %s NOT NULL",
            SQL.identifier(column),
            # grouped and sorted byte-wise: a few times faster than a locale's order
            SQL('varchar COLLATE "C"') if column == "serial_prefix" else SQL("integer"),
        )
        for column in KEYS + STATES
    )
    cr.execute(
        SQL(
            """CREATE TABLE IF NOT EXISTS %(totals)s (
                   id bigserial PRIMARY KEY, %(columns)s, UNIQUE (%(keys)s));
               CREATE TABLE IF NOT EXISTS %(deltas)s (
                   id bigint NOT NULL DEFAULT nextval(%(sequence)s), %(columns)s)""",
            totals=SQL.identifier(TOTALS),
            deltas=SQL.identifier(DELTAS),
            sequence=f"{TOTALS}_id_seq",
            columns=columns,
            keys=_names(KEYS),
        )
    )
    function = _function_definition()
    function_version = definition_version(cr, function)
    if _installed_version(cr, "function") != function_version:
        cr.execute(function)
        cr.execute(
            SQL(
                "COMMENT ON FUNCTION %s() IS %s",
                SQL.identifier(TRIGGER_FUNCTION),
                _stamp(cr, "function", function_version),
            )
        )
    cr.execute(
        "SELECT tgname FROM pg_trigger WHERE tgrelid = 'stock_lot'::regclass "
        "AND tgname = ANY(%s) AND tgenabled = 'O'",
        [list(TRIGGERS)],
    )
    counting_was_off = len(cr.fetchall()) != len(TRIGGERS)
    for trigger, how in TRIGGERS.items():
        definition = SQL(
            "CREATE OR REPLACE TRIGGER %s %s EXECUTE FUNCTION %s()",
            SQL.identifier(trigger),
            how,
            SQL.identifier(TRIGGER_FUNCTION),
        )
        version = definition_version(cr, definition)
        if _installed_version(cr, trigger) != version:
            cr.execute(definition)  # takes a SHARE ROW EXCLUSIVE lock on stock_lot
            cr.execute(
                SQL(
                    "COMMENT ON TRIGGER %s ON stock_lot IS %s",
                    SQL.identifier(trigger),
                    _stamp(cr, trigger, version),
                )
            )
    if counting_was_off:
        for trigger in TRIGGERS:
            cr.execute(
                SQL("ALTER TABLE stock_lot ENABLE TRIGGER %s", SQL.identifier(trigger))
            )
    reconcile(cr)
    if counting_was_off:
        # counting was off (at install, or a trigger dropped or disabled by hand): what
        # other transactions committed between this one's snapshot and the trigger
        # is counted by a reconciliation once this one has committed
        _reconcile_after_commit(cr)


def reconcile(cr):
    """Count the serial-tracked lots of this transaction's snapshot again and append
    the difference with the totals and changes of the same snapshot as one more
    change; returns how many rows of the counts it corrects. Exact while the triggers
    count every change committed after the snapshot (each appends its own); it locks
    neither stock_lot nor the counts against writers or readers."""
    kept = SQL(
        "SELECT %s, %s FROM %s",
        _names(KEYS),
        SQL(", ").join(SQL("-%s", SQL.identifier(state)) for state in STATES),
        SQL.identifier(TOTALS),
    )
    changes = SQL(
        "SELECT %s, %s FROM %s",
        _names(KEYS),
        SQL(", ").join(SQL("-%s", SQL.identifier(state)) for state in STATES),
        SQL.identifier(DELTAS),
    )
    cr.execute(
        SQL(
            """INSERT INTO %(deltas)s (%(columns)s)
               SELECT %(keys)s, %(sums)s
                 FROM (%(counted)s UNION ALL %(kept)s UNION ALL %(changes)s)
                      AS difference
                GROUP BY %(keys)s
               HAVING NOT %(nothing)s""",
            deltas=SQL.identifier(DELTAS),
            columns=_names(KEYS + STATES),
            keys=_names(KEYS, "difference"),
            sums=SQL(", ").join(
                SQL("sum(%s)", SQL.identifier("difference", state)) for state in STATES
            ),
            counted=_counts(_lot_rows("stock_lot", 1)),
            kept=kept,
            changes=changes,
            nothing=_no_units("difference", aggregate=True),
        )
    )
    return cr.rowcount


@contextmanager
def counting_paused(cr):
    """Bulk updates of lots (the states given at install) without the row trigger,
    then the counts reconciled with the lots."""
    update = SQL.identifier("serial_state_delta_update")
    cr.execute(SQL("ALTER TABLE stock_lot DISABLE TRIGGER %s", update))
    yield
    cr.execute(SQL("ALTER TABLE stock_lot ENABLE TRIGGER %s", update))
    reconcile(cr)


def _function_definition():
    return SQL(
        """CREATE OR REPLACE FUNCTION %(function)s() RETURNS trigger
           LANGUAGE plpgsql AS $$
           BEGIN
               IF TG_LEVEL = 'ROW' THEN
                   -- the WHEN: at least one side is serial-tracked
                   IF OLD.%(tracking)s IS NOT DISTINCT FROM NEW.%(tracking)s THEN
                       INSERT INTO %(deltas)s (%(all_columns)s)
                       VALUES %(old_row)s, %(new_row)s;
                   ELSIF OLD.%(tracking)s = %(serial)s THEN
                       INSERT INTO %(deltas)s (%(all_columns)s) VALUES %(old_row)s;
                   ELSE
                       INSERT INTO %(deltas)s (%(all_columns)s) VALUES %(new_row)s;
                   END IF;
               ELSIF TG_OP = 'INSERT' THEN
                   %(inserted)s;
               ELSE
                   %(deleted)s;
               END IF;
               RETURN NULL;
           END $$""",
        function=SQL.identifier(TRIGGER_FUNCTION),
        tracking=SQL.identifier(TRACKING),
        serial=SERIAL,
        deltas=SQL.identifier(DELTAS),
        all_columns=_names(KEYS + STATES),
        old_row=_row_values("OLD", -1),
        new_row=_row_values("NEW", 1),
        inserted=_append(_lot_rows("new_rows", 1)),
        deleted=_append(_lot_rows("old_rows", -1)),
    )


def definition_version(cr, definition):
    """The version of an object made from `definition` (its statement's hash)."""
    digest = hashlib.sha256(cr.mogrify(definition)).hexdigest()[:16]
    return f"pos_serial_tracking {digest}"


def _installed(cr, name):
    """The comment and the definition's md5, as PostgreSQL prints it, of the trigger
    function (`name` "function") or of a trigger; None when missing."""
    if name == "function":
        cr.execute(
            "SELECT obj_description(oid, 'pg_proc'), md5(prosrc) FROM pg_proc "
            "WHERE proname = %s AND pronamespace = current_schema()::regnamespace",
            [TRIGGER_FUNCTION],
        )
    else:
        cr.execute(
            "SELECT obj_description(oid, 'pg_trigger'), md5(pg_get_triggerdef(oid)) "
            "FROM pg_trigger WHERE tgrelid = 'stock_lot'::regclass AND tgname = %s",
            [name],
        )
    return cr.fetchone()


def _stamp(cr, name, version):
    """The comment of an object just made: its version, and the md5 of what
    PostgreSQL made of it (a change by hand, which keeps the comment, differs)."""
    return f"{version} {_installed(cr, name)[1]}"


def _installed_version(cr, name):
    """The version of the installed object, unless it is missing or was changed
    since it was made."""
    installed = _installed(cr, name)
    if not installed or not installed[0]:
        return None
    comment, md5 = installed
    version, _space, made = comment.rpartition(" ")
    return version if made == md5 else None


def _reconcile_after_commit(cr):
    dbname = cr.dbname

    def run():
        try:
            with db_connect(dbname).cursor() as new_cr:
                reconcile(new_cr)
        except Exception:
            _logger.exception("The dashboard's counts could not be reconciled")

    cr.postcommit.add(run)


def view_query(measures):
    """The SELECT of the serial_prefix_summary view: the totals plus the changes not
    folded yet, per key, with one column per measure (its name: the states it
    counts), serial-tracked products only."""
    return SQL(
        """SELECT min(part.id) AS id,
                  NULLIF(part.company_id, 0) AS company_id,
                  part.product_id,
                  NULLIF(part.serial_prefix, '') AS serial_prefix,
                  NULLIF(part.location_id, 0) AS location_id,
                  %s
             FROM (SELECT * FROM %s UNION ALL SELECT * FROM %s) AS part
            WHERE part.product_id IN (
                      SELECT product.id FROM product_product product
                        JOIN product_template template
                          ON template.id = product.product_tmpl_id
                       WHERE template.tracking = 'serial')
            GROUP BY part.company_id, part.product_id, part.serial_prefix,
                     part.location_id
           HAVING NOT %s""",
        SQL(", ").join(
            SQL(
                "sum(%s) AS %s",
                SQL(" + ").join(SQL.identifier("part", state) for state in states),
                SQL.identifier(measure),
            )
            for measure, states in measures.items()
        ),
        SQL.identifier(TOTALS),
        SQL.identifier(DELTAS),
        _no_units("part", aggregate=True),
    )


def fold(cr):
    """Add the appended changes to the totals and remove them, unless another
    transaction is doing it (it holds the lock) or this cursor cannot write (a
    read-only replica): the view counts them either way. False when not folded."""
    if cr.readonly:
        return False
    cr.execute(SQL("SELECT EXISTS (SELECT FROM %s)", SQL.identifier(DELTAS)))
    if not cr.fetchone()[0]:
        return True  # nothing to fold
    cr.execute(SQL("SELECT pg_try_advisory_xact_lock(hashtext(%s))", TOTALS))
    if not cr.fetchone()[0]:
        return False
    try:
        with cr.savepoint(flush=False):
            # a snapshot older than another fold's commit sees changes already moved:
            # it fails to serialize, and leaves the folding to the next read
            cr.execute(
                SQL(
                    """WITH moved AS (DELETE FROM %(deltas)s RETURNING *)
                       INSERT INTO %(totals)s AS total (%(columns)s)
                       SELECT %(keys)s, %(sums)s FROM moved GROUP BY %(keys)s
                       ON CONFLICT (%(keys)s) DO UPDATE SET %(added)s""",
                    deltas=SQL.identifier(DELTAS),
                    totals=SQL.identifier(TOTALS),
                    columns=_names(KEYS + STATES),
                    keys=_names(KEYS),
                    sums=SQL(", ").join(
                        SQL("sum(%s)", SQL.identifier(state)) for state in STATES
                    ),
                    added=SQL(", ").join(
                        SQL(
                            "%s = %s + %s",
                            SQL.identifier(state),
                            SQL.identifier("total", state),
                            SQL.identifier("excluded", state),
                        )
                        for state in STATES
                    ),
                ),
                log_exceptions=False,
            )
            if cr.rowcount:
                cr.execute(
                    SQL(
                        "DELETE FROM %s WHERE %s",
                        SQL.identifier(TOTALS),
                        _no_units(),
                    ),
                    log_exceptions=False,
                )
    except SerializationFailure:
        return False
    return True
