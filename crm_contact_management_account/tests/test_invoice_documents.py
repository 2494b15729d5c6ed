from odoo.addons.account.tests.common import AccountTestInvoicingCommon
from odoo.addons.crm_contact_management.tests.common_documents import DocumentLinkedCase
from odoo.tests import new_test_user, tagged


@tagged("post_install", "-at_install")
class TestInvoiceDocuments(DocumentLinkedCase, AccountTestInvoicingCommon):
    """The billing clerk calls Ursula Meier about an overdue invoice of Alpen Präzision, logs
    the call on the invoice and plans the payment reminder on it."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._create_business_partner()
        cls.document_user = new_test_user(
            cls.env,
            login="k2_account_billing",
            groups="account.group_account_invoice",
            company_id=cls.env.company.id,
        )
        cls.document = cls.init_invoice(
            "out_invoice", partner=cls.contact, amounts=[1200.0], post=True
        )
        cls.other_document = cls.init_invoice("in_invoice", partner=cls.company, amounts=[80.0])
        cls.expected_company = cls.company
        cls.expected_contact = cls.contact

    def test_vendor_bill_is_a_document_too(self):
        entry = self._log_contact(self.other_document)
        self.assertEqual(entry.partner_id, self.company)
        self.assertEqual(entry.document_link_ids.res_id, self.other_document.id)

    def test_invoices_are_picked_as_invoices(self):
        models = dict(self.env["crm.document.link"]._selection_reference())
        self.assertEqual(models["account.move"], "Invoice")
