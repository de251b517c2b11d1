"""make race: 20 tills sell at once on a multi-worker Odoo, with the addon and without.

A fresh database `pst_race` gets the addon, a second one (`pst_race_native`) the same
dependencies without it; bench/till_race.py builds the same shop and the same orders in
both (a hot mix: 60 units wanted by every till; a realistic one: 200 products of a few
units), then a real Odoo server with worker processes (RACE_WORKERS, 4 by default)
serves each database (RACE_HTTP_PORT, RACE_NATIVE_HTTP_PORT), and every till sends its
paid orders at the same moment over JSON-RPC, to one side at a time (never both at once:
they would share the cores). Both sides' sync
latency, throughput and serialization retries are printed with the addon/native ratios
and the goal (the addon's p95 at most 1.1x stock Odoo's). Exit code 1 when, on the
addon's side, a paid order was refused or lost, or a unit was delivered twice; stock
Odoo takes a paid order for a unit already sold (its transfer waits), or delivers a unit
twice: printed, not failed."""

import json
import os
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "scripts"))
from odoo_env import BUILD, ROOT, Odoo

GOAL = 1.1  # the addon's p95 against stock Odoo's, per mix
MIXES = {"hot": "hot units (worst case)", "mix": "realistic mix"}


def serve(odoo, side, dbname, port):
    """A multi-worker Odoo serving `dbname` on `port`, logging the replays of a
    serialization failure to BUILD/race_<side>.log; the Popen."""
    log = BUILD / f"race_{side}.log"
    log.unlink(missing_ok=True)
    return subprocess.Popen(
        odoo.command(
            "-d",
            dbname,
            f"--db-filter=^{dbname}$",
            f"--http-port={port}",
            # the websocket server of each: not Odoo's default port (another server
            # of the machine may hold it)
            f"--gevent-port={int(port) + 1000}",
            f"--workers={os.environ.get('RACE_WORKERS', '4')}",
            "--max-cron-threads=0",
            "--limit-time-real=600",
            "--log-level=warn",
            "--log-handler=odoo.service.model:INFO",
            f"--logfile={log}",
        ),
        env=odoo.pg_env,
    )


def race(odoo, env, side, dbname, port, mix):
    """The tills' race of `mix` on the side `side`; its figures."""
    result = BUILD / f"race_{side}_{mix}.json"
    result.unlink(missing_ok=True)
    subprocess.run(
        [odoo.python, str(ROOT / "bench" / "till_race.py"), "race", mix],
        env=dict(
            env,
            RACE_DB=dbname,
            RACE_HTTP_PORT=port,
            RACE_PLAN=str(BUILD / f"race_plan_{side}.json"),
            RACE_LOG=str(BUILD / f"race_{side}.log"),
            RACE_RESULT=str(result),
        ),
        check=True,
    )
    with open(result) as file:
        return json.load(file)


def ratio(addon, native):
    return addon / native if native else float("inf")


def report(addon, native):
    """Print both sides of every mix; the addon's broken promises."""
    failed = []
    for mix, title in MIXES.items():
        a, n = addon[mix], native[mix]
        print(f"race: {title}", flush=True)
        print(
            f"  {'':<26}{'stock Odoo':>12}{'addon':>12}{'addon/native':>14}",
            flush=True,
        )
        rows = [
            ("sync p50 (ms)", "p50", "{:.0f}"),
            ("sync p95 (ms)", "p95", "{:.0f}"),
            ("sync max (ms)", "max", "{:.0f}"),
            ("throughput (orders/s)", "throughput", "{:.2f}"),
            ("replays logged by Odoo", "replays", "{}"),
            ("re-sends by the tills", "resends", "{}"),
        ]
        for label, key, fmt in rows:
            rate = ratio(a[key], n[key])
            shown = f"{rate:.2f}x" if rate != float("inf") else "-"
            print(
                f"  {label:<26}{fmt.format(n[key]):>12}{fmt.format(a[key]):>12}"
                f"{shown:>14}",
                flush=True,
            )
        met = a["p95"] <= GOAL * n["p95"]
        print(
            f"  goal: addon p95 <= {GOAL}x stock Odoo's: "
            f"{ratio(a['p95'], n['p95']):.2f}x, {'met' if met else 'NOT met'}",
            flush=True,
        )
        print(
            f"  addon: {a['orders']} orders paid, {a['delivered']} units delivered "
            "once, "
            f"{a['conflicts']} lines recorded as sale conflicts (their transfers "
            f"wait: {a['waiting']}), {a['twice']} units delivered twice",
            flush=True,
        )
        print(
            f"  stock Odoo: {n['orders']} orders paid, {n['delivered']} units "
            f"delivered, {n['twice']} of them twice, {n['waiting']} transfers left "
            "waiting for a unit already sold (stock Odoo takes its paid order)",
            flush=True,
        )
        for problem in n["problems"]:
            print(f"  stock Odoo: {problem}", flush=True)
        problems = list(a["problems"])
        if a["twice"]:
            problems.append(f"units delivered twice: {a['twice_list']}")
        for problem in problems:
            print(f"race: FAILED ({title}) {problem}", flush=True)
        failed += problems
    return failed


def report_leased(figures):
    """The hot units again, each till checking every serial of its order at the till
    (which leases it to the order) before the sync: the second claims are refused at
    scan time, none becomes a sale conflict."""
    print(
        "race: hot units, every serial checked at the till first (leases)", flush=True
    )
    reasons = ", ".join(
        f"{count} {reason}"
        for reason, count in sorted(figures["refused_reasons"].items())
    )
    print(
        f"  {figures['refused_at_scan']} lines refused at scan time "
        f"({reasons or '-'}); "
        f"{figures['orders']} orders paid, {figures['delivered']} units delivered "
        f"once, {figures['conflicts']} sale conflicts (goal 0: "
        f"{'met' if not figures['conflicts'] else 'NOT met'}), "
        f"{figures['twice']} units delivered twice; sync p50 {figures['p50']:.0f} ms, "
        f"p95 {figures['p95']:.0f} ms",
        flush=True,
    )
    problems = list(figures["problems"])
    if figures["twice"]:
        problems.append(f"units delivered twice: {figures['twice_list']}")
    for problem in problems:
        print(f"race: FAILED (leases) {problem}", flush=True)
    return problems


def main():
    odoo = Odoo()
    started = time.time()
    dbname = os.environ.get("RACE_DB", "pst_race")
    native_db = os.environ.get("RACE_NATIVE_DB", f"{dbname}_native")
    port = os.environ.get("RACE_HTTP_PORT", "8269")
    native_port = os.environ.get("RACE_NATIVE_HTTP_PORT", str(int(port) + 1))
    odoo.install_addon(dbname)
    odoo.fresh_db(native_db)  # the same dependencies, no addon
    print(
        f"race: {dbname} with the addon and {native_db} without it ready in "
        f"{time.time() - started:.0f} s",
        flush=True,
    )
    env = dict(
        odoo.pg_env,
        ODOO_PATH=odoo.settings["ODOO_PATH"],
        ADDONS_PATH=odoo.settings["ADDONS_PATH"],
        ODOO_DATA_DIR=odoo.data_dir,
    )
    script = str(ROOT / "bench" / "till_race.py")
    sides = {"addon": dbname, "native": native_db}
    for side, db in sides.items():
        subprocess.run(
            [odoo.python, script, "setup"],
            env=dict(env, RACE_DB=db, RACE_PLAN=str(BUILD / f"race_plan_{side}.json")),
            check=True,
        )
    print(f"race: shops and orders ready at {time.time() - started:.0f} s", flush=True)
    # both served, idle while the other side races: one race at a time, the sides
    # taking turns (addon first for the hot units, stock Odoo first for the realistic
    # mix) so that a change of the machine's load weighs on both alike
    ports = {"addon": port, "native": native_port}
    servers = {side: serve(odoo, side, db, ports[side]) for side, db in sides.items()}
    figures = {"addon": {}, "native": {}}
    try:
        for side, server in servers.items():
            odoo.wait_until_up(ports[side], server, "race")
        for mix, order in (("hot", ("addon", "native")), ("mix", ("native", "addon"))):
            for side in order:
                figures[side][mix] = race(
                    odoo, env, side, sides[side], ports[side], mix
                )
        # the addon's tills checking every serial at the till first (leases)
        figures["addon"]["leased"] = race(
            odoo, env, "addon", sides["addon"], ports["addon"], "leased"
        )
    finally:
        for server in servers.values():
            server.terminate()
        for server in servers.values():
            server.wait(timeout=60)
    failed = report(figures["addon"], figures["native"])
    failed += report_leased(figures["addon"]["leased"])
    print(f"race: done in {time.time() - started:.0f} s", flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
