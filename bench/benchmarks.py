"""The benchmarks, run inside Odoo (the virtualenv's Python) by bench/run_bench.py.

Each benchmark times the native Odoo 18 operation and, where the addon provides one, the
addon's operation, in the same run on the same data, a few times each; it prints the median
of each and their ratio. Absolute times are noisy on shared machines: read the ratios."""

import os
import random
import statistics
import sys
import time

sys.path.insert(0, os.environ["ODOO_PATH"])

import odoo  # noqa: E402
from odoo.tools import config  # noqa: E402

DBNAME = os.environ["BENCH_DB"]
SERIALS = int(os.environ["BENCH_SERIALS"])
REPEAT = int(os.environ.get("BENCH_REPEAT", "3"))
LOOKUPS = 50  # random serials per lookup round


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
        addon_text = f"{addon:12.2f} {unit:<9}" if addon is not None else f"{'—':>12} {'':9}"
        if addon is None:
            ratio = "(native baseline)"
        elif better == "lower":
            ratio = f"{native / addon:8.1f}× faster" if addon else "∞"
        else:
            ratio = f"{addon / native:8.1f}× the native rate"
        return f"{name:<52} {native:12.2f} {unit:<9} {addon_text} {ratio}"

    def print(self):
        print()
        print(f"{'benchmark':<52} {'native Odoo 18':>22} {'pos_serial_tracking':>22} ratio")
        for row in self.rows:
            print(self._format(row))


def fill_serials(env, count):
    """1,000,000 lots of 20 serial-tracked products, set-based: realistic serial names
    (a 6-hex-digit batch prefix and a counter), spread over companies' one warehouse."""
    cr = env.cr
    category = env.ref("product.product_category_all")
    products = env["product.product"].create(
        [
            {"name": f"Bench product {i}", "default_code": f"BENCH{i:02d}",
             "is_storable": True, "tracking": "serial", "categ_id": category.id}
            for i in range(20)
        ]
    )
    cr.execute(
        """
        INSERT INTO stock_lot (name, product_id, company_id, create_uid, write_uid,
                               create_date, write_date)
        SELECT upper(substr(md5(i::text), 1, 6)) || lpad(i::text, 8, '0'),
               (%s::int[])[1 + i %% 20], %s, 1, 1, now(), now()
          FROM generate_series(1, %s) AS i
        """,
        [products.ids, env.company.id, count],
    )
    cr.execute("ANALYZE stock_lot")
    env.invalidate_all()
    return products


def random_serials(cr, n):
    cr.execute("SELECT name FROM stock_lot TABLESAMPLE SYSTEM (1) LIMIT %s", [n * 4])
    names = [row[0] for row in cr.fetchall()]
    return random.sample(names, min(n, len(names)))


def bench_lookups(env, report):
    lots = env["stock.lot"]
    serials = random_serials(env.cr, LOOKUPS)

    def exact():
        for serial in serials:
            assert lots.search([("name", "=", serial)])
        env.invalidate_all()

    def prefix():
        for serial in serials:
            assert lots.search([("name", "=ilike", serial[:4] + "%")])
        env.invalidate_all()

    report.add(f"exact serial lookup among {SERIALS:,} lots", timed(exact) * 1000 / LOOKUPS)
    report.add(f"prefix lookup (=ilike 'ABCD%') among {SERIALS:,} lots",
               timed(prefix) * 1000 / LOOKUPS)


def bench_native_load(env, report, count=10000):
    """stock.lot.load(), what Odoo's standard import calls, on `count` new serials."""
    product = env["product.product"].search([("default_code", "=", "BENCH00")])
    rounds = iter(range(REPEAT))

    def load():
        run = next(rounds)
        rows = [[f"LOAD{run}-{i:07d}", str(product.id)] for i in range(count)]
        with env.cr.savepoint(flush=False) as savepoint:
            result = env["stock.lot"].load(["name", "product_id/.id"], rows)
            assert not result["messages"], result["messages"][:3]
            savepoint.rollback()
        env.invalidate_all()

    seconds = timed(load)
    report.add(f"register {count:,} serials (stock.lot.load)", count / seconds, unit="serials/s",
               better="higher")


def main():
    config.parse_config(
        [f"--addons-path={os.environ['ADDONS_PATH']}", f"--data-dir={os.environ['ODOO_DATA_DIR']}",
         "--log-level=warn"]
    )
    registry = odoo.modules.registry.Registry(DBNAME)
    report = Report()
    with registry.cursor() as cr:
        env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
        start = time.perf_counter()
        fill_serials(env, SERIALS)
        cr.commit()
        print(f"bench: {SERIALS:,} serials filled in {time.perf_counter() - start:.0f}s", flush=True)
        bench_lookups(env, report)
        bench_native_load(env, report)
    report.print()


if __name__ == "__main__":
    main()
