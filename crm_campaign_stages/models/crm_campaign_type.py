from odoo import fields, models


class CrmCampaignType(models.Model):
    _name = "crm.campaign.type"
    _description = "Campaign Type"
    _order = "sequence, name, id"

    name = fields.Char(required=True, translate=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    description = fields.Text(translate=True)
