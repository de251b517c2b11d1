"""Search benchmark: count a serial range among the 1,000,000 lots, against stock
Odoo's nearest operation, a lexical range on the name (name BETWEEN first AND last),
which finds the same units only when every serial is padded alike.

Then the shapes the filled lots (1,000 prefixes) never show, added beside them: one
prefix holding as many serials as the fill (a production run PRF000000001...), then as
many IMEIs (15 digits, no prefix). Each is measured against `name` between on the
padded serials through a b-tree on the name, the fastest a lexical range gets, with the
goal of 2 ms a range, and its plan must read stock_lot_serial_range_index, never the
table."""

import re

from odoo.tools import SQL

BATCH = 10000  # lots of one prefix, SN-0000001 to SN-0010000, among the others
RANGES = 20  # ranges counted per round
UNITS = 1001  # units per range
SHAPE_UNITS = 1000  # units per range of the shapes
SHAPE_GOAL = 2.0  # ms per range of the shapes
TAC = "35693803"  # the IMEIs' type allocation code (one phone model)
INSERTED = """INSERT INTO stock_lot (name, serial_prefix, serial_trailing_number,
                      product_id, company_id, serial_state, create_uid, write_uid,
                      create_date, write_date)
               SELECT name, %s, %s, %s, %s, 'in_stock', 1, 1, now(), now()
                 FROM generate_series(%s, %s) AS i, LATERAL (SELECT %s AS name) s"""


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
                INSERTED,
                prefix,
                number,
                product.id,
                env.company.id,
                1,
                BATCH,
                SQL("'SN-' || lpad(i::text, 7, '0')"),
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
            min_ratio=1,
        )
        savepoint.rollback()
    env.invalidate_all()
    bench_range_shapes(env, report)


def imei_sql(serial):
    """SQL of the IMEI of TAC and the 6-digit `serial` (an SQL integer expression):
    its 14 digits and their Luhn check digit, in integer arithmetic."""
    doubled = [int(digit) * 2 for digit in TAC[1::2]]
    tac_sum = sum(int(digit) for digit in TAC[::2]) + sum(
        value - 9 if value > 9 else value for value in doubled
    )
    # the serial's digits d9..d14 of the body: d10, d12, d14 doubled
    digits = [SQL("mod(%s / %s, 10)", serial, 10**power) for power in range(5, -1, -1)]
    terms = [
        SQL("(2 * %s - 9 * (%s / 5))", digit, digit) if position % 2 else digit
        for position, digit in enumerate(digits)
    ]
    luhn_sum = SQL("(%s + %s)", tac_sum, SQL(" + ").join(terms))
    return SQL(
        "%s || lpad(%s::text, 6, '0') || mod(10 - mod(%s, 10), 10)::text",
        TAC,
        serial,
        luhn_sum,
    )


def imei(serial):
    """The IMEI of TAC and `serial`, as imei_sql gives it."""
    body = f"{TAC}{serial:06d}"
    total = 0
    for position, digit in enumerate(reversed(body)):
        value = int(digit) * (2 if position % 2 == 0 else 1)
        total += value - 9 if value > 9 else value
    return body + str(-total % 10)


def plan_nodes(env, domain):
    """The node types of the plan of the count of `domain`'s lots, the table read
    through stock_lot_serial_range_index alone (asserted)."""
    query = env["stock.lot"]._search(domain)
    env.cr.execute(SQL("EXPLAIN %s", query.select("count(*)")))
    plan = "\n".join(row[0] for row in env.cr.fetchall())
    assert "stock_lot_serial_range_index" in plan, plan
    assert "Seq Scan" not in plan, plan
    assert not re.search(r"Index Scan using (?!stock_lot_serial_range_index)", plan)
    nodes = (
        re.split(r" using | on ", line.split("(cost")[0].strip(" ->"))[0].strip()
        for line in plan.splitlines()
        if "(cost" in line
    )
    return ", ".join(dict.fromkeys(nodes))


def bench_range_shapes(env, report):
    """One prefix holding SERIALS serials, then SERIALS IMEIs beside them: a range of
    SHAPE_UNITS serials counted RANGES times each (one of them over two lengths of
    number, 99,500..100,499 at 1,000,000), against `name` between on the same padded
    serials (the name's b-tree kept)."""
    from benchmarks import SERIALS, timed

    Lot = env["stock.lot"]
    product = Lot.search([], limit=1).product_id
    last_start = SERIALS - SHAPE_UNITS + 1
    starts = [1 + i * (last_start - 1) // (RANGES - 2) for i in range(RANGES - 1)]
    # numbers one digit longer from here on, below the last range
    power = 10 ** (len(str(last_start)) - 1)
    starts.append(power - SHAPE_UNITS // 2 if power > SHAPE_UNITS else 1)
    shapes = [
        (
            f"one prefix holding {SERIALS:,} serials (PRF000000001...)",
            SQL("'PRF' || lpad(i::text, 9, '0')"),
            "PRF",
            1,
            lambda number: f"PRF{number:09d}",
        ),
        (
            f"{SERIALS:,} IMEIs, no prefix, added beside them",
            imei_sql(SQL("i")),
            None,
            0,
            imei,
        ),
    ]
    with env.cr.savepoint(flush=False) as savepoint:
        # stock's trigram index on the name serves neither side: inserting the
        # shapes' lots without it takes half the time (restored by the rollback)
        env.cr.execute("DROP INDEX stock_lot__name_index")
        for label, name, prefix, first, serial_of in shapes:
            env.cr.execute(
                SQL(
                    INSERTED,
                    prefix,
                    SQL("i::text") if first else SQL("ltrim(%s, '0')", name),
                    product.id,
                    env.company.id,
                    first,
                    first + SERIALS - 1,
                    name,
                )
            )
            env.cr.execute("ANALYZE stock_lot")
            # the ends of each range: PRF's numbers from 1, the IMEIs' serials from 0
            ends = [
                (
                    serial_of(start - 1 + first),
                    serial_of(start + SHAPE_UNITS - 2 + first),
                )
                for start in starts
            ]

            def ranges(domain_of, ends=ends):
                def run():
                    for low, high in ends:
                        assert Lot.search_count(domain_of(low, high)) == SHAPE_UNITS
                    env.invalidate_all()

                return run

            def between(low, high):
                return [("name", ">=", low), ("name", "<=", high)]

            def serial_range(low, high):
                return [("serial_range", "=", f"{low}..{high}")]

            # a range in the middle, and the last one (over two lengths for PRF)
            plans = [
                f"{low}..{high}: {plan_nodes(env, serial_range(low, high))}"
                for low, high in (ends[len(ends) // 2], ends[-1])
            ]
            native = timed(ranges(between)) * 1000 / RANGES
            addon = timed(ranges(serial_range)) * 1000 / RANGES
            report.add(
                f"count a {SHAPE_UNITS:,}-serial range, {label}",
                native,
                addon,
                goal=f"≤ {SHAPE_GOAL:g} ms",
                goal_met=addon <= SHAPE_GOAL,
            )
            print(f"    plans: {'; '.join(plans)}", flush=True)
            # the list a user sees: the range's first 80 serials by name
            lists = [
                timed(
                    lambda domain=domain: (
                        Lot.search(domain, limit=80),
                        env.invalidate_all(),
                    )
                )
                * 1000
                for domain in (between(*ends[-1]), serial_range(*ends[-1]))
            ]
            print(
                f"    the list of {ends[-1][0]}..{ends[-1][1]}, its first 80 by name: "
                f"{lists[1]:.2f} ms (native: {lists[0]:.2f} ms)",
                flush=True,
            )
        savepoint.rollback()
    env.invalidate_all()
