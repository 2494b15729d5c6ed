"""Run every test of this repository and print one closing line ``N passed, M failed``.

Steps, each counted:
- the Odoo tests of every addon of this repository, installed into a fresh database
  (a failed test, an error, an Odoo log line at ERROR or CRITICAL level, or an addon left
  uninstalled counts as a failure);
- the demo data of every addon loads into a second fresh database without an error;
- the cross-addon tests in ``tests/`` (pytest);
- ruff (lint and format) and the mandatory pylint-odoo checks.

The exit status is non-zero when anything failed.
"""

import argparse
import os
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
ODOO_HOME = Path(os.environ.get("ODOO_HOME", "/opt/odoo"))
VENV = Path(os.environ.get("VENV", REPO / ".venv"))
PYTHON = VENV / "bin" / "python"
RESULTS = REPO / "test-results"
CONF = REPO / ".odoorc"

SUMMARY_RE = re.compile(r"(\d+) failed, (\d+) error\(s\) of (\d+) tests when loading database")
LOG_LEVEL_RE = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d+ \d+ (ERROR|CRITICAL) ")


def addons():
    """Every addon of this repository: a top-level folder with a manifest."""
    return sorted(p.parent.name for p in REPO.glob("*/__manifest__.py"))


def db_env():
    env = dict(os.environ)
    env.setdefault("PGHOST", os.environ.get("DB_HOST", "localhost"))
    env.setdefault("PGUSER", os.environ.get("DB_USER", "odoo"))
    env.setdefault("PGPASSWORD", os.environ.get("DB_PASSWORD", "odoo"))
    return env


def recreate_db(name):
    """Drop the database; Odoo creates it anew as it creates every database of its own."""
    subprocess.run(["dropdb", "--if-exists", "--force", name], env=db_env(), check=True)


def run_odoo(args, log_path):
    """Run odoo-bin, streaming its output to the terminal and to ``log_path``."""
    cmd = [str(PYTHON), str(ODOO_HOME / "odoo-bin"), "-c", str(CONF), *args]
    with open(log_path, "w", encoding="utf-8") as log:
        proc = subprocess.Popen(
            cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd=REPO
        )
        for line in proc.stdout:
            sys.stdout.write(line)
            log.write(line)
        return proc.wait()


def error_lines(log_path):
    """Log lines at ERROR or CRITICAL level, except the runner's own summary."""
    lines = []
    for line in Path(log_path).read_text(encoding="utf-8").splitlines():
        if LOG_LEVEL_RE.match(line) and not SUMMARY_RE.search(line):
            lines.append(line)
    return lines


def uninstalled(db, names):
    query = "SELECT name FROM ir_module_module WHERE state = 'installed'"
    out = subprocess.run(
        ["psql", "-d", db, "-tAc", query], env=db_env(), capture_output=True, text=True
    )
    installed = set(out.stdout.split())
    return [n for n in names if n not in installed]


class Tally:
    def __init__(self):
        self.passed = 0
        self.failed = 0
        self.notes = []

    def add(self, label, passed, failed, note=""):
        self.passed += passed
        self.failed += failed
        self.notes.append(f"{label}: {passed} passed, {failed} failed{note}")


def odoo_tests(tally, db):
    names = addons()
    recreate_db(db)
    log = RESULTS / "odoo-tests.log"
    tags = ",".join(f"/{n}" for n in names)
    rc = run_odoo(
        [
            "-d", db, "-i", ",".join(names), "--test-enable", f"--test-tags={tags}",
            "--stop-after-init", "--http-port=8169", "--log-level=info",
        ],
        log,
    )  # fmt: skip
    text = log.read_text(encoding="utf-8")
    found = SUMMARY_RE.findall(text)
    errors = error_lines(log)
    missing = uninstalled(db, names)
    if found:
        failed, errored, run = (int(x) for x in found[-1])
        bad = failed + errored
        passed = run - bad
    else:
        bad, passed, run = 1, 0, 0
    if not bad and errors:
        bad = len(errors)
    bad += len(missing)
    if rc and not bad:
        bad = 1
    note = ""
    if missing:
        note += f" (not installed: {', '.join(missing)})"
    if errors:
        note += f" ({len(errors)} ERROR/CRITICAL log lines, see {log.relative_to(REPO)})"
    if not run:
        note += " (no test ran)"
    tally.add("odoo tests", passed, bad, note)


def demo_data(tally, db):
    names = addons()
    recreate_db(db)
    log = RESULTS / "demo-install.log"
    rc = run_odoo(
        ["-d", db, "-i", ",".join(names), "--with-demo", "--stop-after-init",
         "--http-port=8169", "--log-level=warn"],
        log,
    )  # fmt: skip
    errors = error_lines(log)
    missing = uninstalled(db, names)
    ok = not rc and not errors and not missing
    tally.add("demo data loads", int(ok), int(not ok))


def pytest_tests(tally):
    junit = RESULTS / "pytest.xml"
    subprocess.run(
        [str(PYTHON), "-m", "pytest", "-q", "-p", "no:cacheprovider", f"--junitxml={junit}",
         "tests"],
        cwd=REPO,
    )  # fmt: skip
    if not junit.exists():
        tally.add("tests/ (pytest)", 0, 1, " (pytest did not run)")
        return
    suite = ET.parse(junit).getroot()
    suite = suite if suite.tag == "testsuite" else suite.find("testsuite")
    total = int(suite.get("tests", 0))
    bad = int(suite.get("failures", 0)) + int(suite.get("errors", 0))
    skipped = int(suite.get("skipped", 0))
    tally.add("tests/ (pytest)", total - bad - skipped, bad)


def lint(tally):
    checks = {
        "ruff check": [str(VENV / "bin" / "ruff"), "check", "."],
        "ruff format": [str(VENV / "bin" / "ruff"), "format", "--check", "."],
        "pylint-odoo": [
            str(VENV / "bin" / "pylint"), "--rcfile=.pylintrc-mandatory", *addons(),
        ],
    }  # fmt: skip
    for label, cmd in checks.items():
        print(f"--- {label}", flush=True)
        rc = subprocess.run(cmd, cwd=REPO).returncode
        tally.add(label, int(rc == 0), int(rc != 0))


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--db", default=os.environ.get("TEST_DB", "crm_suite_test"))
    parser.add_argument(
        "--only", choices=["odoo", "demo", "pytest", "lint"], action="append",
        help="run only these steps (repeatable)",
    )  # fmt: skip
    args = parser.parse_args()
    steps = set(args.only or ["odoo", "demo", "pytest", "lint"])
    RESULTS.mkdir(exist_ok=True)
    tally = Tally()
    if "lint" in steps:
        lint(tally)
    if "pytest" in steps:
        pytest_tests(tally)
    if "odoo" in steps:
        odoo_tests(tally, args.db)
    if "demo" in steps:
        demo_data(tally, f"{args.db}_demo")
    print("\n".join(["", "Summary:", *tally.notes, ""]))
    print(f"{tally.passed} passed, {tally.failed} failed")
    return 1 if tally.failed else 0


if __name__ == "__main__":
    sys.exit(main())
