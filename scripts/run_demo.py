"""Serve a demo database with the addon installed (make run).

The database is created with Odoo's and the addon's demo data on the first run and
updated on later runs; RESET=1 starts it over."""

import os
import sys

from odoo_env import MODULE, Odoo


def main():
    odoo = Odoo()
    dbname = os.environ.get("DB_NAME", "pos_serial_demo")
    port = os.environ.get("HTTP_PORT", "8069")
    if os.environ.get("RESET") == "1":
        odoo.drop_db(dbname)
    if odoo.db_exists(dbname):
        action = ["-u", MODULE]
    else:
        odoo.fresh_db(dbname, demo=True)
        action = ["-i", MODULE]
    print(
        f"run: serving {dbname} on http://localhost:{port} (login admin / admin)",
        flush=True,
    )
    cmd = odoo.command(
        "-d", dbname, *action, f"--http-port={port}", f"--db-filter=^{dbname}$"
    )
    os.execv(cmd[0], cmd)


if __name__ == "__main__":
    sys.exit(main())
