from odoo import models


class StockLot(models.Model):
    """Lots and serial numbers carry the contact journal, appointments and tasks."""

    _name = "stock.lot"
    _inherit = ["stock.lot", "crm.document.linked.mixin"]

    def _crm_document_partner(self):
        """The customer who last received the lot or serial number."""
        return self.partner_ids[:1]
