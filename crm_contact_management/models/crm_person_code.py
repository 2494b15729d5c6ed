from odoo import fields, models


class CrmPersonCode(models.Model):
    _name = "crm.person.code"
    _description = "Person Code"
    _order = "sequence, name, id"

    name = fields.Char(required=True, translate=True)
    code = fields.Char(required=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    description = fields.Text(translate=True)

    _code_unique = models.Constraint(
        "UNIQUE (code)",
        "Another person code already uses this code.",
    )
