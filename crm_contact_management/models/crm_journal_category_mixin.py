from odoo import api, fields, models
from odoo.exceptions import ValidationError


class CrmJournalCategoryMixin(models.AbstractModel):
    """Two-level master data of the contact journal (medium, content type). The inheriting
    model defines ``parent_id`` and ``child_ids`` on itself."""

    _name = "crm.journal.category.mixin"
    _description = "Two-level Journal Master Data"
    _order = "complete_name, id"
    _rec_name = "complete_name"

    name = fields.Char(required=True, translate=True)
    code = fields.Char(help="Technical name, unique, e.g. phone_mobile.")
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    complete_name = fields.Char(compute="_compute_complete_name", store=True, recursive=True)

    _code_unique = models.UniqueIndex("(code) WHERE code IS NOT NULL", "This code is already used.")

    @api.depends(lambda self: ["name", "parent_id.complete_name"] if "parent_id" in self else [])
    def _compute_complete_name(self):
        for record in self:
            parent = record["parent_id"] if "parent_id" in record else False
            record.complete_name = f"{parent.name} > {record.name}" if parent else record.name

    @api.constrains(lambda self: ["parent_id"] if "parent_id" in self else [])
    def _check_two_levels(self):
        """A main category has subcategories; a subcategory has none."""
        for record in self:
            parent = record["parent_id"]
            if parent and (parent["parent_id"] or record["child_ids"]):
                raise ValidationError(
                    self.env._(
                        "%(record)s cannot be a subcategory of %(parent)s: the journal master "
                        "data has two levels only.",
                        record=record.name,
                        parent=parent.display_name,
                    )
                )
