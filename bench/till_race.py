"""The 20-till race, run inside Odoo's virtualenv by bench/run_race.py, once on the
database with the addon and once on stock Odoo's (the same dependencies, no addon).

`setup` builds a shop with TILLS tills, each in its own open session, sharing one stock
location, and writes the paid orders every till will send, in two mixes drawn with fixed
seeds (so both databases get the same orders):
- `hot`, the worst case: RACE_ORDERS orders per till of 2 units drawn at random from
  the same RACE_SERIALS units of one product, so most units are wanted by several tills
  at once;
- `mix`, a realistic shop: RACE_MIX_ORDERS orders of 1 to 3 units among
  RACE_MIX_PRODUCTS products holding RACE_MIX_UNITS units each, every unit sold once:
  two tills seldom touch the same product at the same moment.
- `leased` (the addon only), the hot case again on units of their own, each till
  checking every serial of its order at the till first (`check_pos_serials` for the
  order, which then holds it: pos.serial.lease) and dropping the lines refused, as a
  cashier does, before the sync: among online tills, no sale conflict.
`race <mix>` sends one mix's orders to a multi-worker Odoo over JSON-RPC, every till
in its own thread, one `pos.order.sync_from_ui` call per order as a till does. A sync
refused for a transient reason (Odoo gives up on a serialization failure after five
replays: the stock valuation layer and quants every sale of the product updates are hot
rows of stock Odoo) is sent again later, as the browser does with every pending order.
It counts the replays Odoo logs (RACE_LOG, `tries left` lines of odoo.service.model) and
the re-sends, times every sync, then checks the database: every order is there and paid
(nothing lost), every unit was delivered once (never twice), and, with the addon, each
refused line is a sale conflict. The figures go to
RACE_RESULT (JSON) for bench/run_race.py to compare the two sides."""

import functools
import json
import os
import random
import sys
import threading
import time
import urllib.request

sys.path.insert(0, os.environ["ODOO_PATH"])
sys.path.insert(0, os.path.dirname(__file__))

import pos_sync

import odoo
from odoo import SUPERUSER_ID, api
from odoo.tools import config

DBNAME = os.environ["RACE_DB"]
TILLS = int(os.environ.get("RACE_TILLS", "20"))
ORDERS_PER_TILL = int(os.environ.get("RACE_ORDERS", "5"))
LINES_PER_ORDER = 2
SERIALS = int(os.environ.get("RACE_SERIALS", "60"))
MIX_ORDERS = int(os.environ.get("RACE_MIX_ORDERS", "100"))
MIX_PRODUCTS = int(os.environ.get("RACE_MIX_PRODUCTS", "200"))
MIX_UNITS = int(os.environ.get("RACE_MIX_UNITS", "3"))
RESENDS = 10  # a till keeps a refused paid order and sends it again with the next sync
PLAN = os.environ["RACE_PLAN"]  # JSON file: what setup prepared, what race sends
REPLAY = "tries left, try again"  # odoo.service.model's line for a replayed request


@functools.cache
def registry():
    config.parse_config(
        [
            f"--addons-path={os.environ['ADDONS_PATH']}",
            f"--data-dir={os.environ['ODOO_DATA_DIR']}",
            "--log-level=warn",
        ]
    )
    return odoo.modules.registry.Registry(DBNAME)


def open_tills(env, first, cash):
    tills = [(first, cash)]
    for index in range(1, TILLS):
        journal = env["account.journal"].create(
            {"name": f"Cash {index}", "type": "cash", "code": f"RC{index:03d}"}
        )
        till_cash = env["pos.payment.method"].create(
            {"name": f"Cash {index}", "journal_id": journal.id}
        )
        till = env["pos.config"].create(
            {
                "name": f"Race till {index:02d}",
                "payment_method_ids": [(6, 0, till_cash.ids)],
            }
        )
        till.open_ui()
        tills.append((till, till_cash))
    return tills


def mix_stock(env, first, template):
    """MIX_PRODUCTS serial products like `template`, MIX_UNITS units of each in the
    tills' stock; the units as (product, serial) pairs."""
    products = env["product.product"].create(
        [
            {
                "name": f"Race item {index:03d}",
                "is_storable": True,
                "tracking": "serial",
                "available_in_pos": True,
                "list_price": 100,
                "taxes_id": [(5, 0, 0)],
                "company_id": template.company_id.id,
            }
            for index in range(MIX_PRODUCTS)
        ]
    )
    units = [
        (product, f"MIX-{index:03d}-{unit}")
        for index, product in enumerate(products)
        for unit in range(MIX_UNITS)
    ]
    lots = env["stock.lot"].create(
        [
            {"name": name, "product_id": product.id, "company_id": first.company_id.id}
            for product, name in units
        ]
    )
    env["stock.quant"].with_context(inventory_mode=True).create(
        [
            {
                "product_id": lot.product_id.id,
                "lot_id": lot.id,
                "inventory_quantity": 1,
                "location_id": first.picking_type_id.default_location_src_id.id,
            }
            for lot in lots
        ]
    ).action_apply_inventory()
    return units


def order_of(till, cash, units):
    """A paid order of `till` selling `units`, (product, serial) pairs."""
    data = pos_sync.order_data(till, cash, units[0][0], [name for _p, name in units])
    for line, (product, _name) in zip(data["lines"], units, strict=True):
        line[2]["product_id"] = product.id
    return data


def setup():
    with registry().cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        env, first, cash, product = pos_sync.setup_shop(env, "race")
        tills = open_tills(env, first, cash)
        serials = [f"RACE-{i:04d}" for i in range(SERIALS)]
        pos_sync.receive(env, first, product, serials)
        draw = random.Random(20)
        hot = [
            [
                order_of(
                    till,
                    till_cash,
                    [(product, s) for s in draw.sample(serials, LINES_PER_ORDER)],
                )
                for _order in range(ORDERS_PER_TILL)
            ]
            for till, till_cash in tills
        ]
        leased_serials = [f"LRACE-{i:04d}" for i in range(SERIALS)]
        pos_sync.receive(env, first, product, leased_serials)
        draw = random.Random(22)
        leased = [
            [
                order_of(
                    till,
                    till_cash,
                    [
                        (product, s)
                        for s in draw.sample(leased_serials, LINES_PER_ORDER)
                    ],
                )
                for _order in range(ORDERS_PER_TILL)
            ]
            for till, till_cash in tills
        ]
        units = mix_stock(env, first, product)
        draw = random.Random(21)
        pool = draw.sample(units, len(units))  # every unit sold at most once
        mix = [[] for _till in tills]
        for index in range(MIX_ORDERS):
            size = draw.randint(1, 3)
            picked, pool = pool[:size], pool[size:]
            if not picked:
                break
            till, till_cash = tills[index % len(tills)]
            mix[index % len(tills)].append(order_of(till, till_cash, picked))
        plan = {
            "company_id": first.company_id.id,
            "mixes": {
                "hot": {"tills": hot, "serials": serials},
                "mix": {"tills": mix, "serials": [name for _p, name in units]},
                "leased": {"tills": leased, "serials": leased_serials},
            },
            # the till of each session: the checks of the leased mix name it
            "session_configs": {
                str(till.current_session_id.id): till.id for till, _cash in tills
            },
        }
        with open(PLAN, "w") as file:
            json.dump(plan, file, default=str)
    mix_orders = sum(len(orders) for orders in mix)
    print(
        f"race: {DBNAME}: {TILLS} tills; hot mix: {TILLS * ORDERS_PER_TILL} paid "
        f"orders of {LINES_PER_ORDER} lines over {SERIALS} units of one product; "
        f"realistic mix: {mix_orders} paid orders of 1-3 lines over {MIX_PRODUCTS} "
        f"products of {MIX_UNITS} units",
        flush=True,
    )


def call(url, uid, model, method, args, context):
    payload = {
        "jsonrpc": "2.0",
        "method": "call",
        "params": {
            "service": "object",
            "method": "execute_kw",
            "args": [DBNAME, uid, "admin", model, method, args, {"context": context}],
        },
    }
    request = urllib.request.Request(
        url, json.dumps(payload).encode(), {"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=300) as response:
        answer = json.load(response)
    if "error" in answer:
        raise RuntimeError(answer["error"]["data"]["message"])
    return answer["result"]


def replays():
    """The replays of a serialization failure Odoo logged so far."""
    try:
        with open(os.environ["RACE_LOG"], errors="replace") as log:
            return sum(REPLAY in line for line in log)
    except FileNotFoundError:
        return 0


def race(plan, mix):
    url = f"http://127.0.0.1:{os.environ['RACE_HTTP_PORT']}/jsonrpc"
    context = {"allowed_company_ids": [plan["company_id"]]}
    uid = 2  # the administrator, a POS manager: the tills' cashier here
    latencies, failures, resends, refused, sent = [], [], [], [], []
    tills = [orders for orders in plan["mixes"][mix]["tills"] if orders]
    start_line = threading.Barrier(len(tills))

    def check_at_till(order):
        """The till's check of each serial of `order`, for the order (the leased mix):
        the order without the lines refused (None when none is left)."""
        config_id = plan["session_configs"][str(order["session_id"])]
        kept = []
        for line in order["lines"]:
            values = line[2]
            serials = [lot[2]["lot_name"] for lot in values["pack_lot_ids"]]
            verdict = call(
                url,
                uid,
                "pos.config",
                "check_pos_serials",
                [[config_id], values["product_id"], serials, order["uuid"]],
                context,
            )[0]
            if verdict["ok"]:
                kept.append(line)
            else:
                refused.append(verdict["reason"])
        if not kept:
            return None
        total = sum(line[2]["price_subtotal_incl"] for line in kept)
        order = dict(order, lines=kept, amount_total=total, amount_paid=total)
        payment = dict(order["payment_ids"][0][2], amount=total)
        order["payment_ids"] = [(0, 0, payment)]
        return order

    def sync(order):
        if mix == "leased":
            order = check_at_till(order)
            if order is None:
                return
            sent.append(order)
        for attempt in range(RESENDS + 1):
            started = time.perf_counter()
            try:
                call(url, uid, "pos.order", "sync_from_ui", [[order]], context)
                latencies.append(time.perf_counter() - started)
                return
            except Exception as error:  # noqa: BLE001 a refused paid order is the finding
                if attempt == RESENDS:
                    failures.append(f"{order['name']}: {error}")
                    return
                resends.append(str(error).splitlines()[0])
                time.sleep(1 + attempt)

    def till(orders):
        start_line.wait()
        for order in orders:
            sync(order)

    threads = [threading.Thread(target=till, args=(o,)) for o in tills]
    replayed = replays()
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - started
    time.sleep(0.5)  # the last log lines
    return latencies, failures, resends, wall, replays() - replayed, refused, sent


def check(plan, mix, failures, sent=None):
    """What the race of `mix` left in the database: the broken promises (a paid order
    lost or not paid, a refused sync), the units sold twice and the counts."""
    problems = [f"sync refused: {failure}" for failure in failures]
    tills = plan["mixes"][mix]["tills"]
    serials = plan["mixes"][mix]["serials"]
    # the leased mix: the orders as the tills sent them (the refused lines dropped)
    orders_sent = sent if sent is not None else [o for orders in tills for o in orders]
    uuids = [order["uuid"] for order in orders_sent]
    lines_sent = sum(len(order["lines"]) for order in orders_sent)
    with registry().cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        orders = env["pos.order"].search([("uuid", "in", uuids)])
        unpaid = orders.filtered(lambda o: o.state not in ("paid", "done", "invoiced"))
        if len(orders) != len(uuids):
            problems.append(f"{len(uuids) - len(orders)} paid orders lost")
        if unpaid:
            problems.append(f"{len(unpaid)} orders not paid: {unpaid.mapped('name')}")
        cr.execute(
            """
            SELECT lot.name, count(*)
              FROM stock_move_line line
              JOIN stock_lot lot ON lot.id = line.lot_id
              JOIN stock_location dest ON dest.id = line.location_dest_id
             WHERE lot.name = ANY(%s) AND line.state = 'done'
               AND dest.usage = 'customer'
             GROUP BY lot.name HAVING count(*) > 1
            """,
            [serials],
        )
        twice = cr.fetchall()
        cr.execute(
            """
            SELECT count(DISTINCT lot.id)
              FROM stock_move_line line
              JOIN stock_lot lot ON lot.id = line.lot_id
              JOIN stock_location dest ON dest.id = line.location_dest_id
             WHERE lot.name = ANY(%s) AND line.state = 'done'
               AND dest.usage = 'customer'
            """,
            [serials],
        )
        delivered = cr.fetchone()[0]
        # a unit no longer in stock: stock Odoo keeps the paid order and leaves its
        # transfer waiting; the addon moves a conflicting line to a transfer of its own
        waiting = env["stock.picking"].search_count(
            [("pos_order_id", "in", orders.ids), ("state", "!=", "done")]
        )
        conflicts = None
        if "serial.conflict" in env:  # the addon's side
            conflicts = env["serial.conflict"].search_count(
                [("pos_order_id", "in", orders.ids)]
            )
            if delivered + conflicts != lines_sent:
                problems.append(
                    f"{lines_sent} lines sent, {delivered} units delivered and "
                    f"{conflicts} conflicts: some line is neither"
                )
            if sent is not None and conflicts:
                problems.append(
                    f"{conflicts} sale conflicts among online tills that checked "
                    "every serial first (goal: 0, every second claim refused at scan)"
                )
    return {
        "problems": problems,
        "orders": len(orders),
        "delivered": delivered,
        "twice": len(twice),
        "twice_list": twice[:5],
        "conflicts": conflicts,
        "waiting": waiting,
        "lines": lines_sent,
    }


def percentile(values, share):
    """The nearest-rank percentile of sorted `values`."""
    return values[max(0, -(-len(values) * share // 100) - 1)] if values else 0.0


def main():
    """`setup`, or `race <mix>`: its figures to RACE_RESULT (JSON)."""
    if sys.argv[1] == "setup":
        setup()
        return 0
    with open(PLAN) as file:
        plan = json.load(file)
    mix = sys.argv[2]
    print(f"race: {DBNAME} {mix}: started at {time.strftime('%H:%M:%S')}", flush=True)
    latencies, failures, resends, wall, replayed, refused, sent = race(plan, mix)
    latencies.sort()
    figures = check(plan, mix, failures, sent if mix == "leased" else None)
    figures.update(
        refused_at_scan=len(refused),
        refused_reasons={reason: refused.count(reason) for reason in set(refused)},
        synced=len(latencies),
        wall=wall,
        p50=percentile(latencies, 50) * 1000,
        p95=percentile(latencies, 95) * 1000,
        max=(latencies[-1] if latencies else 0) * 1000,
        throughput=len(latencies) / wall,
        replays=replayed,
        resends=len(resends),
        resend_reasons=sorted(set(resends)),
    )
    print(
        f"race: {DBNAME} {mix}: {figures['synced']} paid orders synced in "
        f"{wall:.1f} s; p50 {figures['p50']:.0f} ms, p95 {figures['p95']:.0f} ms, "
        f"max {figures['max']:.0f} ms; {replayed} replays, {len(resends)} re-sends",
        flush=True,
    )
    with open(os.environ["RACE_RESULT"], "w") as file:
        json.dump(figures, file, default=str)
    return 0


if __name__ == "__main__":
    sys.exit(main())
