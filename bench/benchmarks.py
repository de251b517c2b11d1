"""The benchmarks, run inside Odoo (the virtualenv's Python) by bench/run_bench.py.

Each benchmark times the native Odoo 18 operation and, where the addon provides one, the
addon's operation, in the same run on the same data, a few times each; it prints the
median of each and their ratio. Absolute times are noisy on shared machines: read the
ratios."""

import base64
import io
import os
import random
import statistics
import sys
import time

sys.path.insert(0, os.environ["ODOO_PATH"])

import count
import history
import pos_sync
import psycopg2
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
IMPORT_SERIALS = int(os.environ.get("BENCH_IMPORT_SERIALS", "100000"))
IMPORT_REPEAT = int(os.environ.get("BENCH_IMPORT_REPEAT", "1"))
FILL_BATCH = 1000  # serials per prefix in the filled lots
NATIVE_IMPORT_SAMPLE = 10000  # stock.lot.load() of the first rows: ~15 s at its rate


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

    def add(self, name, native, addon=None, unit="ms", better="lower"):
        self.rows.append((name, native, addon, unit, better))
        print(f"  {self._format(self.rows[-1])}", flush=True)

    @staticmethod
    def _format(row):
        name, native, addon, unit, better = row
        addon_text = (
            f"{addon:12.2f} {unit:<9}" if addon is not None else f"{'—':>12} {'':9}"
        )
        if addon is None:
            ratio = "(native baseline)"
        else:
            factor = native / addon if better == "lower" else addon / native
            ratio = f"{factor:8.2f}× {'faster' if factor >= 1 else 'slower'}"
        return f"{name:<52} {native:12.2f} {unit:<9} {addon_text} {ratio}"

    def print(self):
        print()
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
    from odoo.addons.pos_serial_tracking.models.serial_split import split_serial_sql

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
    # the addon's search split of each name, as the addon's own paths fill it
    split = (
        SQL(", %s, %s", *split_serial_sql(SQL.identifier("name"))) if states else SQL()
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
            SQL(", serial_state, serial_prefix, serial_trailing_number")
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
        report.add(name, native, timed(run) * 1000 / LOOKUPS)


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
    """One state change of one serial, with its hash-chained audit line and the lock,
    against a plain write of one field of one serial (stock Odoo's cheapest update)."""
    env.cr.execute(
        "SELECT id FROM stock_lot ORDER BY id DESC LIMIT %s", [count * REPEAT * 2]
    )
    all_ids = [row[0] for row in env.cr.fetchall()]
    ids = iter(all_ids)
    Lot = env["stock.lot"]

    def native():
        for _ in range(count):
            Lot.browse(next(ids)).write({"ref": "bench"})
        env.flush_all()

    def addon():
        for _ in range(count):
            lot = Lot.browse(next(ids))
            lot._apply_serial_events(
                [{"lot": lot, "event": "marked_lost", "note": "bench"}]
            )

    with env.cr.savepoint(flush=False) as savepoint:
        env.cr.execute(
            "UPDATE stock_lot SET serial_state = 'in_stock' WHERE id = ANY(%s)",
            [all_ids],
        )
        report.add(
            "state change with its audit line (per serial)",
            timed(native) * 1000 / count,
            timed(addon) * 1000 / count,
        )
        savepoint.rollback()
    env.invalidate_all()


def bench_verify(env, report):
    """Verify every chain (1 row per serial after the install) against reading the same
    rows in SQL, the floor any check must pay."""
    audit = env["serial.audit.line"]
    env.cr.execute("SELECT count(*) FROM serial_audit_line")
    rows = env.cr.fetchone()[0]

    def native():
        env.cr.execute("SELECT * FROM serial_audit_line ORDER BY lot_id, chain_index")
        env.cr.fetchall()

    native_s = timed(native, repeat=1)
    start = time.perf_counter()
    assert not audit.verify_chain()
    addon_s = time.perf_counter() - start
    report.add(
        f"verify the history ({rows:,} audit lines), seconds",
        native_s,
        addon_s,
        unit="s",
        better="lower",
    )


def native_load(env, product, serials):
    """Register `serials` with stock.lot.load() (what Odoo's standard import calls),
    rolled back after."""
    with env.cr.savepoint(flush=False) as savepoint:
        result = env["stock.lot"].load(
            ["name", "product_id/.id"],
            [[serial, str(product.id)] for serial in serials],
        )
        assert not result["messages"], result["messages"][:3]
        savepoint.rollback()
    env.invalidate_all()


def bench_native_load(env, report, count=10000):
    """stock.lot.load(), what Odoo's standard import calls, on `count` new serials."""
    product = env["product.product"].search([("default_code", "=", "BENCH00")])
    rounds = iter(range(REPEAT))

    def load():
        run = next(rounds)
        native_load(env, product, [f"LOAD{run}-{i:07d}" for i in range(count)])

    seconds = timed(load)
    report.add(
        f"register {count:,} serials (stock.lot.load)",
        count / seconds,
        unit="serials/s",
        better="higher",
    )
    return count / seconds


def serials_xlsx(count, product_code):
    """A workbook of `count` serials (Serial, Product), written as Excel writes one
    (shared strings), by xlsxwriter (an Odoo requirement)."""
    import xlsxwriter

    output = io.BytesIO()
    workbook = xlsxwriter.Workbook(output)
    sheet = workbook.add_worksheet("Serials")
    sheet.write_row(0, 0, ["Serial", "Product"])
    for i in range(count):
        sheet.write_string(i + 1, 0, f"IMP-{i:08d}")
        sheet.write_string(i + 1, 1, product_code)
    workbook.close()
    return output.getvalue()


def peak_rss_reset():
    """Reset the process's peak resident memory (Linux: /proc/self/clear_refs), so that
    the next peak_rss() is the peak of what runs in between; False when not possible."""
    try:
        with open("/proc/self/clear_refs", "w") as clear_refs:
            clear_refs.write("5")
        return True
    except OSError:
        return False


def rss_mb(field):
    """VmRSS (now) or VmHWM (peak) of this process, in MB."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    return 0.0


def bench_import(env, report, count=IMPORT_SERIALS):
    """`count` serials from an XLSX file through the Import Serials wizard, registered,
    audited (one "imported" line each) and received in WH/Stock, against Odoo's
    stock.lot.load() (what the standard import calls) of the same rows, in the same run.
    Every run is rolled back."""
    product = env["product.product"].search([("default_code", "=", "BENCH01")])
    location = env.ref("stock.warehouse0").lot_stock_id
    data = serials_xlsx(count, product.default_code)
    user_env = env(user=env.ref("base.user_admin"))
    print(
        f"bench: import file of {count:,} serials, {len(data) / 1024 / 1024:.1f} MB",
        flush=True,
    )

    def run_import():
        with env.cr.savepoint(flush=False) as savepoint:
            wizard = user_env["stock.lot.import"].create(
                {
                    "file": base64.b64encode(data),
                    "filename": "serials.xlsx",
                    "location_id": location.id,
                }
            )
            wizard.action_import()
            batch = wizard.batch_id
            assert (batch.created_count, batch.received_count) == (count, count), batch
            env.cr.execute(
                """SELECT count(*),
                          count(*) FILTER (WHERE lot.serial_state = 'in_stock'),
                          (SELECT count(*) FROM serial_audit_line line
                            WHERE line.reference = %s),
                          (SELECT sum(quantity) FROM stock_quant quant
                            WHERE quant.location_id = %s AND quant.lot_id IS NOT NULL
                              AND quant.product_id = %s)
                     FROM stock_lot lot WHERE lot.import_batch_id = %s""",
                [batch.name, location.id, product.id, batch.id],
            )
            assert env.cr.fetchone() == (count, count, count, count)
            savepoint.rollback()
        env.invalidate_all()

    def run_dry_run():
        with env.cr.savepoint(flush=False) as savepoint:
            wizard = user_env["stock.lot.import"].create(
                {
                    "file": base64.b64encode(data),
                    "filename": "serials.xlsx",
                }
            )
            wizard.action_dry_run()
            assert wizard.new_count == count, wizard.new_count
            savepoint.rollback()
        env.invalidate_all()

    sample = min(count, NATIVE_IMPORT_SAMPLE)

    def run_native():
        native_load(env, product, [f"IMP-{i:08d}" for i in range(sample)])

    dry_run_seconds = timed(run_dry_run, repeat=IMPORT_REPEAT)
    start_rss = rss_mb("VmRSS")
    measured_peak = peak_rss_reset()
    seconds = timed(run_import, repeat=IMPORT_REPEAT)
    peak = rss_mb("VmHWM") if measured_peak else None
    native_seconds = timed(run_native, repeat=1)
    report.add(
        f"import {count:,} serials from XLSX, received in stock",
        sample / native_seconds,
        count / seconds,
        unit="serials/s",
        better="higher",
    )
    print(
        f"  import of {count:,} serials: {seconds:.1f} s (dry run alone: "
        f"{dry_run_seconds:.1f} s); native stock.lot.load() of the first {sample:,} "
        f"rows: {native_seconds:.1f} s, "
        f"{count / (sample / native_seconds):.0f} s at its rate for {count:,}",
        flush=True,
    )
    if peak is not None:
        print(
            f"  memory: {start_rss:.0f} MB before the import, peak {peak:.0f} MB "
            f"during it (+{peak - start_rss:.0f} MB)",
            flush=True,
        )

    floor = import_floor(env, product, location, count)
    tables = ", ".join(f"{table} {seconds:.1f} s" for table, seconds in floor["tables"])
    print(
        f"  the floor: PostgreSQL alone writes the same rows (lots, history lines and "
        f"heads, move lines, quants; no file, no Python per row) in "
        f"{floor['total']:.1f} s ({tables}); the import takes "
        f"{seconds / floor['total']:.2f}× that",
        flush=True,
    )
    per_check = foreign_key_check_cost(env)
    print(
        f"  one foreign-key check costs {per_check:.1f} µs here; Odoo's constraints "
        f"ask {floor['checks']} checks per received serial (NULL references not "
        f"counted), "
        f"{floor['checks'] * count * per_check / 1e6:.1f} s for {count:,} serials",
        flush=True,
    )


def import_floor(env, product, location, count):
    """Seconds PostgreSQL alone takes to write what an import of `count` received
    serials writes, each table from an INSERT ... SELECT (the history's hashes are
    stand-ins), and the foreign-key checks those rows cost; rolled back after."""
    from odoo.addons.pos_serial_tracking.wizards import (
        stock_lot_import_writer as writer,
    )

    now = odoo.fields.Datetime.now()
    tables = []
    with env.cr.savepoint(flush=False) as savepoint:
        moves = writer.create_receipt_moves(
            env,
            [(0, "", product.id, env.company.id, None, None, None, location.id)],
            "FLOOR",
            now,
        )
        batch = env["stock.lot.import.batch"].create(
            {"name": "FLOOR", "company_id": env.company.id, "location_id": location.id}
        )
        env.flush_all()
        params = {
            "product": product.id,
            "company": env.company.id,
            "uom": product.uom_id.id,
            "batch": batch.id,
            "location": location.id,
            "uid": env.uid,
            "count": count,
            "now": now,
        }
        statements = [
            (
                "stock_lot",
                """INSERT INTO stock_lot (name, serial_prefix, serial_trailing_number,
                          product_id, company_id, product_uom_id,
                          import_batch_id, location_id, serial_state, create_uid,
                          write_uid, create_date, write_date)
                   SELECT 'FLOOR-' || lpad(i::text, 8, '0'), 'FLOOR-', i::text,
                          %(product)s, %(company)s,
                          %(uom)s, %(batch)s, %(location)s, 'in_stock', %(uid)s,
                          %(uid)s, %(now)s, %(now)s
                     FROM generate_series(1, %(count)s) AS i""",
            ),
            (
                "serial_audit_line",
                """INSERT INTO serial_audit_line (lot_id, lot_name, product_id,
                          company_id, chain_index, event, new_state, user_id, date,
                          res_model, res_id, reference, note, hash)
                   SELECT id, name, product_id, company_id, 1, 'imported', 'in_stock',
                          %(uid)s, %(now)s, 'stock.lot.import.batch', %(batch)s,
                          'FLOOR',
                          'Row of floor.xlsx',
                          encode(sha256(convert_to(name, 'UTF8')), 'hex')
                     FROM stock_lot WHERE import_batch_id = %(batch)s""",
            ),
            (
                "serial_audit_head",
                """INSERT INTO serial_audit_head (lot_id, length, hash)
                   SELECT lot_id, 1, hash FROM serial_audit_line
                    WHERE res_model = 'stock.lot.import.batch'
                      AND res_id = %(batch)s""",
            ),
        ]
        for table, statement in statements:
            start = time.perf_counter()
            env.cr.execute(statement, params)
            tables.append((table, time.perf_counter() - start))
        start = time.perf_counter()
        writer.insert_stock(env, batch, moves, now)
        tables.append(("move lines and quants", time.perf_counter() - start))
        env.cr.execute(
            """SELECT count(*) FILTER (WHERE con.conrelid = 'stock_quant'::regclass)
                      + count(*)
                 FROM pg_constraint con
                 JOIN pg_attribute att ON att.attrelid = con.conrelid
                                      AND att.attnum = con.conkey[1]
                WHERE con.contype = 'f'
                  AND con.conrelid = ANY(ARRAY['stock_lot', 'serial_audit_line',
                      'serial_audit_head', 'stock_move_line',
                      'stock_quant']::regclass[])
                  AND att.attname IN ('product_id', 'company_id', 'product_uom_id',
                      'import_batch_id', 'location_id', 'location_dest_id',
                      'create_uid', 'write_uid', 'lot_id', 'user_id', 'move_id')
                  -- a quant's user_id (who counts it) is NULL on a receipt
                  AND NOT (con.conrelid = 'stock_quant'::regclass
                           AND att.attname = 'user_id')"""
        )
        checks = env.cr.fetchone()[0]
        savepoint.rollback()
    env.invalidate_all()
    return {
        "total": sum(seconds for _table, seconds in tables),
        "tables": tables,
        "checks": checks,
    }


def foreign_key_check_cost(env, rows=100000):
    """Microseconds PostgreSQL spends on one foreign-key check on this machine: 100,000
    rows of 4 references inserted into a table with and without the constraints."""
    seconds = {}
    with env.cr.savepoint(flush=False) as savepoint:
        env.cr.execute(
            """CREATE TEMP TABLE bench_parent (id int PRIMARY KEY);
               INSERT INTO bench_parent VALUES (1);
               CREATE TEMP TABLE bench_plain (a int, b int, c int, d int);
               CREATE TEMP TABLE bench_checked (
                   a int REFERENCES bench_parent, b int REFERENCES bench_parent,
                   c int REFERENCES bench_parent, d int REFERENCES bench_parent)"""
        )
        for table in ("bench_plain", "bench_checked"):
            start = time.perf_counter()
            env.cr.execute(
                SQL(
                    "INSERT INTO %s SELECT 1, 1, 1, 1 FROM generate_series(1, %s)",
                    SQL.identifier(table),
                    rows,
                )
            )
            seconds[table] = time.perf_counter() - start
        savepoint.rollback()
    return (seconds["bench_checked"] - seconds["bench_plain"]) * 1e6 / (4 * rows)


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
        init_rate = bench_initialize(env, report)
        bench_lookups(env, report)
        bench_search(env, report)
        bench_dashboard(env, report)
        load_rate = bench_native_load(env, report)
        report.add(
            "initialize existing serials at install (serials/s)",
            load_rate,
            init_rate,
            unit="serials/s",
            better="higher",
        )
        bench_state_change(env, report)
        bench_verify(env, report)
        history.bench_history(env, report)
        bench_import(env, report)
        pos_sync.time_check(env, report)
        count.bench_count(env, report)
    native_db = os.environ.get("BENCH_NATIVE_DB")
    if native_db:
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
        native = pos_sync.time_sync(native_registry, "native", SYNC_REPEAT)
        addon = pos_sync.time_sync(registry, "addon", SYNC_REPEAT)
        report.add(
            f"sync a paid POS order of {pos_sync.LINES} serial lines", native, addon
        )
    report.print()


if __name__ == "__main__":
    main()
