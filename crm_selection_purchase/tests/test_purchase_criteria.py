from datetime import date, datetime, time, timedelta

from odoo import Command
from odoo.addons.crm_selection_product.tests.common import DocumentCriteriaCase
from odoo.exceptions import AccessError
from odoo.tests import new_test_user


class TestPurchaseCriteria(DocumentCriteriaCase):
    criterion_kind = "purchase"
    document_groups = ("purchase.group_purchase_user",)

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.steel, cls.tubes = cls._product_categories("Test Steel", "Test Tubes")
        cls.raw_tag = cls.env["product.tag"].create({"name": "Test Raw Material"})
        cls.sheet, cls.tube, cls.freight = cls.env["product.product"].create(
            [
                {
                    "name": "Test Steel Sheet",
                    "type": "consu",
                    "categ_id": cls.steel.id,
                    "product_tag_ids": [Command.set(cls.raw_tag.ids)],
                },
                {"name": "Test Steel Tube", "type": "consu", "categ_id": cls.tubes.id},
                {"name": "Test Freight", "type": "service"},
            ]
        )
        cls.alpha, cls.beta, cls.gamma = cls._create_companies(
            "Alpha Stahl GmbH", "Beta Rohr GmbH", "Gamma Guss GmbH"
        )
        cls.companies = cls.alpha | cls.beta | cls.gamma
        beta_sales = cls.Partner.create({"name": "Bernd Beta", "parent_id": cls.beta.id})
        dozen = cls.env.ref("uom.product_uom_dozen")
        cls._order(cls.alpha, [(cls.sheet, 3, 1000.0)], cls.date_from)
        cls._order(cls.alpha, [(cls.tube, 2, 500.0), (cls.freight, 1, 800.0)], cls.date_to)
        cls._order(
            beta_sales,
            [(cls.sheet, 1, 12000.0, {"product_uom_id": dozen.id})],
            date(cls.year, 6, 1),
        )
        # an order confirmed without a confirmation date counts on its order date
        unapproved = cls._order(cls.beta, [(cls.tube, 4, 250.0)], date(cls.year, 7, 1))
        unapproved.date_approve = False
        # requests for quotation, cancelled orders and orders of this year do not count
        cls._order(cls.beta, [(cls.sheet, 50, 1000.0)], date(cls.year, 3, 1), confirm=False)
        cls._order(cls.beta, [(cls.sheet, 50, 1000.0)], date(cls.year, 3, 2)).button_cancel()
        cls._order(cls.beta, [(cls.sheet, 50, 1000.0)], cls.date_to + timedelta(days=1))
        cls.selection_user = cls._selection_user("crm_selection_purchase_buyer")

    @classmethod
    def _order(cls, partner, lines, day, confirm=True):
        moment = datetime.combine(day, time(12, 0))
        order = cls.env["purchase.order"].create(
            {
                "partner_id": partner.id,
                "date_order": moment,
                "order_line": [
                    Command.create(
                        {
                            "product_id": product.id,
                            "product_qty": quantity,
                            "price_unit": price,
                            "tax_ids": [Command.clear()],
                            **(extra[0] if extra else {}),
                        }
                    )
                    for product, quantity, price, *extra in lines
                ],
            }
        )
        if confirm:
            order.button_confirm()
            order.write({"date_approve": moment, "date_order": moment})
        return order

    def test_purchase_amounts(self):
        # alpha: 3000 + 1000 + 800; beta: 12000 + 1000
        self.assertEqual(self._last_year(comparator="=", amount=4800), self.alpha)
        self.assertEqual(self._last_year(comparator=">", amount=4800), self.beta)
        self.assertEqual(self._last_year(comparator=">=", amount=4800), self.alpha | self.beta)
        self.assertEqual(self._last_year(comparator="<", amount=4800), self.gamma)
        self.assertEqual(self._last_year(comparator="<=", amount=4800), self.alpha | self.gamma)
        self.assertEqual(self._last_year(comparator="=", amount=13000), self.beta)

    def test_products_categories_tags(self):
        steel = {"product_category_ids": [Command.set(self.steel.ids)]}
        self.assertEqual(self._last_year(**steel, comparator="=", amount=4000), self.alpha)
        tubes = {"product_category_ids": [Command.set(self.tubes.ids)]}
        self.assertEqual(
            self._last_year(**tubes, comparator="=", amount=1000), self.alpha | self.beta
        )
        raw = {"product_tag_ids": [Command.set(self.raw_tag.ids)], "measure": "quantity"}
        # one dozen sheets are 12 sheets
        self.assertEqual(self._last_year(**raw, comparator="=", amount=12), self.beta)
        self.assertEqual(self._last_year(**raw, comparator="=", amount=3), self.alpha)

    def test_number_of_orders_and_period(self):
        self.assertEqual(
            self._last_year(measure="count", comparator="=", amount=2), self.alpha | self.beta
        )
        first_day = {"date_from": self.date_from, "date_to": self.date_from}
        self.assertEqual(
            self._companies(self.alpha, **first_day, comparator="=", amount=3000), self.alpha
        )
        after = {"date_from": self.date_to + timedelta(days=1)}
        self.assertEqual(
            self._companies(self.beta, **after, comparator="=", amount=50000), self.beta
        )

    def test_other_company_orders_do_not_count(self):
        other_company = self.env["res.company"].create({"name": "Tochter GmbH"})
        epsilon = self.Partner.create({"name": "Epsilon Erz GmbH", "is_company": True})
        order = (
            self.env["purchase.order"]
            .with_company(other_company)
            .create(
                {
                    "partner_id": epsilon.id,
                    "company_id": other_company.id,
                    "order_line": [
                        Command.create(
                            {"product_id": self.freight.id, "product_qty": 1, "price_unit": 900}
                        )
                    ],
                }
            )
        )
        order.button_confirm()
        both = self._selection_user("crm_selection_purchase_both", self.env.company | other_company)
        self.assertFalse(self._companies(epsilon, amount=900))
        self.assertEqual(self._companies(epsilon, user=both, amount=900), epsilon)

    def test_users_without_purchase_access(self):
        no_purchase = new_test_user(
            self.env,
            login="crm_selection_purchase_none",
            groups="base.group_user,crm_selection.group_selection_user",
        )
        with self.assertRaises(AccessError):
            self._companies(self.alpha, user=no_purchase, amount=1)
