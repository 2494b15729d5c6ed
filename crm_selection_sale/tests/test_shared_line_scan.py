from datetime import date

from odoo import Command
from odoo.tests import new_test_user

from .common import SelectionSaleCase


class TestSharedLineScan(SelectionSaleCase):
    """Criteria of an AND group over the order lines of one period are answered by one pass
    over the lines: they select exactly the companies each of them selects alone."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.alpha, cls.beta, cls.gamma, cls.delta, cls.epsilon = (
            cls._company(name)
            for name in (
                "Alpha Automation GmbH",
                "Beta Bürotechnik GmbH",
                "Gamma Gießerei GmbH",
                "Delta Dienstleistungen GmbH",
                "Epsilon Energie GmbH",
            )
        )
        cls.companies = cls.alpha | cls.beta | cls.gamma | cls.delta | cls.epsilon
        last_year = date(cls.year, 6, 15)
        # alpha: 6,000 in the category, 6 licenses in two orders
        cls._order(cls.alpha, [(cls.license, 3, 1000.0)], last_year)
        cls._order(cls.alpha, [(cls.license, 3, 1000.0)], date(cls.year, 9, 1))
        # beta: 7,000 in the category, of which one license
        cls._order(cls.beta, [(cls.analytics, 12, 500.0), (cls.license, 1, 1000.0)], last_year)
        # gamma: 8 cheap licenses, 800 in the category
        cls._order(cls.gamma, [(cls.license, 8, 100.0)], last_year)
        # delta: 16,000 of consulting (another category) last year, 10 licenses the year before
        cls._order(cls.delta, [(cls.consulting, 20, 800.0)], last_year)
        cls._order(cls.delta, [(cls.license, 10, 1000.0)], date(cls.year - 1, 6, 15))
        # epsilon: no order
        period = {"kind": "sale_lines", "date_from": cls.date_from, "date_to": cls.date_to}
        cls.software_revenue = {
            **period,
            "product_category_ids": [Command.set(cls.category.ids)],
            "measure": "revenue",
            "comparator": ">=",
            "amount": 5000.0,
        }
        cls.licenses = {
            **period,
            "product_tag_ids": [Command.set(cls.license_tag.ids)],
            "measure": "quantity",
            "comparator": ">",
            "amount": 5.0,
        }
        cls.two_orders = {**period, "measure": "count", "comparator": ">=", "amount": 2.0}

    def _selection_of(self, *criteria, operator="and"):
        """A selection whose top group combines ``criteria`` with ``operator``, created as
        the sales user."""
        selection = (
            self.env["crm.selection"]
            .with_user(self.selection_user)
            .create(
                {
                    "name": "Test shared pass",
                    "node_ids": [
                        Command.create({"node_type": "criterion", **values}) for values in criteria
                    ],
                }
            )
        )
        selection.root_node_id.group_operator = operator
        return selection

    def _selected(self, selection):
        Partner = self.env["res.partner"].with_user(self.selection_user)
        return Partner.search(selection._get_company_domain()) & self.companies

    def _line_scans(self, selection):
        """How many times the company query of ``selection`` reads the order lines."""
        query = self.env["res.partner"]._search(selection._get_company_domain())
        return query.select().code.count('FROM "sale_order_line"')

    def assertMeetsAll(self, criteria, expected, scans):
        """The AND group of ``criteria`` selects ``expected``, the companies each criterion
        selects alone, reading the order lines ``scans`` times."""
        selection = self._selection_of(*criteria)
        self.assertEqual(self._selected(selection), expected)
        alone = self.companies
        for values in criteria:
            alone &= self._selected(self._selection_of(values))
        self.assertEqual(alone, expected)
        self.assertEqual(self._line_scans(selection), scans)

    def test_criteria_of_one_period_read_the_lines_once(self):
        self.assertEqual(
            self._selected(self._selection_of(self.software_revenue)), self.alpha | self.beta
        )
        self.assertEqual(self._selected(self._selection_of(self.licenses)), self.alpha | self.gamma)
        self.assertMeetsAll((self.software_revenue, self.licenses), self.alpha, scans=1)

    def test_number_of_orders_and_criteria_of_all_products(self):
        """The criterion without products counts every line of the pass, also those of the
        products of no other criterion (consulting)."""
        all_products = {**self.software_revenue, "product_category_ids": [Command.clear()]}
        self.assertMeetsAll((self.two_orders, self.licenses), self.alpha, scans=1)
        self.assertMeetsAll((all_products, self.licenses), self.alpha, scans=1)
        big_spenders = {**all_products, "amount": 6000.0}
        self.assertMeetsAll((big_spenders, self.software_revenue), self.alpha | self.beta, scans=1)
        self.assertMeetsAll(
            (big_spenders, self.software_revenue, self.licenses, self.two_orders),
            self.alpha,
            scans=1,
        )

    def test_criterion_without_matching_products(self):
        unused_tag = self.env["product.tag"].create({"name": "Test Unused"})
        nothing = {**self.licenses, "product_tag_ids": [Command.set(unused_tag.ids)]}
        self.assertMeetsAll((self.software_revenue, nothing), self.env["res.partner"], scans=1)

    def test_criteria_met_without_lines_keep_their_own_query(self):
        """'Fewer than five licenses' selects the companies without any order too: it is
        answered as the complement of the companies buying more, by a query of its own."""
        few_licenses = {**self.licenses, "comparator": "<", "amount": 5.0}
        self.assertEqual(
            self._selected(self._selection_of(few_licenses)),
            self.beta | self.delta | self.epsilon,
        )
        self.assertMeetsAll((self.software_revenue, few_licenses), self.beta, scans=2)

    def test_negated_criteria_and_other_periods_keep_their_own_query(self):
        negated = {**self.licenses, "negate": True}
        self.assertEqual(
            self._selected(self._selection_of(self.software_revenue, negated)), self.beta
        )
        year_before = {
            **self.licenses,
            "date_from": date(self.year - 1, 1, 1),
            "date_to": date(self.year - 1, 12, 31),
        }
        self.assertEqual(self._selected(self._selection_of(year_before)), self.delta)
        all_products = {**self.software_revenue, "product_category_ids": [Command.clear()]}
        self.assertMeetsAll((all_products, year_before), self.delta, scans=2)
        self.assertEqual(self._line_scans(self._selection_of(self.software_revenue, negated)), 2)

    def test_any_of_keeps_one_query_per_criterion(self):
        selection = self._selection_of(self.software_revenue, self.licenses, operator="or")
        self.assertEqual(self._selected(selection), self.alpha | self.beta | self.gamma)
        self.assertEqual(self._line_scans(selection), 2)

    def test_record_rules_apply_to_the_shared_pass(self):
        """A salesman who sees only his own orders: the shared pass reads his orders only."""
        own_documents = new_test_user(
            self.env,
            login="crm_selection_sale_own_shared",
            groups="base.group_user,crm_selection.group_selection_user,"
            "sales_team.group_sale_salesman",
        )
        zeta = self._company("Zeta Zahnradfabrik GmbH")
        self._order(
            zeta,
            [(self.license, 6, 1000.0)],
            date(self.year, 5, 5),
            user_id=own_documents.id,
        )
        self.companies |= zeta
        criteria = (self.software_revenue, self.licenses)
        self.assertEqual(self._selected(self._selection_of(*criteria)), self.alpha | zeta)
        selection = (
            self.env["crm.selection"]
            .with_user(own_documents)
            .create(
                {
                    "name": "Own orders",
                    "node_ids": [
                        Command.create({"node_type": "criterion", **values}) for values in criteria
                    ],
                }
            )
        )
        Partner = self.env["res.partner"].with_user(own_documents)
        self.assertEqual(Partner.search(selection._get_company_domain()) & self.companies, zeta)
