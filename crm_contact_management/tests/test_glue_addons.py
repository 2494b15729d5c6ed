from odoo.tests import TransactionCase, tagged

GLUE_ADDONS = {
    "crm_contact_management_sale": "sale",
    "crm_contact_management_purchase": "purchase",
    "crm_contact_management_mrp": "mrp",
    "crm_contact_management_stock": "stock",
    "crm_contact_management_account": "account",
    "crm_contact_management_product": "product",
}


@tagged("post_install", "-at_install")
class TestGlueAddons(TransactionCase):
    """The links and smart buttons of each ERP application come with a glue addon that is
    installed exactly when the application is: the suite installs no application itself."""

    def test_glue_addon_is_installed_exactly_with_its_application(self):
        Module = self.env["ir.module.module"]
        states = dict(
            Module.search([("name", "in", [*GLUE_ADDONS, *GLUE_ADDONS.values()])]).mapped(
                lambda module: (module.name, module.state)
            )
        )
        for glue, application in GLUE_ADDONS.items():
            with self.subTest(glue=glue):
                self.assertEqual(
                    states.get(glue) == "installed", states.get(application) == "installed"
                )

    def test_installed_applications_offer_their_documents_for_links(self):
        models = dict(self.env["crm.document.link"]._selection_reference())
        for model, application in (
            ("sale.order", "sale"),
            ("purchase.order", "purchase"),
            ("mrp.production", "mrp"),
            ("stock.lot", "stock"),
            ("account.move", "account"),
            ("product.template", "product"),
        ):
            with self.subTest(model=model):
                installed = self.env["ir.module.module"]._get(application).state == "installed"
                self.assertEqual(model in models, installed)
