"""Time the sales question of the selection addon on a large generated data set.

Builds the database ``crm_suite_bench`` once (it is kept and reused while the scale does not
change), fills it through PostgreSQL bulk inserts, then runs the selection and the
independent hand-written SQL query several times and writes the median times to
``test-results/bench.json``.

Scale: BENCH_COMPANIES (default 100000 companies, three contact persons each) and
BENCH_LINES (default 500000 confirmed sale order lines over the last two years).
"""

import json
import os
import statistics
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
ODOO_HOME = Path(os.environ.get("ODOO_HOME", "/opt/odoo"))
ODOORC = REPO / ".odoorc"
DB = os.environ.get("BENCH_DB", "crm_suite_bench")
COMPANIES = int(os.environ.get("BENCH_COMPANIES", "100000"))
LINES = int(os.environ.get("BENCH_LINES", "500000"))
RUNS = int(os.environ.get("BENCH_RUNS", "5"))
ADDONS = "crm_contact_management,crm_selection,crm_selection_sale"
SCALE_PARAMETER = "crm_suite_bench.generated_scale"
RESULTS = REPO / "test-results" / "bench.json"

sys.path.insert(0, str(ODOO_HOME))

import odoo  # noqa: E402
from odoo import SUPERUSER_ID, Command, api  # noqa: E402
from odoo.modules.registry import Registry  # noqa: E402
from odoo.tools import SQL, config  # noqa: E402


def log(message):
    print(f"[bench] {message}", flush=True)


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


def wanted_scale():
    return f"{COMPANIES} companies, {LINES} sale order lines"


def build_database():
    """Create the database with the addons, without demo data."""
    if database_exists():
        log(f"dropping {DB}: it was generated at another scale or not completely")
        odoo.sql_db.close_db(DB)
        with odoo.sql_db.db_connect("postgres").cursor() as cr:
            cr._cnx.autocommit = True
            cr.execute(SQL("DROP DATABASE %s", SQL.identifier(DB)))
    log(f"installing {ADDONS} into {DB}")
    subprocess.run(
        odoo_command("-d", DB, "-i", ADDONS, "--stop-after-init", "--no-http", "--log-level=warn"),
        check=True,
    )


# --- Generation -----------------------------------------------------------------------------


def create_master_data(env):
    """The few records the question needs, through the ORM: industries, the product category
    with its products, the license tag and a EUR pricelist."""
    eur = env.ref("base.EUR")
    eur.active = True
    industries = env["res.partner.industry"].create(
        [
            {"name": name}
            for name in ("Database Software", "Machine Building", "Logistics", "Retail")
        ]
    )
    category = env["product.category"].create({"name": "Application Software"})
    license_tag = env["product.tag"].create({"name": "License"})
    env["product.product"].create(
        [
            {
                "name": f"Application Software {number:02d}",
                "type": "service",
                "categ_id": category.id,
                "list_price": 1000.0 * number,
                "product_tag_ids": [Command.set(license_tag.ids)] if number % 2 else [],
            }
            for number in range(1, 21)
        ]
    )
    pricelist = env["product.pricelist"].create({"name": "Germany (EUR)", "currency_id": eur.id})
    env.flush_all()
    return {
        "eur": eur.id,
        "industries": industries.ids,
        "category": category.id,
        "pricelist": pricelist.id,
        "company": env.company.id,
        "countries": [env.ref(f"base.{code}").id for code in ("de", "ch", "pl")],
        "purchaser": env.ref("crm_contact_management.crm_contact_function_purchaser").id,
        "director": env.ref("crm_contact_management.crm_contact_function_managing_director").id,
        "sales": env.ref("crm_contact_management.crm_contact_function_sales").id,
    }


def generate(env):
    ids = create_master_data(env)
    cr = env.cr
    values = {
        "companies": COMPANIES,
        "orders": (LINES + 1) // 2,
        "lines": LINES,
        "de": ids["countries"][0],
        "ch": ids["countries"][1],
        "pl": ids["countries"][2],
        "industries": ids["industries"],
        "purchaser": ids["purchaser"],
        "director": ids["director"],
        "sales": ids["sales"],
        "eur": ids["eur"],
        "pricelist": ids["pricelist"],
        "company": ids["company"],
        "category": ids["category"],
    }
    for step, query in GENERATION_STEPS:
        started = time.perf_counter()
        cr.execute(SQL(query, **values))
        log(f"  {step}: {cr.rowcount} rows in {time.perf_counter() - started:.1f} s")
    cr.execute("ANALYZE")
    env.invalidate_all()


GENERATION_STEPS = [
    (
        "companies",
        """
        INSERT INTO res_partner (name, complete_name, is_company, type, active, ref, lang,
                                 autopost_bills, country_id, zip, city, industry_id,
                                 create_uid, write_uid, create_date, write_date)
        SELECT 'Bench Company ' || g, 'Bench Company ' || g, TRUE, 'contact', TRUE,
               'BENCH-' || g, 'en_US', 'ask',
               CASE WHEN g %% 10 < 6 THEN %(de)s WHEN g %% 10 < 8 THEN %(ch)s ELSE %(pl)s END,
               CASE WHEN g %% 10 = 3 THEN '66' ELSE lpad(((g * 7) %% 60 + 10)::text, 2, '0') END
                   || lpad((g %% 1000)::text, 3, '0'),
               'Bench City ' || (g %% 500),
               (%(industries)s::int[])[1 + g %% 4],
               1, 1, now(), now()
          FROM generate_series(1, %(companies)s) g
        """,
    ),
    (
        "companies as their own commercial partner",
        """
        UPDATE res_partner SET commercial_partner_id = id
         WHERE ref LIKE 'BENCH-%%' AND is_company
        """,
    ),
    (
        "company industries",
        """
        INSERT INTO res_partner_industry_crm_rel (partner_id, industry_id)
        SELECT id, industry_id FROM res_partner
         WHERE ref LIKE 'BENCH-%%' AND is_company AND industry_id IS NOT NULL
        """,
    ),
    (
        "contact persons",
        """
        INSERT INTO res_partner (name, complete_name, is_company, type, active, lang,
                                 autopost_bills, parent_id, commercial_partner_id, country_id,
                                 zip, city, function_id, create_uid, write_uid, create_date,
                                 write_date)
        SELECT 'Person ' || n || ' of ' || company.name,
               company.name || ', Person ' || n || ' of ' || company.name,
               FALSE, 'contact', TRUE, 'en_US', 'ask', company.id, company.id, company.country_id,
               company.zip, company.city,
               (ARRAY[%(purchaser)s, %(director)s, %(sales)s])[n],
               1, 1, now(), now()
          FROM res_partner company, generate_series(1, 3) n
         WHERE company.ref LIKE 'BENCH-%%' AND company.is_company
        """,
    ),
    (
        "contact links",
        """
        INSERT INTO crm_contact_link (person_id, organization_id, function_id, is_main,
                                      create_uid, write_uid, create_date, write_date)
        SELECT person.id, person.parent_id, person.function_id, TRUE, 1, 1, now(), now()
          FROM res_partner person
          JOIN res_partner company ON company.id = person.parent_id
         WHERE company.ref LIKE 'BENCH-%%' AND NOT person.is_company
        """,
    ),
    (
        "sale orders",
        """
        INSERT INTO sale_order (name, state, date_order, partner_id, partner_invoice_id,
                                partner_shipping_id, company_id, currency_id, pricelist_id,
                                user_id, create_uid, write_uid, create_date, write_date)
        SELECT 'BENCH/' || g, 'sale',
               date_trunc('day', now()) - make_interval(days => (g * 37) %% 730, hours => 12),
               company.id, company.id, company.id, %(company)s, %(eur)s, %(pricelist)s,
               1, 1, 1, now(), now()
          FROM generate_series(1, %(orders)s) g
          JOIN res_partner company
            ON company.ref = 'BENCH-' || (1 + (g::bigint * 7919) %% %(companies)s)
        """,
    ),
    (
        "sale order lines",
        """
        INSERT INTO sale_order_line (order_id, sequence, name, product_id, product_uom_id,
                                     product_uom_qty, price_unit, price_subtotal, price_total,
                                     price_tax, discount, customer_lead, currency_id,
                                     company_id, order_partner_id, salesman_id, state,
                                     create_uid, write_uid, create_date, write_date)
        SELECT sale_order.id, 10 * n, template.name->>'en_US', product.id, template.uom_id,
               quantity, price, quantity * price, quantity * price, 0, 0, 0,
               sale_order.currency_id, sale_order.company_id, sale_order.partner_id,
               sale_order.user_id, 'sale', 1, 1, now(), now()
          FROM (
                SELECT sale_order.*, n, (sale_order.id::bigint * 2 + n) AS k
                  FROM sale_order, generate_series(1, 2) n
                 WHERE sale_order.name LIKE 'BENCH/%%'
                 ORDER BY sale_order.id, n
                 LIMIT %(lines)s
               ) sale_order
         CROSS JOIN (SELECT array_agg(product.id ORDER BY product.id) AS ids
                       FROM product_product product
                       JOIN product_template template ON template.id = product.product_tmpl_id
                      WHERE template.categ_id = %(category)s) products
         CROSS JOIN LATERAL (SELECT 1 + sale_order.k %% 8 AS quantity,
                                    1000 + (sale_order.k * 7919) %% 14000 AS price) amounts
          JOIN product_product product ON product.id = products.ids[1 + sale_order.k %% 20]
          JOIN product_template template ON template.id = product.product_tmpl_id
        """,
    ),
    (
        "order totals",
        """
        UPDATE sale_order
           SET amount_untaxed = totals.amount, amount_total = totals.amount, amount_tax = 0
          FROM (SELECT order_id, SUM(price_subtotal) AS amount
                  FROM sale_order_line GROUP BY order_id) totals
         WHERE totals.order_id = sale_order.id AND sale_order.name LIKE 'BENCH/%%'
        """,
    ),
]


# --- The question ---------------------------------------------------------------------------


def build_selection(env, date_from, date_to):
    """The sales question of issue 4, built as crm_selection_sale's test builds it."""
    ref = env.ref
    category = env["product.category"].search([("name", "=", "Application Software")], limit=1)
    license_tag = env["product.tag"].search([("name", "=", "License")], limit=1)
    database_software = env["res.partner.industry"].search(
        [("name", "=", "Database Software")], limit=1
    )
    selection = env["crm.selection"].create(
        {
            "name": "Bench: purchasers of German application software customers",
            "output_level": "persons",
            "output_function_ids": [
                Command.set(ref("crm_contact_management.crm_contact_function_purchaser").ids)
            ],
        }
    )
    period = {"date_from": date_from, "date_to": date_to}
    criteria = (
        {"kind": "partner", "country_ids": [Command.set(ref("base.de").ids)]},
        {"kind": "partner", "zip_pattern": "66xxx", "zip_mode": "exclude"},
        {
            "kind": "sale_lines",
            "product_category_ids": [Command.set(category.ids)],
            "measure": "revenue",
            "comparator": ">=",
            "amount": 100000.0,
            "currency_id": ref("base.EUR").id,
            **period,
        },
        {
            "kind": "sale_lines",
            "product_tag_ids": [Command.set(license_tag.ids)],
            "measure": "quantity",
            "comparator": ">",
            "amount": 5.0,
            **period,
        },
    )
    director = ref("crm_contact_management.crm_contact_function_managing_director")
    selection.write(
        {
            "node_ids": [
                Command.create(
                    {"parent_id": selection.root_node_id.id, "node_type": "criterion", **values}
                )
                for values in criteria
            ],
            "output_rule_ids": [
                Command.create(
                    {
                        "function_id": director.id,
                        "domain": str([("industry_ids", "in", database_software.ids)]),
                    }
                )
            ],
        }
    )
    env.flush_all()
    sql_values = {
        "currency_id": ref("base.EUR").id,
        "date_from": date_from,
        "date_to": date_to,
        "category_id": category.id,
        "tag_id": license_tag.id,
        "industry_id": database_software.id,
        "today": date.today(),
    }
    return selection, sql_values


def timed(function, runs):
    times, result = [], None
    for _run in range(runs):
        started = time.perf_counter()
        result = function()
        times.append(time.perf_counter() - started)
    return statistics.median(times), times, result


def benchmark(env):
    from odoo.addons.crm_selection_sale.tests.test_sales_question import SALES_QUESTION_SQL

    year = date.today().year - 1
    selection, sql_values = build_selection(env, date(year, 1, 1), date(year, 12, 31))
    query = SQL(SALES_QUESTION_SQL, **sql_values)

    def run_selection():
        env.invalidate_all()
        return sorted(selection._get_member_ids())

    def run_sql():
        return [person_id for (person_id,) in env.execute_query(query)]

    selection_median, selection_times, members = timed(run_selection, RUNS)
    sql_median, sql_times, expected = timed(run_sql, RUNS)
    env.cr.rollback()
    return {
        "members": len(members),
        "members_match_sql": members == expected,
        "selection_median_s": round(selection_median, 4),
        "sql_median_s": round(sql_median, 4),
        "ratio": round(selection_median / sql_median, 2) if sql_median else None,
        "selection_times_s": [round(t, 4) for t in selection_times],
        "sql_times_s": [round(t, 4) for t in sql_times],
    }


def main():
    config.parse_config(["-c", str(ODOORC), "--log-level=warn"])
    generation_seconds = None
    if not database_exists() or generated_scale() != wanted_scale():
        started = time.perf_counter()
        build_database()
        log(f"generating {wanted_scale()}")
        registry = Registry(DB)
        with registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            generate(env)
            env["ir.config_parameter"].set_param(SCALE_PARAMETER, wanted_scale())
        generation_seconds = round(time.perf_counter() - started, 1)
        log(f"database built and generated in {generation_seconds} s")
    else:
        log(f"reusing {DB} ({wanted_scale()})")
    registry = Registry(DB)
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        admin = env.ref("base.user_admin")
        figures = benchmark(env(user=admin.id))
        cr.execute("SELECT COUNT(*) FROM sale_order_line")
        line_count = cr.fetchone()[0]
    figures = {
        "database": DB,
        "companies": COMPANIES,
        "sale_order_lines": line_count,
        "runs": RUNS,
        "generation_s": generation_seconds,
        **figures,
    }
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(json.dumps(figures, indent=2) + "\n")
    log(
        f"{figures['members']} members; _get_member_ids() median {figures['selection_median_s']} s,"
        f" hand-written SQL median {figures['sql_median_s']} s, ratio {figures['ratio']}"
    )
    log(f"figures written to {RESULTS.relative_to(REPO)}")
    if not figures["members_match_sql"]:
        log("the selection's members differ from the hand-written query's")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
