from datetime import date

from odoo import Command
from odoo.fields import Domain
from odoo.tests import TransactionCase, tagged
from odoo.tools import SQL


@tagged("post_install", "-at_install")
class TestProductCriteriaBase(TransactionCase):
    """The shared helpers of the criteria over document lines, exercised on vendor price
    lines (``product.supplierinfo``: a vendor, a product, a quantity in a unit, a price in a
    currency, a start date), the document lines the product addon itself has."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, tracking_disable=True))
        cls.company = cls.env.company
        cls.eur = cls.company.currency_id
        cls.chf = cls.env.ref("base.CHF")
        cls.chf.active = True
        cls.software = cls.env["product.category"].create({"name": "Software (test)"})
        cls.databases = cls.env["product.category"].create(
            {"name": "Databases (test)", "parent_id": cls.software.id}
        )
        cls.services = cls.env["product.category"].create({"name": "Services (test)"})
        cls.license_tag = cls.env["product.tag"].create({"name": "License (test)"})
        cls.erp, cls.dbms, cls.training = cls.env["product.product"].create(
            [
                {
                    "name": "ERP Licence (test)",
                    "categ_id": cls.software.id,
                    "product_tag_ids": [Command.set(cls.license_tag.ids)],
                },
                {"name": "DBMS Licence (test)", "categ_id": cls.databases.id},
                {"name": "Training Day (test)", "categ_id": cls.services.id},
            ]
        )
        cls.unit = cls.env.ref("uom.product_uom_unit")
        cls.dozen = cls.env.ref("uom.product_uom_dozen")
        Partner = cls.env["res.partner"]
        cls.softhaus, cls.alpen, cls.nowak = Partner.create(
            [
                {"name": "Softhaus Leipzig GmbH (test)", "is_company": True},
                {"name": "Alpen Software AG (test)", "is_company": True},
                {"name": "Nowak Szkolenia Sp. z o.o. (test)", "is_company": True},
            ]
        )
        cls.softhaus_buyer = Partner.create(
            {"name": "Karin Vogt (test)", "parent_id": cls.softhaus.id}
        )
        cls.companies = cls.softhaus | cls.alpen | cls.nowak
        cls.env["res.currency.rate"].search(
            [("currency_id", "in", (cls.eur | cls.chf).ids)]
        ).unlink()
        cls.env["res.currency.rate"].create(
            [
                {"currency_id": cls.eur.id, "name": date(2000, 1, 1), "rate": 1.0},
                {"currency_id": cls.chf.id, "name": date(2024, 1, 1), "rate": 2.0},
                {"currency_id": cls.chf.id, "name": date(2024, 7, 1), "rate": 4.0},
            ]
        )
        Line = cls.env["product.supplierinfo"]

        def line(partner, product, qty, price, day, currency=None, uom=None):
            return {
                "partner_id": partner.id,
                "product_id": product.id,
                "product_tmpl_id": product.product_tmpl_id.id,
                "min_qty": qty,
                "product_uom_id": (uom or cls.unit).id,
                "price": price,
                "currency_id": (currency or cls.eur).id,
                "company_id": cls.company.id,
                "date_start": day,
            }

        Line.create(
            [
                # bought by the contact person: counts for the company
                line(cls.softhaus_buyer, cls.erp, 2, 1000.0, date(2024, 3, 1)),
                line(cls.softhaus, cls.dbms, 1, 300.0, date(2024, 5, 1), uom=cls.dozen),
                # CHF 800 at 2 CHF per EUR (March) = EUR 400; CHF 800 at 4 (August) = EUR 200
                line(cls.alpen, cls.erp, 1, 800.0, date(2024, 3, 1), currency=cls.chf),
                line(cls.alpen, cls.erp, 1, 800.0, date(2024, 8, 1), currency=cls.chf),
                line(cls.nowak, cls.training, 5, 100.0, date(2023, 12, 31)),
            ]
        )
        selection = cls.env["crm.selection"].create({"name": "Vendors (test)"})
        cls.node = cls.env["crm.selection.node"].create(
            {"selection_id": selection.id, "parent_id": selection.root_node_id.id}
        )

    def _companies(self, node, measure):
        """Companies whose aggregate of the vendor price lines meets ``node``."""
        Line = self.env["product.supplierinfo"]
        domain = node._get_product_domain("product_id") & node._get_period_domain("date_start")
        node._flush_sources({"product.supplierinfo": ["partner_id", "price", "min_qty"]})
        query = Line._search(domain)
        company_sql = node._commercial_partner_sql(query, query.table, "partner_id")
        if measure == "quantity":
            aggregate = node._product_quantity_sql(query, query.table, "min_qty")
        else:
            aggregate = node._revenue_sql(
                SQL(
                    "%s * %s",
                    SQL.identifier(query.table, "price"),
                    SQL.identifier(query.table, "min_qty"),
                ),
                SQL.identifier(query.table, "currency_id"),
                SQL.identifier(query.table, "company_id"),
                SQL.identifier(query.table, "date_start"),
            )
        domain = node._get_companies_by_aggregate(query, company_sql, aggregate)
        return self.env["res.partner"].search(domain & Domain("id", "in", self.companies.ids))

    def test_product_filters_each_must_hold(self):
        node = self.node
        node.write(
            {
                "product_category_ids": [Command.set(self.software.ids)],
                "comparator": ">=",
                "amount": 1.0,
            }
        )
        # categories include their subcategories; Nowak bought training only
        self.assertEqual(self._companies(node, "revenue"), self.softhaus | self.alpen)
        # both filters must hold: only the tagged ERP licence, two of each company
        node.write({"product_tag_ids": [Command.set(self.license_tag.ids)], "amount": 2.0})
        self.assertEqual(self._companies(node, "quantity"), self.softhaus | self.alpen)
        node.write({"amount": 2.5})
        self.assertFalse(self._companies(node, "quantity"))
        # a product outside the category and without the tag: nothing matches
        node.write({"product_ids": [Command.set(self.training.ids)], "amount": 1.0})
        self.assertFalse(self._companies(node, "quantity"))

    def test_quantities_in_the_unit_of_the_product(self):
        node = self.node
        node.write({"product_ids": [Command.set(self.dbms.ids)], "comparator": "=", "amount": 12})
        # one dozen is twelve units
        self.assertEqual(self._companies(node, "quantity"), self.softhaus)

    def test_amounts_converted_at_the_rate_of_their_date(self):
        node = self.node
        node.write(
            {
                "product_ids": [Command.set(self.erp.ids)],
                "date_from": date(2024, 1, 1),
                "date_to": date(2024, 12, 31),
                "comparator": "=",
                "amount": 600.0,
                "currency_id": self.eur.id,
            }
        )
        # CHF 800 / 2 + CHF 800 / 4 = EUR 600
        self.assertEqual(self._companies(node, "revenue"), self.alpen)
        # the same in CHF at the rates of each date: 800 + 800
        node.write({"currency_id": self.chf.id, "amount": 1600.0})
        self.assertEqual(self._companies(node, "revenue"), self.alpen)
        # EUR 2000 of Softhaus in CHF: 4000 in March
        node.write({"amount": 4000.0})
        self.assertEqual(self._companies(node, "revenue"), self.softhaus)

    def test_rate_before_the_first_one_is_the_oldest(self):
        node = self.node
        node.currency_id = self.eur
        sql = node._convert_amount_sql(
            SQL("%s::numeric", 100),
            SQL("%s", self.chf.id),
            SQL("%s", self.company.id),
            SQL("%s::date", date(1999, 1, 1)),
        )
        self.env.cr.execute(SQL("SELECT ROUND((%s)::numeric, 2)", sql))
        self.assertEqual(float(self.env.cr.fetchone()[0]), 50.0)

    def test_period_both_days_included(self):
        node = self.node
        node.write({"date_from": date(2023, 12, 31), "date_to": date(2024, 3, 1), "amount": 1})
        self.assertEqual(self._companies(node, "quantity"), self.softhaus | self.alpen | self.nowak)
        node.write({"date_from": date(2024, 1, 1)})
        self.assertEqual(self._companies(node, "quantity"), self.softhaus | self.alpen)

    def test_zero_meets_comparison_selects_companies_without_lines(self):
        node = self.node
        node.write({"product_ids": [Command.set(self.training.ids)]})
        expected = {">=": False, ">": False, "=": False, "<=": True, "<": True}
        for comparator, meets in expected.items():
            node.write({"comparator": comparator, "amount": 1.0})
            self.assertEqual(node._zero_meets_comparison(), meets, comparator)
        # fewer than 3 training days: the companies without any, not Nowak (5)
        node.write({"comparator": "<", "amount": 3.0})
        self.assertEqual(self._companies(node, "quantity"), self.softhaus | self.alpen)
        node.write({"comparator": "=", "amount": 0.0})
        self.assertTrue(node._zero_meets_comparison())
        self.assertEqual(self._companies(node, "quantity"), self.softhaus | self.alpen)

    def test_summary_names_products_and_amount(self):
        node = self.node
        node.write(
            {
                "product_ids": [Command.set(self.erp.ids)],
                "product_tag_ids": [Command.set(self.license_tag.ids)],
                "measure": "revenue",
                "comparator": ">=",
                "amount": 1000.0,
                "currency_id": self.eur.id,
            }
        )
        summary = node._get_summary_document_lines()
        self.assertIn("ERP Licence (test)", summary)
        self.assertIn("License (test)", summary)
        self.assertIn("1,000.00", summary)
        self.assertIn("currency_id", node._summary_depends())
        self.assertIn("product_tag_ids", node._summary_depends())
