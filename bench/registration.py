"""Bulk registration benchmarks: Odoo's stock.lot.load() (what its standard import
calls), the Import Serials wizard on an XLSX file registered only and received in
stock, and the PostgreSQL floor of the same rows (no file, no Python per row), all in
the same run."""

import base64
import io
import os
import time

# benchmarks imports this module: its names are read when the bench runs
import benchmarks

import odoo
from odoo.tools import SQL

IMPORT_SERIALS = int(os.environ.get("BENCH_IMPORT_SERIALS", "100000"))
IMPORT_REPEAT = int(os.environ.get("BENCH_IMPORT_REPEAT", "1"))
NATIVE_IMPORT_SAMPLE = 10000  # stock.lot.load() of the first rows: ~15 s at its rate
# the import through the ORM (a module overrides a method the set-based path stands
# in for) of the first rows of the file
ORM_IMPORT_SAMPLE = int(os.environ.get("BENCH_ORM_IMPORT_SERIALS", "10000"))


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
    rounds = iter(range(benchmarks.REPEAT))

    def load():
        run = next(rounds)
        native_load(env, product, [f"LOAD{run}-{i:07d}" for i in range(count)])

    seconds = benchmarks.timed(load)
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
    """`count` serials from an XLSX file through the Import Serials wizard, registered
    and audited (one "imported" line each), then the same also received in WH/Stock
    (against the PostgreSQL floor of its rows too), against Odoo's
    stock.lot.load() (what the standard import calls) of the same rows, in the same run.
    Every run is rolled back."""
    product = env["product.product"].search([("default_code", "=", "BENCH01")])
    location = env.ref("stock.warehouse0").lot_stock_id
    data = serials_xlsx(count, product.default_code)
    # the import itself, in the request: not queued for the background job
    env["ir.config_parameter"].set_param(
        "pos_serial_tracking.import_background_rows", "0"
    )
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

    def run_orm(orm_data, rows):
        """A file of `rows` serials received in stock through the ORM path, as
        when an installed module overrides stock.lot.create: the check for
        overrides answers one."""
        Batch = type(env["stock.lot.import.batch"])
        Batch._serial_import_overrides = lambda self: [("stock.lot", "create", "bench")]
        try:
            with env.cr.savepoint(flush=False) as savepoint:
                wizard = user_env["stock.lot.import"].create(
                    {
                        "file": base64.b64encode(orm_data),
                        "filename": "serials.xlsx",
                        "location_id": location.id,
                    }
                )
                wizard.action_import()
                batch = wizard.batch_id
                assert batch.import_log.startswith("Through the ORM"), batch.import_log
                assert (batch.created_count, batch.received_count) == (rows, rows)
                savepoint.rollback()
        finally:
            del Batch._serial_import_overrides
        env.invalidate_all()

    def run_registered():
        """The same file registered only: no location, no receipt."""
        with env.cr.savepoint(flush=False) as savepoint:
            wizard = user_env["stock.lot.import"].create(
                {"file": base64.b64encode(data), "filename": "serials.xlsx"}
            )
            wizard.action_import()
            batch = wizard.batch_id
            assert (batch.created_count, batch.received_count) == (count, 0), batch
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

    # stock.lot.load() first, on fresh statistics: after rolled-back imports
    # PostgreSQL may plan its uniqueness check (10,000 names in one IN list) on stale
    # ones, minutes instead of seconds
    env.cr.execute("ANALYZE stock_lot")
    native_seconds = benchmarks.timed(run_native, repeat=1)
    dry_run_seconds = benchmarks.timed(run_dry_run, repeat=IMPORT_REPEAT)
    registered_seconds = benchmarks.timed(run_registered, repeat=IMPORT_REPEAT)
    start_rss = rss_mb("VmRSS")
    measured_peak = peak_rss_reset()
    seconds = benchmarks.timed(run_import, repeat=IMPORT_REPEAT)
    peak = rss_mb("VmHWM") if measured_peak else None
    native_rate = sample / native_seconds
    report.add(
        f"register {count:,} serials from XLSX (no receipt)",
        native_rate,
        count / registered_seconds,
        unit="serials/s",
        better="higher",
        goal="≥ 10× stock.lot.load()",
        goal_met=count / registered_seconds >= 10 * native_rate,
    )
    print(
        f"  registered only (no location): {registered_seconds:.1f} s; "
        f"stock.lot.load() of the same rows at its rate: {count / native_rate:.0f} s; "
        f"{count / native_rate / registered_seconds:.1f}× faster (target: ≥ 10×)",
        flush=True,
    )
    report.add(
        f"import {count:,} serials from XLSX, received in stock",
        native_rate,
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

    orm_rows = min(count, ORM_IMPORT_SAMPLE)
    orm_data = serials_xlsx(orm_rows, product.default_code)
    orm_seconds = benchmarks.timed(lambda: run_orm(orm_data, orm_rows), repeat=1)
    orm_rate = orm_rows / orm_seconds
    report.add(
        f"import {orm_rows:,} serials from XLSX through the ORM, received in stock",
        native_rate,
        orm_rate,
        unit="serials/s",
        better="higher",
    )

    floor = import_floor(env, product, location, count)
    tables = ", ".join(f"{table} {seconds:.1f} s" for table, seconds in floor["tables"])
    print(
        f"  the floor: PostgreSQL alone writes the same rows (lots, history lines and "
        f"heads, move lines, quants; no file, no Python per row) in "
        f"{floor['total']:.1f} s ({tables})",
        flush=True,
    )
    report.add(
        f"register + receive {count:,} from XLSX vs the PostgreSQL floor, s",
        floor["total"],
        seconds,
        unit="s",
        goal="≤ 1.25× the floor",
        goal_met=seconds <= 1.25 * floor["total"],
    )
    print(
        f"  registered and received: {seconds:.1f} s, "
        f"{seconds / floor['total']:.2f}× the floor (target: ≤ 1.25×)",
        flush=True,
    )
    print(
        f"  through the ORM (an installed module overrides a method the set-based "
        f"path stands in for): {orm_rows:,} serials registered and received in "
        f"{orm_seconds:.1f} s, {orm_rate / native_rate:.2f}× stock.lot.load()'s rate; "
        f"{count / orm_rate:.0f} s at its rate for {count:,}, "
        f"{count / orm_rate / floor['total']:.1f}× the floor; the set-based path: "
        f"{count / native_rate / seconds:.1f}× stock.lot.load(), "
        f"{seconds / floor['total']:.2f}× the floor",
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
    # the addons path is set when the bench starts, not when it imports this module
    from odoo.addons.pos_serial_tracking.tools.serial_import_records import CheckedRow

    now = odoo.fields.Datetime.now()
    tables = []
    with env.cr.savepoint(flush=False) as savepoint:
        row = CheckedRow(
            number=0,
            serial="",
            product_id=product.id,
            company_id=env.company.id,
            lot_ref=None,
            note=None,
            warranty_end=None,
            expiry_date=None,
            batch=None,
            location_id=location.id,
        )
        Batch = env["stock.lot.import.batch"]
        moves = Batch._create_import_receipt_moves([row], "FLOOR", now)
        batch = Batch.create(
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
                          import_batch_id, location_id, serial_state,
                          product_tracking, create_uid, write_uid, create_date,
                          write_date)
                   SELECT 'FLOOR-' || lpad(i::text, 8, '0'), 'FLOOR-', i::text,
                          %(product)s, %(company)s,
                          %(uom)s, %(batch)s, %(location)s, 'in_stock', 'serial',
                          %(uid)s, %(uid)s, %(now)s, %(now)s
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
        batch._insert_import_stock(moves, now)
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
