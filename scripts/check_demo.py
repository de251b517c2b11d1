"""make check-demo: the demo of `make run` works for each ready user of README.md.

Builds the demo database as `make run` does (Odoo's demo data and the addon's), starts
Odoo, and over JSON-RPC, logged in as each ready user with their README password:
- each user has only their role's groups (and what those imply) with Internal User,
  and opens on their dashboard;
- the cashier (Point of Sale: User only), and the POS manager, find the demo's serial
  products in the Furniture Shop till as it loads them, scan a demo serial, and sell
  it with no setting changed: the order is paid and the unit sold, with no conflict;
- the demo serial products have a warranty, and the sold unit gets one.
Then, in a real POS (Chromium), the cashier's tour on that database (the test class
tagged `pos_serial_demo`, tests/test_pos_serial_demo_tour.py): the Furniture Shop till
opened, a demo serial sold from the Serialized Goods category, its receipt, the same
serial refused; then the order paid, the unit sold, its history in the cashier's name.
Odoo runs it in a transaction rolled back at its end: the database stays as it was.
A failed, erroring or skipped test, an error logged, or no test run fails the check.
Exits 1 saying what failed.

Environment: DB_NAME (default pst_demo_check), HTTP_PORT (default 8183); KEEP=1 to
check a database already built instead of building it again.
"""

import http.cookiejar
import json
import os
import subprocess
import sys
import urllib.request
import uuid

from odoo_env import BUILD, MODULE, Odoo
from run_tests import run_logged

# login (= password), role group(s) beside Internal User, home action
READY_USERS = (
    (
        "cashier",
        ["point_of_sale.group_pos_user"],
        "point_of_sale.action_pos_config_kanban",
    ),
    (
        "posmanager",
        ["point_of_sale.group_pos_manager"],
        "point_of_sale.action_pos_config_kanban",
    ),
    (
        "serialuser",
        [f"{MODULE}.group_serial_user"],
        f"{MODULE}.serial_prefix_summary_action",
    ),
    (
        "serialmanager",
        [f"{MODULE}.group_serial_manager"],
        f"{MODULE}.serial_prefix_summary_action",
    ),
    (
        "auditor",
        [f"{MODULE}.group_serial_auditor"],
        f"{MODULE}.serial_prefix_summary_action",
    ),
)
# the serial README.md gives the cashier to try: the Chromium tour sells it, the RPC
# checks leave it in stock (tests/test_pos_serial_demo_tour.py)
TOUR_SERIAL = "NVX-0100"
SERIAL_PRODUCTS = (
    "product_phone_demo",
    "product_watch_demo",
    "product_glucometer_demo",
)


class Rpc:
    """The server of one database, as the web client talks to it."""

    def __init__(self, port, dbname):
        self.base = f"http://127.0.0.1:{port}"
        self.dbname = dbname

    def login(self, login):
        """A browser session of `login`, logged in with the password `login`."""
        user = User(self)
        try:
            info = user.post(
                "/web/session/authenticate",
                {"db": self.dbname, "login": login, "password": login},
            )
        except RuntimeError as error:
            raise RuntimeError(
                f"{login} cannot log in with the password {login}: {error}"
            ) from error
        user.uid = info["uid"]
        return user


class User:
    def __init__(self, rpc):
        self.rpc, self.uid = rpc, False
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
        )

    def post(self, path, params):
        payload = {"jsonrpc": "2.0", "method": "call", "params": params}
        request = urllib.request.Request(
            self.rpc.base + path,
            json.dumps(payload).encode(),
            {"Content-Type": "application/json"},
        )
        with self.opener.open(request, timeout=300) as response:
            answer = json.load(response)
        if answer.get("error"):
            data = answer["error"].get("data", {})
            raise RuntimeError(data.get("message") or answer["error"]["message"])
        return answer["result"]

    def get(self, path):
        with self.opener.open(self.rpc.base + path, timeout=300) as response:
            return response.status, response.geturl()

    def __call__(self, model, method, *args, **kwargs):
        return self.post(
            f"/web/dataset/call_kw/{model}/{method}",
            {"model": model, "method": method, "args": list(args), "kwargs": kwargs},
        )

    def ref(self, xmlid):
        module, name = xmlid.split(".")
        rows = self(
            "ir.model.data",
            "search_read",
            [("module", "=", module), ("name", "=", name)],
            fields=["res_id"],
        )
        return rows[0]["res_id"] if rows else False


class Check:
    def __init__(self):
        self.failures = []

    def that(self, ok, what):
        print(("ok    " if ok else "FAIL  ") + what, flush=True)
        if not ok:
            self.failures.append(what)
        return ok


def check_users(rpc, admin, check):
    for login, role_groups, home in READY_USERS:
        try:
            user = rpc.login(login)
        except RuntimeError as error:
            check.that(False, str(error))
            continue
        expected = {admin.ref("base.group_user")} | {admin.ref(g) for g in role_groups}
        closure = set(expected)
        for group in admin(
            "res.groups", "read", sorted(expected), ["trans_implied_ids"]
        ):
            closure.update(group["trans_implied_ids"])
        [own] = admin("res.users", "read", [user.uid], ["groups_id", "action_id"])
        check.that(
            set(own["groups_id"]) == closure,
            f"{login} has only its role's groups and Internal User",
        )
        stock_user = admin.ref("stock.group_stock_user")
        if "auditor" in login or login == "cashier":
            check.that(
                stock_user not in own["groups_id"], f"{login} has no Inventory rights"
            )
        check.that(
            own["action_id"] and own["action_id"][0] == admin.ref(home),
            f"{login} opens on {home}",
        )


def check_sells(rpc, admin, check, login, offset=0):
    """`login` opens the Furniture Shop till, finds the serial products there and
    sells the in-stock phone `offset` from the last, with no setting changed."""
    cashier = rpc.login(login)
    config_id = admin.ref("point_of_sale.pos_config_main")
    # the cashier opens the till from the Point of Sale dashboard (its page joins
    # the open session, or opens one), then the till loads its data
    status, url = cashier.get(f"/pos/ui?config_id={config_id}")
    check.that(
        status == 200 and "/pos/ui" in url, f"{login} opens the Furniture Shop till"
    )
    [config] = cashier("pos.config", "read", [config_id], ["current_session_id"])
    session_id = config["current_session_id"][0]
    data = cashier("pos.session", "load_data", [session_id], [])
    loaded = {product["id"] for product in data["product.product"]["data"]}
    products = {xmlid: admin.ref(f"{MODULE}.{xmlid}") for xmlid in SERIAL_PRODUCTS}
    check.that(
        set(products.values()) <= loaded,
        f"the Furniture Shop till loads the demo serial products for {login}",
    )
    categories = {category["name"] for category in data["pos.category"]["data"]}
    check.that(
        "Serialized Goods" in categories, "the till shows the Serialized Goods category"
    )
    templates = admin(
        "product.product",
        "read",
        list(products.values()),
        ["warranty_months"],
    )
    check.that(
        all(t["warranty_months"] > 0 for t in templates),
        "the demo serial products have a warranty",
    )
    phone = products["product_phone_demo"]
    stock_location = admin.ref("stock.stock_location_stock")
    [lot] = admin(
        "stock.lot",
        "search_read",
        [
            ("product_id", "=", phone),
            ("serial_state", "=", "in_stock"),
            ("location_id", "=", stock_location),
            ("name", "!=", TOUR_SERIAL),
        ],
        fields=["name"],
        offset=offset,
        limit=1,
        order="name desc",
    )
    found = cashier("pos.config", "find_pos_serial", [config_id], lot["name"])
    check.that(
        bool(found) and found["product_id"] == phone and found["ok"],
        f"{login}'s scan of {lot['name']} finds the phone, sellable",
    )
    order_uuid = str(uuid.uuid4())
    [verdict] = cashier(
        "pos.config",
        "check_pos_serials",
        [config_id],
        phone,
        [lot["name"]],
        order_uuid=order_uuid,
    )
    check.that(verdict["ok"], f"the till accepts {lot['name']} for {login}")
    try:
        sync = cashier(
            "pos.order",
            "sync_from_ui",
            [
                _paid_order(
                    admin, cashier, config_id, session_id, phone, lot, order_uuid
                )
            ],
        )
    except RuntimeError as error:
        check.that(False, f"{login}'s paid order syncs: {error}")
        return
    [order] = sync["pos.order"]
    [state] = admin("pos.order", "read", [order["id"]], ["state"])
    check.that(state["state"] == "paid", f"{login}'s order is paid")
    [sold] = admin(
        "stock.lot", "read", [lot["id"]], ["serial_state", "warranty_end_date"]
    )
    check.that(sold["serial_state"] == "sold", f"{lot['name']} is sold")
    check.that(bool(sold["warranty_end_date"]), f"{lot['name']} has a warranty end")
    conflicts = admin(
        "serial.conflict", "search_count", [("pos_order_id", "=", order["id"])]
    )
    check.that(not conflicts, "no sale conflict")


def _paid_order(admin, cashier, config_id, session_id, product_id, lot, order_uuid):
    [config] = admin("pos.config", "read", [config_id], ["pricelist_id"])
    [product] = admin("product.product", "read", [product_id], ["lst_price"])
    price = product["lst_price"]
    cash = admin(
        "pos.payment.method",
        "search",
        [("config_ids", "in", [config_id]), ("is_cash_count", "=", True)],
        limit=1,
    )
    return {
        "name": f"Order {order_uuid}",
        "uuid": order_uuid,
        "session_id": session_id,
        "sequence_number": 1,
        "user_id": cashier.uid,
        "partner_id": False,
        "pricelist_id": config["pricelist_id"] and config["pricelist_id"][0],
        "fiscal_position_id": False,
        "amount_paid": price,
        "amount_return": 0,
        "amount_tax": 0,
        "amount_total": price,
        "to_invoice": False,
        "last_order_preparation_change": "{}",
        "lines": [
            [
                0,
                0,
                {
                    "product_id": product_id,
                    "qty": 1,
                    "price_unit": price,
                    "price_subtotal": price,
                    "price_subtotal_incl": price,
                    "discount": 0,
                    "tax_ids": [],
                    "pack_lot_ids": [[0, 0, {"lot_name": lot["name"]}]],
                },
            ]
        ],
        "payment_ids": [
            [0, 0, {"amount": price, "payment_method_id": cash[0]}],
        ],
    }


def check_tour(odoo, dbname, port, check):
    """The cashier's Chromium tour on the demo database, read as `make test` reads
    its log: a skipped tour proves nothing."""
    tags = "pos_serial_demo"
    log_path = BUILD / "check_demo_tour.log"
    print(
        f"check-demo: the cashier's tour in Chromium (--test-tags={tags})", flush=True
    )
    cmd = odoo.test_command(dbname, tags, port, f"--db-filter=^{dbname}$")
    reader, returncode = run_logged(cmd, log_path)
    passed, failed = reader.report(returncode, log_path, tags)
    check.that(
        passed and not failed,
        f"the cashier sells a demo serial in the POS, in Chromium ({passed} passed,"
        f" {failed} failed)",
    )


def main():
    odoo = Odoo()
    dbname = os.environ.get("DB_NAME", "pst_demo_check")
    port = os.environ.get("HTTP_PORT", "8183")
    if os.environ.get("KEEP") != "1" or not odoo.db_exists(dbname):
        print(f"check-demo: building {dbname} as make run does", flush=True)
        odoo.fresh_db(dbname, demo=True)
        subprocess.run(
            odoo.command(
                "-d",
                dbname,
                "-i",
                MODULE,
                "--stop-after-init",
                "--log-level=warn",
                "--http-port=0",
            ),
            check=True,
        )
    server = subprocess.Popen(
        odoo.command(
            "-d",
            dbname,
            f"--http-port={port}",
            f"--db-filter=^{dbname}$",
            "--log-level=warn",
            "--max-cron-threads=0",
        )
    )
    check = Check()
    try:
        odoo.wait_until_up(port, server, "check-demo")
        rpc = Rpc(port, dbname)
        admin = rpc.login("admin")
        check_users(rpc, admin, check)
        check_sells(rpc, admin, check, "cashier")
        check_sells(rpc, admin, check, "posmanager", offset=1)
    finally:
        server.terminate()
        server.wait()
    check_tour(odoo, dbname, port, check)
    if check.failures:
        print(f"check-demo: {len(check.failures)} failed", flush=True)
        return 1
    print("check-demo: the demo sells out of the box for every ready user", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
