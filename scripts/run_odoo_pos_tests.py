"""Run Odoo's own point_of_sale Python tests (tours left out) on a database with the
addon and on one without it (the same dependencies, Odoo's demo data), both at once on
two HTTP ports (ODOO_POS_HTTP_PORT, default TEST_HTTP_PORT, and the next one), and
compare (make test-odoo-pos).

Fails (exit 1) when the run with the addon has a failed or erroring test that the run
without it does not have (confirmed by running the differing tests again on both: a POS
test opening a browser can time out on a loaded machine), runs fewer tests, or ends
without Odoo's test summary. Prints
both summaries and the difference; the full logs are kept in .build/odoo_pos_*.log.
Slow (see README.md): not part of `make test`.
"""

import os
import re
import subprocess
import sys
import time

from odoo_env import BUILD, MODULE, Odoo
from run_tests import FAILED, LOG_LINE

# Odoo's point_of_sale tests without its browser tours (ODOO18.md)
TAGS = (
    "/point_of_sale,-/point_of_sale:TestUi,-/point_of_sale:MobileTestUi,"
    "-/point_of_sale:TestTaxCommonPOS,-/point_of_sale:TestPointOfSaleHttpCommon"
)
SUMMARY = re.compile(
    r"(?P<failed>\d+) failed, (?P<errors>\d+) error\(s\) of (?P<tests>\d+) tests "
    r"when loading database"
)


class OdooTestsReader:
    """The failed and erroring tests of a run, and Odoo's summary line."""

    def __init__(self):
        self.broken, self.summary, self.last_error = {}, None, None

    def read(self, line):
        match = LOG_LINE.match(line.rstrip())
        if not match and line.strip() and not line.startswith(" "):
            self.last_error = line.strip()  # a traceback's last line
        if not match or match["level"] not in ("ERROR", "CRITICAL", "INFO", "WARNING"):
            return
        if failed := FAILED.match(match["message"]):
            self.broken[failed["test"].strip()] = failed["kind"]
        elif summary := SUMMARY.search(match["message"]):
            self.summary = {
                key: int(value) for key, value in summary.groupdict().items()
            }

    def describe(self):
        if not self.summary:
            return "no test summary (Odoo stopped before the end of its tests)"
        s = self.summary
        return f"{s['tests']} tests, {s['failed']} failed, {s['errors']} error(s)"


class Run:
    """One run of the tests on a database, in the background, logged to a file."""

    def __init__(self, odoo, dbname, label, port, tags=TAGS):
        self.label, self.log_path = label, BUILD / f"odoo_pos_{label}.log"
        cmd = odoo.test_command(dbname, tags, port)
        print(f"odoo-pos: running Odoo's point_of_sale tests {label} ...", flush=True)
        self.started = time.time()
        with open(self.log_path, "w") as log:
            self.proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT)

    def wait(self):
        """The reader of the finished run's log."""
        self.proc.wait()
        duration = time.time() - self.started
        reader = OdooTestsReader()
        with open(self.log_path, errors="replace") as log:
            for line in log:
                reader.read(line)
        print(
            f"odoo-pos: {self.label}: {reader.describe()} in {duration / 60:.1f} min "
            f"(log: {self.log_path})",
            flush=True,
        )
        if not reader.summary and reader.last_error:
            print(f"    last error: {reader.last_error}")
        for test, kind in sorted(reader.broken.items()):
            print(f"    {kind} {test}")
        return reader


def compare(odoo, dbnames, port, baseline, result):
    """What the addon breaks: the failed or erroring tests of `result` (the run with
    the addon) that `baseline` does not have, each confirmed by a second run."""
    without, with_addon = dbnames
    print(f"\nwithout {MODULE}: {baseline.describe()}")
    print(f"with {MODULE}:    {result.describe()}")
    problems = []
    if not baseline.summary or not result.summary:
        problems.append("a run ended without Odoo's test summary")
    elif result.summary["tests"] < baseline.summary["tests"]:
        problems.append(
            f"{baseline.summary['tests'] - result.summary['tests']} test(s) did not "
            f"run with {MODULE}"
        )
    differing = set(result.broken) ^ set(baseline.broken)
    if differing:
        # a POS test opening a browser (cash rounding) can time out on a loaded
        # machine: a difference counts only when a second run of it confirms it
        print(f"odoo-pos: running the {len(differing)} differing test(s) again")
        tags = ",".join(f"/point_of_sale:{test}" for test in sorted(differing))
        runs = [
            Run(odoo, without, "without_addon_again", port, tags),
            Run(odoo, with_addon, "with_addon_again", port + 1, tags),
        ]
        baseline_again, result_again = (run.wait() for run in runs)
        for test in sorted(differing):
            kinds = [
                reader.broken.get(test)
                for reader in (baseline, baseline_again, result, result_again)
            ]
            print(f"  {test}: without {MODULE} {kinds[:2]}, with it {kinds[2:]}")
            # broken twice with the addon, passing without it the second time
            if kinds[2] and kinds[3] and not kinds[1]:
                problems.append(f"{kinds[2]} {test}: only with {MODULE}")
    return problems


def main():
    odoo = Odoo()
    prefix = os.environ.get("ODOO_POS_DB") or (
        os.environ.get("TEST_DB", "pst_test") + "_odoo_pos"
    )
    port = int(
        os.environ.get("ODOO_POS_HTTP_PORT") or os.environ.get("TEST_HTTP_PORT", "8169")
    )
    started = time.time()
    without, with_addon = f"{prefix}_without", f"{prefix}_with"
    for dbname in (without, with_addon):
        odoo.fresh_db(dbname, demo=True)
    print(f"odoo-pos: installing {MODULE} in {with_addon}", flush=True)
    # installed first, so that the test run loads every module the same way on both
    subprocess.run(
        odoo.command(
            "-d",
            with_addon,
            "-i",
            MODULE,
            "--stop-after-init",
            "--log-level=warn",
            "--http-port=0",
        ),
        check=True,
    )
    # both at once (two processes, two HTTP ports): half the time on two cores
    runs = [
        Run(odoo, without, "without_addon", port),
        Run(odoo, with_addon, "with_addon", port + 1),
    ]
    baseline, result = (run.wait() for run in runs)
    problems = compare(odoo, (without, with_addon), port, baseline, result)
    print(f"total time {(time.time() - started) / 60:.1f} min")
    if problems:
        print(f"{len(problems)} difference(s) caused by {MODULE}:")
        for problem in problems:
            print(f"  {problem}")
        return 1
    print(f"no failure or error beyond those of Odoo without {MODULE}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
