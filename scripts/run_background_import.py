"""A large serial import on a real multi-worker Odoo with a low request time limit.

Run by scripts/run_tests.py after the test suite (an Odoo test runs in one process,
and a request killed by a worker's watchdog cannot be seen from inside it). Its own
database, a copy of the test database (the addon freshly installed, no test data) or
else of the template with the addon installed; a server with 2 HTTP workers and one
cron worker, `--limit-time-real` LIMIT_REAL seconds for requests and
`--limit-time-real-cron` LIMIT_CRON for the cron worker. Over JSON-RPC, as a Serial
User:
1. the file imported in the request (the background threshold switched off) is
   killed by the time limit and registers nothing;
2. the same size of file through the wizard is queued: the request returns at once,
   the cron worker reads, registers and receives it, the batch's progress moves,
   every serial is registered once, with its history line;
3. a queued import hit by the infrastructure while registering: its database
   connection terminated (pg_terminate_backend, as a database restart does to it),
   then, once resumed, its cron worker killed (SIGKILL): it resumes each time and
   ends done, every serial once, the two interruptions counted and logged on the
   batch (after a stall of up to a minute each, until the cron worker wakes).
Both receive the units in stock; the file of the request is larger (INLINE_ROWS), so
that the request exceeds the limit also on an idle machine.
Prints the figures; exit code 1 on any broken promise. `N passed, N failed` at the
end, like the test run."""

import base64
import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import psutil

sys.path.insert(0, str(Path(__file__).resolve().parent))
from odoo_env import BUILD, Odoo

ROWS = int(os.environ.get("BG_IMPORT_ROWS", "40000"))
# the file imported in the request: large enough that the request outlasts the
# limit on an idle machine too (a received import runs at about 4,000 rows a second)
INLINE_ROWS = int(os.environ.get("BG_INLINE_ROWS", "150000"))
LIMIT_REAL = int(os.environ.get("BG_LIMIT_REAL", "5"))
LIMIT_CRON = int(os.environ.get("BG_LIMIT_CRON", "120"))
JOB_TIMEOUT = 150
FAILOVER_ROWS = int(os.environ.get("BG_FAILOVER_ROWS", "30000"))
FAILOVER_TIMEOUT = 420
THRESHOLD = "pos_serial_tracking.import_background_rows"


class Rpc:
    def __init__(self, port, dbname):
        self.url = f"http://127.0.0.1:{port}/jsonrpc"
        self.dbname = dbname

    def call(self, uid, password, model, method, *args, **kwargs):
        payload = {
            "jsonrpc": "2.0",
            "method": "call",
            "params": {
                "service": "object",
                "method": "execute_kw",
                "args": [self.dbname, uid, password, model, method, list(args), kwargs],
            },
        }
        request = urllib.request.Request(
            self.url, json.dumps(payload).encode(), {"Content-Type": "application/json"}
        )
        with urllib.request.urlopen(request, timeout=300) as response:
            answer = json.load(response)
        if "error" in answer:
            raise RuntimeError(answer["error"]["data"]["message"])
        return answer["result"]


def serials_csv(prefix, product, rows=ROWS):
    lines = ["Serial,Product"] + [f"{prefix}-{i:06d},{product}" for i in range(rows)]
    return base64.b64encode(("\n".join(lines) + "\n").encode()).decode()


def prepare(odoo, dbname, source):
    if source and odoo.db_exists(source):
        odoo.drop_db(dbname)
        odoo.psql(f'CREATE DATABASE "{dbname}" TEMPLATE "{source}"')
        return
    odoo.install_addon(dbname)


def setup(rpc):
    """The products, the stock location and the Serial User of the scenarios, each
    looked up before it is created: run again when a request of it outlasted the
    limit on a loaded machine (the first requests load the registry in each
    worker). Returns (stock location id, the user's id)."""
    admin = (2, "admin")
    for code in ("BGI01", "BGI02"):  # apart: a killed request's locks may linger
        if not rpc.call(
            *admin, "product.product", "search", [("default_code", "=", code)]
        ):
            rpc.call(
                *admin,
                "product.product",
                "create",
                {
                    "name": f"Background Import Unit {code}",
                    "default_code": code,
                    "is_storable": True,
                    "tracking": "serial",
                },
            )
    [stock] = rpc.call(
        *admin, "stock.location", "search", [("complete_name", "=", "WH/Stock")]
    )
    group = rpc.call(
        *admin,
        "ir.model.data",
        "check_object_reference",
        "pos_serial_tracking",
        "group_serial_user",
    )[1]
    users = rpc.call(*admin, "res.users", "search", [("login", "=", "bg_importer")])
    uid = (users or [None])[0] or rpc.call(
        *admin,
        "res.users",
        "create",
        {
            "name": "Background Importer",
            "login": "bg_importer",
            "password": "bg_importer",
            "groups_id": [(6, 0, [group])],
        },
    )
    return stock, uid


def scenario(rpc, odoo, dbname, server_pid):
    """The three imports; the list of broken promises."""
    admin = (2, "admin")
    for attempt in range(3):
        try:
            stock, uid = setup(rpc)
            break
        except Exception as error:
            if attempt == 2:
                raise
            print(f"background import: setup again after {error!r}", flush=True)
            time.sleep(2)
    user = (uid, "bg_importer")
    problems = []

    def lots(prefix):
        return rpc.call(
            *admin, "stock.lot", "search_count", [("name", "=like", f"{prefix}-%")]
        )

    # 1. in the request: killed by the worker's time limit, nothing registered
    rpc.call(*admin, "ir.config_parameter", "set_param", THRESHOLD, "0")
    wizard = rpc.call(
        *user,
        "stock.lot.import",
        "create",
        {
            "file": serials_csv("SYNC", "BGI02", INLINE_ROWS),
            "filename": "serials.csv",
            "location_id": stock,
        },
    )
    started = time.perf_counter()
    try:
        rpc.call(*user, "stock.lot.import", "action_import", [wizard])
        problems.append("the import in the request was not stopped by the time limit")
    except (OSError, urllib.error.URLError, RuntimeError) as error:
        print(
            f"background import: in the request, {INLINE_ROWS:,} rows stopped after "
            f"{time.perf_counter() - started:.1f} s ({type(error).__name__}: "
            f"{str(error)[:80]})",
            flush=True,
        )
    if lots("SYNC"):
        problems.append("the killed import in the request registered serials")

    # 2. through the wizard: queued, imported by the cron worker
    rpc.call(*admin, "ir.config_parameter", "set_param", THRESHOLD, "20000")
    wizard = rpc.call(
        *user,
        "stock.lot.import",
        "create",
        {
            "file": serials_csv("BG", "BGI01"),
            "filename": "serials.csv",
            "location_id": stock,
        },
    )
    started = time.perf_counter()
    action = rpc.call(*user, "stock.lot.import", "action_import", [wizard])
    request_seconds = time.perf_counter() - started
    batch_id = action["res_id"]
    if request_seconds >= LIMIT_REAL:
        problems.append(f"the queueing request took {request_seconds:.1f} s")
    seen, state = [], "queued"
    while time.perf_counter() - started < JOB_TIMEOUT:
        [batch] = rpc.call(
            *user,
            "stock.lot.import.batch",
            "read",
            [batch_id],
            ["state", "progress", "created_count", "received_count", "failure_reason"],
        )
        state = batch["state"]
        if not seen or seen[-1] != (state, round(batch["progress"])):
            seen.append((state, round(batch["progress"])))
        if state in ("done", "failed"):
            break
        time.sleep(0.5)
    job_seconds = time.perf_counter() - started
    print(
        f"background import: {ROWS:,} rows queued in {request_seconds:.2f} s "
        f"(request limit {LIMIT_REAL} s), {state} after {job_seconds:.1f} s; "
        f"state and progress seen: {seen}",
        flush=True,
    )
    if state != "done":
        problems.append(f"batch {state}: {batch['failure_reason']}")
    registered = lots("BG")
    history = rpc.call(
        *admin,
        "serial.audit.line",
        "search_count",
        [("lot_id.name", "=like", "BG-%"), ("event", "=", "imported")],
    )
    # the file's serials are distinct: a serial registered twice counts twice
    counts = (registered, history, batch["created_count"], batch["received_count"])
    if counts != (ROWS,) * 4:
        problems.append(
            f"{registered} serials, {history} history lines, batch counts "
            f"{batch['created_count']} registered, {batch['received_count']} "
            f"received: {ROWS} of each expected"
        )
    problems += failover(rpc, odoo, dbname, server_pid, admin, user, stock)
    return problems


def job_backend(odoo, dbname, server_pid, seconds=60):
    """(backend pid, Odoo worker process id) of the transaction writing in `dbname`
    (the import's registration: the HTTP workers are idle, and the cron's own
    cursor only locks its ir_cron row), waited for. The worker is the server's
    child process on the other end of the backend's connection (a connection's
    application_name may be the server's, which opened it before the fork)."""
    deadline = time.perf_counter() + seconds
    while time.perf_counter() < deadline:
        row = odoo.psql(
            "SELECT pid, client_port FROM pg_stat_activity "
            f"WHERE datname = '{dbname}' AND backend_xid IS NOT NULL "
            "AND query NOT ILIKE '%ir_cron%' AND pid <> pg_backend_pid() LIMIT 1"
        )
        if row:
            backend, port = (int(value) for value in row.split("|"))
            for child in psutil.Process(server_pid).children():
                connections = child.connections(kind="tcp")
                if any(connection.laddr.port == port for connection in connections):
                    return backend, child.pid
        time.sleep(0.1)
    return None, None


def failover(rpc, odoo, dbname, server_pid, admin, user, stock):
    """3. The queued import's job interrupted twice while registering; the list of
    broken promises."""
    problems = []
    wizard = rpc.call(
        *user,
        "stock.lot.import",
        "create",
        {
            "file": serials_csv("FO", "BGI01", FAILOVER_ROWS),
            "filename": "failover.csv",
            "location_id": stock,
        },
    )
    started = time.perf_counter()
    batch_id = rpc.call(*user, "stock.lot.import", "action_import", [wizard])["res_id"]

    def read():
        # as the administrator: the slice's mark is the job's (base.group_system)
        fields = ["state", "file_read", "interruption_count", "failure_reason"]
        fields.append("slice_started_at")
        return rpc.call(*admin, "stock.lot.import.batch", "read", [batch_id], fields)[0]

    def wait(until, what):
        while time.perf_counter() - started < FAILOVER_TIMEOUT:
            batch = read()
            if until(batch) or batch["state"] in ("done", "failed"):
                return batch
            time.sleep(0.2)
        problems.append(f"failover: timed out waiting for {what}")
        return read()

    interruptions = []

    def registering(batch):
        """The registration's slice began (its mark committed, the file read),
        after the interruptions so far were counted."""
        return (
            batch["file_read"]
            and batch["slice_started_at"]
            and batch["interruption_count"] == len(interruptions)
        )

    for kill in ("terminate", "kill"):
        wait(registering, "the registration")
        backend, worker = job_backend(odoo, dbname, server_pid)
        if not backend:
            problems.append(f"failover: no job registering to {kill}")
            break
        if kill == "terminate":
            odoo.psql(f"SELECT pg_terminate_backend({backend})")
        else:
            os.kill(worker, signal.SIGKILL)
        interruptions.append((kill, round(time.perf_counter() - started, 1)))
    batch = wait(lambda batch: False, "the end of the import")
    seconds = time.perf_counter() - started
    registered = rpc.call(
        *admin, "stock.lot", "search_count", [("name", "=like", "FO-%")]
    )
    history = rpc.call(
        *admin,
        "serial.audit.line",
        "search_count",
        [("lot_id.name", "=like", "FO-%"), ("event", "=", "imported")],
    )
    notes = rpc.call(
        *admin,
        "mail.message",
        "search_count",
        [
            ("model", "=", "stock.lot.import.batch"),
            ("res_id", "=", batch_id),
            ("body", "like", "Interruption"),
        ],
    )
    print(
        f"background import: {FAILOVER_ROWS:,} rows interrupted {interruptions} "
        f"(what, s), {batch['state']} after {seconds:.1f} s, "
        f"{batch['interruption_count']} interruptions shown, {notes} logged; "
        f"{registered} serials, {history} history lines",
        flush=True,
    )
    if batch["state"] != "done":
        problems.append(f"failover: batch {batch['state']}: {batch['failure_reason']}")
    if (registered, history) != (FAILOVER_ROWS, FAILOVER_ROWS):
        problems.append(
            f"failover: {registered} serials, {history} history lines: "
            f"{FAILOVER_ROWS} of each expected"
        )
    if (batch["interruption_count"], notes) != (2, 2):
        problems.append(
            f"failover: {batch['interruption_count']} interruptions shown, {notes} "
            "logged: 2 expected"
        )
    return problems


def main():
    odoo = Odoo()
    source = os.environ.get("TEST_DB")
    dbname = f"{source or 'pst_test'}_background"
    port = os.environ.get("TEST_HTTP_PORT", "8169")
    started = time.time()
    prepare(odoo, dbname, source)
    (BUILD / "background_import.log").unlink(missing_ok=True)
    server = subprocess.Popen(
        odoo.command(
            "-d",
            dbname,
            f"--db-filter=^{dbname}$",
            f"--http-port={port}",
            "--workers=2",
            "--max-cron-threads=1",
            f"--limit-time-real={LIMIT_REAL}",
            f"--limit-time-real-cron={LIMIT_CRON}",
            "--log-level=info",
            f"--logfile={BUILD / 'background_import.log'}",
        ),
        env=odoo.pg_env,
    )
    try:
        odoo.wait_until_up(port, server, "background import")
        problems = scenario(Rpc(port, dbname), odoo, dbname, server.pid)
    finally:
        server.terminate()
        server.wait(timeout=60)
    for problem in problems:
        print(f"background import: FAILED {problem}", flush=True)
    print(
        f"background import: server log {BUILD / 'background_import.log'}, "
        f"{time.time() - started:.0f} s in all"
    )
    print(f"{0 if problems else 1} passed, {1 if problems else 0} failed")
    odoo.drop_db(dbname)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
