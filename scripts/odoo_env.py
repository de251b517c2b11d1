"""Helpers shared by the project's scripts: read the settings written by setup.sh, build
Odoo command lines, and manage databases (a cached template of the dependencies, cloned
into a fresh database for every test or benchmark run)."""

import hashlib
import os
import shutil
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BUILD = ROOT / ".build"
MODULE = "pos_serial_tracking"


def load_settings():
    env_file = BUILD / "env"
    if not env_file.exists():
        sys.exit(
            f"{env_file} is missing: run scripts/setup.sh first (make does it for you)"
        )
    settings = {}
    for line in env_file.read_text().splitlines():
        key, _, value = line.partition("=")
        settings[key] = value
    return settings


def manifest():
    import ast

    return ast.literal_eval((ROOT / "__manifest__.py").read_text())


# installed beside the addon's dependencies in the databases it is tested and measured
# on: the imports must keep the dates product_expiry adds to a lot (see README)
TEST_MODULES = ["product_expiry"]


def template_modules():
    return manifest()["depends"] + TEST_MODULES


class Odoo:
    """One Odoo installation as configured by setup.sh."""

    def __init__(self):
        self.settings = s = load_settings()
        self.python = s["PYTHON"]
        self.odoo_bin = os.path.join(s["ODOO_PATH"], "odoo-bin")
        self.data_dir = os.path.join(s["CACHE_DIR"], "data")
        self.pg_env = dict(
            os.environ,
            PGHOST=s["DB_HOST"],
            PGPORT=s["DB_PORT"],
            PGUSER=s["DB_USER"],
            PGPASSWORD=s["DB_PASSWORD"],
        )

    def command(self, *args):
        s = self.settings
        return [
            self.python,
            self.odoo_bin,
            f"--addons-path={s['ADDONS_PATH']}",
            f"--db_host={s['DB_HOST']}",
            f"--db_port={s['DB_PORT']}",
            f"--db_user={s['DB_USER']}",
            f"--db_password={s['DB_PASSWORD']}",
            f"--data-dir={self.data_dir}",
            *args,
        ]

    def test_command(self, dbname, tags, port, *args):
        """The command running the tests `tags` on `dbname` and stopping: a test
        server on `port`, no cron, Odoo's info log (which the runners read)."""
        return self.command(
            "-d",
            dbname,
            *args,
            "--test-enable",
            f"--test-tags={tags}",
            "--stop-after-init",
            f"--http-port={port}",
            "--log-level=info",
            "--max-cron-threads=0",
        )

    # --- databases -----------------------------------------------------------------
    def psql(self, sql, dbname="postgres"):
        out = subprocess.run(
            ["psql", "-X", "-q", "-tA", "-d", dbname, "-c", sql],
            env=self.pg_env,
            check=True,
            capture_output=True,
            text=True,
        )
        return out.stdout.strip()

    def db_exists(self, dbname):
        return self.psql(f"SELECT 1 FROM pg_database WHERE datname = '{dbname}'") == "1"

    def drop_db(self, dbname):
        self.psql(f'DROP DATABASE IF EXISTS "{dbname}" WITH (FORCE)')
        shutil.rmtree(self.filestore(dbname), ignore_errors=True)

    def filestore(self, dbname):
        return os.path.join(self.data_dir, "filestore", dbname)

    def template_name(self, demo):
        """A template database holding the addon's dependencies, keyed by the Odoo tree
        and the dependency list, so that a change of either builds a new one."""
        release = Path(self.settings["ODOO_PATH"], "odoo", "release.py")
        key = hashlib.sha256(
            "|".join(
                [
                    self.settings["ODOO_PATH"],
                    str(release.stat().st_mtime_ns),
                    ",".join(sorted(template_modules())),
                    "demo" if demo else "nodemo",
                ]
            ).encode()
        ).hexdigest()[:10]
        return f"pst_template_{key}"

    def ensure_template(self, demo=False):
        name = self.template_name(demo)
        if self.db_exists(name):
            return name
        depends = ",".join(template_modules())
        print(
            f"odoo: building the template database {name} ({depends}), once", flush=True
        )
        self.drop_db(name + "_building")
        args = [
            "-d",
            name + "_building",
            "-i",
            depends,
            "--stop-after-init",
            "--log-level=warn",
            "--http-port=0",
        ]
        if not demo:
            args.append("--without-demo=all")
        subprocess.run(self.command(*args), check=True)
        # rename only once complete, so that an interrupted build is never used
        self.psql(f'ALTER DATABASE "{name}_building" RENAME TO "{name}"')
        if os.path.isdir(self.filestore(name + "_building")):
            os.rename(self.filestore(name + "_building"), self.filestore(name))
        return name

    def fresh_db(self, dbname, demo=False):
        """A new database `dbname` holding the dependencies, copied from the
        template."""
        template = self.ensure_template(demo)
        self.drop_db(dbname)
        self.psql(f'CREATE DATABASE "{dbname}" TEMPLATE "{template}"')
        if os.path.isdir(self.filestore(template)):
            shutil.copytree(self.filestore(template), self.filestore(dbname))

    # --- servers ---------------------------------------------------------------------
    def install_addon(self, dbname):
        """A new database `dbname` with the addon installed (no demo data)."""
        self.fresh_db(dbname)
        subprocess.run(
            self.command(
                "-d",
                dbname,
                "-i",
                MODULE,
                "--without-demo=all",
                "--stop-after-init",
                "--log-level=warn",
                "--http-port=0",
            ),
            check=True,
        )

    @staticmethod
    def wait_until_up(port, server, what, seconds=120):
        """Wait for the Odoo `server` (a Popen) to answer on `port`; exit saying so
        (`what`: the run's name) when it stops or does not answer."""
        deadline = time.time() + seconds
        while time.time() < deadline:
            if server.poll() is not None:
                sys.exit(f"{what}: the Odoo server stopped ({server.returncode})")
            try:
                with urllib.request.urlopen(
                    f"http://127.0.0.1:{port}/web/health", timeout=2
                ):
                    return
            except OSError:
                time.sleep(0.5)
        sys.exit(f"{what}: no Odoo server on port {port} after {seconds} s")
