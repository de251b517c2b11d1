"""Search benchmark: count a serial range among the 1,000,000 lots, against stock
Odoo's nearest operation, a lexical range on the name (name BETWEEN first AND last),
which finds the same units only when every serial is padded alike."""

from odoo.tools import SQL

BATCH = 10000  # lots of one prefix, SN-0000001 to SN-0010000, among the others
RANGES = 20  # ranges counted per round
UNITS = 1001  # units per range


def bench_search(env, report):
    from benchmarks import SERIALS, as_native, timed

    from odoo.addons.pos_serial_tracking.tools.serial_split import split_serial_sql

    Lot = env["stock.lot"]
    product = Lot.search([], limit=1).product_id
    starts = [1 + i * (BATCH - UNITS) // (RANGES - 1) for i in range(RANGES)]
    with env.cr.savepoint(flush=False) as savepoint:
        prefix, number = split_serial_sql(SQL.identifier("name"))
        env.cr.execute(
            SQL(
                """INSERT INTO stock_lot (name, serial_prefix, serial_trailing_number,
                          product_id, company_id, serial_state, create_uid, write_uid,
                          create_date, write_date)
                   SELECT name, %s, %s, %s, %s, 'in_stock', 1, 1, now(), now()
                     FROM generate_series(1, %s) AS i,
                          LATERAL (SELECT 'SN-' || lpad(i::text, 7, '0') AS name) s""",
                prefix,
                number,
                product.id,
                env.company.id,
                BATCH,
            )
        )
        env.cr.execute("ANALYZE stock_lot")

        def ranges(domain_of):
            def run():
                for start in starts:
                    assert Lot.search_count(domain_of(start)) == UNITS
                env.invalidate_all()

            return run

        def between(start):
            return [
                ("name", ">=", f"SN-{start:07d}"),
                ("name", "<=", f"SN-{start + UNITS - 1:07d}"),
            ]

        def serial_range(start):
            # unpadded: the padded serials are found all the same
            return [("serial_range", "=", f"SN-{start}..SN-{start + UNITS - 1}")]

        query = Lot._search(serial_range(starts[0]))
        env.cr.execute(SQL("EXPLAIN %s", query.select("count(*)")))
        plan = "\n".join(row[0] for row in env.cr.fetchall())
        assert "stock_lot_serial_range_index" in plan, plan
        native = as_native(env, ranges(between)) * 1000 / RANGES
        report.add(
            f"count a {UNITS:,}-serial range among {SERIALS + BATCH:,} lots",
            native,
            timed(ranges(serial_range)) * 1000 / RANGES,
        )
        savepoint.rollback()
    env.invalidate_all()
