from odoo import api, fields, models
from odoo.exceptions import ValidationError


class CrmCampaignChainRule(models.Model):
    _name = "crm.campaign.chain.rule"
    _description = "Campaign Chaining Rule"
    _order = "campaign_id, sequence, id"

    campaign_id = fields.Many2one("crm.campaign", required=True, ondelete="cascade", index=True)
    company_id = fields.Many2one(related="campaign_id.company_id", store=True)
    sequence = fields.Integer(default=10)
    trigger = fields.Selection(
        [("won", "Won"), ("lost", "Lost")],
        required=True,
        default="lost",
        help="The participant enters the next campaign when it is won, or lost.",
    )
    failure_code_id = fields.Many2one(
        "crm.campaign.failure.code",
        help="Only for participants lost with this failure code; empty for any code.",
    )
    next_campaign_id = fields.Many2one(
        "crm.campaign",
        required=True,
        ondelete="restrict",
        index=True,
        domain="[('active', '=', True), ('state', 'in', ['draft', 'running']), "
        "('id', '!=', campaign_id)]",
        help="The participant enters this campaign's first stage if it runs, or waits in it "
        "until it starts if it is a draft.",
    )

    @api.constrains("campaign_id", "next_campaign_id")
    def _check_next_campaign_id(self):
        for rule in self:
            if rule.next_campaign_id == rule.campaign_id:
                raise ValidationError(
                    self.env._(
                        "The campaign %(campaign)s cannot chain into itself.",
                        campaign=rule.campaign_id.display_name,
                    )
                )
            if not rule.next_campaign_id.active:
                raise ValidationError(
                    self.env._(
                        "The campaign %(campaign)s is archived and cannot be chained into.",
                        campaign=rule.next_campaign_id.display_name,
                    )
                )

    @api.onchange("trigger")
    def _onchange_trigger(self):
        if self.trigger == "won":
            self.failure_code_id = False

    def _matches(self, participant):
        """Whether the rule chains ``participant`` (won or lost) into its next campaign."""
        self.ensure_one()
        if self.trigger != participant.state:
            return False
        if self.trigger == "lost" and self.failure_code_id:
            return self.failure_code_id == participant.failure_code_id
        return True
