from datetime import datetime, time

from odoo import Command
from odoo.addons.crm_selection_product.tests.common import DocumentCriteriaCase


class SelectionSaleCase(DocumentCriteriaCase):
    """Products and a sales user; a helper to create confirmed orders."""

    document_groups = ("sales_team.group_sale_salesman_all_leads",)

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.category, cls.subcategory = cls._product_categories("Test Software", "Test Analytics")
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
        cls.selection_user = cls._selection_user("crm_selection_sale_user")

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
