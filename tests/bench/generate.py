"""Generate the data set of ``make bench`` through PostgreSQL bulk paths.

Every large table is filled by ``INSERT ... SELECT`` over ``generate_series`` (never record by
record); the few master records the data refers to (products, users, attributes, absences) are
created through the ORM. The stored computed fields the ORM would maintain are written by the
same SQL: ``commercial_partner_id``, ``commercial_company_name``, ``complete_name``,
``function``, ``email_normalized``, ``partner_share`` and the autocomplete text
``crm_search_text`` (computed like ``res.partner._crm_get_search_text``; ``check_invariants``
compares a sample with the ORM's own computation). The trigram (GIN) indexes of the filled
tables, and the plain indexes and foreign keys of the large tables filled from scratch, are
dropped during the load and created once at the end (the keys validated then).

Scale (multiplied by ``BENCH_SCALE``, default 1): 100,000 companies with 4 contact persons each,
1,000,000 partners in total (the others: a delivery and an invoice address per company, and
private customers), 500,000 dated attribute values, 2,000,000 confirmed sale order lines over
the last two years, 300,000 journal entries (100,000 of them with the contact persons of one
company, for the roll-up), 200,000 tasks (half of them done, hence archived), among which
50,000 open items of absent users for the deputy redirection.
"""

import os
import time
from datetime import date, timedelta

from odoo.fields import Command
from odoo.tools import SQL

SCALE_FACTOR = float(os.environ.get("BENCH_SCALE", "1"))


def scaled(count):
    return max(int(count * SCALE_FACTOR), 1)


SCALE = {
    "companies": scaled(100_000),
    "persons_per_company": 4,
    "partners": scaled(1_000_000),
    "attribute_values": scaled(500_000),
    "sale_order_lines": scaled(2_000_000),
    "journal_entries": scaled(300_000),
    "rollup_entries": scaled(100_000),
    "tasks": scaled(200_000),
    "redirect_items": scaled(50_000),
}
LINES_PER_ORDER = 4
USERS = 20  # sales users; the first ABSENT_USERS of them are absent today
ABSENT_USERS = 10
# share of the redirected items that are tasks; the others are planned journal entries
REDIRECT_TASK_SHARE = 0.8

FIRST_NAMES = [
    "Anna", "Hans", "Jürgen", "Günther", "Petra", "Ursula", "Sabine", "Thomas", "Michael",
    "Stefan", "Andreas", "Katarzyna", "Agnieszka", "Piotr", "Krzysztof", "Małgorzata", "Łukasz",
    "Zofia", "Beat", "Reto", "Ueli", "Verena", "Jörg", "Björn", "Käthe", "Sören", "René",
    "Paweł", "Michał", "Grzegorz", "Monika", "Claudia", "Frank", "Dieter", "Brigitte", "Jan",
]  # fmt: skip
LAST_NAMES = [
    "Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Meyer", "Wagner", "Becker", "Schulz",
    "Hoffmann", "Schäfer", "Koch", "Bauer", "Richter", "Klein", "Wolf", "Schröder", "Neumann",
    "Schwarz", "Zimmermann", "Krüger", "Hofmann", "Hartmann", "Lange", "Kowalski", "Nowak",
    "Wiśniewski", "Wójcik", "Kowalczyk", "Kamiński", "Lewandowski", "Zieliński", "Szymański",
    "Woźniak", "Dąbrowski", "Gerber", "Keller", "Brunner", "Baumann", "Frei", "Huber",
    "Gassmann", "Käser", "Blöchlinger", "Maier", "Vogel", "Jäger", "Sommer", "Graf", "Brandt",
]  # fmt: skip
BRANCHES = [
    "Maschinenbau", "Datenbanken", "Logistik", "Präzision", "Software", "Elektrotechnik",
    "Stahlbau", "Dystrybucja", "Handel", "Automation", "Kunststoff", "Feinmechanik",
    "Verpackung", "Antriebstechnik", "Systemtechnik", "Informatik", "Budownictwo", "Medizintechnik",
]  # fmt: skip
CITIES = {
    "de": [
        "Berlin", "München", "Hamburg", "Köln", "Frankfurt am Main", "Stuttgart", "Düsseldorf",
        "Leipzig", "Dresden", "Nürnberg", "Saarbrücken", "Würzburg", "Lübeck", "Osnabrück",
        "Göttingen", "Mönchengladbach",
    ],
    "ch": ["Zürich", "Bern", "Basel", "Luzern", "St. Gallen", "Winterthur", "Genève", "Lausanne"],
    "pl": ["Warszawa", "Kraków", "Łódź", "Wrocław", "Poznań", "Gdańsk", "Szczecin", "Katowice"],
}  # fmt: skip
LEGAL_FORMS = {
    "de": ["GmbH", "AG", "GmbH & Co. KG"],
    "ch": ["AG", "GmbH"],
    "pl": ["Sp. z o.o.", "S.A."],
}
ADDRESS_NAMES = {"delivery": "Lager", "invoice": "Buchhaltung"}
TASK_SUMMARIES = [
    "Angebot nachfassen", "Rückruf wegen Reklamation", "Messetermin vereinbaren",
    "Rahmenvertrag prüfen", "Zadzwonić w sprawie oferty", "Preisliste senden",
]  # fmt: skip
ENTRY_SUBJECTS = [
    "Telefonat Angebot", "Besuch vor Ort", "Rückfrage Lieferung", "Reklamation Charge",
    "Spotkanie handlowe", "Jahresgespräch", "Messe-Kontakt", "Wartungsvertrag",
]  # fmt: skip

# Accented letters of the vocabulary and their base letter: the folding of
# ``res.partner._crm_fold`` (NFKD without combining marks, plus its table for ß, ł, ...).
FOLD_FROM = "äöüéèêàáâçñńśźżęąóćčřšžłý"
FOLD_TO = "aoueeeaaacnnszzeaoccrszly"

assert len(FOLD_FROM) == len(FOLD_TO)

SQL_FUNCTIONS = f"""
CREATE OR REPLACE FUNCTION pg_temp.bench_fold(value text, transliterate boolean)
RETURNS text LANGUAGE sql IMMUTABLE AS $$
    SELECT translate(
        replace(
            CASE WHEN transliterate
                 THEN replace(replace(replace(lower(value), 'ä', 'ae'), 'ö', 'oe'), 'ü', 'ue')
                 ELSE lower(value) END,
            'ß', 'ss'),
        '{FOLD_FROM}', '{FOLD_TO}')
$$;

-- res.partner._crm_get_search_text, for the names of the generator: the folded name, then the
-- other values (without repetitions), then the transliterated words not yet there
CREATE OR REPLACE FUNCTION pg_temp.bench_search_text(name text, others text[])
RETURNS text LANGUAGE plpgsql IMMUTABLE AS $$
DECLARE
    vals text[] := ARRAY[btrim(coalesce(name, ''))];
    folded text[] := '{{}}';
    words text[] := '{{}}';
    extra text[] := '{{}}';
    v text;
    w text;
BEGIN
    FOREACH v IN ARRAY others LOOP
        v := btrim(v);
        IF v IS NOT NULL AND v <> '' AND v <> vals[1]
           AND NOT (v = ANY(vals[2:array_length(vals, 1)])) THEN
            vals := vals || v;
        END IF;
    END LOOP;
    IF vals[1] = '' AND array_length(vals, 1) = 1 THEN
        RETURN NULL;
    END IF;
    FOREACH v IN ARRAY vals LOOP
        v := btrim(regexp_replace(pg_temp.bench_fold(v, FALSE), '\\s+', ' ', 'g'));
        folded := folded || v;
        words := words || string_to_array(v, ' ');
    END LOOP;
    FOREACH v IN ARRAY vals LOOP
        FOREACH w IN ARRAY coalesce(
            regexp_split_to_array(btrim(pg_temp.bench_fold(v, TRUE)), '\\s+'), '{{}}') LOOP
            IF w <> '' AND NOT (w = ANY(words)) AND NOT (w = ANY(extra)) THEN
                extra := extra || w;
            END IF;
        END LOOP;
    END LOOP;
    IF array_length(extra, 1) > 0 THEN
        folded := folded || array_to_string(extra, ' ');
    END IF;
    RETURN array_to_string(folded, ' | ');
END
$$;
"""


def log(message):
    print(f"[bench] {message}", flush=True)


def wanted_scale():
    return ", ".join(f"{key} {value}" for key, value in SCALE.items())


# --- Master data through the ORM --------------------------------------------------------------


def create_master_data(env):
    """The few records the generated data refers to, through the ORM."""
    eur = env.ref("base.EUR")
    eur.active = True
    industries = env["res.partner.industry"].create(
        [
            {"name": name}
            for name in ("Database Software", "Machine Building", "Logistics", "Retail")
        ]
    )
    software = env["product.category"].create({"name": "Application Software"})
    services = env["product.category"].create({"name": "Services"})
    license_tag = env["product.tag"].create({"name": "License"})
    products = env["product.product"].create(
        [
            {
                "name": f"Application Software {number:02d}",
                "type": "service",
                "categ_id": software.id,
                "list_price": 1000.0 * number,
                "product_tag_ids": [Command.set(license_tag.ids)] if number % 2 else [],
            }
            for number in range(1, 21)
        ]
        + [
            {
                "name": f"Consulting {number:02d}",
                "type": "service",
                "categ_id": services.id,
                "list_price": 120.0 * number,
            }
            for number in range(1, 11)
        ]
    )
    pricelist = env["product.pricelist"].create({"name": "Germany (EUR)", "currency_id": eur.id})
    users = env["res.users"].create(
        [
            {
                "name": f"Bench Sales {number:02d}",
                "login": f"bench_sales_{number:02d}",
                "email": f"bench_sales_{number:02d}@example.com",
                "tz": "Europe/Berlin",
                "group_ids": [
                    Command.set(
                        [
                            env.ref("base.group_user").id,
                            env.ref("sales_team.group_sale_salesman").id,
                        ]
                    )
                ],
            }
            for number in range(1, USERS + 1)
        ]
    )
    today = date.today()
    env["crm.absence"].create(
        [
            {
                "user_id": users[number].id,
                "deputy_user_id": users[number + ABSENT_USERS].id,
                "date_from": today - timedelta(days=1),
                "date_to": today + timedelta(days=7),
                "reason": "vacation",
                "hand_back": True,
            }
            for number in range(ABSENT_USERS)
        ]
    )
    attributes = create_attributes(env)
    env.flush_all()
    functions = env["crm.contact.function"].search([("code", "!=", False)], order="id")
    function_by_code = {function.code: function for function in functions}
    person_functions = [
        function_by_code[code] for code in ("purchaser", "managing_director", "sales", "accounting")
    ]
    return {
        "eur": eur.id,
        "industries": industries.ids,
        "category": software.id,
        "products": products.ids,
        "pricelist": pricelist.id,
        "company": env.company.id,
        "de": env.ref("base.de").id,
        "ch": env.ref("base.ch").id,
        "pl": env.ref("base.pl").id,
        "person_function_ids": [function.id for function in person_functions],
        "person_function_names": [function.name for function in person_functions],
        "users": users.ids,
        "absent_users": users[:ABSENT_USERS].ids,
        "other_users": users[ABSENT_USERS:].ids,
        "partner_model": env["ir.model"]._get_id("res.partner"),
        "activity_types": [
            env.ref(xmlid).id
            for xmlid in (
                "mail.mail_activity_data_todo",
                "mail.mail_activity_data_call",
                "mail.mail_activity_data_email",
            )
        ],
        "media": env["crm.journal.medium"].search([], order="id").ids,
        "content_types": env["crm.journal.content.type"].search([], order="id").ids,
        **attributes,
    }


def create_attributes(env):
    Attribute = env["crm.attribute"]
    employees = Attribute.create(
        {"name": "Employees", "code": "bench_employees", "value_type": "integer",
         "applies_to": "company"}
    )  # fmt: skip
    revenue = Attribute.create(
        {"name": "Annual Revenue (EUR)", "code": "bench_revenue", "value_type": "float",
         "applies_to": "company"}
    )  # fmt: skip
    erp = Attribute.create(
        {
            "name": "ERP System",
            "code": "bench_erp",
            "value_type": "selection",
            "applies_to": "company",
            "option_ids": [
                Command.create({"name": name})
                for name in ("SAP", "Microsoft Dynamics", "Odoo", "abas", "proALPHA", "Comarch")
            ],
        }
    )
    iso = Attribute.create(
        {"name": "ISO 9001 Certified", "code": "bench_iso9001", "value_type": "boolean",
         "applies_to": "company"}
    )  # fmt: skip
    return {
        "attr_employees": employees.id,
        "attr_revenue": revenue.id,
        "attr_erp": erp.id,
        "erp_options": erp.option_ids.ids,
        "attr_iso": iso.id,
    }


# --- Bulk SQL ---------------------------------------------------------------------------------


def generate(env):
    """Fill the database; return the seconds each step took."""
    cr = env.cr
    ids = create_master_data(env)
    companies = SCALE["companies"]
    persons = companies * SCALE["persons_per_company"]
    addresses = 2 * companies
    orders = SCALE["sale_order_lines"] // LINES_PER_ORDER
    redirect_tasks = int(SCALE["redirect_items"] * REDIRECT_TASK_SHARE)
    values = {
        **ids,
        "companies": companies,
        "private_customers": max(SCALE["partners"] - companies - persons - addresses, 0),
        "orders": orders,
        "lines_per_order": LINES_PER_ORDER,
        "attribute_values": SCALE["attribute_values"],
        "journal_entries": SCALE["journal_entries"],
        "rollup_entries": SCALE["rollup_entries"],
        "tasks": SCALE["tasks"],
        "redirect_tasks": redirect_tasks,
        "redirect_entries": SCALE["redirect_items"] - redirect_tasks,
        "first_names": FIRST_NAMES,
        "last_names": LAST_NAMES,
        "branches": BRANCHES,
        "cities_de": CITIES["de"],
        "cities_ch": CITIES["ch"],
        "cities_pl": CITIES["pl"],
        "legal_de": LEGAL_FORMS["de"],
        "legal_ch": LEGAL_FORMS["ch"],
        "legal_pl": LEGAL_FORMS["pl"],
        "task_summaries": TASK_SUMMARIES,
        "entry_subjects": ENTRY_SUBJECTS,
        "delivery_name": ADDRESS_NAMES["delivery"],
        "invoice_name": ADDRESS_NAMES["invoice"],
        "today": date.today(),
    }
    cr.execute(SQL_FUNCTIONS)
    restore = drop_load_indexes(cr)
    timings = {}
    for step, query in GENERATION_STEPS:
        started = time.perf_counter()
        cr.execute(SQL(query, **values))
        timings[step] = round(time.perf_counter() - started, 1)
        log(f"  {step}: {max(cr.rowcount, 0)} rows in {timings[step]} s")
    from bench_campaign import generate_campaign  # the campaign of crm_campaign_stages

    timings.update(generate_campaign(env))
    started = time.perf_counter()
    for statement in restore:
        cr.execute(statement)
    timings["indexes and foreign keys"] = round(time.perf_counter() - started, 1)
    log(
        f"  {len(restore)} indexes and foreign keys created in "
        f"{timings['indexes and foreign keys']} s"
    )
    started = time.perf_counter()
    cr.execute("ANALYZE")
    timings["analyze"] = round(time.perf_counter() - started, 1)
    env.invalidate_all()
    env.registry.clear_cache()
    return timings


# Tables whose trigram (GIN) indexes are dropped during the load and rebuilt at the end.
GIN_TABLES = (
    "res_partner",
    "sale_order",
    "sale_order_line",
    "mail_activity",
    "crm_journal_entry",
    "crm_attribute_value",
    "mail_message",
)
# Large tables loaded from scratch: their plain indexes and foreign keys are dropped during the
# load too, then created (and the keys validated) once, in bulk.
BULK_TABLES = ("sale_order", "sale_order_line", "mail_activity", "crm_journal_entry")


def drop_load_indexes(cr):
    """Drop the GIN indexes of ``GIN_TABLES`` and the plain indexes and foreign keys of
    ``BULK_TABLES``; return the statements creating them again."""
    cr.execute(
        """SELECT index.relname, pg_get_indexdef(index.oid)
             FROM pg_index
             JOIN pg_class index ON index.oid = pg_index.indexrelid
             JOIN pg_class tab ON tab.oid = pg_index.indrelid
             JOIN pg_am am ON am.oid = index.relam
            WHERE NOT pg_index.indisprimary AND NOT pg_index.indisunique
              AND NOT EXISTS (SELECT 1 FROM pg_constraint WHERE conindid = index.oid)
              AND ((am.amname = 'gin' AND tab.relname = ANY(%s)) OR tab.relname = ANY(%s))""",
        [list(GIN_TABLES), list(BULK_TABLES)],
    )
    indexes = cr.fetchall()
    cr.execute(
        """SELECT tab.relname, con.conname, pg_get_constraintdef(con.oid)
             FROM pg_constraint con JOIN pg_class tab ON tab.oid = con.conrelid
            WHERE con.contype = 'f' AND tab.relname = ANY(%s)""",
        [list(BULK_TABLES)],
    )
    foreign_keys = cr.fetchall()
    # the statements are plain text from the catalog, run without parameters
    restore = []
    for name, definition in indexes:
        cr.execute(SQL("DROP INDEX %s", SQL.identifier(name)))
        restore.append(definition)
    for table, name, definition in foreign_keys:
        cr.execute(
            SQL("ALTER TABLE %s DROP CONSTRAINT %s", SQL.identifier(table), SQL.identifier(name))
        )
        restore.append(f'ALTER TABLE "{table}" ADD CONSTRAINT "{name}" {definition}')
    return restore


# Each step is one statement; %(name)s are the values of ``generate``.
GENERATION_STEPS = [
    (
        "companies",
        """
        INSERT INTO res_partner (id, name, complete_name, commercial_partner_id,
                                 commercial_company_name, is_company, type, active,
                                 lang, autopost_bills, partner_share, country_id, zip, city,
                                 street, email, email_normalized, ref, vat, industry_id,
                                 crm_search_text, create_uid, write_uid, create_date, write_date)
        SELECT id, name, name, id, name, TRUE, 'contact', TRUE, 'en_US', 'ask', TRUE,
               country_id, zip, city, street, email, email, ref, vat, industry_id,
               pg_temp.bench_search_text(name, ARRAY[NULL, name, city, email, NULL, ref, vat]),
               1, 1, now(), now()
          FROM (
                SELECT nextval('res_partner_id_seq') AS id, g, country,
                       (%(last_names)s::text[])[1 + g %% cardinality(%(last_names)s::text[])]
                       || CASE WHEN g %% 3 = 0
                               THEN ' & ' || (%(last_names)s::text[])[
                                   1 + (g / 7) %% cardinality(%(last_names)s::text[])]
                               ELSE '' END
                       || ' ' || (%(branches)s::text[])[
                           1 + (g / 3) %% cardinality(%(branches)s::text[])]
                       || ' ' || CASE country
                           WHEN 'de' THEN (%(legal_de)s::text[])[1 + g %% 3]
                           WHEN 'ch' THEN (%(legal_ch)s::text[])[1 + g %% 2]
                           ELSE (%(legal_pl)s::text[])[1 + g %% 2] END AS name,
                       CASE country WHEN 'de' THEN %(de)s WHEN 'ch' THEN %(ch)s
                                    ELSE %(pl)s END AS country_id,
                       CASE country
                           WHEN 'de' THEN
                               CASE WHEN g %% 10 = 3 THEN '66'
                                    ELSE lpad(((g * 7) %% 60 + 10)::text, 2, '0') END
                               || lpad((g %% 1000)::text, 3, '0')
                           WHEN 'ch' THEN (1000 + g %% 8000)::text
                           ELSE lpad((g %% 100)::text, 2, '0') || '-'
                                || lpad((g %% 1000)::text, 3, '0') END AS zip,
                       CASE country
                           WHEN 'de' THEN (%(cities_de)s::text[])[
                               1 + (g / 10) %% cardinality(%(cities_de)s::text[])]
                           WHEN 'ch' THEN (%(cities_ch)s::text[])[
                               1 + (g / 10) %% cardinality(%(cities_ch)s::text[])]
                           ELSE (%(cities_pl)s::text[])[
                               1 + (g / 10) %% cardinality(%(cities_pl)s::text[])] END AS city,
                       'Industriestraße ' || (1 + g %% 200) AS street,
                       'info@firma' || g || '.example.com' AS email,
                       'BENCH-' || g AS ref,
                       upper(country) || lpad(g::text, 9, '0') AS vat,
                       (%(industries)s::int[])[1 + g %% 4] AS industry_id
                  FROM generate_series(1, %(companies)s) g
                 CROSS JOIN LATERAL (
                        SELECT CASE WHEN g %% 10 < 6 THEN 'de' WHEN g %% 10 < 8 THEN 'ch'
                                    ELSE 'pl' END AS country) c
               ) company
        """,
    ),
    (
        "company index (staging)",
        """
        CREATE UNLOGGED TABLE bench_company AS
        SELECT row_number() OVER (ORDER BY id) AS k, id, name, city, country_id, zip
          FROM res_partner WHERE is_company AND ref LIKE 'BENCH-%%';
        CREATE UNIQUE INDEX ON bench_company (k);
        CREATE UNIQUE INDEX ON bench_company (id);
        ANALYZE bench_company
        """,
    ),
    (
        "company industries",
        """
        INSERT INTO res_partner_industry_crm_rel (partner_id, industry_id)
        SELECT partner.id, partner.industry_id
          FROM bench_company JOIN res_partner partner ON partner.id = bench_company.id
        """,
    ),
    (
        "contact persons",
        """
        INSERT INTO res_partner (id, name, complete_name, parent_id, commercial_partner_id,
                                 commercial_company_name, is_company, type, active,
                                 lang, autopost_bills, partner_share, country_id, zip, city,
                                 email, email_normalized, function_id, function,
                                 crm_search_text, create_uid, write_uid, create_date, write_date)
        SELECT id, name, company_name || ', ' || name, company_id, company_id, company_name,
               FALSE, 'contact', TRUE, 'en_US', 'ask', TRUE,
               country_id, zip, city, email, email, function_id, function,
               pg_temp.bench_search_text(
                   name, ARRAY[company_name, company_name, city, email, function]),
               1, 1, now(), now()
          FROM (
                SELECT nextval('res_partner_id_seq') AS id, company.id AS company_id,
                       company.name AS company_name, company.country_id, company.zip,
                       company.city, person.name, person.function_id, person.function,
                       pg_temp.bench_fold(replace(person.name, ' ', '.'), TRUE)
                           || '@firma' || company.k || '.example.com' AS email
                  FROM bench_company company
                 CROSS JOIN generate_series(1, 4) n
                 CROSS JOIN LATERAL (
                        SELECT (%(first_names)s::text[])[
                                   1 + (company.k * 4 + n) %% cardinality(%(first_names)s::text[])]
                               || ' ' || (%(last_names)s::text[])[
                                   1 + (company.k * 3 + n * 7)
                                       %% cardinality(%(last_names)s::text[])]
                                   AS name,
                               (%(person_function_ids)s::int[])[n] AS function_id,
                               (%(person_function_names)s::text[])[n] AS function
                       ) person
                 ORDER BY company.k, n
               ) person
        """,
    ),
    (
        "contact person index (staging)",
        """
        CREATE UNLOGGED TABLE bench_person AS
        SELECT company.k AS company_k, person.id, person.function_id,
               -- 1: purchaser, 2: managing director, 3: sales, 4: accounting
               array_position(%(person_function_ids)s::int[], person.function_id) AS n
          FROM bench_company company
          JOIN res_partner person ON person.parent_id = company.id AND NOT person.is_company;
        CREATE INDEX ON bench_person (company_k, n);
        ANALYZE bench_person
        """,
    ),
    (
        "contact links",
        """
        INSERT INTO crm_contact_link (person_id, organization_id, function_id, is_main,
                                      create_uid, write_uid, create_date, write_date)
        SELECT person.id, company.id, person.function_id, TRUE, 1, 1, now(), now()
          FROM bench_person person JOIN bench_company company ON company.k = person.company_k
        """,
    ),
    (
        "delivery and invoice addresses",
        """
        INSERT INTO res_partner (id, name, complete_name, parent_id, commercial_partner_id,
                                 commercial_company_name, is_company, type, active,
                                 lang, autopost_bills, partner_share, country_id, zip, city,
                                 street, crm_search_text, create_uid, write_uid, create_date,
                                 write_date)
        SELECT id, name, company_name || ', ' || name, company_id, company_id, company_name,
               FALSE, type, TRUE, 'en_US', 'ask', TRUE,
               country_id, zip, city, street,
               pg_temp.bench_search_text(name, ARRAY[company_name, company_name, city]),
               1, 1, now(), now()
          FROM (
                SELECT nextval('res_partner_id_seq') AS id, company.id AS company_id,
                       company.name AS company_name, company.country_id, company.zip,
                       company.city, address.type,
                       CASE address.type
                           WHEN 'delivery' THEN %(delivery_name)s || ' ' || company.city
                           ELSE %(invoice_name)s END AS name,
                       'Lagerweg ' || (1 + company.k %% 90) AS street
                  FROM bench_company company
                 CROSS JOIN (VALUES ('delivery'), ('invoice')) address(type)
                 ORDER BY company.k, address.type
               ) address
        """,
    ),
    (
        "private customers",
        """
        INSERT INTO res_partner (id, name, complete_name, commercial_partner_id, is_company,
                                 type, active, lang, autopost_bills, partner_share, country_id,
                                 zip, city, email, email_normalized,
                                 crm_search_text, create_uid, write_uid, create_date, write_date)
        SELECT id, name, name, id, FALSE, 'contact', TRUE, 'en_US', 'ask', TRUE,
               country_id, zip, city, email, email,
               pg_temp.bench_search_text(name, ARRAY[NULL, NULL, city, email]),
               1, 1, now(), now()
          FROM (
                SELECT nextval('res_partner_id_seq') AS id, company.country_id, company.zip,
                       company.city, names.name,
                       pg_temp.bench_fold(replace(names.name, ' ', '.'), TRUE) || '.' || g
                           || '@privat.example.com' AS email
                  FROM generate_series(1, %(private_customers)s) g
                  JOIN bench_company company ON company.k = 1 + (g::bigint * 7919) %% %(companies)s
                 CROSS JOIN LATERAL (
                        SELECT (%(first_names)s::text[])[
                                   1 + (g * 5) %% cardinality(%(first_names)s::text[])]
                               || ' ' || (%(last_names)s::text[])[
                                   1 + (g / 3) %% cardinality(%(last_names)s::text[])] AS name
                       ) names
               ) private
        """,
    ),
    (
        "dated attribute values",
        """
        INSERT INTO crm_attribute_value (partner_id, attribute_id, date_from, date_to,
                                         value_integer, value_float, value_option_id,
                                         value_boolean, create_uid, write_uid, create_date,
                                         write_date)
        SELECT company.id, attribute.attribute_id, attribute.date_from, attribute.date_to,
               attribute.value_integer, attribute.value_float, attribute.value_option_id,
               attribute.value_boolean, 1, 1, now(), now()
          FROM bench_company company
         CROSS JOIN LATERAL (
                VALUES
                    (1, %(attr_employees)s, DATE '2022-01-01', DATE '2024-12-31',
                     10 + (company.k * 13) %% 900, NULL::float, NULL::int, NULL::boolean),
                    (2, %(attr_employees)s, DATE '2025-01-01', NULL::date,
                     12 + (company.k * 17) %% 1000, NULL, NULL, NULL),
                    (3, %(attr_revenue)s, DATE '2024-01-01', NULL,
                     NULL, (500000 + (company.k * 7919) %% 50000000)::float, NULL, NULL),
                    (4, %(attr_erp)s, DATE '2020-01-01', NULL,
                     NULL, NULL, (%(erp_options)s::int[])[1 + company.k %% 6], NULL),
                    (5, %(attr_iso)s, DATE '2021-06-01', NULL,
                     NULL, NULL, NULL, company.k %% 3 = 0)
               ) attribute(n, attribute_id, date_from, date_to, value_integer, value_float,
                           value_option_id, value_boolean)
         WHERE (company.k - 1) * 5 + attribute.n <= %(attribute_values)s
        """,
    ),
    (
        "sale orders",
        """
        INSERT INTO sale_order (id, name, state, date_order, partner_id, partner_invoice_id,
                                partner_shipping_id, company_id, currency_id, currency_rate,
                                pricelist_id, user_id, invoice_status, require_signature,
                                require_payment, prepayment_percent, amount_untaxed,
                                amount_total, amount_tax, create_uid, write_uid, create_date,
                                write_date)
        SELECT orders.id, 'BENCH/' || orders.g, 'sale', orders.date_order,
               -- every fifth order is placed by the purchaser of the company
               CASE WHEN orders.g %% 5 = 0 THEN purchaser.id ELSE company.id END,
               company.id, company.id, %(company)s, %(eur)s, 1.0, %(pricelist)s,
               (%(users)s::int[])[1 + orders.g %% cardinality(%(users)s::int[])],
               'no', FALSE, FALSE, 1.0, totals.amount, totals.amount, 0,
               1, 1, orders.date_order, orders.date_order
          FROM (
                SELECT nextval('sale_order_id_seq') AS id, g,
                       date_trunc('day', now())
                           - make_interval(days => (g * 37) %% 730, hours => 12) AS date_order
                  FROM generate_series(1, %(orders)s) g
               ) orders
          JOIN bench_company company ON company.k = 1 + (orders.g::bigint * 7919) %% %(companies)s
          JOIN bench_person purchaser ON purchaser.company_k = company.k AND purchaser.n = 1
         CROSS JOIN LATERAL (
                SELECT SUM((1 + (orders.id::bigint * 4 + n) %% 8)
                           * (1000 + ((orders.id::bigint * 4 + n) * 7919) %% 14000)) AS amount
                  FROM generate_series(1, %(lines_per_order)s) n
               ) totals
        """,
    ),
    (
        "sale order lines",
        """
        INSERT INTO sale_order_line (order_id, sequence, name, product_id, product_uom_id,
                                     product_uom_qty, price_unit, price_subtotal, price_total,
                                     price_tax, price_reduce_taxexcl, price_reduce_taxinc,
                                     discount, customer_lead, currency_id, company_id,
                                     order_partner_id, salesman_id, state, invoice_status,
                                     qty_delivered_method, qty_delivered, qty_invoiced,
                                     qty_to_invoice, untaxed_amount_invoiced,
                                     untaxed_amount_to_invoice, create_uid, write_uid,
                                     create_date, write_date)
        SELECT sale_order.id, 10 * n, template.name->>'en_US', product.id, template.uom_id,
               quantity, price, quantity * price, quantity * price, 0, price, price, 0, 0,
               sale_order.currency_id, sale_order.company_id, sale_order.partner_id,
               sale_order.user_id, 'sale', 'no', 'manual', 0, 0, 0, 0, 0,
               1, 1, sale_order.create_date, sale_order.create_date
          FROM sale_order
         CROSS JOIN generate_series(1, %(lines_per_order)s) n
         CROSS JOIN LATERAL (
                SELECT 1 + (sale_order.id::bigint * 4 + n) %% 8 AS quantity,
                       1000 + ((sale_order.id::bigint * 4 + n) * 7919) %% 14000 AS price,
                       (%(products)s::int[])[
                           1 + (sale_order.id::bigint * 4 + n) %% cardinality(%(products)s::int[])
                       ] AS product_id
               ) amounts
          JOIN product_product product ON product.id = amounts.product_id
          JOIN product_template template ON template.id = product.product_tmpl_id
         WHERE sale_order.name LIKE 'BENCH/%%'
        """,
    ),
    (
        "journal entries of the roll-up company",
        """
        INSERT INTO crm_journal_entry (name, partner_id, contact_id, user_id, company_id,
                                       medium_id, content_type_id, direction, state,
                                       date_start, duration, date_finished, reminder,
                                       is_recurring, recurrence_interval, create_uid,
                                       write_uid, create_date, write_date)
        SELECT (%(entry_subjects)s::text[])[1 + g %% cardinality(%(entry_subjects)s::text[])],
               person.company_id, person.id,
               (%(other_users)s::int[])[1 + g %% cardinality(%(other_users)s::int[])],
               %(company)s, (%(media)s::int[])[1 + g %% cardinality(%(media)s::int[])],
               (%(content_types)s::int[])[1 + g %% cardinality(%(content_types)s::int[])],
               CASE WHEN g %% 3 = 0 THEN 'incoming' ELSE 'outgoing' END, 'done',
               entry.date_start, 0.5, entry.date_start + interval '30 minutes', FALSE, FALSE, 1,
               1, 1, entry.date_start, entry.date_start
          FROM generate_series(1, %(rollup_entries)s) g
          JOIN (SELECT person.id, company.id AS company_id, person.n
                  FROM bench_person person JOIN bench_company company
                    ON company.k = person.company_k
                 WHERE company.k = 1) person ON person.n = 1 + g %% 4
         CROSS JOIN LATERAL (
                SELECT date_trunc('minute', now()) - make_interval(mins => g * 7) AS date_start
               ) entry
        """,
    ),
    (
        "other journal entries",
        """
        INSERT INTO crm_journal_entry (name, partner_id, contact_id, user_id, company_id,
                                       medium_id, content_type_id, direction, state,
                                       not_done_reason, date_start, duration, date_finished,
                                       reminder, is_recurring, recurrence_interval, create_uid,
                                       write_uid, create_date, write_date)
        SELECT (%(entry_subjects)s::text[])[1 + g %% cardinality(%(entry_subjects)s::text[])],
               company.id, person.id,
               (%(other_users)s::int[])[1 + g %% cardinality(%(other_users)s::int[])],
               %(company)s, (%(media)s::int[])[1 + g %% cardinality(%(media)s::int[])],
               (%(content_types)s::int[])[1 + g %% cardinality(%(content_types)s::int[])],
               CASE WHEN g %% 3 = 0 THEN 'incoming' ELSE 'outgoing' END, state,
               CASE WHEN state = 'not_done' THEN 'Nicht erreicht' END,
               date_start, 0.25, CASE WHEN state = 'done' THEN date_start END, FALSE, FALSE, 1,
               1, 1, now(), now()
          FROM generate_series(1,
                   %(journal_entries)s - %(rollup_entries)s - %(redirect_entries)s) g
          JOIN bench_company company ON company.k = 2 + (g::bigint * 7919) %% (%(companies)s - 1)
          JOIN bench_person person ON person.company_k = company.k AND person.n = 1 + g %% 4
         CROSS JOIN LATERAL (
                SELECT CASE WHEN g %% 10 = 0 THEN 'planned'
                            WHEN g %% 10 = 1 THEN 'not_done' ELSE 'done' END AS state,
                       date_trunc('minute', now())
                           + CASE WHEN g %% 10 = 0 THEN make_interval(days => 1 + g %% 60)
                                  ELSE -make_interval(days => g %% 730) END AS date_start
               ) entry
        """,
    ),
    (
        "planned journal entries of absent users",
        """
        INSERT INTO crm_journal_entry (name, partner_id, contact_id, user_id, company_id,
                                       medium_id, content_type_id, direction, state,
                                       date_start, duration, reminder, is_recurring,
                                       recurrence_interval, create_uid, write_uid, create_date,
                                       write_date)
        SELECT (%(entry_subjects)s::text[])[1 + g %% cardinality(%(entry_subjects)s::text[])],
               company.id, person.id,
               (%(absent_users)s::int[])[1 + g %% cardinality(%(absent_users)s::int[])],
               %(company)s, (%(media)s::int[])[1 + g %% cardinality(%(media)s::int[])],
               (%(content_types)s::int[])[1 + g %% cardinality(%(content_types)s::int[])],
               'outgoing', 'planned',
               date_trunc('hour', now()) + make_interval(hours => g %% 120 - 24), 0.5,
               FALSE, FALSE, 1, 1, 1, now(), now()
          FROM generate_series(1, %(redirect_entries)s) g
          JOIN bench_company company ON company.k = 2 + (g::bigint * 104729) %% (%(companies)s - 1)
          JOIN bench_person person ON person.company_k = company.k AND person.n = 1 + g %% 4
        """,
    ),
    (
        "tasks",
        """
        INSERT INTO mail_activity (res_model_id, res_model, res_id, res_name, activity_type_id,
                                   summary, user_id, user_tz, date_deadline, date_done,
                                   done_user_id, automated, active, create_uid, write_uid,
                                   create_date, write_date)
        SELECT %(partner_model)s, 'res.partner', partner.id, partner.complete_name,
               (%(activity_types)s::int[])[1 + g %% cardinality(%(activity_types)s::int[])],
               (%(task_summaries)s::text[])[1 + g %% cardinality(%(task_summaries)s::text[])],
               task.user_id, 'Europe/Berlin', task.deadline,
               CASE WHEN task.done THEN task.deadline END,
               CASE WHEN task.done THEN task.user_id END,
               FALSE, NOT task.done, 1, 1, now(), now()
          FROM generate_series(1, %(tasks)s) g
          JOIN bench_company company ON company.k = 1 + (g::bigint * 7919) %% %(companies)s
          JOIN bench_person person ON person.company_k = company.k AND person.n = 1 + g %% 4
          JOIN res_partner partner ON partner.id = CASE WHEN g %% 2 = 0 THEN company.id
                                                        ELSE person.id END
         CROSS JOIN LATERAL (
                -- the first ones are the open tasks of the absent users, due during the
                -- absence (overdue ones included); then open tasks of the others, then done ones
                SELECT CASE WHEN g <= %(redirect_tasks)s
                            THEN (%(absent_users)s::int[])[
                                1 + g %% cardinality(%(absent_users)s::int[])]
                            ELSE (%(other_users)s::int[])[
                                1 + g %% cardinality(%(other_users)s::int[])] END AS user_id,
                       CASE WHEN g <= %(redirect_tasks)s
                            THEN %(today)s::date + (g %% 10 - 3)
                            WHEN g %% 2 = 0 THEN %(today)s::date - (g %% 700)
                            ELSE %(today)s::date + (g %% 90) END AS deadline,
                       g > %(redirect_tasks)s AND g %% 2 = 0 AS done
               ) task
        """,
    ),
    (
        "sequences",
        """
        SELECT setval('sale_order_id_seq', (SELECT MAX(id) FROM sale_order));
        DROP TABLE bench_person;
        DROP TABLE bench_company
        """,
    ),
]


# --- Checks -------------------------------------------------------------------------------------


def check_invariants(env, sample=400):
    """Compare the stored computed fields of a sample of generated partners with what the ORM
    computes for them; return the list of differences (empty when all agree)."""
    cr = env.cr
    cr.execute(
        """SELECT id FROM res_partner
            WHERE create_uid = 1 AND id > (SELECT MIN(id) FROM res_partner WHERE ref = 'BENCH-1')
              AND id %% %s = 0 LIMIT %s""",
        [max(SCALE["partners"] // sample, 1), sample],
    )
    partners = env["res.partner"].browse([row[0] for row in cr.fetchall()])
    differences = []
    for partner in partners:
        expected = {
            "crm_search_text": partner._crm_get_search_text(),
            "complete_name": partner.with_context({})._get_complete_name(),
            "commercial_partner_id": (
                partner if partner.is_company or not partner.parent_id else partner.parent_id
            ).id,
        }
        stored = {
            "crm_search_text": partner.crm_search_text,
            "complete_name": partner.complete_name,
            "commercial_partner_id": partner.commercial_partner_id.id,
        }
        for name, value in expected.items():
            if stored[name] != value:
                differences.append((partner.id, name, stored[name], value))
    return len(partners), differences
