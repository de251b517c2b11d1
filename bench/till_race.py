"""The 20-till race, run inside Odoo's virtualenv by bench/run_race.py.

`setup` builds a shop with TILLS tills, each in its own open session, sharing one stock
location that holds SERIALS units, and writes the paid orders every till will send:
each order sells units drawn at random from the same small pool, so most units are
wanted by several tills at once. `race` sends them to a multi-worker Odoo over
JSON-RPC, every till in its own thread, one `pos.order.sync_from_ui` call per order as
a till does. A sync refused for a transient reason (Odoo gives up on a serialization
failure after five replays: the stock valuation layer and quants every sale of the
product updates are hot rows of stock Odoo) is sent again later, as the browser does
with every pending order; the number of such re-sends is printed. Then the script
checks the database: every order is there and paid (nothing lost), every unit was sold
once (never twice), and each refused line is a sale conflict. Timings are printed."""

import json
import os
import random
import statistics
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
RESENDS = 10  # a till keeps a refused paid order and sends it again with the next sync
SERIALS = int(os.environ.get("RACE_SERIALS", "60"))
PLAN = os.environ["RACE_PLAN"]  # JSON file: what setup prepared, what race sends


def registry():
    config.parse_config(
        [
            f"--addons-path={os.environ['ADDONS_PATH']}",
            f"--data-dir={os.environ['ODOO_DATA_DIR']}",
            "--log-level=warn",
        ]
    )
    return odoo.modules.registry.Registry(DBNAME)


def setup():
    with registry().cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        env, first, cash, product = pos_sync.setup_shop(env, "race")
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
        serials = [f"RACE-{i:04d}" for i in range(SERIALS)]
        pos_sync.receive(env, first, product, serials)
        draw = random.Random(20)
        plan = {
            "company_id": first.company_id.id,
            "serials": serials,
            "tills": [
                [
                    pos_sync.order_data(
                        till, till_cash, product, draw.sample(serials, LINES_PER_ORDER)
                    )
                    for _order in range(ORDERS_PER_TILL)
                ]
                for till, till_cash in tills
            ],
        }
        with open(PLAN, "w") as file:
            json.dump(plan, file, default=str)
    print(
        f"race: {TILLS} tills, {TILLS * ORDERS_PER_TILL} paid orders of "
        f"{LINES_PER_ORDER} lines over {SERIALS} units",
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


def race():
    with open(PLAN) as file:
        plan = json.load(file)
    url = f"http://127.0.0.1:{os.environ['RACE_HTTP_PORT']}/jsonrpc"
    context = {"allowed_company_ids": [plan["company_id"]]}
    uid = 2  # the administrator, a POS manager: the tills' cashier here
    latencies, failures, resends = [], [], []
    start_line = threading.Barrier(len(plan["tills"]))

    def sync(order):
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

    threads = [threading.Thread(target=till, args=(o,)) for o in plan["tills"]]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - started
    return plan, latencies, failures, resends, wall


def check(plan, failures):
    """What the race left in the database; the list of broken promises."""
    problems = [f"sync refused: {failure}" for failure in failures]
    uuids = [order["uuid"] for orders in plan["tills"] for order in orders]
    lines_sent = sum(
        len(order["lines"]) for orders in plan["tills"] for order in orders
    )
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
            [plan["serials"]],
        )
        if twice := cr.fetchall():
            problems.append(f"units delivered twice: {twice}")
        lots = env["stock.lot"].search([("name", "in", plan["serials"])])
        sold = lots.filtered(lambda lot: lot.serial_state == "sold")
        conflicts = env["serial.conflict"].search_count(
            [("pos_order_id", "in", orders.ids)]
        )
        if len(sold) + conflicts != lines_sent:
            problems.append(
                f"{lines_sent} lines sent, {len(sold)} units sold and {conflicts} "
                "conflicts: some line is neither"
            )
    return problems, len(orders), len(sold), conflicts


def main():
    if sys.argv[1] == "setup":
        setup()
        return 0
    plan, latencies, failures, resends, wall = race()
    problems, orders, sold, conflicts = check(plan, failures)
    latencies.sort()
    print(
        f"race: {len(plan['tills'])} tills synced {len(latencies)} paid orders in "
        f"{wall:.1f} s on a multi-worker Odoo; per sync: median "
        f"{statistics.median(latencies) * 1000:.0f} ms, 95th percentile "
        f"{latencies[int(len(latencies) * 0.95) - 1] * 1000:.0f} ms, slowest "
        f"{latencies[-1] * 1000:.0f} ms; {len(resends)} syncs refused and sent "
        f"again ({', '.join(sorted(set(resends))) or 'none'})",
        flush=True,
    )
    print(
        f"race: {orders} orders paid, {sold} units sold once, {conflicts} lines "
        "recorded as sale conflicts",
        flush=True,
    )
    for problem in problems:
        print(f"race: FAILED {problem}", flush=True)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
