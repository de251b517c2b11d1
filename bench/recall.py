"""The recall benchmark: locate and activate a recall of 10,000 units (ten serial
ranges of the filled lots, among the 1,000,000) against stock Odoo's nearest way of
doing the same to those units: finding the 10,000 lots by name and writing a field on
each through the ORM. The activation recalls the units in stock or returned (about half
of the filled mix), with their hash-chained history lines."""

import statistics
import time

RANGES = 10  # filled prefixes of 1,000 serials each


def bench_recall(env, report):
    from benchmarks import REPEAT, timed

    cr = env.cr
    cr.execute(
        """SELECT serial_prefix, min(name), max(name), count(*) FROM stock_lot
            WHERE serial_prefix IS NOT NULL
            GROUP BY serial_prefix ORDER BY serial_prefix LIMIT %s""",
        [RANGES],
    )
    ranges = cr.fetchall()
    units = sum(row[3] for row in ranges)
    serial_ranges = "\n".join(f"{first}..{last}" for _p, first, last, _n in ranges)
    cr.execute(
        "SELECT name FROM stock_lot WHERE serial_prefix = ANY(%s)",
        [[row[0] for row in ranges]],
    )
    names = [row[0] for row in cr.fetchall()]
    Lot = env["stock.lot"]

    def native():
        with cr.savepoint(flush=False) as savepoint:
            lots = Lot.search([("name", "in", names)])
            assert len(lots) == units
            lots.write({"ref": "RECALL"})
            env.flush_all()
            savepoint.rollback()
        env.invalidate_all()

    samples, recalled = [], 0
    for _ in range(REPEAT):
        with cr.savepoint(flush=False) as savepoint:
            recall = env["serial.recall"].create(
                {"reason": "Bench recall", "serial_ranges": serial_ranges}
            )
            env.flush_all()
            start = time.perf_counter()
            recall.action_locate()
            recall.action_activate()
            env.flush_all()
            samples.append(time.perf_counter() - start)
            assert recall.line_count == units, (recall.line_count, units)
            recalled = len(recall._held_lots())
            savepoint.rollback()
        env.invalidate_all()
    native_s, addon_s = timed(native, repeat=REPEAT), statistics.median(samples)
    report.add(
        f"locate + activate a recall of {units:,} units ({recalled:,} recalled), s",
        native_s,
        addon_s,
        unit="s",
        goal="≥ 1× (faster)",
        goal_met=addon_s <= native_s,
    )
