from odoo import api, fields, models


class CrmJournalCategoryMixin(models.AbstractModel):
    """Two-level master data of the contact journal (medium, content type). The inheriting
    model defines ``parent_id`` and ``child_ids`` on itself."""

    _name = "crm.journal.category.mixin"
    _description = "Two-level Journal Master Data"
    _order = "complete_name, id"
    _rec_name = "complete_name"

    name = fields.Char(required=True, translate=True)
    code = fields.Char()
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    complete_name = fields.Char(compute="_compute_complete_name", store=True, recursive=True)

    @api.depends(lambda self: ["name", "parent_id.complete_name"] if "parent_id" in self else [])
    def _compute_complete_name(self):
        for record in self:
            parent = record["parent_id"] if "parent_id" in record else False
            record.complete_name = f"{parent.name} > {record.name}" if parent else record.name
