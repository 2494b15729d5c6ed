from odoo import api, models


class CrmDocumentLink(models.Model):
    _inherit = "crm.document.link"

    @api.model
    def _get_document_models(self):
        return [
            *super()._get_document_models(),
            ("sale.order", self.env._("Sales Order")),
        ]
