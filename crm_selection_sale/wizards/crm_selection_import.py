from odoo import Command, api, models


class CrmSelectionImport(models.TransientModel):
    """Addresses can also be imported into the contacts of a sale order."""

    _inherit = "crm.selection.import"

    @api.model
    def _get_target_models(self):
        return [*super()._get_target_models(), "sale.order"]

    def _import_into(self, target, partners):
        if target._name == "sale.order":
            target.write({"crm_contact_ids": [Command.link(pid) for pid in partners.ids]})
            return
        super()._import_into(target, partners)
