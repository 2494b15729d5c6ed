from odoo import models


class AccountMove(models.Model):
    """Invoices and bills carry the contact journal, appointments and tasks."""

    _name = "account.move"
    _inherit = ["account.move", "crm.document.linked.mixin"]
