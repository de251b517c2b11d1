"""Dashboard benchmark: the counts per serial prefix and state among the 1,000,000 lots,
read as the dashboard's pivot reads them, against stock Odoo's nearest operation (the
lots counted per product, a read_group of stock.lot); what keeping them costs a sale
(a state change with and without the trigger that appends its change); and the other
figures the dashboard shows at each load."""

import statistics
import time

from odoo.tools import SQL

SALES = 300  # state changes between two reads of the dashboard


def bench_dashboard(env, report):
    from benchmarks import DBNAME, REPEAT, SERIALS, settle, timed

    from odoo.addons.pos_serial_tracking.models.serial_prefix_summary import (
        MEASURE_STATES,
    )
    from odoo.addons.pos_serial_tracking.tools.serial_state_counts import TRIGGERS

    admin = env(user=env.ref("base.user_admin").id)
    Summary, Lot = admin["serial.prefix.summary"], admin["stock.lot"]
    measures = [f"{measure}:sum" for measure in MEASURE_STATES]

    start = time.perf_counter()
    Summary._fold_deltas()  # the fill's and the other benchmarks' changes
    env.cr.commit()
    print(
        f"bench: dashboard counts folded after the fill in "
        f"{time.perf_counter() - start:.1f}s",
        flush=True,
    )
    settle(DBNAME)  # an index-only scan for the plain GROUP BY below

    def dashboard():
        # the pivot's two reads: the total row, and one row per prefix
        Summary._read_group([], [], measures)
        rows = Summary._read_group([], ["serial_prefix"], measures)
        assert rows
        return rows

    def native():
        assert Lot._read_group([], ["product_id"], ["__count"])

    prefixes = len(dashboard())
    report.add(
        f"dashboard: units per prefix and state, {SERIALS:,} lots ({prefixes:,} "
        f"prefixes); native: lots per product",
        timed(native) * 1000,
        timed(dashboard) * 1000,
        min_ratio=1,
    )
    print(
        f"  the same counts by GROUP BY serial_prefix, serial_state, index-only scan: "
        f"{plain_group_by(env) * 1000:.0f} ms",
        flush=True,
    )

    # the sale path: a sale's state change, with and without the trigger
    env.cr.execute(
        "SELECT id FROM stock_lot WHERE serial_state = 'in_stock' ORDER BY id LIMIT %s",
        [SALES * REPEAT * 2],
    )
    ids = iter(row[0] for row in env.cr.fetchall())

    def sales():
        for _ in range(SALES):
            lot = env["stock.lot"].browse(next(ids))
            lot._apply_serial_events([{"lot": lot, "event": "sold"}])

    with env.cr.savepoint(flush=False) as savepoint:
        with env.cr.savepoint(flush=False) as without:
            for trigger in TRIGGERS:
                env.cr.execute(
                    SQL(
                        "ALTER TABLE stock_lot DISABLE TRIGGER %s",
                        SQL.identifier(trigger),
                    )
                )
            bare = timed(sales) * 1000 / SALES
            without.rollback()
        kept = timed(sales) * 1000 / SALES
        report.add(
            "a sale's state change: without / with the dashboard's trigger",
            bare,
            kept,
            min_ratio=0.8,  # the trigger adds at most a quarter to a sale's change
        )
        # the first read after those sales folds their changes
        start = time.perf_counter()
        dashboard()
        print(
            f"  the dashboard's first read after {SALES * REPEAT:,} sales, their "
            f"changes folded: {(time.perf_counter() - start) * 1000:.1f} ms",
            flush=True,
        )
        savepoint.rollback()
    env.invalidate_all()

    locate = [Summary._time_to_locate([]) for _ in range(20)]
    print(
        f"  time to locate a unit, as the dashboard measures it: "
        f"{statistics.median(item['milliseconds'] for item in locate):.2f} ms "
        f"(median of 20 serials picked at random)",
        flush=True,
    )
    data = Summary.retrieve_dashboard([])

    def chart():
        Lot._read_group(data["registered_domain"], ["create_date:day"], ["__count"])

    print(
        f"  the chart of units registered per day (every lot of the bench was "
        f"registered today): {timed(chart) * 1000:.0f} ms",
        flush=True,
    )


def plain_group_by(env):
    """Seconds to count the lots per prefix and state straight from stock_lot, with an
    index (created and dropped in a savepoint) that serves it by an index-only scan."""
    from benchmarks import timed

    with env.cr.savepoint(flush=False) as savepoint:
        env.cr.execute(
            """CREATE INDEX bench_lot_prefix_state
                   ON stock_lot (company_id, serial_prefix, serial_state);
               ANALYZE stock_lot"""
        )
        env.cr.execute("SET LOCAL enable_seqscan = off")

        def count():
            env.cr.execute(
                """SELECT serial_prefix, serial_state, count(*) FROM stock_lot
                    WHERE company_id = %s GROUP BY serial_prefix, serial_state""",
                [env.company.id],
            )
            env.cr.fetchall()

        seconds = timed(count)
        savepoint.rollback()
    return seconds
