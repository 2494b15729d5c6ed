from odoo import models


class MrpProduction(models.Model):
    """Manufacturing orders carry the contact journal, appointments and tasks."""

    _name = "mrp.production"
    _inherit = ["mrp.production", "crm.document.linked.mixin"]
