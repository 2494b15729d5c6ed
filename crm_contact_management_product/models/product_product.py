from odoo import models


class ProductProduct(models.Model):
    """Product variants carry the contact journal, appointments and tasks."""

    _name = "product.product"
    _inherit = ["product.product", "crm.document.linked.mixin"]
