from collections import defaultdict

from odoo import api, fields, models
from odoo.exceptions import UserError

from .crm_campaign import PARTICIPANT_SOURCES


class CrmCampaignParticipant(models.Model):
    _name = "crm.campaign.participant"
    _description = "Campaign Participant"
    _inherit = ["mail.thread", "mail.activity.mixin"]
    _order = "campaign_id, stage_sequence, date_stage_entered, id"
    _rec_name = "partner_id"

    campaign_id = fields.Many2one(
        "crm.campaign", required=True, ondelete="cascade", index=True, tracking=True
    )
    company_id = fields.Many2one(related="campaign_id.company_id", store=True, index=True)
    currency_id = fields.Many2one(related="campaign_id.currency_id")
    campaign_state = fields.Selection(related="campaign_id.state", string="Campaign State")
    partner_id = fields.Many2one("res.partner", required=True, ondelete="restrict", index=True)
    commercial_partner_id = fields.Many2one(
        related="partner_id.commercial_partner_id",
        store=True,
        index=True,
        string="Customer Company",
    )
    lang = fields.Selection(related="partner_id.lang")
    stage_id = fields.Many2one(
        "crm.campaign.stage",
        string="Stage",
        index=True,
        tracking=True,
        readonly=True,
        domain="[('campaign_id', '=', campaign_id)]",
        group_expand="_read_group_stage_ids",
    )
    stage_sequence = fields.Integer(related="stage_id.sequence", store=True)
    state = fields.Selection(
        [("running", "Running"), ("won", "Won"), ("lost", "Lost")],
        required=True,
        default="running",
        readonly=True,
        tracking=True,
        index=True,
    )
    failure_code_id = fields.Many2one(
        "crm.campaign.failure.code", readonly=True, tracking=True, index="btree_not_null"
    )
    date_stage_entered = fields.Datetime(string="In Stage Since", readonly=True)
    date_end = fields.Datetime(string="Ended On", readonly=True)
    contacted = fields.Boolean(tracking=True)
    responded = fields.Boolean(tracking=True)
    interested = fields.Boolean(tracking=True)
    ordered = fields.Boolean(tracking=True)
    success_recorded = fields.Boolean(
        readonly=True,
        copy=False,
        help="A result was recorded as success in the current stage.",
    )
    source = fields.Selection(PARTICIPANT_SOURCES, required=True, default="manual", readonly=True)
    chained_from_id = fields.Many2one(
        "crm.campaign.participant",
        string="Chained From",
        readonly=True,
        index="btree_not_null",
        ondelete="set null",
    )
    chained_ids = fields.One2many(
        "crm.campaign.participant", "chained_from_id", string="Chained Into", readonly=True
    )
    history_ids = fields.One2many(
        "crm.campaign.participant.history", "participant_id", string="History", readonly=True
    )
    deal_value = fields.Monetary(
        compute="_compute_deal_value",
        store=True,
        readonly=False,
        help="The value of the deal with this partner; taken from the stage.",
    )
    probability = fields.Float(
        string="Probability (%)",
        compute="_compute_probability",
        store=True,
        readonly=False,
        aggregator="avg",
        help="The chance, in percent, to win this participant; taken from the stage.",
    )
    expected_value = fields.Monetary(
        compute="_compute_expected_value",
        store=True,
        help="Deal value x probability while running, the deal value once won, 0 once lost.",
    )
    active = fields.Boolean(related="campaign_id.active", store=True)
    note = fields.Html()

    _campaign_partner_unique = models.UniqueIndex(
        "(campaign_id, partner_id)", "A partner takes part in a campaign only once."
    )
    _probability_range = models.Constraint(
        "CHECK(probability >= 0 AND probability <= 100)",
        "The probability of a participant lies between 0 and 100 percent.",
    )

    @api.depends("stage_id")
    def _compute_deal_value(self):
        for participant in self:
            participant.deal_value = participant.stage_id.deal_value

    @api.depends("stage_id")
    def _compute_probability(self):
        for participant in self:
            participant.probability = participant.stage_id.probability

    @api.depends("deal_value", "probability", "state")
    def _compute_expected_value(self):
        for participant in self:
            if participant.state == "won":
                participant.expected_value = participant.deal_value
            elif participant.state == "lost":
                participant.expected_value = 0.0
            else:
                participant.expected_value = (
                    participant.deal_value * participant.probability / 100.0
                )

    @api.model
    def _read_group_stage_ids(self, stages, domain):
        campaign_id = self.env.context.get("default_campaign_id")
        if not campaign_id:
            return stages
        return stages.search([("campaign_id", "=", campaign_id)])

    @api.model_create_multi
    def create(self, vals_list):
        campaign_ids = {vals["campaign_id"] for vals in vals_list if vals.get("campaign_id")}
        self.env["crm.campaign"].browse(campaign_ids)._check_usable()
        return super().create(vals_list)

    # ------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------

    def action_record_success(self):
        """Record the result of the current stage as success: the participant moves on
        to the next stage, or is won after the last one."""
        self._check_running()
        self.check_access("write")
        self.write({"success_recorded": True})
        self._check_stage_condition()
        return True

    def action_mark_won(self):
        self._check_running()
        self.check_access("write")
        self._mark_won()
        return True

    def action_mark_lost(self):
        self._check_running()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Mark as Lost"),
            "res_model": "crm.campaign.lost",
            "view_mode": "form",
            "target": "new",
            "context": {
                "active_model": self._name,
                "active_ids": self.ids,
                "default_participant_ids": self.ids,
            },
        }

    def action_view_history(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("History of %(participant)s", participant=self.display_name),
            "res_model": "crm.campaign.participant.history",
            "view_mode": "list",
            "domain": [("participant_id", "=", self.id)],
            "context": {"active_test": False, "create": False},
        }

    # ------------------------------------------------------------
    # Business methods
    # ------------------------------------------------------------

    def _check_running(self):
        for participant in self:
            participant.campaign_id._check_usable()
            if participant.state != "running":
                raise UserError(
                    self.env._(
                        "%(partner)s has already left the campaign %(campaign)s.",
                        partner=participant.partner_id.display_name,
                        campaign=participant.campaign_id.display_name,
                    )
                )
            if participant.campaign_id.state != "running":
                raise UserError(
                    self.env._(
                        "The campaign %(campaign)s is not running.",
                        campaign=participant.campaign_id.display_name,
                    )
                )

    def _get_open_action_count(self):
        """Return a dict {participant id: number of actions of its current stage not done
        yet}. The engine (crm_campaign_participant_engine.py) counts the real tasks; this
        base knows no tasks, so nothing is open."""
        return dict.fromkeys(self.ids, 0)

    def _check_stage_condition(self):
        """Advance the running participants whose stage condition holds: a success was
        recorded, or (condition "all actions done") no action of the stage is open."""
        candidates = self.filtered(
            lambda p: p.state == "running"
            and p.stage_id
            and p.campaign_id.state == "running"
            and p.campaign_id.active
        )
        if not candidates:
            return self.browse()
        ready = candidates.filtered("success_recorded")
        waiting = (candidates - ready).filtered(lambda p: p.stage_id.condition == "actions_done")
        if waiting:
            open_counts = waiting._get_open_action_count()
            ready |= waiting.filtered(lambda p: not open_counts.get(p.id))
        ready._advance()
        return ready

    def _advance(self):
        """Move each participant to the next stage of its campaign, or end it as won
        after the last stage."""
        to_win = []
        by_next_stage = defaultdict(list)
        next_stages = {}  # (campaign, stage) -> next stage, for the participants of a batch
        for participant in self.filtered(lambda p: p.state == "running"):
            key = (participant.campaign_id, participant.stage_id)
            if key not in next_stages:
                next_stages[key] = key[0]._get_next_stage(key[1])
            next_stage = next_stages[key]
            if next_stage:
                by_next_stage[next_stage].append(participant.id)
            else:
                to_win.append(participant.id)
        for next_stage, participant_ids in by_next_stage.items():
            self.browse(participant_ids)._move_to_stage(next_stage)
        self.browse(to_win)._mark_won()
        return True

    def _move_to_stage(self, stage):
        """Put the participants into ``stage``: reset the stage result, take the stage's
        deal value and probability, and write the history."""
        if not self:
            return True
        now = fields.Datetime.now()
        history_values = [
            participant._prepare_history_values(stage_to=stage, date=now) for participant in self
        ]
        self.write(
            {
                "stage_id": stage.id,
                "date_stage_entered": now,
                "success_recorded": False,
                "deal_value": stage.deal_value,
                "probability": stage.probability,
            }
        )
        self.env["crm.campaign.participant.history"].sudo().create(history_values)
        return True

    def _mark_won(self):
        participants = self.filtered(lambda p: p.state == "running")
        if not participants:
            return True
        now = fields.Datetime.now()
        history_values = [
            participant._prepare_history_values(state="won", date=now)
            for participant in participants
        ]
        participants.write({"state": "won", "date_end": now, "probability": 100.0})
        self.env["crm.campaign.participant.history"].sudo().create(history_values)
        participants._chain()
        return True

    def _mark_lost(self, failure_code):
        participants = self.filtered(lambda p: p.state == "running")
        if not participants:
            return True
        now = fields.Datetime.now()
        history_values = [
            participant._prepare_history_values(state="lost", failure_code=failure_code, date=now)
            for participant in participants
        ]
        participants.write(
            {
                "state": "lost",
                "date_end": now,
                "failure_code_id": failure_code.id,
                "probability": 0.0,
            }
        )
        self.env["crm.campaign.participant.history"].sudo().create(history_values)
        participants._chain()
        return True

    def _prepare_history_values(self, stage_to=None, state="running", failure_code=None, date=None):
        self.ensure_one()
        return {
            "participant_id": self.id,
            "campaign_id": self.campaign_id.id,
            # the campaign's, as the related fields give (set here: no update after the insert)
            "company_id": self.campaign_id.company_id.id,
            "active": self.campaign_id.active,
            "partner_id": self.partner_id.id,
            "stage_from_id": self.stage_id.id,
            "stage_to_id": stage_to.id if stage_to else self.stage_id.id,
            "state": state,
            "failure_code_id": failure_code.id if failure_code else False,
            "user_id": self.env.uid,
            "date": date or fields.Datetime.now(),
        }

    def _chain(self):
        """Let won or lost participants enter the next campaign their campaign's chaining
        rules name. A partner already in that campaign is not added again, so a chain of
        campaigns never loops."""
        for participant in self.filtered(lambda p: p.state in ("won", "lost")):
            rules = participant.campaign_id.sudo().chain_rule_ids.filtered(
                lambda rule, p=participant: rule._matches(p)
            )
            for next_campaign in rules.next_campaign_id:
                if not next_campaign.active or next_campaign.state not in ("draft", "running"):
                    participant.campaign_id.message_post(
                        body=self.env._(
                            "%(partner)s was not chained into %(campaign)s: that campaign is "
                            "no longer open.",
                            partner=participant.partner_id.display_name,
                            campaign=next_campaign.display_name,
                        )
                    )
                    continue
                next_campaign._add_participants(
                    participant.partner_id, source="chain", chained_from=participant
                )
        return True
