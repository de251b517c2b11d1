"""The tills and the managers of `make scale`, run inside Odoo's virtualenv by
bench/run_scale.py against a database of its scratch primary (SCALE_DB on
127.0.0.1:SCALE_PG_PORT).

`setup <phase>...` builds a shop of SCALE_TILLS tills, each in its own open session,
SCALE_PRODUCTS serial products, and per phase the units every till will sell, then
writes the plan (SCALE_PLAN, JSON): till t's order o sells its own unit; its last order
also holds the next till's first unit (a till that sold it offline: one of the two
gets it, the other line is a sale conflict with the addon); its second order is
refunded once synced.
`load <phase>` runs one phase over JSON-RPC as the web client does
(/web/session/authenticate, then /web/dataset/call_kw: the route that sends the calls
of @api.readonly methods to the replica), every till in a thread of its own
alternating between the Odoo servers of SCALE_URLS (their sessions are shared): check
the unit (pos.config.check_pos_serials, with the addon), sync the paid order
(pos.order.sync_from_ui), refund; SCALE_MANAGERS managers load the dashboard and the
units' histories until the tills are done. Then checks: every paid order there and
paid, no unit delivered twice, and no unit sold at the end shown sellable by a till's
check (on the primary). Timings and problems go to SCALE_RESULT (JSON)."""

import functools
import http.client
import http.cookiejar
import json
import os
import random
import sys
import threading
import time
import traceback
import urllib.request

sys.path.insert(0, os.environ["ODOO_PATH"])
sys.path.insert(0, os.path.dirname(__file__))

import pos_sync

import odoo
from odoo import SUPERUSER_ID, api
from odoo.tools import config

DBNAME = os.environ["SCALE_DB"]
TILLS = int(os.environ.get("SCALE_TILLS", "100"))
ORDERS = max(3, int(os.environ.get("SCALE_ORDERS", "4")))
PRODUCTS = int(os.environ.get("SCALE_PRODUCTS", "10"))
MANAGERS = int(os.environ.get("SCALE_MANAGERS", "4"))
PLAN = os.environ["SCALE_PLAN"]
RESENDS = 10  # a till keeps a refused paid order and sends it again with the next sync
PAID = ("paid", "done", "invoiced")


@functools.cache
def registry():
    config.parse_config(
        [
            f"--addons-path={os.environ['ADDONS_PATH']}",
            f"--data-dir={os.environ['ODOO_DATA_DIR']}",
            "--db_host=127.0.0.1",
            f"--db_port={os.environ['SCALE_PG_PORT']}",
            "--log-level=warn",
        ]
    )
    return odoo.modules.registry.Registry(DBNAME)


# --- setup ----------------------------------------------------------------------------
def open_tills(env, first, cash):
    tills = [(first, cash)]
    for index in range(1, TILLS):
        journal = env["account.journal"].create(
            {"name": f"Cash {index}", "type": "cash", "code": f"SC{index:03d}"}
        )
        till_cash = env["pos.payment.method"].create(
            {"name": f"Cash {index}", "journal_id": journal.id}
        )
        till = env["pos.config"].create(
            {
                "name": f"Scale till {index:03d}",
                "payment_method_ids": [(6, 0, till_cash.ids)],
            }
        )
        till.open_ui()
        tills.append((till, till_cash))
    return tills


def setup(phases):
    with registry().cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        # the URL the servers are reached at is fixed (behind a proxy, a real shop's
        # too): an administrator's login does not write it
        env["ir.config_parameter"].set_param("web.base.url.freeze", True)
        env, first, cash, product = pos_sync.setup_shop(env, "scale")
        tills = open_tills(env, first, cash)
        products = [product] + list(
            env["product.product"].create(
                [
                    {
                        "name": f"Scale phone {index}",
                        "is_storable": True,
                        "tracking": "serial",
                        "available_in_pos": True,
                        "list_price": 100,
                        "taxes_id": [(5, 0, 0)],
                        "company_id": product.company_id.id,
                    }
                    for index in range(1, PRODUCTS)
                ]
            )
        )
        plan = {"company_id": first.company_id.id, "phases": {}}
        for phase in phases:
            units = {
                (t, o): (products[(t * ORDERS + o) % PRODUCTS], f"{phase}-{t:03d}-{o}")
                for t in range(TILLS)
                for o in range(ORDERS)
            }
            for item in products:
                names = [name for p, name in units.values() if p == item]
                pos_sync.receive(env, first, item, names)
            orders = []
            for t, (till, till_cash) in enumerate(tills):
                till_orders = []
                for o in range(ORDERS):
                    sold = [units[t, o]]
                    if o == ORDERS - 1:  # the next till's first unit, sold offline
                        sold.append(units[(t + 1) % TILLS, 0])
                    data = pos_sync.order_data(
                        till, till_cash, sold[0][0], [name for _p, name in sold]
                    )
                    for line, (item, _name) in zip(data["lines"], sold, strict=True):
                        line[2]["product_id"] = item.id
                    till_orders.append(
                        {
                            "till": till.id,
                            "check": [units[t, o][0].id, units[t, o][1]],
                            "refund": o == 1,
                            "data": data,
                        }
                    )
                orders.append(till_orders)
            plan["phases"][phase] = {
                "tills": orders,
                "units": [name for _p, name in units.values()],
            }
        with open(PLAN, "w") as file:
            json.dump(plan, file, default=str)
    print(
        f"scale: {DBNAME}: {TILLS} tills, {PRODUCTS} products, "
        f"{TILLS * ORDERS} paid orders and {TILLS * ORDERS} units per phase",
        flush=True,
    )


# --- the load ------------------------------------------------------------------------
class Client:
    """A browser: its own session cookie, calls spread over the servers."""

    def __init__(self, urls, turn):
        self.urls, self.turn = urls, turn
        self.retries = 0  # connections tried again
        jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(jar)
        )

    def post(self, path, params):
        """One JSON-RPC call; a connection the server's queue refused or reset
        (a hundred tills at once) is tried again, as a browser does: a paid order
        is sent with its uuid, Odoo takes it once."""
        body = json.dumps({"jsonrpc": "2.0", "method": "call", "params": params})
        for attempt in range(RESENDS + 1):
            url = self.urls[self.turn % len(self.urls)] + path
            self.turn += 1
            request = urllib.request.Request(
                url, body.encode(), {"Content-Type": "application/json"}
            )
            try:
                with self.opener.open(request, timeout=300) as response:
                    answer = json.load(response)
                break
            except (OSError, http.client.HTTPException):
                if attempt == RESENDS:
                    raise
                self.retries += 1
                time.sleep(0.5 + attempt)
        if "error" in answer:
            raise RuntimeError(answer["error"]["data"]["message"])
        return answer["result"]

    def login(self):
        for attempt in range(RESENDS + 1):
            try:
                self.post(
                    "/web/session/authenticate",
                    {"db": DBNAME, "login": "admin", "password": "admin"},
                )
                return
            except Exception:  # a refused login is tried again
                if attempt == RESENDS:
                    raise
                time.sleep(1 + attempt)

    def call(self, model, method, args, context):
        return self.post(
            f"/web/dataset/call_kw/{model}/{method}",
            {
                "model": model,
                "method": method,
                "args": args,
                "kwargs": {"context": context},
            },
        )


def timed(latencies, what, call):
    started = time.perf_counter()
    result = call()
    latencies.setdefault(what, []).append(time.perf_counter() - started)
    return result


def refund_of(sale, synced):
    """The UI data refunding the first line of the paid order `sale`."""
    line = next(
        line
        for line in synced["pos.order.line"]
        if line["order_id"] == synced["pos.order"][0]["id"]
    )
    data = json.loads(json.dumps(sale))
    data.update(uuid=sale["uuid"][:-4] + "rfnd", name=sale["name"] + " refund")
    data["lines"] = [data["lines"][0]]
    data["lines"][0][2].update(
        qty=-1,
        refunded_orderline_id=line["id"],
        price_subtotal=-100,
        price_subtotal_incl=-100,
    )
    data.update(amount_total=-100, amount_paid=-100)
    data["payment_ids"][0][2]["amount"] = -100
    return data


class Load:
    """One phase's tills and managers, each in a thread of its own."""

    def __init__(self, plan, phase, addon):
        self.urls = os.environ["SCALE_URLS"].split(",")
        self.context = {"allowed_company_ids": [plan["company_id"]]}
        self.tills = plan["phases"][phase]["tills"]
        self.units = plan["phases"][phase]["units"]
        self.addon = addon
        self.latencies, self.failures, self.resends = {}, [], []
        self.synced, self.refunds = [], []
        self.done = threading.Event()
        self.start_line = threading.Barrier(len(self.tills) + MANAGERS, timeout=300)

    def call(self, client, what, model, method, args):
        return timed(
            self.latencies,
            what,
            lambda: client.call(model, method, args, self.context),
        )

    def sync(self, client, order, what="sync"):
        for attempt in range(RESENDS + 1):
            try:
                result = self.call(client, what, "pos.order", "sync_from_ui", [[order]])
                self.synced.append(order["uuid"])
                return result
            except Exception as error:  # noqa: BLE001 a refused paid order is the finding
                if attempt == RESENDS:
                    self.failures.append(f"{order['name']}: {error}")
                    return None
                self.resends.append(str(error).splitlines()[0])
                time.sleep(1 + attempt)

    def enter(self, index):
        """A logged-in browser, once every till and manager is (or the run stops)."""
        client = Client(self.urls, index)
        try:
            client.login()
        except Exception:
            self.start_line.abort()
            raise
        self.start_line.wait()
        return client

    def till(self, index, orders):
        client = self.enter(index)
        for order in orders:
            if self.addon:
                product, serial = order["check"]
                self.call(
                    client,
                    "check",
                    "pos.config",
                    "check_pos_serials",
                    [[order["till"]], product, [serial]],
                )
            result = self.sync(client, order["data"])
            if order["refund"] and result:
                refund = refund_of(order["data"], result)
                self.refunds.append(order["check"][1])
                self.sync(client, refund, "refund")

    def manager(self, index):
        client = self.enter(index)
        draw = random.Random(index)
        while not self.done.is_set():
            if self.addon:
                self.call(
                    client,
                    "dashboard",
                    "serial.prefix.summary",
                    "retrieve_dashboard",
                    [],
                )
            domain = [("name", "=", draw.choice(self.units))]
            self.call(
                client,
                "history",
                "stock.lot",
                "search_read",
                [domain, ["name", "product_id", "create_date"]],
            )

    def guarded(self, body, *args):
        """A till or a manager: what stops it is a finding, never silent."""
        try:
            body(*args)
        except Exception as error:  # noqa: BLE001
            self.failures.append(f"{body.__name__} {args[0]} stopped: {error!r}")
            print(traceback.format_exc(), file=sys.stderr, flush=True)
            self.start_line.abort()

    def run(self):
        """Every till's orders, the managers meanwhile; the wall time."""
        threads = [
            threading.Thread(target=self.guarded, args=(self.till, i, o))
            for i, o in enumerate(self.tills)
        ]
        managers = [
            threading.Thread(target=self.guarded, args=(self.manager, i))
            for i in range(MANAGERS)
        ]
        started = time.perf_counter()
        for thread in threads + managers:
            thread.start()
        for thread in threads:
            thread.join()
        wall = time.perf_counter() - started
        self.done.set()
        for thread in managers:
            thread.join()
        return wall


# --- the checks ----------------------------------------------------------------------
def check(plan, phase, synced, refunds, addon):
    """The broken promises left in the database: paid orders lost or unpaid, units
    delivered twice, a unit sold and yet sellable at a till (its check, on the
    primary)."""
    problems = []
    tills = plan["phases"][phase]["tills"]
    units = plan["phases"][phase]["units"]
    uuids = [order["data"]["uuid"] for orders in tills for order in orders]
    with registry().cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        orders = env["pos.order"].search([("uuid", "in", uuids + synced)])
        missing = set(uuids + synced) - set(orders.mapped("uuid"))
        if missing:
            problems.append(f"{len(missing)} paid orders lost")
        unpaid = orders.filtered(lambda o: o.state not in PAID)
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
            [units],
        )
        if twice := cr.fetchall():
            problems.append(f"{len(twice)} units delivered twice: {twice[:5]}")
        conflicts = sold = 0
        if addon:
            conflicts = env["serial.conflict"].search_count(
                [("pos_order_id", "in", orders.ids)]
            )
            lots = env["stock.lot"].search(
                [("name", "in", units), ("serial_state", "=", "sold")]
            )
            sold = len(lots)
            by_product = {}
            for lot in lots:
                by_product.setdefault(lot.product_id.id, []).append(lot.name)
    shown = []
    if addon:  # what a till's check (on the primary) says of every unit sold
        client = Client(os.environ["SCALE_URLS"].split(","), 0)
        client.login()
        context = {"allowed_company_ids": [plan["company_id"]]}
        till = tills[0][0]["till"]
        for product, names in by_product.items():
            verdicts = client.call(
                "pos.config", "check_pos_serials", [[till], product, names], context
            )
            shown += [v["serial"] for v in verdicts if v["ok"]]
        if shown:
            problems.append(f"{len(shown)} sold units shown sellable: {shown[:5]}")
    return problems, {
        "orders": len(orders),
        "conflicts": conflicts,
        "sold": sold,
        "refunded": len(refunds),
    }


def percentiles(values):
    values = sorted(values)

    def rank(share):
        return values[max(0, -(-len(values) * share // 100) - 1)] * 1000

    if not values:
        return {"n": 0, "p50": 0, "p95": 0, "p99": 0}
    return {"n": len(values), "p50": rank(50), "p95": rank(95), "p99": rank(99)}


def main():
    if sys.argv[1] == "setup":
        setup(sys.argv[2:])
        return 0
    phase = sys.argv[2]
    addon = os.environ.get("SCALE_ADDON") == "1"
    with open(PLAN) as file:
        plan = json.load(file)
    run = Load(plan, phase, addon)
    wall = run.run()
    latencies, failures, resends = run.latencies, run.failures, run.resends
    synced, refunds = run.synced, run.refunds
    print(f"scale: {DBNAME} {phase}: load done in {wall:.1f} s, checking", flush=True)
    problems, counts = check(plan, phase, synced, refunds, addon)
    problems = [f"sync refused: {f}" for f in failures] + problems
    figures = {
        "wall": wall,
        "resends": len(resends),
        "problems": problems,
        **counts,
        **{what: percentiles(values) for what, values in latencies.items()},
    }
    print(
        f"scale: {DBNAME} {phase}: {len(synced)} syncs in {wall:.1f} s, "
        f"{len(resends)} re-sends, {len(problems)} problems",
        flush=True,
    )
    with open(os.environ["SCALE_RESULT"], "w") as file:
        json.dump(figures, file, default=str)
    return 0


if __name__ == "__main__":
    sys.exit(main())
