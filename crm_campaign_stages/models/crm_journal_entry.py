from odoo import api, fields, models
from odoo.exceptions import ValidationError

MEASURE_XMLID = "crm_contact_management.crm_journal_content_type_measure"


class CrmJournalEntry(models.Model):
    """Measures: journal entries belonging to a campaign. A measure (content type "Measure"
    or one below it) cannot be finished as done without its campaign; the link stays in the
    partner's history when the partner later leaves the campaign."""

    _inherit = "crm.journal.entry"

    campaign_id = fields.Many2one(
        "crm.campaign",
        string="Campaign",
        index="btree_not_null",
        ondelete="restrict",
        tracking=True,
        domain="[('company_id', 'in', (company_id, False))]",
    )
    campaign_participant_id = fields.Many2one(
        "crm.campaign.participant",
        string="Campaign Participant",
        index="btree_not_null",
        ondelete="set null",
    )
    is_measure = fields.Boolean(
        compute="_compute_is_measure",
        help="The content type is Measure, or one below it: the entry belongs to a campaign.",
    )

    @api.depends("content_type_id")
    def _compute_is_measure(self):
        measure = self.env.ref(MEASURE_XMLID, raise_if_not_found=False)
        for entry in self:
            entry.is_measure = bool(measure) and entry._is_measure_type(measure)

    @api.constrains("state", "content_type_id", "campaign_id")
    def _check_measure_campaign(self):
        measure = self.env.ref(MEASURE_XMLID, raise_if_not_found=False)
        if not measure:
            return
        for entry in self:
            if entry.state == "done" and not entry.campaign_id and entry._is_measure_type(measure):
                raise ValidationError(
                    self.env._(
                        "%(entry)s is a measure: choose its campaign before finishing it as done.",
                        entry=entry.display_name,
                    )
                )

    @api.constrains("campaign_id", "campaign_participant_id")
    def _check_campaign_participant(self):
        for entry in self:
            participant = entry.campaign_participant_id
            if participant and participant.campaign_id != entry.campaign_id:
                raise ValidationError(
                    self.env._(
                        "%(partner)s takes part in the campaign %(campaign)s, not in the "
                        "campaign of the journal entry %(entry)s.",
                        partner=participant.partner_id.display_name,
                        campaign=participant.campaign_id.display_name,
                        entry=entry.display_name,
                    )
                )

    @api.onchange("campaign_participant_id")
    def _onchange_campaign_participant_id(self):
        if self.campaign_participant_id:
            self.campaign_id = self.campaign_participant_id.campaign_id

    @api.onchange("campaign_id")
    def _onchange_campaign_id(self):
        if self.campaign_participant_id.campaign_id != self.campaign_id:
            self.campaign_participant_id = False

    @api.model_create_multi
    def create(self, vals_list):
        self._check_campaign_selectable(
            [vals["campaign_id"] for vals in vals_list if vals.get("campaign_id")]
        )
        return super().create(vals_list)

    def write(self, vals):
        if vals.get("campaign_id"):
            changed = self.filtered(lambda entry: entry.campaign_id.id != vals["campaign_id"])
            if changed:
                self._check_campaign_selectable([vals["campaign_id"]])
        return super().write(vals)

    def _check_campaign_selectable(self, campaign_ids):
        """An archived campaign keeps its measures but gets no new ones."""
        archived = (
            self.env["crm.campaign"]
            .sudo()
            .with_context(active_test=False)
            .browse(set(campaign_ids))
            .filtered(lambda campaign: not campaign.active)
        )
        if archived:
            raise ValidationError(
                self.env._(
                    "The campaign %(campaign)s is archived: it cannot be chosen for a journal "
                    "entry any more.",
                    campaign=archived[0].display_name,
                )
            )

    def _is_measure_type(self, measure):
        """Whether the content type is ``measure`` or one below it."""
        self.ensure_one()
        content_type = self.content_type_id
        while content_type:
            if content_type == measure:
                return True
            content_type = content_type.parent_id
        return False
