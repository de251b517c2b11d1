"""make race: 20 tills sell the same units at once on a multi-worker Odoo.

A fresh database `pst_race` gets the addon, bench/till_race.py builds the shop and the
orders, a real Odoo server with worker processes (RACE_WORKERS, 4 by default) serves it,
and every till sends its paid orders at the same moment over JSON-RPC. Exit code 1 when
a paid order was refused or lost, or a unit was sold twice; the timings are printed."""

import os
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "scripts"))
from odoo_env import BUILD, ROOT, Odoo


def main():
    odoo = Odoo()
    dbname = os.environ.get("RACE_DB", "pst_race")
    port = os.environ.get("RACE_HTTP_PORT", "8269")
    odoo.install_addon(dbname)
    env = dict(
        odoo.pg_env,
        RACE_DB=dbname,
        RACE_HTTP_PORT=port,
        RACE_PLAN=str(BUILD / "race_plan.json"),
        ODOO_PATH=odoo.settings["ODOO_PATH"],
        ADDONS_PATH=odoo.settings["ADDONS_PATH"],
        ODOO_DATA_DIR=odoo.data_dir,
    )
    script = str(ROOT / "bench" / "till_race.py")
    subprocess.run([odoo.python, script, "setup"], env=env, check=True)
    server = subprocess.Popen(
        odoo.command(
            "-d",
            dbname,
            f"--db-filter=^{dbname}$",
            f"--http-port={port}",
            f"--workers={os.environ.get('RACE_WORKERS', '4')}",
            "--max-cron-threads=0",
            "--limit-time-real=600",
            "--log-level=warn",
            f"--logfile={BUILD / 'race.log'}",
        ),
        env=odoo.pg_env,
    )
    try:
        odoo.wait_until_up(port, server, "race")
        return subprocess.run(
            [odoo.python, script, "race"], env=env, check=False
        ).returncode
    finally:
        server.terminate()
        server.wait(timeout=60)


if __name__ == "__main__":
    sys.exit(main())
