from odoo.addons.crm_contact_management.tests.common_documents import DocumentLinkedCase
from odoo.tests import TransactionCase, new_test_user, tagged


@tagged("post_install", "-at_install")
class TestPurchaseDocuments(DocumentLinkedCase, TransactionCase):
    """A purchaser logs the calls with the vendor's sales contact about a purchase order,
    schedules the supplier audit and plans a reminder on the order."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        Partner = cls.env["res.partner"]
        cls.company = Partner.create(
            {"name": "Saar Stahlhandel GmbH", "is_company": True, "city": "Saarbrücken"}
        )
        cls.contact = Partner.create({"name": "Thomas Keller", "parent_id": cls.company.id})
        cls.document_user = new_test_user(
            cls.env, login="k2_purchase_purchaser", groups="purchase.group_purchase_user"
        )
        PurchaseOrder = cls.env["purchase.order"]
        cls.document = PurchaseOrder.create(
            {"partner_id": cls.contact.id, "user_id": cls.document_user.id}
        )
        cls.other_document = PurchaseOrder.create({"partner_id": cls.company.id})
        cls.expected_company = cls.company
        cls.expected_contact = cls.contact
