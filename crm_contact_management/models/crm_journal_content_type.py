from odoo import fields, models


class CrmJournalContentType(models.Model):
    """What a contact was about, on two levels: Complaint > Delivery."""

    _name = "crm.journal.content.type"
    _description = "Contact Content Type"
    _inherit = ["crm.journal.category.mixin"]

    parent_id = fields.Many2one("crm.journal.content.type", index=True, ondelete="restrict")
    child_ids = fields.One2many("crm.journal.content.type", "parent_id")
