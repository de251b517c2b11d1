"""PostgreSQL clusters of this machine for the scale run and the replica test: a scratch
primary (initdb) and a streaming standby of any primary (`pg_basebackup -R`), each in a
scratch directory, run by the Debian PostgreSQL binaries setup.sh installed
(/usr/lib/postgresql/<version>/bin), loopback only.

    python3 scripts/pg_replica.py ensure   # make test: a standby of the test cluster
    python3 scripts/pg_replica.py stop     # stop it and remove its directory

`ensure` makes a standby of the cluster the tests run on (DB_HOST:DB_PORT of .build/env)
on TEST_REPLICA_PORT (5433 by default) under TEST_REPLICA_DIR, or reuses the one already
streaming from it: the test databases created later reach it through the WAL. The
primary needs wal_level=replica (PostgreSQL's default) and a role allowed to replicate
(setup.sh's role is a superuser). Prints the standby's port on its last line."""

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import psycopg2

SCRATCH = Path(os.environ.get("TMPDIR", "/tmp")) / "pos_serial_tracking"
# what a hot standby must have at least as much of as its primary
PRIMARY_LIMITS = (
    "max_connections",
    "max_worker_processes",
    "max_wal_senders",
    "max_prepared_transactions",
    "max_locks_per_transaction",
)


def pg_version():
    """The newest PostgreSQL installed (Debian's /usr/lib/postgresql/<version>)."""
    versions = os.listdir("/usr/lib/postgresql")
    return max(versions, key=lambda v: [int(p) for p in v.split(".")])


def pg_bin(name, version=None):
    return f"/usr/lib/postgresql/{version or pg_version()}/bin/{name}"


def as_postgres(cmd, **kwargs):
    """Run `cmd` as the postgres user (the clusters' owner), quietly; its output."""
    if os.getuid() == 0:
        cmd = ["runuser", "-u", "postgres", "--", *cmd]
    elif os.environ.get("USER") != "postgres":
        cmd = ["sudo", "-u", "postgres", *cmd]
    out = subprocess.run(cmd, capture_output=True, text=True, check=False, **kwargs)
    if out.returncode:
        raise RuntimeError(f"{' '.join(cmd)} failed:\n{out.stdout}{out.stderr}")
    return out.stdout


def connect(port, dbname="postgres", host="127.0.0.1", user=None, password=None):
    conn = psycopg2.connect(
        host=host,
        port=port,
        dbname=dbname,
        user=user or os.environ.get("PGUSER", "odoo"),
        password=password or os.environ.get("PGPASSWORD", "odoo"),
        connect_timeout=5,
    )
    conn.autocommit = True
    return conn


def query(port, sql, args=(), **kwargs):
    with connect(port, **kwargs) as conn, conn.cursor() as cr:
        cr.execute(sql, args)
        return cr.fetchall() if cr.description else None


class Cluster:
    """A PostgreSQL cluster of a scratch directory, on 127.0.0.1:`port`."""

    def __init__(self, directory, port, version=None):
        self.dir = Path(directory)
        self.port = int(port)
        self.version = version or pg_version()

    @property
    def name(self):
        return f"pst_{self.port}"

    def pg_ctl(self, *args):
        return as_postgres([pg_bin("pg_ctl", self.version), "-D", str(self.dir), *args])

    def running(self):
        if not (self.dir / "PG_VERSION").exists():
            return False
        try:
            self.pg_ctl("status")
            return True
        except RuntimeError:
            return False

    def start(self):
        self.pg_ctl("-l", str(self.dir / "server.log"), "-w", "-t", "60", "start")

    def stop(self):
        if self.running():
            self.pg_ctl("-m", "fast", "-w", "stop")

    def remove(self):
        self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)

    def _prepare_dir(self):
        self.dir.parent.mkdir(parents=True, exist_ok=True)
        os.chmod(self.dir.parent, 0o755)
        shutil.rmtree(self.dir, ignore_errors=True)
        self.dir.mkdir(mode=0o700)
        if os.getuid() == 0:
            shutil.chown(self.dir, "postgres", "postgres")

    def _write_conf(self, settings):
        """postgresql.conf (loopback only, its socket in its own directory) and
        pg_hba.conf (passwords over TCP, replication included)."""
        lines = {
            "port": self.port,
            "listen_addresses": "'127.0.0.1'",
            "unix_socket_directories": f"'{self.dir}'",
            "cluster_name": f"'{self.name}'",
            "shared_buffers": "'64MB'",
            "log_min_messages": "warning",
            **settings,
        }
        conf = "".join(f"{key} = {value}\n" for key, value in lines.items())
        hba = (
            "local all all peer\n"
            "host all all 127.0.0.1/32 scram-sha-256\n"
            "host replication all 127.0.0.1/32 scram-sha-256\n"
        )
        for name, text in (("postgresql.conf", conf), ("pg_hba.conf", hba)):
            as_postgres(["tee", str(self.dir / name)], input=text)

    def init_primary(self, user, password):
        """A new primary: initdb, wal_level=replica, `user` a superuser."""
        self._prepare_dir()
        as_postgres(
            [
                pg_bin("initdb", self.version),
                "-D",
                str(self.dir),
                "-U",
                "postgres",
                "--auth-local=peer",
                "--auth-host=scram-sha-256",
                "--no-sync",
            ]
        )
        self._write_conf(
            {"wal_level": "replica", "max_wal_senders": 5, "max_connections": 200}
        )
        self.start()
        as_postgres(
            [
                pg_bin("psql", self.version),
                "-h",
                str(self.dir),
                "-p",
                str(self.port),
                "-X",
                "-q",
                "-c",
                f"CREATE ROLE \"{user}\" LOGIN SUPERUSER PASSWORD '{password}'",
            ]
        )

    def init_standby(self, primary_host, primary_port, user, password):
        """A streaming standby of `primary_host`:`primary_port` (pg_basebackup -R),
        started; waits until it streams."""
        wal_level = query(
            primary_port,
            "SHOW wal_level",
            host=primary_host,
            user=user,
            password=password,
        )[0][0]
        if wal_level == "minimal":
            raise RuntimeError(
                f"the primary on {primary_host}:{primary_port} has wal_level=minimal: "
                "set wal_level = replica in its postgresql.conf and restart it"
            )
        limits = dict(
            query(
                primary_port,
                "SELECT name, setting FROM pg_settings WHERE name = ANY(%s)",
                [list(PRIMARY_LIMITS)],
                host=primary_host,
                user=user,
                password=password,
            )
        )
        self._prepare_dir()
        env = dict(os.environ, PGPASSWORD=password)
        as_postgres(
            [
                "env",
                f"PGPASSWORD={password}",
                pg_bin("pg_basebackup", self.version),
                "-h",
                primary_host,
                "-p",
                str(primary_port),
                "-U",
                user,
                "-D",
                str(self.dir),
                "-R",
                "-X",
                "stream",
                "--checkpoint=fast",
                "--no-sync",
            ],
            env=env,
        )
        # a Debian cluster keeps its configuration in /etc: the copy has none
        self._write_conf({"hot_standby": "on", **limits})
        self.start()
        self.wait_streaming(primary_host, primary_port, user, password)

    def wait_streaming(self, primary_host, primary_port, user, password, seconds=60):
        deadline = time.time() + seconds
        while time.time() < deadline:
            rows = query(
                primary_port,
                "SELECT state FROM pg_stat_replication WHERE application_name = %s",
                [self.name],
                host=primary_host,
                user=user,
                password=password,
            )
            if rows and rows[0][0] == "streaming":
                return
            time.sleep(0.5)
        raise RuntimeError(f"the standby on port {self.port} does not stream")

    def resume_replay(self, user, password):
        query(
            self.port,
            "SELECT pg_wal_replay_resume() WHERE pg_is_wal_replay_paused()",
            user=user,
            password=password,
        )


def test_standby():
    """The make test standby of the settings' cluster: (Cluster, primary settings)."""
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from odoo_env import load_settings

    s = load_settings()
    port = int(os.environ.get("TEST_REPLICA_PORT", "5433"))
    directory = os.environ.get("TEST_REPLICA_DIR") or SCRATCH / f"replica-{port}"
    primary = {
        "primary_host": "127.0.0.1" if s["DB_HOST"] == "localhost" else s["DB_HOST"],
        "primary_port": int(s["DB_PORT"]),
        "user": s["DB_USER"],
        "password": s["DB_PASSWORD"],
    }
    version = None
    clusters = subprocess.run(
        ["pg_lsclusters", "-h"], capture_output=True, text=True, check=False
    ).stdout.split("\n")
    for line in clusters:  # the primary's own version, when it is a Debian cluster
        fields = line.split()
        if len(fields) > 2 and fields[2] == str(primary["primary_port"]):
            version = fields[0]
    return Cluster(directory, port, version), primary


def ensure():
    """The standby of the test cluster, reused when it streams, made otherwise."""
    standby, primary = test_standby()
    started = time.time()
    if standby.running() or (standby.dir / "standby.signal").exists():
        try:
            if not standby.running():
                standby.start()
            standby.wait_streaming(**primary, seconds=15)
            # a run stopped in the middle of the paused-replica test left it paused
            standby.resume_replay(primary["user"], primary["password"])
            return standby
        except (RuntimeError, psycopg2.Error) as error:
            # not this primary's standby any more (its WAL is gone): made again
            print(f"replica: the standby in {standby.dir} is lost: {error}", flush=True)
    standby.remove()
    print(
        f"replica: making a standby of {primary['primary_host']}:"
        f"{primary['primary_port']} on port {standby.port} ({standby.dir})",
        flush=True,
    )
    standby.init_standby(**primary)
    print(f"replica: streaming after {time.time() - started:.0f} s", flush=True)
    return standby


def main():
    command = sys.argv[1] if len(sys.argv) > 1 else "ensure"
    if command == "ensure":
        print(ensure().port)
    elif command == "stop":
        test_standby()[0].remove()
    else:
        sys.exit(f"usage: {sys.argv[0]} ensure|stop")
    return 0


if __name__ == "__main__":
    sys.exit(main())
