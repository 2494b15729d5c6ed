from odoo import models


class ProductTemplate(models.Model):
    """Products carry the contact journal, appointments and tasks, their variants' too."""

    _name = "product.template"
    _inherit = ["product.template", "crm.document.linked.mixin"]

    def _crm_document_owners(self):
        """A product counts the journal entries, appointments and tasks of its variants."""
        owners = super()._crm_document_owners()
        variants = (
            self.env["product.product"]
            .with_context(active_test=False)
            .search_fetch([("product_tmpl_id", "in", self._origin.ids)], ["product_tmpl_id"])
        )
        for variant in variants:
            owners[("product.product", variant.id)] = {variant.product_tmpl_id.id}
        return owners
