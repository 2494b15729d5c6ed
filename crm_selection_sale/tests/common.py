from datetime import date, datetime, time

from odoo import Command
from odoo.fields import Domain
from odoo.tests import TransactionCase, new_test_user


class SelectionSaleCase(TransactionCase):
    """Companies, products and a sales user; helpers to create confirmed orders and to
    evaluate one criterion."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Partner = cls.env["res.partner"]
        cls.year = date.today().year - 1
        cls.date_from = date(cls.year, 1, 1)
        cls.date_to = date(cls.year, 12, 31)
        cls.category = cls.env["product.category"].create({"name": "Test Software"})
        cls.subcategory = cls.env["product.category"].create(
            {"name": "Test Analytics", "parent_id": cls.category.id}
        )
        cls.other_category = cls.env["product.category"].create({"name": "Test Services"})
        cls.license_tag = cls.env["product.tag"].create({"name": "Test License"})
        cls.license, cls.analytics, cls.consulting = cls.env["product.product"].create(
            [
                {
                    "name": "Test ERP License",
                    "type": "service",
                    "categ_id": cls.category.id,
                    "product_tag_ids": [Command.set(cls.license_tag.ids)],
                    "list_price": 1000.0,
                },
                {
                    "name": "Test Analytics License",
                    "type": "service",
                    "categ_id": cls.subcategory.id,
                    "list_price": 500.0,
                },
                {
                    "name": "Test Consulting Day",
                    "type": "service",
                    "categ_id": cls.other_category.id,
                    "list_price": 800.0,
                },
            ]
        )
        cls.sales_user = new_test_user(
            cls.env,
            login="crm_selection_sale_user",
            groups="base.group_user,crm_selection.group_selection_user,"
            "sales_team.group_sale_salesman_all_leads",
        )

    @classmethod
    def _company(cls, name, **values):
        return cls.Partner.create({"name": name, "is_company": True, **values})

    @classmethod
    def _order(cls, partner, lines, day, confirm=True, **values):
        """Create an order of ``partner`` dated ``day`` at noon with ``lines``, a list of
        (product, quantity, unit price) or (product, quantity, unit price, values)."""
        order = cls.env["sale.order"].create(
            {
                "partner_id": partner.id,
                "order_line": [
                    Command.create(
                        {
                            "product_id": product.id,
                            "product_uom_qty": quantity,
                            "price_unit": price,
                            "tax_ids": [Command.clear()],
                            **(extra[0] if extra else {}),
                        }
                    )
                    for product, quantity, price, *extra in lines
                ],
                **values,
            }
        )
        if confirm:
            order.action_confirm()
        order.date_order = datetime.combine(day, time(12, 0))
        return order

    def _selection(self, user=None, **node_values):
        """Create, as ``user`` (the sales user by default), a selection with one criterion."""
        user = user or self.sales_user
        return (
            self.env["crm.selection"]
            .with_user(user)
            .create(
                {
                    "name": "Test selection",
                    "node_ids": [Command.create({"node_type": "criterion", **node_values})],
                }
            )
        )

    def _companies(self, candidates, user=None, **node_values):
        """The companies among ``candidates`` meeting one criterion, for ``user``."""
        selection = self._selection(user=user, **node_values)
        domain = selection._get_company_domain() & Domain("id", "in", candidates.ids)
        return selection.env["res.partner"].search(domain)
