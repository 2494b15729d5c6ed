"""``make bench``: benchmarks of the suite on a large generated data set.

Builds the database ``crm_suite_bench`` once (kept and reused while the scale, the generator and
the addons' models do not change):
installs the addons without demo data, then fills it through PostgreSQL bulk inserts (see
``generate.py``). Then runs every benchmark of ``benchmarks.BENCHMARKS`` inside an Odoo
environment (as the administrator), prints each one's figures with the ratio against its
reference and PASS/MISS per target, and writes everything to ``test-results/bench.json``.

Environment: ``BENCH_DB`` (database name), ``BENCH_SCALE`` (factor on every count, default 1),
``BENCH_RUNS`` (runs per measure, default 5), ``BENCH_ONLY`` (comma-separated benchmark names),
``BENCH_TEMPLATE`` (a database with the addons installed and no data, copied instead of
installing them).
"""

import hashlib
import json
import os
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
ODOO_HOME = Path(os.environ.get("ODOO_HOME", "/opt/odoo"))
ODOORC = REPO / ".odoorc"
DB = os.environ.get("BENCH_DB", "crm_suite_bench")
RUNS = int(os.environ.get("BENCH_RUNS", "5"))
TEMPLATE = os.environ.get("BENCH_TEMPLATE")
ONLY = [name for name in os.environ.get("BENCH_ONLY", "").split(",") if name]
ADDONS = (
    "crm_contact_management,crm_selection,crm_selection_sale,crm_campaign_stages,crm_exchange_sync"
)
SCALE_PARAMETER = "crm_suite_bench.generated_scale"
RESULTS = REPO / "test-results" / "bench.json"

sys.path.insert(0, str(ODOO_HOME))

import generate  # noqa: E402
from benchmarks import BENCHMARKS  # noqa: E402

import odoo  # noqa: E402
from odoo import SUPERUSER_ID, api  # noqa: E402
from odoo.modules.registry import Registry  # noqa: E402
from odoo.tools import SQL, config  # noqa: E402

log = generate.log


def odoo_command(*args):
    return [sys.executable, str(ODOO_HOME / "odoo-bin"), "-c", str(ODOORC), *args]


def database_exists():
    with odoo.sql_db.db_connect("postgres").cursor() as cr:
        cr.execute("SELECT 1 FROM pg_database WHERE datname = %s", [DB])
        return bool(cr.fetchone())


def generated_scale():
    with odoo.sql_db.db_connect(DB).cursor() as cr:
        cr.execute("SELECT to_regclass('ir_config_parameter') IS NOT NULL")
        if not cr.fetchone()[0]:
            return None
        cr.execute("SELECT value FROM ir_config_parameter WHERE key = %s", [SCALE_PARAMETER])
        row = cr.fetchone()
        return row and row[0]


def source_digest():
    """Digest of what shapes the generated database: the generator and the addons' models
    (a new index or column needs a new database: the cached one is never updated)."""
    digest = hashlib.sha256()
    bench = REPO / "tests" / "bench"
    files = [bench / "generate.py", bench / "bench_campaign.py"]
    files += sorted(REPO.glob("*/models/*.py"))
    for path in files:
        digest.update(str(path.relative_to(REPO)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def cache_key():
    """What the cached database was generated for: the scale, the addons and their source."""
    return f"{generate.wanted_scale()}; addons {ADDONS}; source {source_digest()}"


def build_database():
    """Create the database with the addons, without demo data."""
    import subprocess

    if database_exists():
        log(f"dropping {DB}: it was generated at another scale, by other code or not completely")
        odoo.sql_db.close_db(DB)
        with odoo.sql_db.db_connect("postgres").cursor() as cr:
            cr._cnx.autocommit = True
            cr.execute(SQL("DROP DATABASE %s WITH (FORCE)", SQL.identifier(DB)))
    if TEMPLATE:
        log(f"copying {TEMPLATE} into {DB}")
        with odoo.sql_db.db_connect("postgres").cursor() as cr:
            cr._cnx.autocommit = True
            cr.execute(
                SQL(
                    "CREATE DATABASE %s TEMPLATE %s",
                    SQL.identifier(DB),
                    SQL.identifier(TEMPLATE),
                )
            )
        return
    log(f"installing {ADDONS} into {DB}")
    subprocess.run(
        odoo_command("-d", DB, "-i", ADDONS, "--stop-after-init", "--no-http", "--log-level=warn"),
        check=True,
    )


def build_and_generate():
    started = time.perf_counter()
    build_database()
    installed = time.perf_counter()
    log(f"generating {generate.wanted_scale()}")
    registry = Registry(DB)
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        steps = generate.generate(env)
        env["ir.config_parameter"].set_param(SCALE_PARAMETER, cache_key())
    finished = time.perf_counter()
    figures = {
        "install_s": round(installed - started, 1),
        "generation_s": round(finished - installed, 1),
        "total_s": round(finished - started, 1),
        "steps_s": steps,
    }
    log(
        f"database installed in {figures['install_s']} s, data generated in "
        f"{figures['generation_s']} s"
    )
    return figures


def installed_addons(env):
    rows = env.execute_query(SQL("SELECT name FROM ir_module_module WHERE state = 'installed'"))
    return {name for (name,) in rows}


def counts(env):
    tables = {
        "partners": "res_partner",
        "companies": "res_partner WHERE is_company",
        "attribute_values": "crm_attribute_value",
        "sale_order_lines": "sale_order_line",
        "journal_entries": "crm_journal_entry",
        "tasks": "mail_activity WHERE campaign_id IS NULL",
        "campaign_participants": "crm_campaign_participant",
    }
    return {
        key: env.execute_query(SQL(f"SELECT COUNT(*) FROM {table}"))[0][0]
        for key, table in tables.items()
    }


def run_benchmarks(env):
    results = {}
    addons = installed_addons(env)
    for benchmark in BENCHMARKS:
        if ONLY and benchmark.name not in ONLY:
            continue
        if benchmark.addon not in addons:
            reason = f"skipped: the addon {benchmark.addon} is not installed"
        elif benchmark.function is None:
            reason = f"skipped: {benchmark.addon} provides no benchmark yet"
        else:
            reason = None
        if reason:
            log(f"{benchmark.name}: {reason}")
            results[benchmark.name] = {"skipped": reason}
            continue
        log(f"{benchmark.name}: running")
        started = time.perf_counter()
        try:
            figures = benchmark.function(env, benchmark.runs or RUNS)
        finally:
            env.cr.rollback()
            env.invalidate_all()
        figures["elapsed_s"] = round(time.perf_counter() - started, 1)
        results[benchmark.name] = figures
        log(f"{benchmark.name}: {figures['summary']} [{figures['elapsed_s']} s]")
        for target in figures.get("targets", []):
            log(f"  {'PASS' if target['met'] else 'MISS'}  {target['target']}")
    return results


def main():
    started = time.perf_counter()
    config.parse_config(["-c", str(ODOORC), "--log-level=warn"])
    generation = None
    if not database_exists() or generated_scale() != cache_key():
        generation = build_and_generate()
    else:
        log(f"reusing {DB} ({cache_key()})")
    registry = Registry(DB)
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        if generation:
            sample, differences = generate.check_invariants(env)
            generation["invariants_checked"] = sample
            generation["invariant_differences"] = len(differences)
            for difference in differences[:10]:
                log(f"  stored value differs from the ORM's: {difference}")
            log(f"invariants: {sample} partners checked, {len(differences)} differences")
        data = counts(env)
        log("data: " + ", ".join(f"{value} {key}" for key, value in data.items()))
        admin = env.ref("base.user_admin")
        results = run_benchmarks(env(user=admin.id))
    figures = {
        "database": DB,
        "scale": generate.SCALE,
        "counts": data,
        "runs": RUNS,
        "generation": generation,
        "benchmarks": results,
        "total_s": round(time.perf_counter() - started, 1),
    }
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(json.dumps(figures, indent=2, default=str) + "\n")
    log(f"make bench took {figures['total_s']} s; figures written to {RESULTS.relative_to(REPO)}")
    if generation and generation.get("invariant_differences"):
        return 1
    if any(not result.get("members_match_sql", True) for result in results.values()):
        log("the selection's members differ from the hand-written query's")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
