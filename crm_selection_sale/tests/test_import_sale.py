import base64

from odoo.exceptions import AccessError
from odoo.tests import Form, TransactionCase, new_test_user, tagged

CSV = (
    "Name;Firma;Ort;E-Mail\n"
    "Greta Lindner;Lindner Werkzeugbau GmbH;Chemnitz;greta.lindner@lindner-werkzeugbau.example\n"
    "Tomasz Wróbel;Wróbel Elektronika Sp. z o.o.;Wrocław;tomasz.wrobel@wrobel.example\n"
)


@tagged("post_install", "-at_install")
class TestImportSaleContacts(TransactionCase):
    """A salesperson imports the recipients of an order confirmation into the order's
    contacts."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, tracking_disable=True))
        cls.Partner = cls.env["res.partner"]
        cls.salesperson = new_test_user(
            cls.env,
            login="sale_contact_importer",
            name="Sonja Vertrieb",
            groups="sales_team.group_sale_salesman,base.group_partner_manager",
        )
        cls.other_salesperson = new_test_user(
            cls.env,
            login="sale_contact_other",
            name="Olaf Anders",
            groups="sales_team.group_sale_salesman,base.group_partner_manager",
        )
        cls.customer = cls.Partner.create({"name": "Lindner Werkzeugbau GmbH", "is_company": True})
        cls.greta = cls.Partner.create(
            {
                "name": "Greta Lindner",
                "parent_id": cls.customer.id,
                "email": "Greta.Lindner@lindner-werkzeugbau.example",
            }
        )
        cls.order = cls.env["sale.order"].create(
            {"partner_id": cls.customer.id, "user_id": cls.salesperson.id}
        )

    def _import(self, content, user=None, mode="skip"):
        wizard = (
            self.env["crm.selection.import"]
            .with_user(user or self.salesperson)
            .with_context(active_model="sale.order", active_id=self.order.id)
            .create(
                {
                    "file": base64.b64encode(content.encode()),
                    "filename": "recipients.csv",
                    "mode": mode,
                }
            )
        )
        wizard.action_load()
        wizard.action_import()
        return wizard

    def test_import_links_matched_and_new_partners_to_the_order(self):
        wizard = self._import(CSV)
        self.assertEqual(wizard.res_model, "sale.order")
        self.assertEqual(wizard.target_name, self.order.name)
        self.assertEqual((wizard.match_count, wizard.create_count), (1, 1))
        tomasz = self.Partner.search([("email", "=", "tomasz.wrobel@wrobel.example")])
        self.assertEqual(tomasz.name, "Tomasz Wróbel")
        self.assertEqual(tomasz.parent_id.name, "Wróbel Elektronika Sp. z o.o.")
        self.assertEqual(self.order.crm_contact_ids, self.greta | tomasz)
        self.assertEqual(wizard.action_open_target()["res_id"], self.order.id)

    def test_import_contacts_button_targets_the_order(self):
        action = self.env.ref("crm_selection_sale.sale_order_import_contacts_action")
        self.assertEqual(action.res_model, "crm.selection.import")
        self.assertIn("'default_res_model': 'sale.order'", action.context)
        Import = (
            self.env["crm.selection.import"]
            .with_user(self.salesperson)
            .with_context(
                active_model="sale.order",
                active_id=self.order.id,
                default_res_model="sale.order",
                default_res_id=self.order.id,
            )
        )
        with Form(Import) as form:
            self.assertEqual(form.target_name, self.order.name)
            form.file = base64.b64encode(CSV.encode())
        wizard = form.record
        wizard.action_load()
        wizard.action_import()
        self.assertEqual(len(self.order.crm_contact_ids), 2)

    def test_all_or_nothing_with_a_bad_row_leaves_the_order_untouched(self):
        count = self.Partner.search_count([])
        wizard = self._import(
            CSV + "Jan Kos;Kos Meble;Gdynia;jan@\n",
            mode="all_or_nothing",
        )
        self.assertIn("Nothing was imported", wizard.result_message)
        self.assertEqual(wizard.imported_count, 0)
        self.assertEqual(self.Partner.search_count([]), count)
        self.assertFalse(self.order.crm_contact_ids)

    def test_user_who_may_not_write_the_order_is_refused(self):
        # a salesperson of their own documents only may not change another salesperson's order
        with self.assertRaises(AccessError):
            self._import(CSV, user=self.other_salesperson)
        self.assertFalse(self.order.crm_contact_ids)
