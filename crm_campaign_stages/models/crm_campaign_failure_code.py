from odoo import fields, models


class CrmCampaignFailureCode(models.Model):
    _name = "crm.campaign.failure.code"
    _description = "Campaign Failure Code"
    _order = "sequence, name, id"

    name = fields.Char(required=True, translate=True)
    code = fields.Char(required=True, help="Short technical key, unique, e.g. no_budget.")
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    description = fields.Text(translate=True)

    _code_unique = models.Constraint("UNIQUE(code)", "The code of a failure code must be unique.")
