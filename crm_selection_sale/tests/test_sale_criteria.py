from datetime import date, timedelta

from odoo import Command
from odoo.exceptions import AccessError
from odoo.tests import Form, new_test_user

from .common import SelectionSaleCase


class TestSaleCriteria(SelectionSaleCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.alpha = cls._company("Alpha Anlagenbau GmbH", city="Berlin")
        cls.beta = cls._company("Beta Betriebstechnik GmbH", city="Hamburg")
        cls.gamma = cls._company("Gamma Gerätebau GmbH", city="Köln")
        cls.companies = cls.alpha | cls.beta | cls.gamma
        cls.beta_buyer = cls.Partner.create({"name": "Bettina Beta", "parent_id": cls.beta.id})
        dozen = cls.env.ref("uom.product_uom_dozen")
        # alpha: 2 orders on the first and the last day of last year
        cls._order(cls.alpha, [(cls.license, 3, 1000.0)], cls.date_from)
        cls._order(
            cls.alpha,
            [(cls.analytics, 2, 500.0), (cls.consulting, 10, 800.0)],
            cls.date_to,
        )
        # beta: one dozen licenses ordered by its buyer last year ...
        cls._order(
            cls.beta_buyer,
            [(cls.license, 1, 12000.0, {"product_uom_id": dozen.id})],
            date(cls.year, 6, 15),
        )
        # ... orders just outside of last year, a quotation and a cancelled order
        cls._order(cls.beta, [(cls.license, 100, 1000.0)], cls.date_from - timedelta(days=1))
        cls._order(cls.beta, [(cls.license, 100, 1000.0)], cls.date_to + timedelta(days=1))
        cls._order(cls.beta, [(cls.license, 50, 1000.0)], date(cls.year, 3, 1), confirm=False)
        cancelled = cls._order(cls.beta, [(cls.license, 50, 1000.0)], date(cls.year, 4, 1))
        cancelled._action_cancel()

    def test_revenue_in_category_with_subcategories(self):
        # alpha: 3 x 1000 + 2 x 500 (subcategory), consulting is another category
        category = {"kind": "sale_lines", "product_category_ids": [Command.set(self.category.ids)]}
        self.assertEqual(
            self._last_year(**category, comparator=">=", amount=4000), self.alpha | self.beta
        )
        self.assertEqual(self._last_year(**category, comparator=">", amount=4000), self.beta)
        self.assertEqual(self._last_year(**category, comparator="=", amount=4000), self.alpha)
        self.assertEqual(self._last_year(**category, comparator="=", amount=12000), self.beta)

    def test_comparisons_met_without_orders(self):
        """A company without orders has a revenue of 0: 'at most' and 'less than' an
        amount select it."""
        category = {"kind": "sale_lines", "product_category_ids": [Command.set(self.category.ids)]}
        self.assertEqual(
            self._last_year(**category, comparator="<=", amount=4000), self.alpha | self.gamma
        )
        self.assertEqual(self._last_year(**category, comparator="<", amount=4000), self.gamma)
        self.assertEqual(self._last_year(**category, comparator="=", amount=0), self.gamma)
        self.assertEqual(self._last_year(**category, comparator=">=", amount=0), self.companies)

    def test_revenue_of_all_products(self):
        self.assertEqual(
            self._last_year(kind="sale_lines", comparator="=", amount=12000),
            self.alpha | self.beta,
        )

    def test_subcategory_product_and_tag(self):
        self.assertEqual(
            self._last_year(
                kind="sale_lines",
                product_category_ids=[Command.set(self.subcategory.ids)],
                amount=1,
            ),
            self.alpha,
        )
        self.assertEqual(
            self._last_year(
                kind="sale_lines",
                product_ids=[Command.set(self.analytics.ids)],
                measure="quantity",
                comparator="=",
                amount=2,
            ),
            self.alpha,
        )
        # one dozen licenses are 12 licenses
        self.assertEqual(
            self._last_year(
                kind="sale_lines",
                product_tag_ids=[Command.set(self.license_tag.ids)],
                measure="quantity",
                comparator="=",
                amount=12,
            ),
            self.beta,
        )

    def test_period_boundaries(self):
        revenue = {"kind": "sale_lines", "comparator": "=", "measure": "revenue"}
        first_day = {"date_from": self.date_from, "date_to": self.date_from}
        last_day = {"date_from": self.date_to, "date_to": self.date_to}
        self.assertEqual(
            self._companies(self.alpha, **revenue, amount=3000, **first_day), self.alpha
        )
        self.assertEqual(
            self._companies(self.alpha, **revenue, amount=9000, **last_day), self.alpha
        )
        inner = {
            "date_from": self.date_from + timedelta(days=1),
            "date_to": self.date_to - timedelta(days=1),
        }
        self.assertFalse(self._companies(self.alpha, kind="sale_lines", amount=1, **inner))
        # without a period: the orders just before and after last year count, quotations
        # and cancelled orders never do
        self.assertEqual(
            self._companies(self.companies, kind="sale_lines", comparator="=", amount=212000),
            self.beta,
        )

    def test_number_of_orders(self):
        self.assertEqual(
            self._last_year(kind="sale_lines", measure="count", comparator="=", amount=2),
            self.alpha,
        )
        orders = {"kind": "sale_orders", "measure": "count"}
        self.assertEqual(self._last_year(**orders, comparator=">=", amount=2), self.alpha)
        self.assertEqual(self._last_year(**orders, comparator="=", amount=1), self.beta)
        self.assertEqual(self._last_year(**orders, comparator="<", amount=1), self.gamma)
        self.assertEqual(
            self._companies(self.companies, **orders, comparator=">", amount=2), self.beta
        )

    def test_orders_of_contact_persons_count_for_their_company(self):
        found = self._last_year(
            kind="sale_lines", product_ids=[Command.set(self.license.ids)], amount=12000
        )
        self.assertEqual(found, self.beta)
        self.assertNotIn(self.beta_buyer, found)

    def test_currency_conversion_at_the_order_date(self):
        company_currency = self.env.company.currency_id
        foreign = self.env.ref("base.EUR" if company_currency.name != "EUR" else "base.USD")
        foreign.active = True
        Rate = self.env["res.currency.rate"]
        Rate.create(
            [
                {"currency_id": company_currency.id, "name": date(2000, 1, 1), "rate": 1.0},
                {"currency_id": foreign.id, "name": self.date_from, "rate": 2.0},
                {"currency_id": foreign.id, "name": date(self.year, 7, 1), "rate": 4.0},
            ]
        )
        pricelist = self.env["product.pricelist"].create(
            {"name": "Foreign prices", "currency_id": foreign.id}
        )
        delta = self._company("Delta Digital GmbH")
        self._order(
            delta, [(self.license, 2, 1000.0)], date(self.year, 3, 1), pricelist_id=pricelist.id
        )
        self._order(
            delta, [(self.license, 1, 4000.0)], date(self.year, 9, 1), pricelist_id=pricelist.id
        )
        candidates = self.alpha | delta
        in_company_currency = {
            "kind": "sale_lines",
            "comparator": "=",
            "currency_id": company_currency.id,
        }
        self.assertEqual(self._companies(candidates, **in_company_currency, amount=2000), delta)
        in_foreign = {"kind": "sale_lines", "comparator": "=", "currency_id": foreign.id}
        self.assertEqual(self._companies(candidates, **in_foreign, amount=6000), delta)
        # alpha: 3000 on January 1st at 2.0, 9000 on December 31st at 4.0
        self.assertEqual(self._companies(candidates, **in_foreign, amount=42000), self.alpha)

    def test_other_company_orders_do_not_count(self):
        other_company = self.env["res.company"].create({"name": "Tochter GmbH"})
        epsilon = self._company("Epsilon Elektro GmbH")
        self.env["sale.order"].with_company(other_company).create(
            {
                "partner_id": epsilon.id,
                "company_id": other_company.id,
                "order_line": [
                    Command.create({"product_id": self.license.id, "price_unit": 5000.0})
                ],
            }
        ).action_confirm()
        both_companies = self._selection_user(
            "crm_selection_sale_both", self.env.company | other_company
        )
        revenue = {"kind": "sale_lines", "amount": 5000}
        self.assertFalse(self._companies(epsilon, **revenue))
        self.assertEqual(self._companies(epsilon, user=both_companies, **revenue), epsilon)
        orders = {"kind": "sale_orders", "amount": 1}
        self.assertFalse(self._companies(epsilon, **orders))
        self.assertEqual(self._companies(epsilon, user=both_companies, **orders), epsilon)

    def test_record_rules_of_the_user_apply(self):
        """A salesman who sees only his own orders selects by his own orders only."""
        own_documents = new_test_user(
            self.env,
            login="crm_selection_sale_own",
            groups="base.group_user,crm_selection.group_selection_user,"
            "sales_team.group_sale_salesman",
        )
        zeta = self._company("Zeta Zerspanung GmbH")
        self._order(
            zeta, [(self.license, 1, 1000.0)], date(self.year, 5, 5), user_id=own_documents.id
        )
        candidates = self.alpha | zeta
        self.assertEqual(
            self._companies(candidates, user=own_documents, kind="sale_lines", amount=1), zeta
        )
        self.assertEqual(self._companies(candidates, kind="sale_lines", amount=1), candidates)

    def test_users_without_sales_access_cannot_select_by_sales(self):
        no_sales = new_test_user(
            self.env,
            login="crm_selection_sale_nosales",
            groups="base.group_user,crm_selection.group_selection_user",
        )
        selection = self._selection(user=no_sales, kind="sale_lines", amount=1)
        with self.assertRaises(AccessError):
            selection._get_member_ids()

    def test_summary_and_form(self):
        selection = self._selection(
            kind="sale_lines",
            product_category_ids=[Command.set(self.category.ids)],
            date_from=self.date_from,
            date_to=self.date_to,
            comparator=">=",
            amount=100000,
        )
        node = selection.node_ids.filtered(lambda node: node.node_type == "criterion")
        self.assertIn("Test Software", node.summary)
        self.assertIn(str(self.year), node.summary)
        with Form(selection) as form, form.node_ids.new() as new_node:
            new_node.kind = "sale_orders"
            self.assertEqual(new_node.measure, "count")
            self.assertEqual(new_node.amount, 1.0)
