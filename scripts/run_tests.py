"""Run the addon's test suite on a fresh database and report like a CI should.

Fails (exit 1) on any failed, erroring or skipped test, on any ERROR/CRITICAL line Odoo
logs, and when no test ran. Odoo skips browser tours silently when Chromium or
websocket-client is missing: here a skip is a failure. Prints the slowest tests, keeps
the full log in .build/test.log, and ends with `N passed, N failed` alone on a line.
"""

import os
import re
import subprocess
import sys
import time
from pathlib import Path

from odoo_env import BUILD, MODULE, Odoo

LOG_LINE = re.compile(
    r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d+ \d+ (?P<level>[A-Z]+) (?P<db>\S+) "
    r"(?P<logger>[\w.]+): (?P<message>.*)$"
)
STARTING = re.compile(r"^Starting (?P<test>\S+) \.\.\.$")
SKIPPED = re.compile(r"^skipped (?P<test>\S+) : (?P<reason>.*)$")
FAILED = re.compile(r"^(?P<kind>FAIL|ERROR): (?P<test>.+)$")
# loggers whose ERROR lines repeat a failure already counted (summaries, a test's query)
SUMMARY_LOGGERS = ("odoo.tests.result", "odoo.modules.loading", "odoo.sql_db")
STAT = re.compile(
    r"^\t(?P<test>\w+\.\w+\.\w+\.\w+): (?P<time>[\d.]+)s (?P<queries>\d+) queries"
)


class LogReader:
    """What the Odoo log of a test run tells, read one line at a time."""

    def __init__(self):
        self.started_tests = []
        self.skipped, self.failed, self.stray_errors, self.stats = [], [], [], []
        self.in_stats = False

    def read(self, line):
        match = LOG_LINE.match(line.rstrip())
        if not match:
            self._read_stat(line)
            return
        self.in_stats = False
        self._read_record(match, line)

    def _read_stat(self, line):
        if self.in_stats and (stat := STAT.match(line)):
            self.stats.append((float(stat["time"]), stat["test"], int(stat["queries"])))
        elif self.in_stats and not line.startswith("\t"):
            self.in_stats = False

    def _read_record(self, match, line):
        level, message = match["level"], match["message"]
        if (m := STARTING.match(message)) and MODULE in match["logger"]:
            self.started_tests.append(m["test"])
            print(f"  {len(self.started_tests):3d} {m['test']}", flush=True)
        elif m := SKIPPED.match(message):
            self.skipped.append(f"{m['test']}: {m['reason']}")
            print(f"      SKIPPED {m['test']}: {m['reason']}", flush=True)
        elif message.startswith("Detailed Tests Report"):
            self.in_stats = True
        elif level in ("ERROR", "CRITICAL"):
            self._read_error(match, line)
        elif (
            level == "WARNING"
            or message.startswith("running tests")
            or (
                match["logger"].startswith("odoo.modules.loading")
                and "loaded in" in message
            )
        ):
            print(line, end="", flush=True)

    def _read_error(self, match, line):
        logger = match["logger"]
        if m := FAILED.match(match["message"]):
            self.failed.append(f"{m['kind']} {m['test']}")
        elif logger not in SUMMARY_LOGGERS and not logger.startswith(
            f"odoo.addons.{MODULE}.tests."
        ):  # a test's own lines (its browser) belong to its failure
            self.stray_errors.append(match["message"])
        print(line, end="", flush=True)

    def report(self, returncode, log_path, tags):
        """Print the summary; (passed, failed)."""
        self.stats.sort(reverse=True)
        if self.stats:
            print("\nslowest tests:")
            for seconds, test, queries in self.stats[:10]:
                print(f"  {seconds:7.2f}s {queries:6d} queries  {test}")
        print(f"\nfull Odoo log: {log_path}")
        failed_tests = {f.split(" ", 1)[1].split(" ")[0] for f in self.failed}
        failures = len(failed_tests) + len(self.skipped) + len(self.stray_errors)
        if self.skipped:
            print(
                f"{len(self.skipped)} skipped test(s), counted as failures"
                " (a skipped tour proves nothing)"
            )
        if self.stray_errors:
            print(
                f"{len(self.stray_errors)} error(s) logged outside a test,"
                " counted as failures"
            )
        if returncode:
            print(f"odoo exited with code {returncode}")
            failures = max(failures, 1)
        if not self.started_tests:
            print(f"no test ran for --test-tags={tags}")
            failures = max(failures, 1)
        passed = len(set(self.started_tests)) - len(failed_tests) - len(self.skipped)
        return max(passed, 0), failures


def run_logged(cmd, log_path, env=None):
    """Run the Odoo test command `cmd`, its log kept in `log_path` and read as it
    comes; (the LogReader, Odoo's return code)."""
    reader = LogReader()
    with open(log_path, "w") as log:
        proc = subprocess.Popen(
            cmd,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            bufsize=1,
            env=env,
        )
        for line in proc.stdout:
            log.write(line)
            reader.read(line)
        returncode = proc.wait()
    return reader, returncode


def replica_port(odoo):
    """The port of the test cluster's streaming standby (scripts/pg_replica.py
    makes it or finds it streaming), or None when it could not be made."""
    script = Path(__file__).resolve().parent / "pg_replica.py"
    out = subprocess.run(
        [odoo.python, str(script), "ensure"],
        env=odoo.pg_env,
        stdout=subprocess.PIPE,
        text=True,
        check=False,
    )
    lines = out.stdout.strip().splitlines()
    if out.returncode or not lines:
        for line in lines:
            print(line, flush=True)
        print(
            "test: no streaming replica of the test cluster (see above): "
            "TestSerialReplicaLag will fail",
            flush=True,
        )
        return None
    for line in lines[:-1]:
        print(line, flush=True)
    return lines[-1]


def main():
    odoo = Odoo()
    dbname = os.environ.get("TEST_DB", "pst_test")
    tags = os.environ.get("TESTS") or f"/{MODULE}"
    log_path = BUILD / "test.log"
    started = time.time()
    odoo.fresh_db(dbname)
    print(
        f"test: fresh database {dbname} ready in {time.time() - started:.1f}s",
        flush=True,
    )

    # the paused-replica test needs a streaming standby of the test cluster: made
    # once (seconds on a fresh machine, a copy of the whole cluster), reused after
    env = None
    wants_replica = not os.environ.get("TESTS") or "replica" in tags.lower()
    if wants_replica and (port := replica_port(odoo)):
        env = dict(os.environ, POS_SERIAL_REPLICA_PORT=port)
    cmd = odoo.test_command(
        dbname,
        tags,
        os.environ.get("TEST_HTTP_PORT", "8169"),
        "-i",
        MODULE,
        "--without-demo=all",
        "--log-handler=odoo.tests.stats:DEBUG",
    )
    reader, returncode = run_logged(cmd, log_path, env)
    passed, failed = reader.report(returncode, log_path, tags)
    if not os.environ.get("TESTS") or "background_server" in tags:
        # on a multi-worker server, outside Odoo's test runner: see the script
        print("\nthe background import on a multi-worker server:", flush=True)
        script = Path(__file__).resolve().parent / "run_background_import.py"
        env = dict(os.environ, TEST_DB=dbname)
        if subprocess.run([odoo.python, str(script)], env=env, check=False).returncode:
            failed += 1
        else:
            passed += 1
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
