"""make test-uninstall: install the addon on a fresh database, give it serials with a
history (created, received, imported), uninstall it as the Apps menu does, and compare
the schema with the one before the install. Fails (exit 1) when the uninstall fails,
when an object the addon created is left behind (table, column, index, sequence, view,
constraint, trigger, function), when an object that was there before is gone, or when
the serials (stock's rows) are gone.

Environment: TEST_DB (default pst_uninstall), DEMO=1 to use a database with demo data.
"""

import os
import subprocess
import sys
import time

from odoo_env import MODULE, Odoo

# one line per schema object: "kind name"; functions and triggers that an extension or a
# constraint owns are PostgreSQL's, not the addon's
SCHEMA = r"""
SELECT 'relation ' || cls.relkind::text || ' ' || cls.relname
  FROM pg_class cls JOIN pg_namespace nsp ON nsp.oid = cls.relnamespace
 WHERE nsp.nspname = 'public'
UNION ALL
SELECT 'column ' || table_name || '.' || column_name
  FROM information_schema.columns WHERE table_schema = 'public'
UNION ALL
SELECT 'constraint ' || conrelid::regclass || '.' || conname
  FROM pg_constraint con JOIN pg_namespace nsp ON nsp.oid = con.connamespace
 WHERE nsp.nspname = 'public'
UNION ALL
SELECT 'trigger ' || tgrelid::regclass || '.' || tgname
  FROM pg_trigger WHERE NOT tgisinternal
UNION ALL
SELECT 'function ' || proc.proname
  FROM pg_proc proc JOIN pg_namespace nsp ON nsp.oid = proc.pronamespace
 WHERE nsp.nspname = 'public'
   AND NOT EXISTS (SELECT 1 FROM pg_depend dep
                    WHERE dep.classid = 'pg_proc'::regclass AND dep.objid = proc.oid
                      AND dep.deptype = 'e')
"""

# run by `odoo-bin shell`: serials with a history, then the uninstall
SHELL_SCRIPT = r"""
import base64
product = env["product.product"].create({
    "name": "Uninstall Check Phone", "default_code": "UCP", "is_storable": True,
    "tracking": "serial",
})
stock = env.ref("stock.warehouse0").lot_stock_id
lots = env["stock.lot"].create(
    [{"name": f"UCP-{i}", "product_id": product.id} for i in range(3)]
)
env["stock.quant"].with_context(inventory_mode=True).create(
    [{"product_id": product.id, "lot_id": lot.id, "location_id": stock.id,
      "inventory_quantity": 1} for lot in lots]
).action_apply_inventory()
env["stock.lot.import"].create({
    "file": base64.b64encode(b"Serial,Product\r\nUCP-10,UCP\r\nUCP-11,UCP\r\n"),
    "filename": "serials.csv",
    "location_id": stock.id,
}).action_import()
lines = env["serial.audit.line"].search_count([("lot_id.product_id", "=", product.id)])
assert lines >= 8, lines
env.cr.commit()
print("SERIALS", env["stock.lot"].search_count([("product_id", "=", product.id)]))
module = env["ir.module.module"].search([("name", "=", "%(module)s")])
module.button_immediate_uninstall()
print("UNINSTALLED", module.state)
"""


def schema(odoo, dbname):
    return set(odoo.psql(SCHEMA, dbname).splitlines())


def main():
    odoo = Odoo()
    dbname = os.environ.get("TEST_DB", "pst_uninstall")
    demo = os.environ.get("DEMO") == "1"
    started = time.time()
    odoo.fresh_db(dbname, demo=demo)
    before = schema(odoo, dbname)
    common = ["-d", dbname, "--http-port=0", "--max-cron-threads=0"]
    print(f"uninstall: installing {MODULE} on {dbname}", flush=True)
    install = [*common, "-i", MODULE, "--stop-after-init", "--log-level=warn"]
    if not demo:
        install.append("--without-demo=all")
    subprocess.run(odoo.command(*install), check=True)
    installed = schema(odoo, dbname)
    print("uninstall: serials with a history, then uninstalling", flush=True)
    command = odoo.command(*common, "--log-level=warn")
    command.insert(2, "shell")  # the sub-command comes first
    shell = subprocess.run(
        command,
        check=False,  # its outcome is checked below
        input=SHELL_SCRIPT % {"module": MODULE},
        capture_output=True,
        text=True,
    )
    print(shell.stdout + shell.stderr, end="", flush=True)
    problems = []
    if shell.returncode or "UNINSTALLED uninstalled" not in shell.stdout:
        problems.append(f"the uninstall failed (odoo shell exited {shell.returncode})")
    serials = odoo.psql(
        "SELECT count(*) FROM stock_lot WHERE name LIKE 'UCP-%'", dbname
    )
    if f"SERIALS {serials}" not in shell.stdout:
        problems.append(f"the serials did not stay (stock_lot holds {serials})")
    after = schema(odoo, dbname)
    added = sorted(installed - before)
    left = sorted(after - before)
    gone = sorted(before - after)
    print(f"uninstall: the install added {len(added)} schema objects")
    problems += [f"left behind: {item}" for item in left]
    problems += [f"gone: {item}" for item in gone]
    if not added:
        problems.append("the install added nothing: the check proves nothing")
    for problem in problems:
        print(f"uninstall: {problem}")
    print(f"uninstall: checked in {time.time() - started:.0f}s")
    if problems:
        print("uninstall: FAILED")
        return 1
    print(f"uninstall: {MODULE} leaves nothing behind")
    return 0


if __name__ == "__main__":
    sys.exit(main())
