from odoo import api, fields, models
from odoo.fields import Domain

from ..models.crm_campaign_mailing import DEFAULT_BATCH_SIZE, MAILING_MEDIA


class CrmCampaignMailingWizard(models.TransientModel):
    """Send a serial e-mail, letter or fax to the running participants of a campaign or of one
    of its stages."""

    _name = "crm.campaign.mailing.wizard"
    _description = "Send a Campaign Serial Mailing"

    campaign_id = fields.Many2one("crm.campaign", required=True, domain="[('active', '=', True)]")
    stage_id = fields.Many2one(
        "crm.campaign.stage",
        string="Stage",
        domain="[('campaign_id', '=', campaign_id)]",
        help="Send to the running participants of this stage; empty: to all running "
        "participants of the campaign.",
    )
    medium = fields.Selection(
        MAILING_MEDIA,
        required=True,
        compute="_compute_medium",
        store=True,
        readonly=False,
        precompute=True,
    )
    mail_template_id = fields.Many2one(
        "mail.template",
        string="E-mail Template",
        compute="_compute_mail_template_id",
        store=True,
        readonly=False,
        precompute=True,
        domain="[('model', '=', 'crm.campaign.participant')]",
    )
    batch_size = fields.Integer(default=DEFAULT_BATCH_SIZE)
    participant_count = fields.Integer(
        string="Running Participants", compute="_compute_participant_count"
    )

    @api.depends("campaign_id")
    def _compute_medium(self):
        media = dict(MAILING_MEDIA)
        for wizard in self:
            campaign_medium = wizard.campaign_id.medium
            wizard.medium = campaign_medium if campaign_medium in media else "email"

    @api.depends("campaign_id")
    def _compute_mail_template_id(self):
        for wizard in self:
            wizard.mail_template_id = wizard.campaign_id.mail_template_id

    @api.depends("campaign_id", "stage_id")
    def _compute_participant_count(self):
        for wizard in self:
            domain = Domain("campaign_id", "=", wizard.campaign_id.id) & Domain(
                "state", "=", "running"
            )
            if wizard.stage_id:
                domain &= Domain("stage_id", "=", wizard.stage_id.id)
            wizard.participant_count = (
                self.env["crm.campaign.participant"].search_count(domain)
                if wizard.campaign_id
                else 0
            )

    @api.onchange("campaign_id")
    def _onchange_campaign_id(self):
        if self.stage_id and self.stage_id.campaign_id != self.campaign_id:
            self.stage_id = False

    def action_send(self):
        """Create the mailing and send it at once."""
        mailing = self._create_mailing()
        mailing.action_send()
        return self._open(mailing)

    def action_prepare(self):
        """Create the mailing as a draft, to review its recipients before sending."""
        return self._open(self._create_mailing())

    def _create_mailing(self):
        self.ensure_one()
        self.env["crm.campaign.mailing"]._check_manager()
        return self.env["crm.campaign.mailing"].create(
            {
                "campaign_id": self.campaign_id.id,
                "stage_id": self.stage_id.id,
                "medium": self.medium,
                "mail_template_id": self.mail_template_id.id,
                "batch_size": self.batch_size,
            }
        )

    def _open(self, mailing):
        return {
            "type": "ir.actions.act_window",
            "res_model": mailing._name,
            "res_id": mailing.id,
            "view_mode": "form",
            "views": [(False, "form")],
            "target": "current",
        }
