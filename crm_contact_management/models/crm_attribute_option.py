from odoo import fields, models


class CrmAttributeOption(models.Model):
    _name = "crm.attribute.option"
    _description = "Contact Attribute Option"
    _order = "attribute_id, sequence, id"

    attribute_id = fields.Many2one(
        "crm.attribute",
        required=True,
        index=True,
        ondelete="cascade",
        domain=[("value_type", "=", "selection")],
    )
    name = fields.Char(required=True, translate=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
