from odoo.addons.sale.tests.common import TestSaleCommon
from odoo.fields import Command
from odoo.tests import Form, tagged


@tagged("post_install", "-at_install")
class TestSaleDefaultAddresses(TestSaleCommon):
    """A salesperson chooses a customer company: the quotation and its invoice go to the
    company's default invoice and delivery addresses."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        Partner = cls.env["res.partner"]
        cls.customer = Partner.create(
            {"name": "Kowalski Dystrybucja Sp. z o.o.", "is_company": True, "city": "Poznań"}
        )
        # the first address of each kind becomes the default, and the depth-first search of
        # the standard would pick it too (children are ordered by name): choose the others
        cls.warehouse_poznan, cls.warehouse_wroclaw, cls.accounting_poznan, cls.accounting = (
            Partner.create(
                [
                    {"name": name, "type": kind, "city": city, "parent_id": cls.customer.id}
                    for name, kind, city in (
                        ("Magazyn Poznań", "delivery", "Poznań"),
                        ("Magazyn Wrocław", "delivery", "Wrocław"),
                        ("Księgowość Poznań", "invoice", "Poznań"),
                        ("Księgowość Warszawa", "invoice", "Warszawa"),
                    )
                ]
            )
        )
        (cls.warehouse_wroclaw | cls.accounting).action_set_default_address()
        cls.purchaser = Partner.create(
            {"name": "Agnieszka Wiśniewska", "parent_id": cls.customer.id, "type": "contact"}
        )
        cls.product = cls._create_product(
            name="Hydraulic pump", lst_price=1200.0, invoice_policy="order"
        )

    def _quotation(self, customer):
        with Form(self.env["sale.order"]) as quotation:
            quotation.partner_id = customer
        return quotation.record

    def test_quotation_for_the_company_uses_its_default_addresses(self):
        order = self._quotation(self.customer)
        self.assertEqual(order.partner_invoice_id, self.accounting)
        self.assertEqual(order.partner_shipping_id, self.warehouse_wroclaw)

    def test_quotation_for_a_contact_person_uses_the_company_defaults(self):
        order = self._quotation(self.purchaser)
        self.assertEqual(order.partner_invoice_id, self.accounting)
        self.assertEqual(order.partner_shipping_id, self.warehouse_wroclaw)

    def test_customer_without_addresses_is_its_own_address(self):
        customer = self.env["res.partner"].create(
            {"name": "Nowak Software S.A.", "is_company": True}
        )
        order = self._quotation(customer)
        self.assertEqual(order.partner_invoice_id, customer)
        self.assertEqual(order.partner_shipping_id, customer)

    def test_invoice_goes_to_the_default_invoice_address(self):
        order = self.env["sale.order"].create(
            {
                "partner_id": self.customer.id,
                "order_line": [Command.create({"product_id": self.product.id})],
            }
        )
        order.action_confirm()
        invoice = order._create_invoices()
        self.assertEqual(invoice.partner_id, self.accounting)
        self.assertEqual(invoice.partner_shipping_id, self.warehouse_wroclaw)

    def test_new_default_applies_to_new_quotations(self):
        earlier = self._quotation(self.customer)
        self.warehouse_poznan.action_set_default_address()
        later = self._quotation(self.customer)
        self.assertEqual(later.partner_shipping_id, self.warehouse_poznan)
        self.assertEqual(
            earlier.partner_shipping_id,
            self.warehouse_wroclaw,
            "an existing order keeps its delivery address",
        )
