from odoo.addons.crm_contact_management.tests.common_documents import DocumentLinkedCase
from odoo.tests import TransactionCase, new_test_user, tagged


@tagged("post_install", "-at_install")
class TestMrpDocuments(DocumentLinkedCase, TransactionCase):
    """A production planner records the call with the customer about a manufacturing order,
    schedules the factory acceptance test and plans the material check on the order."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.document_user = new_test_user(
            cls.env, login="k2_mrp_planner", groups="mrp.group_mrp_user"
        )
        cls.machine = cls.env["product.product"].create(
            {"name": "Milling machine MX-400", "type": "consu"}
        )
        Production = cls.env["mrp.production"]
        cls.document, cls.other_document = Production.create(
            [
                {"product_id": cls.machine.id, "product_qty": 1.0},
                {"product_id": cls.machine.id, "product_qty": 2.0},
            ]
        )
        # a manufacturing order has no business partner of its own
        cls.expected_company = cls.expected_contact = cls.env["res.partner"]

    def test_contact_logged_from_an_order_takes_the_person_chosen(self):
        person = self.env["res.partner"].create(
            {
                "name": "Hans Müller",
                "parent_id": self.env["res.partner"]
                .create({"name": "Müller Maschinenbau GmbH", "is_company": True})
                .id,
            }
        )
        action = self.document.action_crm_log_contact()
        entry = (
            self.env["crm.journal.entry"]
            .with_context(action["context"])
            .create({"name": "Acceptance test date", "contact_id": person.id})
        )
        self.assertEqual(entry.partner_id, person.parent_id)
        self.assertEqual(self.document.crm_journal_count, 1)
