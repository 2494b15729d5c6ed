from odoo import api, fields, models
from odoo.addons.base.models.res_partner import _lang_get
from odoo.exceptions import UserError


class CrmCampaignCopyLanguage(models.TransientModel):
    _name = "crm.campaign.copy.language"
    _description = "Copy a Campaign for Another Language"

    campaign_id = fields.Many2one("crm.campaign", required=True, readonly=True)
    campaign_lang = fields.Selection(related="campaign_id.lang")
    lang = fields.Selection(_lang_get, string="New Language", required=True)
    name = fields.Char(
        string="Name of the Copy", compute="_compute_name", store=True, readonly=False
    )
    split_target = fields.Boolean(
        string="Split Target Group",
        default=True,
        help="The partners whose language is the new one leave this campaign's target group "
        "for the copy; selection members of that language enter the copy when it starts.",
    )
    moved_partner_count = fields.Integer(compute="_compute_moved_partner_count")

    @api.depends("campaign_id", "lang")
    def _compute_name(self):
        languages = dict(_lang_get(self))
        for wizard in self:
            if wizard.campaign_id and wizard.lang:
                wizard.name = self.env._(
                    "%(campaign)s (%(lang)s)",
                    campaign=wizard.campaign_id.name,
                    lang=languages.get(wizard.lang, wizard.lang),
                )
            else:
                wizard.name = wizard.campaign_id.name

    @api.depends("campaign_id", "lang", "split_target")
    def _compute_moved_partner_count(self):
        for wizard in self:
            wizard.moved_partner_count = (
                len(wizard._get_moved_partners()) if wizard.split_target else 0
            )

    def _get_moved_partners(self):
        self.ensure_one()
        return self.campaign_id.target_partner_ids.filtered(lambda p: p.lang == self.lang)

    def action_copy(self):
        self.ensure_one()
        campaign = self.campaign_id
        campaign._check_usable()
        campaign.check_access("write")
        if self.lang == campaign.lang:
            raise UserError(self.env._("The copy needs a language other than the campaign's own."))
        copy = campaign._copy_for_language(self.lang, self.name, split_target=self.split_target)
        return {
            "type": "ir.actions.act_window",
            "res_model": "crm.campaign",
            "res_id": copy.id,
            "view_mode": "form",
            "target": "current",
        }
