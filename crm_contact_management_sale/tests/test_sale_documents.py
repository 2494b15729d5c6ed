from odoo.addons.crm_contact_management.tests.common_documents import DocumentLinkedCase
from odoo.tests import TransactionCase, new_test_user, tagged


@tagged("post_install", "-at_install")
class TestSaleDocuments(DocumentLinkedCase, TransactionCase):
    """A salesperson works the quotation of Ursula Meier (Alpen Präzision) from its form: logs
    the calls about it, schedules the visit and plans the follow-up, and sees them all on the
    smart buttons of the quotation."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._create_business_partner()
        cls.document_user = new_test_user(
            cls.env, login="k2_sale_salesperson", groups="sales_team.group_sale_salesman"
        )
        SaleOrder = cls.env["sale.order"]
        cls.document = SaleOrder.create(
            {"partner_id": cls.contact.id, "user_id": cls.document_user.id}
        )
        cls.other_document = SaleOrder.create(
            {"partner_id": cls.company.id, "user_id": cls.document_user.id}
        )
        cls.expected_company = cls.company
        cls.expected_contact = cls.contact

    def test_quotation_for_the_company_leaves_the_contact_person_open(self):
        entry = self._log_contact(self.other_document)
        self.assertEqual(entry.partner_id, self.company)
        self.assertFalse(entry.contact_id)

    def test_deleted_quotation_stays_named_on_the_journal(self):
        quotation = self.env["sale.order"].create({"partner_id": self.company.id})
        entry = self._log_contact(quotation)
        name = quotation.name
        quotation.unlink()
        link = entry.document_link_ids
        link.invalidate_recordset()
        self.assertFalse(link.document_exists)
        self.assertEqual(link.display_name, f"{name} (deleted)")
