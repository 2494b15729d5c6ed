from odoo.addons.account.tests.common import AccountTestInvoicingCommon
from odoo.fields import Command
from odoo.tests import tagged


@tagged("post_install", "-at_install")
class TestPurchaseDefaultAddresses(AccountTestInvoicingCommon):
    """A buyer orders from a vendor company: the bill goes to the vendor's default invoice
    address, and a customer company chosen as dropship address means its default delivery
    address."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        Partner = cls.env["res.partner"]
        cls.vendor = Partner.create(
            {"name": "Saar Stahlhandel GmbH", "is_company": True, "city": "Saarbrücken"}
        )
        cls.vendor_accounting, cls.vendor_billing = Partner.create(
            [
                {
                    "name": name,
                    "type": "invoice",
                    "city": "Saarbrücken",
                    "parent_id": cls.vendor.id,
                }
                for name in ("Buchhaltung", "Rechnungseingang")
            ]
        )
        cls.vendor_billing.action_set_default_address()
        cls.customer = Partner.create(
            {"name": "Alpen Präzision AG", "is_company": True, "city": "Zürich"}
        )
        cls.plant_oerlikon, cls.plant_winterthur = Partner.create(
            [
                {"name": name, "type": "delivery", "city": city, "parent_id": cls.customer.id}
                for name, city in (("Werk Oerlikon", "Zürich"), ("Werk Winterthur", "Winterthur"))
            ]
        )
        cls.plant_winterthur.action_set_default_address()
        cls.purchaser = Partner.create(
            {"name": "Ursula Meier", "parent_id": cls.customer.id, "type": "contact"}
        )
        cls.steel = cls._create_product(
            name="Steel sheet", standard_price=80.0, purchase_method="purchase"
        )

    def _dropship_address_for(self, partner):
        order = self.env["purchase.order"].new(
            {"partner_id": self.vendor.id, "dest_address_id": partner.id}
        )
        order._onchange_dest_address_id_default_address()
        return order.dest_address_id

    def test_vendor_bill_goes_to_the_default_invoice_address(self):
        order = self.env["purchase.order"].create(
            {
                "partner_id": self.vendor.id,
                "order_line": [Command.create({"product_id": self.steel.id, "product_qty": 10})],
            }
        )
        order.button_confirm()
        order.action_create_invoice()
        self.assertEqual(order.invoice_ids.partner_id, self.vendor_billing)

    def test_company_as_dropship_address_means_its_default_delivery_address(self):
        self.assertEqual(self._dropship_address_for(self.customer), self.plant_winterthur)
        self.plant_oerlikon.action_set_default_address()
        self.assertEqual(self._dropship_address_for(self.customer), self.plant_oerlikon)

    def test_chosen_person_or_address_is_kept(self):
        self.assertEqual(self._dropship_address_for(self.purchaser), self.purchaser)
        self.assertEqual(self._dropship_address_for(self.plant_oerlikon), self.plant_oerlikon)

    def test_company_without_delivery_address_is_its_own_address(self):
        self.assertEqual(self._dropship_address_for(self.vendor), self.vendor)
