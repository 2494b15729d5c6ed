from odoo import api, fields, models
from odoo.exceptions import AccessError
from odoo.fields import Domain

TEMPLATE_EDITOR_GROUP = "mail.group_mail_template_editor"


class CrmCampaign(models.Model):
    """The letter of a campaign and its serial mailings."""

    _inherit = "crm.campaign"

    letter_subject = fields.Char(
        translate=True,
        help="The subject line of the campaign's letters and faxes; empty: the campaign's name.",
    )
    letter_body = fields.Html(
        translate=True,
        sanitize="email_outgoing",
        help="The text of the campaign's letters and faxes between the salutation and the "
        "closing, rendered for each participant (placeholders such as "
        '<span t-out="object.partner_id.name"/>) in the language of the campaign.',
    )
    mailing_ids = fields.One2many("crm.campaign.mailing", "campaign_id", string="Mailings")
    mailing_count = fields.Integer(compute="_compute_mailing_count")

    def _compute_mailing_count(self):
        counts = dict(
            self.env["crm.campaign.mailing"]._read_group(
                Domain("campaign_id", "in", self.ids), ["campaign_id"], ["__count"]
            )
        )
        for campaign in self:
            campaign.mailing_count = counts.get(campaign, 0)

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            self._check_letter_body_access(vals.get("letter_body"))
        return super().create(vals_list)

    def write(self, vals):
        if "letter_body" in vals:
            self._check_letter_body_access(vals["letter_body"])
        return super().write(vals)

    def action_open_mailing_wizard(self):
        """The wizard that sends a serial mailing to the campaign or one of its stages."""
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "crm_campaign_stages.crm_campaign_mailing_wizard_action"
        )
        action["context"] = {"default_campaign_id": self.id}
        return action

    def action_view_mailings(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "crm_campaign_stages.crm_campaign_mailing_action"
        )
        action.update(
            domain=[("campaign_id", "=", self.id)],
            context={"default_campaign_id": self.id, "create": False},
        )
        return action

    @api.model
    def _check_letter_body_access(self, body):
        """Letters are rendered by the scheduled action: like a mail template, a letter with
        code beyond plain field placeholders is for template editors only."""
        if not body or self.env.su or self.env.user.has_group(TEMPLATE_EDITOR_GROUP):
            return
        if self.env["mail.render.mixin"]._has_unsafe_expression_template_qweb(
            body, "crm.campaign.participant"
        ):
            raise AccessError(
                self.env._(
                    "Only members of %(group)s may write letters with code beyond field "
                    "placeholders.",
                    group=self.env.ref(TEMPLATE_EDITOR_GROUP).name,
                )
            )
