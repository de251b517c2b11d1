"""The benchmarks, run inside Odoo (the virtualenv's Python) by bench/run_bench.py.

Each benchmark times the native Odoo 18 operation and, where the addon provides one, the
addon's operation, in the same run on the same data, a few times each; it prints the
median of each and their ratio. Absolute times are noisy on shared machines: read the
ratios."""

import os
import random
import statistics
import sys
import time

sys.path.insert(0, os.environ["ODOO_PATH"])

import count
import epcis_import
import history
import integrity
import offline_set
import pos_sync
import psycopg2
import recall
import recall_notices
import registration
import reports
from dashboard import bench_dashboard
from search import bench_search

import odoo
from odoo.tools import SQL, config

DBNAME = os.environ["BENCH_DB"]
SERIALS = int(os.environ["BENCH_SERIALS"])
REPEAT = int(os.environ.get("BENCH_REPEAT", "3"))
SYNC_REPEAT = 9  # orders synced per side: a sync varies by ±20 % from one to the next
LOOKUPS = 50  # random serials per lookup round
SETTLED_TABLES = (
    "stock_lot",
    "stock_quant",
    "stock_move",
    "stock_move_line",
    "serial_audit_line",
    "serial_audit_head",
)
FILL_BATCH = 1000  # serials per prefix in the filled lots
# BENCH_ONLY=state_change,recall: only those parts (the fill always runs), to measure
# one path at volume without the whole run
ONLY = {part for part in os.environ.get("BENCH_ONLY", "").split(",") if part}


def wanted(part):
    return not ONLY or part in ONLY


def timed(fn, repeat=REPEAT):
    """Median seconds of `repeat` calls of fn()."""
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


class Report:
    def __init__(self):
        self.rows = []

    def add(
        self,
        name,
        native,
        addon=None,
        unit="ms",
        better="lower",
        goal=None,
        goal_met=False,
        min_ratio=None,
    ):
        """A row; `goal` (text, e.g. "≤ 2 ms") printed after the ratio, with whether
        this run meets it (goal_met); or `min_ratio`, the least ratio the row must
        show (1: at least as fast as stock Odoo)."""
        if min_ratio is not None and addon is not None:
            factor = native / addon if better == "lower" else addon / native
            goal, goal_met = f"≥ {min_ratio:g}×", factor >= min_ratio
        if goal:
            goal = f"goal {goal}: {'met' if goal_met else 'NOT met'}"
        self.rows.append((name, native, addon, unit, better, goal))
        print(f"  {self._format(self.rows[-1])}", flush=True)

    @staticmethod
    def _format(row):
        name, native, addon, unit, better, goal = row
        addon_text = (
            f"{addon:12.2f} {unit:<9}" if addon is not None else f"{'—':>12} {'':9}"
        )
        if addon is None:
            ratio = "(native baseline)"
        else:
            factor = native / addon if better == "lower" else addon / native
            words = ("smaller", "larger") if unit == "MB" else ("faster", "slower")
            ratio = f"{factor:8.2f}× {words[0] if factor >= 1 else words[1]}"
        line = f"{name:<52} {native:12.2f} {unit:<9} {addon_text} {ratio}"
        return f"{line}   {goal}" if goal else line

    def print(self):
        goals = [row[5] for row in self.rows if row[5]]
        print()
        print(
            f"goals met: {sum(goal.endswith(': met') for goal in goals)} of "
            f"{len(goals)}; rows without a goal: "
            f"{sum(1 for row in self.rows if not row[5] and row[2] is not None)}"
        )
        print(
            f"{'benchmark':<52} {'native Odoo 18':>22} "
            f"{'pos_serial_tracking':>22} ratio"
        )
        for row in self.rows:
            print(self._format(row))


def fill_serials(env, count, states=True):
    """1,000,000 lots of 20 serial-tracked products, set-based: realistic serial names
    (batches of FILL_BATCH consecutive serials of one product sharing a prefix: 6 hex
    digits and a dash, then a counter; 1,000 prefixes for 1,000,000 lots) and a
    realistic mix of states (7 in 10 in stock, 2 sold, the rest returned, in repair,
    lost, stolen, scrapped or recalled). Without `states`, the same lots in stock Odoo's
    schema (the native database)."""
    from odoo.addons.pos_serial_tracking.tools.serial_split import split_serial_sql

    cr = env.cr
    category = env.ref("product.product_category_all")
    products = env["product.product"].create(
        [
            {
                "name": f"Bench product {i}",
                "default_code": f"BENCH{i:02d}",
                "is_storable": True,
                "tracking": "serial",
                "categ_id": category.id,
            }
            for i in range(20)
        ]
    )
    state = (
        SQL(
            """, (ARRAY['in_stock', 'in_stock', 'in_stock', 'in_stock', 'in_stock',
                    'in_stock', 'in_stock', 'sold', 'sold', 'returned', 'in_repair',
                    'lost', 'stolen',
                    'scrapped', 'recalled'])[1 + mod(i::bigint * 7919, 15)]"""
        )
        if states
        else SQL()
    )
    # the addon's search split of each name, and the product's tracking the
    # dashboard's triggers read, as the addon's own paths fill them
    split = (
        SQL(", %s, %s, 'serial'", *split_serial_sql(SQL.identifier("name")))
        if states
        else SQL()
    )
    cr.execute(
        SQL(
            """
        INSERT INTO stock_lot (name, product_id, company_id, create_uid, write_uid,
                               create_date, write_date%s)
        SELECT name, (%s::int[])[1 + mod(batch, 20)], %s, 1, 1, now(), now() %s %s
          FROM generate_series(1, %s) AS i,
               LATERAL (SELECT (i - 1) / %s AS batch) AS batches,
               LATERAL (SELECT upper(substr(md5(batch::text), 1, 6)) || '-'
                               || lpad(i::text, 8, '0') AS name) AS serial
        """,
            SQL(
                ", serial_state, serial_prefix, serial_trailing_number, "
                "product_tracking"
            )
            if states
            else SQL(),
            products.ids,
            env.company.id,
            state,
            split,
            count,
            FILL_BATCH,
        )
    )
    cr.execute("ANALYZE stock_lot")
    env.invalidate_all()
    return products


def random_serials(cr, n):
    """n serials in stock, picked at random."""
    cr.execute(
        """SELECT name FROM stock_lot TABLESAMPLE SYSTEM (1)
                   WHERE serial_state = 'in_stock' LIMIT %s""",
        [n * 4],
    )
    names = [row[0] for row in cr.fetchall()]
    if len(names) < n:
        # a 1 % page sample of a small table (the smoke run) may hold none of them
        cr.execute(
            "SELECT name FROM stock_lot WHERE serial_state = 'in_stock' "
            "ORDER BY random() LIMIT %s",
            [n],
        )
        names = [row[0] for row in cr.fetchall()]
    return random.sample(names, min(n, len(names)))


ADDON_LOOKUP_INDEXES = (
    "stock_lot_name_btree_index",
    "stock_lot_upper_name_prefix_index",
    "stock_lot_serial_range_index",
)


def as_native(env, fn):
    """Time fn() on stock Odoo's schema: the addon's lookup indexes dropped inside a
    savepoint (DDL is transactional in PostgreSQL), restored by the rollback."""
    with env.cr.savepoint(flush=False) as savepoint:
        for index in ADDON_LOOKUP_INDEXES:
            env.cr.execute(f"DROP INDEX {index}")
        seconds = timed(fn)
        savepoint.rollback()
    return seconds


def bench_lookups(env, report):
    lots = env["stock.lot"]
    serials = random_serials(env.cr, LOOKUPS)

    def lookups(domain_of):
        def run():
            for serial in serials:
                assert lots.search(domain_of(serial))
            env.invalidate_all()

        return run

    cases = [
        (f"exact serial lookup among {SERIALS:,} lots", lambda s: [("name", "=", s)]),
        (
            f"prefix lookup (=ilike 'ABCD%') among {SERIALS:,} lots",
            lambda s: [("name", "=ilike", s[:4] + "%")],
        ),
        (
            "exact lookup + state filter (serial_state = in_stock)",
            lambda s: [("name", "=", s), ("serial_state", "=", "in_stock")],
        ),
    ]
    for name, domain_of in cases:
        run = lookups(domain_of)
        native = as_native(env, run) * 1000 / LOOKUPS
        report.add(name, native, timed(run) * 1000 / LOOKUPS, min_ratio=1)


def bench_initialize(env, report):
    """Install on an existing database: states from quants, a first audit line each."""
    from odoo.addons.pos_serial_tracking.hooks import initialize_serial_states

    start = time.perf_counter()
    count = initialize_serial_states(env)
    seconds = time.perf_counter() - start
    env.cr.commit()
    print(
        f"bench: {count:,} existing serials initialized in {seconds:.1f}s "
        f"({seconds * 100000 / count:.1f}s per 100,000; target: 100,000 under 30s)",
        flush=True,
    )
    return count / seconds


def bench_state_change(env, report, count=300):
    """A state change with its hash-chained audit line and the lock, against a plain
    write of one field (stock Odoo's cheapest update): one serial per call, as a
    user changes one unit (each write flushed, one UPDATE each); and `count` serials
    in one call, as a manager changes a selection (one UPDATE for all, the ORM's
    flush grouping the writes)."""
    env.cr.execute(
        "SELECT id FROM stock_lot ORDER BY id DESC LIMIT %s", [count * REPEAT * 4]
    )
    all_ids = [row[0] for row in env.cr.fetchall()]
    ids = iter(all_ids)
    Lot = env["stock.lot"]

    def native_one():
        for _ in range(count):
            Lot.browse(next(ids)).write({"ref": "bench"})
            env.flush_all()

    def addon_one():
        for _ in range(count):
            lot = Lot.browse(next(ids))
            lot._apply_serial_events(
                [{"lot": lot, "event": "marked_lost", "note": "bench"}]
            )

    def native_many():
        Lot.browse([next(ids) for _ in range(count)]).write({"ref": "bench"})
        env.flush_all()

    def addon_many():
        lots = Lot.browse([next(ids) for _ in range(count)])
        lots._apply_serial_event_to_all("marked_lost", note="bench")

    with env.cr.savepoint(flush=False) as savepoint:
        env.cr.execute(
            "UPDATE stock_lot SET serial_state = 'in_stock' WHERE id = ANY(%s)",
            [all_ids],
        )
        for name, native, addon, per in (
            ("one serial per call", native_one, addon_one, count),
            (f"{count} serials in one call", native_many, addon_many, count),
        ):
            native_ms = timed(native) * 1000 / per
            addon_ms = timed(addon) * 1000 / per
            report.add(
                f"state change with its audit line, {name} (per serial)",
                native_ms,
                addon_ms,
                goal="≤ 2× the write",
                goal_met=addon_ms <= 2 * native_ms,
            )
        savepoint.rollback()
    env.invalidate_all()


def settle(dbname):
    """VACUUM ANALYZE the tables the POS sync reads and writes: the rolled-back imports
    and the fills leave hundreds of thousands of dead or unanalyzed rows, and an
    autovacuum of them running during one side's timing would skew the ratio."""
    connection = psycopg2.connect(dbname=dbname)  # PG* variables set by run_bench.py
    connection.autocommit = True  # VACUUM cannot run inside a transaction
    try:
        with connection.cursor() as cr:
            for table in SETTLED_TABLES:
                cr.execute("SELECT to_regclass(%s)", [table])
                if cr.fetchone()[0]:  # the ledger's tables are the addon's only
                    cr.execute(f"VACUUM ANALYZE {table}")
    finally:
        connection.close()


def run_parts(env, report):
    """The benchmarks on the filled database, in order (those of BENCH_ONLY)."""
    # the EPCIS document of the reports reads the history the initialization writes
    initialize = wanted("initialize") or wanted("reports")
    init_rate = bench_initialize(env, report) if initialize else None
    for part, bench in (
        ("lookups", bench_lookups),
        ("search", bench_search),
        ("dashboard", bench_dashboard),
    ):
        if wanted(part):
            bench(env, report)
    if init_rate is not None or wanted("import"):
        load_rate = registration.bench_native_load(env, report)
    if init_rate is not None:
        report.add(
            "initialize existing serials at install (serials/s)",
            load_rate,
            init_rate,
            unit="serials/s",
            better="higher",
            min_ratio=1,
        )
    for part, bench in (
        ("state_change", bench_state_change),
        ("integrity", integrity.bench_integrity),
        ("history", history.bench_history),
        ("import", registration.bench_import),
        ("epcis_import", epcis_import.bench_epcis_import),
        ("till_check", pos_sync.time_check),
        ("offline_set", offline_set.bench_offline_set),
        ("count", count.bench_count),
        ("recall", recall.bench_recall),
        ("recall_notices", recall_notices.bench_recall_notices),
        ("reports", reports.bench_reports),
    ):
        if wanted(part):
            bench(env, report)


def main():
    config.parse_config(
        [
            f"--addons-path={os.environ['ADDONS_PATH']}",
            f"--data-dir={os.environ['ODOO_DATA_DIR']}",
            "--log-level=warn",
        ]
    )
    registry = odoo.modules.registry.Registry(DBNAME)
    report = Report()
    with registry.cursor() as cr:
        env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
        start = time.perf_counter()
        fill_serials(env, SERIALS)
        cr.commit()
        print(
            f"bench: {SERIALS:,} serials filled in {time.perf_counter() - start:.0f}s",
            flush=True,
        )
        run_parts(env, report)
    native_db = os.environ.get("BENCH_NATIVE_DB")
    if native_db and wanted("pos_sync"):
        native_registry = odoo.modules.registry.Registry(native_db)
        with native_registry.cursor() as cr:
            start = time.perf_counter()
            fill_serials(
                odoo.api.Environment(cr, odoo.SUPERUSER_ID, {}), SERIALS, states=False
            )
            cr.commit()
            print(
                f"bench: the same {SERIALS:,} serials filled in stock Odoo in "
                f"{time.perf_counter() - start:.0f}s",
                flush=True,
            )
        for dbname in (native_db, DBNAME):
            settle(dbname)
        synced = pos_sync.time_sync(
            {"native": native_registry, "addon": registry}, SYNC_REPEAT
        )
        native, addon = synced["native"], synced["addon"]
        report.add(
            f"sync a paid POS order of {pos_sync.LINES} serial lines",
            native,
            addon,
            goal="≥ 1×",
            goal_met=addon <= native,
        )
    report.print()


if __name__ == "__main__":
    main()
