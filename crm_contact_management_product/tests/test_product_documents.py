from odoo.addons.crm_contact_management.tests.common_documents import DocumentLinkedCase
from odoo.fields import Command
from odoo.tests import TransactionCase, new_test_user, tagged


@tagged("post_install", "-at_install")
class TestProductDocuments(DocumentLinkedCase, TransactionCase):
    """The product manager records what customers say about a product: calls, the visit to
    show it, the task to update its data sheet. A product sums up those of its variants."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.document_user = new_test_user(
            cls.env,
            login="k2_product_manager",
            groups="base.group_user,product.group_product_manager",
        )
        cls.colleague = new_test_user(cls.env, login="k2_product_colleague")
        Template = cls.env["product.template"]
        cls.document = Template.create({"name": "Spindle motor SM-7"})
        cls.other_document = Template.create({"name": "Coolant pump CP-2"})
        cls.expected_company = cls.expected_contact = cls.env["res.partner"]
        attribute = cls.env["product.attribute"].create(
            {
                "name": "Voltage",
                "value_ids": [Command.create({"name": "230 V"}), Command.create({"name": "400 V"})],
            }
        )
        cls.drive = Template.create(
            {
                "name": "Linear drive LD-3",
                "attribute_line_ids": [
                    Command.create(
                        {
                            "attribute_id": attribute.id,
                            "value_ids": [Command.set(attribute.value_ids.ids)],
                        }
                    )
                ],
            }
        )

    def test_product_counts_the_contacts_about_its_variants(self):
        variant_230, variant_400 = self.drive.product_variant_ids
        self._log_contact(self.drive, "Noise of the drive")
        self._log_contact(variant_400, "Wiring of the 400 V drive")
        self._log_contact(variant_400, "Delivery time of the 400 V drive")
        self._schedule_appointment(variant_230)
        self._plan_task(variant_230, "Update the data sheet")
        self.assertEqual(self.drive.crm_journal_count, 3)
        self.assertEqual(self.drive.crm_appointment_count, 1)
        self.assertEqual(self.drive.crm_open_task_count, 1)
        self.assertEqual(
            (variant_230 | variant_400).mapped("crm_journal_count"),
            [0, 2],
            "a variant shows only its own",
        )
        shown = self._records_of(self.drive.action_crm_view_journal())
        self.assertEqual(len(shown), 3)

    def test_any_employee_logs_a_contact_about_a_product(self):
        product = self.document.with_user(self.colleague)
        self.env = product.env
        entry = self._log_contact(product, "Customer asks about the spindle speed")
        self.assertEqual(entry.document_link_ids.res_id, self.document.id)
        self.assertEqual(product.crm_journal_count, 1)

    def test_variant_form_has_the_buttons_too(self):
        variant = self.drive.product_variant_ids[:1]
        arch = variant.get_views([(False, "form")])["views"]["form"]["arch"]
        self.assertIn('name="action_crm_log_contact"', arch)
        self.assertIn('name="action_crm_view_journal"', arch)
