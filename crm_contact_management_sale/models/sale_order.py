from odoo import models


class SaleOrder(models.Model):
    """Quotations and sales orders carry the contact journal, appointments and tasks."""

    _name = "sale.order"
    _inherit = ["sale.order", "crm.document.linked.mixin"]
