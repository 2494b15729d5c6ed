from odoo import models


class AccountMove(models.Model):
    """Invoices and bills carry the contact journal, appointments and tasks."""

    _inherit = ["account.move", "crm.document.linked.mixin"]
