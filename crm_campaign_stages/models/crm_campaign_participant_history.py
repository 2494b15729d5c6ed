from odoo import fields, models


class CrmCampaignParticipantHistory(models.Model):
    _name = "crm.campaign.participant.history"
    _description = "Campaign Participant History"
    _order = "date desc, id desc"

    participant_id = fields.Many2one(
        "crm.campaign.participant", required=True, ondelete="cascade", index=True
    )
    campaign_id = fields.Many2one("crm.campaign", required=True, ondelete="cascade", index=True)
    company_id = fields.Many2one(related="campaign_id.company_id", store=True)
    partner_id = fields.Many2one("res.partner", required=True, ondelete="cascade", index=True)
    stage_from_id = fields.Many2one(
        "crm.campaign.stage", string="From Stage", ondelete="set null", index="btree_not_null"
    )
    stage_to_id = fields.Many2one(
        "crm.campaign.stage", string="To Stage", ondelete="set null", index="btree_not_null"
    )
    state = fields.Selection(
        [("running", "Running"), ("won", "Won"), ("lost", "Lost")],
        required=True,
        default="running",
    )
    failure_code_id = fields.Many2one("crm.campaign.failure.code", ondelete="restrict")
    user_id = fields.Many2one("res.users", string="By", default=lambda self: self.env.user)
    date = fields.Datetime(required=True, default=fields.Datetime.now, index=True)
    active = fields.Boolean(related="campaign_id.active", store=True)
