"""make bench: build a scratch database with realistic volume, then run the benchmarks.

The scratch database `pst_bench` gets the addon installed and 1,000,000 serials filled
with set-based SQL (the volume, not the path, is what the lookups are measured on);
bench/benchmarks.py then measures every figure against the native Odoo operation in the
same run and prints the ratios."""

import os
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "scripts"))
from odoo_env import ROOT, Odoo


def main():
    odoo = Odoo()
    dbname = os.environ.get("BENCH_DB", "pst_bench")
    serials = int(os.environ.get("BENCH_SERIALS", "1000000"))
    started = time.time()
    odoo.install_addon(dbname)
    print(
        f"bench: database {dbname} with the addon ready in "
        f"{time.time() - started:.0f}s",
        flush=True,
    )
    # stock Odoo in the same run: the dependencies without the addon
    native_db = f"{dbname}_native"
    odoo.fresh_db(native_db)
    env = dict(
        odoo.pg_env,
        BENCH_DB=dbname,
        BENCH_SERIALS=str(serials),
        ODOO_PATH=odoo.settings["ODOO_PATH"],
        ADDONS_PATH=odoo.settings["ADDONS_PATH"],
        ODOO_DATA_DIR=odoo.data_dir,
        BENCH_NATIVE_DB=native_db,
    )
    if serials < 1000000:
        # a smoke run (CI: BENCH_SERIALS=20000): the import's files scaled with the
        # fill, so every part runs in minutes; its figures only say that it works
        env.setdefault("BENCH_IMPORT_SERIALS", str(max(2000, serials // 10)))
        env.setdefault("BENCH_ORM_IMPORT_SERIALS", str(max(500, serials // 40)))
    # the benchmarks' own exit code is the bench's
    return subprocess.run(
        [odoo.python, str(ROOT / "bench" / "benchmarks.py")], env=env, check=False
    ).returncode


if __name__ == "__main__":
    sys.exit(main())
