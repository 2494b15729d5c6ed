from datetime import date, timedelta

from odoo import Command
from odoo.addons.account.tests.common import AccountTestInvoicingCommon
from odoo.addons.crm_selection_product.tests.common import DocumentCriteriaCase
from odoo.exceptions import AccessError
from odoo.tests import new_test_user, tagged


@tagged("post_install", "-at_install")
class TestInvoiceCriteria(DocumentCriteriaCase, AccountTestInvoicingCommon):
    criterion_kind = "invoice_lines"
    document_groups = ("account.group_account_invoice",)

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.software, cls.analytics = cls._product_categories("Test Software", "Test Analytics")
        cls.license_tag = cls.env["product.tag"].create({"name": "Test License"})
        cls.license = cls._create_product(
            name="Test License",
            categ_id=cls.software.id,
            product_tag_ids=[Command.set(cls.license_tag.ids)],
            lst_price=1000.0,
        )
        cls.report = cls._create_product(
            name="Test Analytics Report", categ_id=cls.analytics.id, lst_price=500.0
        )
        cls.alpha, cls.beta, cls.gamma = cls._create_companies(
            "Alpha Anlagenbau GmbH", "Beta Betriebstechnik GmbH", "Gamma Gerätebau GmbH"
        )
        cls.companies = cls.alpha | cls.beta | cls.gamma
        beta_buyer = cls.Partner.create({"name": "Bettina Beta", "parent_id": cls.beta.id})
        # alpha: invoices on the first and the last day of last year, a credit note between
        cls._invoice(cls.alpha, cls.date_from, [(cls.license, 3, 1000.0)])
        cls._invoice(cls.alpha, cls.date_to, [(cls.license, 2, 1000.0), (cls.report, 1, 500.0)])
        cls._invoice(cls.alpha, date(cls.year, 6, 30), [(cls.license, 1, 1000.0)], "out_refund")
        # beta: invoiced to its buyer, a sales receipt; a draft, an invoice of this year and a
        # vendor bill
        cls._invoice(beta_buyer, date(cls.year, 5, 5), [(cls.license, 12, 1000.0)])
        cls._invoice(cls.beta, date(cls.year, 8, 8), [(cls.license, 1, 1000.0)], "out_receipt")
        cls._invoice(cls.beta, date(cls.year, 5, 6), [(cls.license, 50, 1000.0)], post=False)
        cls._invoice(cls.beta, cls.date_to + timedelta(days=1), [(cls.license, 50, 1000.0)])
        cls._invoice(cls.beta, date(cls.year, 5, 7), [(cls.license, 50, 1000.0)], "in_invoice")
        cls.selection_user = cls._selection_user("crm_selection_account_billing")

    @classmethod
    def _invoice(cls, partner, day, lines, move_type="out_invoice", post=True, **values):
        return cls._create_invoice(
            move_type=move_type,
            invoice_date=day,
            partner_id=partner.id,
            invoice_line_ids=[
                cls._prepare_invoice_line(product_id=product, quantity=quantity, price_unit=price)
                for product, quantity, price in lines
            ],
            post=post,
            **values,
        )

    def test_revenue_credit_notes_deducted(self):
        # alpha: 3000 + 2500 - 1000; beta: 12000 + 1000
        self.assertEqual(self._last_year(comparator="=", amount=4500), self.alpha)
        self.assertEqual(self._last_year(comparator=">=", amount=4500), self.alpha | self.beta)
        self.assertEqual(self._last_year(comparator=">", amount=4500), self.beta)
        self.assertEqual(self._last_year(comparator="<=", amount=4500), self.alpha | self.gamma)
        self.assertEqual(self._last_year(comparator="<", amount=4500), self.gamma)

    def test_revenue_per_category_and_tag(self):
        software = {"product_category_ids": [Command.set(self.software.ids)]}
        self.assertEqual(self._last_year(**software, comparator="=", amount=4500), self.alpha)
        analytics = {"product_category_ids": [Command.set(self.analytics.ids)]}
        self.assertEqual(self._last_year(**analytics, comparator="=", amount=500), self.alpha)
        tag = {"product_tag_ids": [Command.set(self.license_tag.ids)]}
        self.assertEqual(self._last_year(**tag, comparator="=", amount=4000), self.alpha)
        product = {"product_ids": [Command.set(self.report.ids)]}
        self.assertEqual(self._last_year(**product, amount=1), self.alpha)

    def test_quantity_and_number_of_invoices(self):
        licenses = {"product_ids": [Command.set(self.license.ids)], "measure": "quantity"}
        self.assertEqual(self._last_year(**licenses, comparator="=", amount=4), self.alpha)
        self.assertEqual(self._last_year(**licenses, comparator="=", amount=13), self.beta)
        # credit notes are no invoices, receipts are
        self.assertEqual(
            self._last_year(measure="count", comparator="=", amount=2), self.alpha | self.beta
        )

    def test_period_boundaries(self):
        first_day = {"date_from": self.date_from, "date_to": self.date_from}
        self.assertEqual(
            self._companies(self.alpha, **first_day, comparator="=", amount=3000), self.alpha
        )
        last_day = {"date_from": self.date_to, "date_to": self.date_to}
        self.assertEqual(
            self._companies(self.alpha, **last_day, comparator="=", amount=2500), self.alpha
        )
        # open period: this year's invoice counts, drafts and vendor bills never do
        self.assertEqual(self._companies(self.beta, comparator="=", amount=63000), self.beta)

    def test_other_company_invoices_do_not_count(self):
        other = self.setup_other_company(name="Tochter GmbH")
        epsilon = self.Partner.create({"name": "Epsilon Elektro GmbH", "is_company": True})
        self._invoice(
            epsilon,
            date(self.year, 3, 3),
            [(self.license, 1, 5000.0)],
            journal_id=other["default_journal_sale"].id,
        )
        both = self._selection_user(
            "crm_selection_account_both", self.env.company | other["company"]
        )
        self.assertFalse(self._companies(epsilon, amount=5000))
        self.assertEqual(self._companies(epsilon, user=both, amount=5000), epsilon)

    def test_users_without_invoicing_access(self):
        no_billing = new_test_user(
            self.env,
            login="crm_selection_account_none",
            groups="base.group_user,crm_selection.group_selection_user",
            company_id=self.env.company.id,
            company_ids=[Command.set(self.env.company.ids)],
        )
        with self.assertRaises(AccessError):
            self._companies(self.alpha, user=no_billing, amount=1)
