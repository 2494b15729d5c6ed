from odoo import api, models


class CrmSelectionImport(models.TransientModel):
    _inherit = "crm.selection.import"

    @api.model
    def _get_target_models(self):
        return [*super()._get_target_models(), "crm.campaign"]

    def _import_into(self, target, partners):
        """A draft campaign takes the imported partners into its target group; a running
        one lets them enter its first stage at once."""
        if target._name == "crm.campaign":
            target._add_target_partners(partners, imported=True)
            return
        super()._import_into(target, partners)
