"""make scale: Odoo scaled out on this machine, the addon and stock Odoo side by side.

In a scratch directory (removed at the end): a PostgreSQL primary (initdb, wal_level
replica, SCALE_PG_PORT, 5442 by default) and a streaming standby of it
(`pg_basebackup -R`, SCALE_REPLICA_PORT, 5443), both on 127.0.0.1; the primary holds
`pst_scale` (the addon) and `pst_scale_native` (the same dependencies, no addon),
restored from make test's template. Two Odoo servers with worker processes
(`--workers=2` each, SCALE_HTTP_PORT and the next port, loopback only) share that
database and one data directory (filestore, sessions); the first also runs the cron
worker. SCALE_TILLS tills (100 by default) sell, check and refund while SCALE_MANAGERS
managers load the dashboard and the units' histories (bench/scale_tills.py), in three
phases: the addon with the replica configured on both servers
(db_replica_host/db_replica_port), the addon without it, and stock Odoo's sync. Prints
p50/p95/p99 of the sync, the till's check, the dashboard and the history, and the
replica's lag (pg_stat_replication replay_lag and bytes behind, sampled during the
replica phase). Exit code 1 when, with the addon, a paid order was lost, a unit was
delivered twice, or a sold unit was shown sellable by a till's check on the primary."""

import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "scripts"))
from odoo_env import BUILD, MODULE, Odoo

try:
    import psycopg2  # noqa: F401 (Odoo's virtualenv has it)
except ImportError:
    os.execv(Odoo().python, [Odoo().python, *sys.argv])

import pg_replica

DB = os.environ.get("SCALE_DB", "pst_scale")
NATIVE_DB = f"{DB}_native"
PG_PORT = int(os.environ.get("SCALE_PG_PORT", "5442"))
REPLICA_PORT = int(os.environ.get("SCALE_REPLICA_PORT", "5443"))
HTTP_PORT = int(os.environ.get("SCALE_HTTP_PORT", "8369"))
SCRATCH = pg_replica.SCRATCH / f"scale-{PG_PORT}"
PHASES = (
    ("replica", DB, True, "addon, replica on"),
    ("primary", DB, False, "addon, primary only"),
    ("native", NATIVE_DB, False, "stock Odoo"),
)


def say(text):
    print(f"scale: {text}", flush=True)


class Run:
    def __init__(self):
        self.odoo = Odoo()
        s = self.odoo.settings
        self.user, self.password = s["DB_USER"], s["DB_PASSWORD"]
        self.data_dir = SCRATCH / "data"
        self.primary = pg_replica.Cluster(SCRATCH / "primary", PG_PORT)
        self.standby = pg_replica.Cluster(SCRATCH / "replica", REPLICA_PORT)
        self.env = dict(
            os.environ,
            PGHOST="127.0.0.1",
            PGPORT=str(PG_PORT),
            PGUSER=self.user,
            PGPASSWORD=self.password,
            ODOO_PATH=s["ODOO_PATH"],
            ADDONS_PATH=s["ADDONS_PATH"],
            ODOO_DATA_DIR=str(self.data_dir),
            SCALE_PG_PORT=str(PG_PORT),
        )
        self.started = time.time()

    def at(self):
        return f"{time.time() - self.started:.0f} s"

    # --- the clusters and the databases -----------------------------------------------
    def clusters(self):
        for cluster in (self.standby, self.primary):
            cluster.remove()
        shutil.rmtree(SCRATCH, ignore_errors=True)
        self.primary.init_primary(self.user, self.password)
        say(f"primary on port {PG_PORT} at {self.at()}")
        template = self.odoo.ensure_template()
        dump = SCRATCH / "template.dump"
        subprocess.run(
            ["pg_dump", "-Fc", "-f", str(dump), "-d", template],
            env=self.odoo.pg_env,
            check=True,
        )
        subprocess.run(["createdb", DB], env=self.env, check=True)
        subprocess.run(
            ["pg_restore", "--no-owner", "-d", DB, str(dump)],
            env=self.env,
            check=True,
        )
        subprocess.run(["createdb", "-T", DB, NATIVE_DB], env=self.env, check=True)
        for dbname in (DB, NATIVE_DB):
            shutil.copytree(
                self.odoo.filestore(template),
                self.data_dir / "filestore" / dbname,
                dirs_exist_ok=True,
            )
        say(f"primary on port {PG_PORT} holds {DB} and {NATIVE_DB} at {self.at()}")
        subprocess.run(
            self.command(
                "-d",
                DB,
                "-i",
                MODULE,
                "--without-demo=all",
                "--stop-after-init",
                "--http-port=0",
                "--log-level=warn",
            ),
            env=self.env,
            check=True,
        )
        say(f"addon installed in {DB} at {self.at()}")

    def command(self, *args):
        s = self.odoo.settings
        return [
            self.odoo.python,
            self.odoo.odoo_bin,
            f"--addons-path={s['ADDONS_PATH']}",
            "--db_host=127.0.0.1",
            f"--db_port={PG_PORT}",
            f"--db_user={self.user}",
            f"--db_password={self.password}",
            f"--data-dir={self.data_dir}",
            *args,
        ]

    def tills(self, *args, **env):
        subprocess.run(
            [self.odoo.python, str(HERE / "scale_tills.py"), *args],
            env=dict(self.env, **env),
            check=True,
        )

    # --- the servers ------------------------------------------------------------------
    def serve(self, replica):
        """The two multi-worker servers, the replica configured or not."""
        servers = []
        for index in range(2):
            (BUILD / f"scale_server_{index}.log").unlink(missing_ok=True)
            port = HTTP_PORT + index
            args = [
                f"--db-filter=^({DB}|{NATIVE_DB})$",
                "--http-interface=127.0.0.1",
                f"--http-port={port}",
                f"--gevent-port={port + 1000}",
                "--workers=2",
                # the cron worker: on the first server only, its own time limits
                f"--max-cron-threads={1 if index == 0 else 0}",
                "--limit-time-real-cron=600",
                "--limit-time-real=600",
                "--log-level=warn",
                f"--logfile={BUILD / f'scale_server_{index}.log'}",
            ]
            if replica:
                args += [
                    "--db_replica_host=127.0.0.1",
                    f"--db_replica_port={REPLICA_PORT}",
                ]
            servers.append(subprocess.Popen(self.command(*args), env=self.env))
        for index, server in enumerate(servers):
            self.odoo.wait_until_up(HTTP_PORT + index, server, "scale")
        return servers

    @staticmethod
    def stop(servers):
        for server in servers:
            server.terminate()
        for server in servers:
            server.wait(timeout=60)

    # --- the replica's lag ------------------------------------------------------------
    def sample_lag(self, stop, samples):
        while not stop.is_set():
            rows = pg_replica.query(
                PG_PORT,
                """
                SELECT extract(epoch FROM coalesce(replay_lag, '0'::interval)) * 1000,
                       pg_wal_lsn_diff(pg_current_wal_lsn(), replay_lsn)
                  FROM pg_stat_replication WHERE application_name = %s
                """,
                [self.standby.name],
                user=self.user,
                password=self.password,
            )
            if rows:
                samples.append((float(rows[0][0]), int(rows[0][1])))
            stop.wait(0.5)

    def phase(self, name, dbname, replica):
        plan = str(BUILD / f"scale_plan_{dbname}.json")
        result = BUILD / f"scale_{name}.json"
        servers = self.serve(replica)
        samples, stop = [], threading.Event()
        sampler = threading.Thread(target=self.sample_lag, args=(stop, samples))
        try:
            sampler.start()
            self.tills(
                "load",
                name,
                SCALE_DB=dbname,
                SCALE_PLAN=plan,
                SCALE_RESULT=str(result),
                SCALE_ADDON="1" if dbname == DB else "0",
                SCALE_URLS=",".join(
                    f"http://127.0.0.1:{HTTP_PORT + i}" for i in range(2)
                ),
            )
        finally:
            stop.set()
            sampler.join()
            self.stop(servers)
        figures = json.loads(result.read_text())
        figures["lag"] = samples
        return figures

    def main(self):
        tills = os.environ.get("SCALE_TILLS", "100")
        say(f"{tills} tills; scratch clusters in {SCRATCH}")
        try:
            self.clusters()
            self.tills(
                "setup",
                "replica",
                "primary",
                SCALE_DB=DB,
                SCALE_PLAN=str(BUILD / f"scale_plan_{DB}.json"),
            )
            self.tills(
                "setup",
                "native",
                SCALE_DB=NATIVE_DB,
                SCALE_PLAN=str(BUILD / f"scale_plan_{NATIVE_DB}.json"),
            )
            say(f"shops ready at {self.at()}")
            self.standby.init_standby("127.0.0.1", PG_PORT, self.user, self.password)
            say(f"standby streaming on port {REPLICA_PORT} at {self.at()}")
            figures = {}
            for name, dbname, replica, title in PHASES:
                figures[name] = self.phase(name, dbname, replica)
                say(f"{title} done at {self.at()}")
        finally:
            for cluster in (self.standby, self.primary):
                cluster.remove()
            shutil.rmtree(SCRATCH, ignore_errors=True)
        failed = report(figures, tills)
        say(f"done in {self.at()}")
        return 1 if failed else 0


def report(figures, tills):
    rows = (
        ("sync", "sync"),
        ("till's check", "check"),
        ("dashboard", "dashboard"),
        ("history", "history"),
        ("refund", "refund"),
    )
    say(f"{tills} tills, p50 / p95 / p99 in ms (calls)")
    titles = {name: title for name, _db, _r, title in PHASES}
    print(f"  {'':<14}" + "".join(f"{titles[n]:>30}" for n in titles), flush=True)
    for label, key in rows:
        cells = []
        for name in titles:
            f = figures[name].get(key)
            cells.append(
                f"{f['p50']:.0f} / {f['p95']:.0f} / {f['p99']:.0f} ({f['n']})"
                if f
                else "-"
            )
        print(f"  {label:<14}" + "".join(f"{c:>30}" for c in cells), flush=True)
    for name, title in titles.items():
        f = figures[name]
        print(
            f"  {title}: {f['orders']} orders paid in {f['wall']:.0f} s, "
            f"{f['resends']} re-sends, {f['conflicts']} sale conflicts, "
            f"{f['refunded']} refunds",
            flush=True,
        )
    lag = figures["replica"]["lag"]
    if lag:
        ms = sorted(s[0] for s in lag)
        behind = sorted(s[1] for s in lag)
        print(
            f"  replica lag ({len(lag)} samples): replay_lag p50 {ms[len(ms) // 2]:.0f}"
            f" ms, max {ms[-1]:.0f} ms; bytes behind p50 {behind[len(behind) // 2]},"
            f" max {behind[-1]}",
            flush=True,
        )
    failed = figures["replica"]["problems"] + figures["primary"]["problems"]
    for problem in figures["native"]["problems"]:
        print(f"  stock Odoo: {problem}", flush=True)
    for problem in failed:
        say(f"FAILED {problem}")
    return failed


def stopped(signum, _frame):
    sys.exit(128 + signum)  # the servers and the clusters are removed on the way out


if __name__ == "__main__":
    signal.signal(signal.SIGTERM, stopped)
    sys.exit(Run().main())
