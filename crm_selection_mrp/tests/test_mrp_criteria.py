from datetime import date, datetime, time

from odoo import Command
from odoo.addons.crm_selection_product.tests.common import DocumentCriteriaCase
from odoo.tests import tagged


# after all addons are loaded: the partners and companies the tests create have columns of
# addons loaded after this one (purchase stock) that must be known
@tagged("post_install", "-at_install")
class TestMrpCriteria(DocumentCriteriaCase):
    """Manufacturing orders count for the partners of the deliveries they share a stock
    reference with."""

    criterion_kind = "mrp"
    document_groups = ("mrp.group_mrp_user",)

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.machine, cls.spare_part = cls.env["product.product"].create(
            [
                {"name": "Test Packaging Machine", "is_storable": True},
                {"name": "Test Spare Part", "is_storable": True},
            ]
        )
        cls.alpha, cls.beta, cls.gamma = cls._create_companies(
            "Alpha GmbH", "Beta GmbH", "Gamma GmbH"
        )
        cls.companies = cls.alpha | cls.beta | cls.gamma
        beta_plant = cls.Partner.create(
            {"name": "Beta Werk Nord", "parent_id": cls.beta.id, "type": "delivery"}
        )
        # alpha: one machine made for its order; a draft and a cancelled order do not count
        cls._made_for(cls.alpha, cls.machine, 5, date(cls.year, 2, 1))
        cls._made_for(cls.alpha, cls.machine, 7, date(cls.year, 2, 2), confirm=False)
        cls._made_for(cls.alpha, cls.machine, 9, date(cls.year, 2, 3)).action_cancel()
        # beta: two orders for its plant, delivered in one transfer
        reference = cls._made_for(beta_plant, cls.machine, 1, date(cls.year, 3, 1)).reference_ids
        cls._production(cls.spare_part, 10, date(cls.year, 12, 31), reference)
        # gamma: an order sharing its reference with a receipt from gamma only
        cls._made_for(cls.gamma, cls.machine, 2, date(cls.year, 4, 1), direction="incoming")
        cls.selection_user = cls._selection_user("crm_selection_mrp_user")

    @classmethod
    def _production(cls, product, quantity, day, reference, confirm=True, company=None):
        production = (
            cls.env["mrp.production"]
            .with_company(company or cls.env.company)
            .create(
                {
                    "product_id": product.id,
                    "product_qty": quantity,
                    "date_start": datetime.combine(day, time(12, 0)),
                    "reference_ids": [Command.set(reference.ids)],
                }
            )
        )
        if confirm:
            production.action_confirm()
        return production

    @classmethod
    def _made_for(
        cls, partner, product, quantity, day, confirm=True, direction="outgoing", company=None
    ):
        """A manufacturing order and a transfer to (or from) ``partner`` sharing a
        reference, as a sale order with the Manufacture route leaves them."""
        company = company or cls.env.company
        warehouse = cls.env["stock.warehouse"].search([("company_id", "=", company.id)], limit=1)
        reference = cls.env["stock.reference"].create({"name": f"REF {partner.name} {day}"})
        if direction == "outgoing":
            picking_type = warehouse.out_type_id
            source = warehouse.lot_stock_id
            destination = cls.env.ref("stock.stock_location_customers")
        else:
            picking_type = warehouse.in_type_id
            source = cls.env.ref("stock.stock_location_suppliers")
            destination = warehouse.lot_stock_id
        cls.env["stock.picking"].with_company(company).create(
            {
                "picking_type_id": picking_type.id,
                "partner_id": partner.id,
                "location_id": source.id,
                "location_dest_id": destination.id,
                "move_ids": [
                    Command.create(
                        {
                            "product_id": product.id,
                            "product_uom_qty": quantity,
                            "location_id": source.id,
                            "location_dest_id": destination.id,
                            "reference_ids": [Command.set(reference.ids)],
                        }
                    )
                ],
            }
        ).action_confirm()
        return cls._production(product, quantity, day, reference, confirm, company)

    def test_number_of_manufacturing_orders(self):
        count = {"measure": "count"}
        self.assertEqual(
            self._companies(**count, comparator=">=", amount=1), self.alpha | self.beta
        )
        self.assertEqual(self._companies(**count, comparator="=", amount=2), self.beta)
        self.assertEqual(
            self._companies(**count, comparator="<", amount=2), self.alpha | self.gamma
        )
        self.assertEqual(self._companies(**count, comparator="=", amount=0), self.gamma)

    def test_quantity_product_and_period(self):
        quantity = {"measure": "quantity", "comparator": "="}
        self.assertEqual(self._companies(**quantity, amount=5), self.alpha)
        self.assertEqual(self._companies(**quantity, amount=11), self.beta)
        machines = {"product_ids": [Command.set(self.machine.ids)]}
        self.assertEqual(self._companies(**quantity, **machines, amount=1), self.beta)
        last_day = {"date_from": date(self.year, 12, 31), "date_to": date(self.year, 12, 31)}
        self.assertEqual(self._companies(**quantity, **last_day, amount=10), self.beta)
        self.assertEqual(
            self._companies(
                amount=1, date_from=date(self.year, 2, 2), date_to=date(self.year, 12, 30)
            ),
            self.beta,
        )

    def test_other_company_orders_do_not_count(self):
        other_company = self.env["res.company"].create({"name": "Tochter GmbH"})
        epsilon = self.Partner.create({"name": "Epsilon GmbH", "is_company": True})
        self._made_for(epsilon, self.machine, 3, date(self.year, 6, 1), company=other_company)
        both = self._selection_user("crm_selection_mrp_both", self.env.company | other_company)
        self.assertFalse(self._companies(epsilon, amount=1))
        self.assertEqual(self._companies(epsilon, user=both, amount=1), epsilon)

    def test_default_condition_of_the_form(self):
        selection = (
            self.env["crm.selection"].with_user(self.selection_user).create({"name": "Form"})
        )
        node = (
            self.env["crm.selection.node"]
            .with_user(self.selection_user)
            .new({"selection_id": selection.id, "node_type": "criterion"})
        )
        node.kind = "mrp"
        node._onchange_kind_mrp()
        self.assertEqual((node.measure, node.amount), ("count", 1.0))
