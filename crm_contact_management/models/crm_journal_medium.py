from odoo import fields, models


class CrmJournalMedium(models.Model):
    """How a contact happened, on two levels: Phone > Mobile, Letter > Registered."""

    _name = "crm.journal.medium"
    _description = "Contact Medium"
    _inherit = ["crm.journal.category.mixin"]

    parent_id = fields.Many2one("crm.journal.medium", index=True, ondelete="restrict")
    child_ids = fields.One2many("crm.journal.medium", "parent_id")
