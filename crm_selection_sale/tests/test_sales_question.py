from datetime import date, timedelta

from odoo import Command
from odoo.tools import SQL

from .common import SelectionSaleCase

# The question of the selection addon, answered by hand in SQL, independently of the
# compiler: plain joins over the orders, products, categories, partners, company links,
# functions and industries.
SALES_QUESTION_SQL = """
WITH period_lines AS (
    SELECT company.id AS company_id,
           line.price_subtotal AS revenue,
           line.product_uom_qty * line_uom.factor / product_uom.factor AS quantity,
           category.parent_path LIKE software.parent_path || '%%' AS in_category,
           (EXISTS (
                SELECT 1
                  FROM product_tag_product_template_rel tag
                 WHERE tag.product_template_id = template.id
                   AND tag.product_tag_id = %(tag_id)s)
            OR EXISTS (
                SELECT 1
                  FROM product_tag_product_product_rel tag
                 WHERE tag.product_product_id = product.id
                   AND tag.product_tag_id = %(tag_id)s)) AS is_license
      FROM sale_order_line line
      JOIN sale_order sale_order ON sale_order.id = line.order_id
      JOIN res_partner customer ON customer.id = sale_order.partner_id
      JOIN res_partner company ON company.id = customer.commercial_partner_id
      JOIN product_product product ON product.id = line.product_id
      JOIN product_template template ON template.id = product.product_tmpl_id
      JOIN product_category category ON category.id = template.categ_id
      JOIN product_category software ON software.id = %(category_id)s
      JOIN uom_uom line_uom ON line_uom.id = line.product_uom_id
      JOIN uom_uom product_uom ON product_uom.id = template.uom_id
     WHERE sale_order.state = 'sale'
       AND sale_order.currency_id = %(currency_id)s
       -- the days of the period, as a half-open range an index on date_order can serve
       AND sale_order.date_order >= %(date_from)s::date::timestamp
       AND sale_order.date_order < (%(date_to)s::date + 1)::timestamp
       AND line.display_type IS NULL
),
-- one pass over the lines: the revenue in the category and the licenses bought, per company
company_totals AS MATERIALIZED (
    SELECT company_id,
           SUM(revenue) FILTER (WHERE in_category) AS software_revenue,
           SUM(quantity) FILTER (WHERE is_license) AS licenses
      FROM period_lines
     GROUP BY company_id
),
selected_companies AS MATERIALIZED (
    SELECT company.id,
           EXISTS (
                SELECT 1
                  FROM res_partner_industry_crm_rel industry
                 WHERE industry.partner_id = company.id
                   AND industry.industry_id = %(industry_id)s
           ) AS in_database_software
      FROM res_partner company
      JOIN res_country country ON country.id = company.country_id
      JOIN company_totals totals ON totals.company_id = company.id
     WHERE company.is_company
       AND company.active
       AND country.code = 'DE'
       AND (company.zip IS NULL OR company.zip NOT LIKE '66___')
       AND totals.software_revenue >= 100000
       AND totals.licenses > 5
),
person_functions AS (
    -- the functions of the persons at the companies they are linked to today
    SELECT link.person_id, link.organization_id AS company_id,
           COALESCE(link.function_id, person.function_id) AS function_id
      FROM crm_contact_link link
      JOIN res_partner person ON person.id = link.person_id
     WHERE (link.date_from IS NULL OR link.date_from <= %(today)s)
       AND (link.date_to IS NULL OR link.date_to >= %(today)s)
     UNION ALL
    -- persons without any link work for their related company
    SELECT person.id, person.parent_id, person.function_id
      FROM res_partner person
     WHERE person.type = 'contact'
       AND NOT EXISTS (SELECT 1 FROM crm_contact_link link WHERE link.person_id = person.id)
)
SELECT DISTINCT person.id
  FROM res_partner person
  JOIN person_functions ON person_functions.person_id = person.id
  JOIN selected_companies ON selected_companies.id = person_functions.company_id
  JOIN crm_contact_function function ON function.id = person_functions.function_id
 WHERE person.active
   AND person.is_company IS NOT TRUE
   AND (function.code = 'purchaser'
        OR (function.code = 'managing_director' AND selected_companies.in_database_software))
 ORDER BY person.id
"""


class TestSalesQuestion(SelectionSaleCase):
    """ "All purchasers of all companies in Germany with whom we made at least EUR 100,000
    revenue last year in the product category Application Software, only companies that
    bought more than five licenses, but none in postal codes 66xxx; add the managing
    directors where the company is in the database software industry." """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.eur = cls.env.ref("base.EUR")
        cls.eur.active = True
        cls.pricelist = cls.env["product.pricelist"].create(
            {"name": "Germany (EUR)", "currency_id": cls.eur.id}
        )
        cls.maintenance = cls.env["product.product"].create(
            {"name": "Test ERP Maintenance", "type": "service", "categ_id": cls.category.id}
        )
        cls.purchaser = cls.env.ref("crm_contact_management.crm_contact_function_purchaser")
        cls.director = cls.env.ref("crm_contact_management.crm_contact_function_managing_director")
        cls.database_software, cls.machine_building = cls.env["res.partner.industry"].create(
            [{"name": "Test database software"}, {"name": "Test machine building"}]
        )
        germany, switzerland = cls.env.ref("base.de"), cls.env.ref("base.ch")
        last_year = date(cls.year, 6, 15)

        def company(name, zip_code, city, country=germany, industry=None):
            return cls._company(
                name,
                zip=zip_code,
                city=city,
                country_id=country.id,
                industry_id=industry.id if industry else False,
            )

        def person(name, employer, function, **values):
            return cls.Partner.create(
                {"name": name, "parent_id": employer.id, "function_id": function.id, **values}
            )

        def order(partner, lines, day=last_year, **values):
            return cls._order(partner, lines, day, pricelist_id=cls.pricelist.id, **values)

        # Anker: EUR 110,000 in the category (a subcategory included), 10 licenses: selected
        cls.anker = company(
            "Anker Maschinenbau GmbH", "10559", "Berlin", industry=cls.machine_building
        )
        cls.anker_purchaser = person("Anna Anker", cls.anker, cls.purchaser)
        cls.anker_former_purchaser = person("Arno Alt", cls.anker, cls.purchaser)
        cls.anker_former_purchaser.contact_link_ids.date_to = date.today() - timedelta(days=30)
        cls.anker_director = person("Albert Anker", cls.anker, cls.director)
        cls.analytics.product_tag_ids = [Command.link(cls.license_tag.id)]
        order(cls.anker, [(cls.license, 8, 12500.0), (cls.analytics, 2, 5000.0)])
        order(cls.anker, [(cls.consulting, 20, 1200.0)])
        # a purchaser of another company, buying for Anker too (second link)
        cls.elsewhere = company("Elsewhere GmbH", "50667", "Köln")
        cls.shared_purchaser = person("Sven Zweig", cls.elsewhere, cls.director)
        cls.env["crm.contact.link"].create(
            {
                "person_id": cls.shared_purchaser.id,
                "organization_id": cls.anker.id,
                "function_id": cls.purchaser.id,
            }
        )
        # Brandt: exactly EUR 100,000 and 6 licenses, database software: selected
        cls.brandt = company(
            "Brandt Datenbanken GmbH", "80804", "München", industry=cls.database_software
        )
        cls.brandt_purchaser = person("Berta Brandt", cls.brandt, cls.purchaser)
        cls.brandt_director = person("Bernd Brandt", cls.brandt, cls.director)
        order(cls.brandt, [(cls.license, 6, 12500.0), (cls.maintenance, 1, 25000.0)])
        # Conrad: EUR 99,999.99 only
        cls.conrad = company(
            "Conrad Logistik GmbH", "20539", "Hamburg", industry=cls.database_software
        )
        person("Carla Conrad", cls.conrad, cls.purchaser)
        person("Carl Conrad", cls.conrad, cls.director)
        order(cls.conrad, [(cls.license, 9, 10000.0), (cls.license, 1, 9999.99)])
        # Dillinger: far above the thresholds, but in 66111 Saarbrücken
        cls.dillinger = company(
            "Dillinger Stahl GmbH", "66111", "Saarbrücken", industry=cls.database_software
        )
        person("Dora Dillinger", cls.dillinger, cls.purchaser)
        person("Dieter Dillinger", cls.dillinger, cls.director)
        order(cls.dillinger, [(cls.license, 16, 12500.0)])
        # Eiger: not in Germany
        cls.eiger = company("Eiger Präzision AG", "8005", "Zürich", country=switzerland)
        person("Emil Eiger", cls.eiger, cls.purchaser)
        order(cls.eiger, [(cls.license, 16, 12500.0)])
        # Fischer: EUR 150,000 but only 5 licenses
        cls.fischer = company(
            "Fischer Software GmbH", "70173", "Stuttgart", industry=cls.database_software
        )
        person("Frieda Fischer", cls.fischer, cls.purchaser)
        order(cls.fischer, [(cls.license, 5, 12500.0), (cls.maintenance, 1, 87500.0)])
        # Graf: ordered by its purchaser and for a delivery address: EUR 112,500, 9 licenses;
        # a quotation and this year's orders do not count
        cls.graf = company("Graf Automation GmbH", "01067", "Dresden")
        cls.graf_purchaser = person("Gisela Graf", cls.graf, cls.purchaser)
        graf_warehouse = cls.Partner.create(
            {"name": "Lager Radebeul", "parent_id": cls.graf.id, "type": "delivery"}
        )
        order(cls.graf_purchaser, [(cls.license, 6, 12500.0)])
        order(graf_warehouse, [(cls.license, 3, 12500.0)], day=cls.date_to)
        order(cls.graf, [(cls.license, 20, 12500.0)], confirm=False)
        # Hoffmann: the revenue falls this year and the year before last
        cls.hoffmann = company(
            "Hoffmann Daten GmbH", "04109", "Leipzig", industry=cls.database_software
        )
        person("Hanna Hoffmann", cls.hoffmann, cls.purchaser)
        order(cls.hoffmann, [(cls.license, 10, 12500.0)], day=cls.date_to + timedelta(days=1))
        order(cls.hoffmann, [(cls.license, 10, 12500.0)], day=cls.date_from - timedelta(days=1))

    def _build_selection(self):
        """Build the selection as the sales user would, criterion by criterion."""
        Selection = self.env["crm.selection"].with_user(self.selection_user)
        selection = Selection.create(
            {
                "name": "Purchasers of German application software customers",
                "output_level": "persons",
                "output_function_ids": [Command.set(self.purchaser.ids)],
            }
        )
        period = {"date_from": self.date_from, "date_to": self.date_to}
        selection.write(
            {
                "node_ids": [
                    Command.create(
                        {
                            "parent_id": selection.root_node_id.id,
                            "node_type": "criterion",
                            **values,
                        }
                    )
                    for values in (
                        {
                            "kind": "partner",
                            "country_ids": [Command.set(self.env.ref("base.de").ids)],
                        },
                        {"kind": "partner", "zip_pattern": "66xxx", "zip_mode": "exclude"},
                        {
                            "kind": "sale_lines",
                            "product_category_ids": [Command.set(self.category.ids)],
                            "measure": "revenue",
                            "comparator": ">=",
                            "amount": 100000.0,
                            "currency_id": self.eur.id,
                            **period,
                        },
                        {
                            "kind": "sale_lines",
                            "product_tag_ids": [Command.set(self.license_tag.ids)],
                            "measure": "quantity",
                            "comparator": ">",
                            "amount": 5.0,
                            **period,
                        },
                    )
                ],
                "output_rule_ids": [
                    Command.create(
                        {
                            "function_id": self.director.id,
                            "domain": str([("industry_ids", "in", self.database_software.ids)]),
                        }
                    )
                ],
            }
        )
        return selection

    def _expected_member_ids(self):
        self.env.flush_all()
        rows = self.env.execute_query(
            SQL(
                SALES_QUESTION_SQL,
                currency_id=self.eur.id,
                date_from=self.date_from,
                date_to=self.date_to,
                category_id=self.category.id,
                tag_id=self.license_tag.id,
                industry_id=self.database_software.id,
                today=date.today(),
            )
        )
        return [person_id for (person_id,) in rows]

    def test_members_match_the_hand_written_query(self):
        selection = self._build_selection()
        expected = self._expected_member_ids()
        self.assertEqual(sorted(selection._get_member_ids()), expected)
        # and the query finds what the data was made for
        self.assertEqual(
            self.Partner.browse(expected),
            self.anker_purchaser
            | self.shared_purchaser
            | self.brandt_purchaser
            | self.brandt_director
            | self.graf_purchaser,
        )
        self.assertEqual(selection.member_count, len(expected))

    def test_companies_of_the_question(self):
        selection = self._build_selection()
        companies = self.Partner.search(selection._get_company_domain())
        self.assertEqual(
            companies
            & (
                self.anker
                | self.brandt
                | self.conrad
                | self.dillinger
                | self.eiger
                | self.fischer
                | self.graf
                | self.hoffmann
                | self.elsewhere
            ),
            self.anker | self.brandt | self.graf,
        )

    def test_a_new_order_changes_the_members(self):
        """Conrad reaches EUR 100,000 with one more cent: its purchaser joins, and the SQL
        query agrees."""
        selection = self._build_selection()
        self._order(
            self.conrad,
            [(self.maintenance, 1, 0.01)],
            date(self.year, 8, 1),
            pricelist_id=self.pricelist.id,
        )
        expected = self._expected_member_ids()
        self.assertEqual(sorted(selection._get_member_ids()), expected)
        self.assertIn(self.Partner.search([("name", "=", "Carla Conrad")]).id, expected)
