from odoo import api, fields, models


class CrmCampaignStage(models.Model):
    _name = "crm.campaign.stage"
    _description = "Campaign Stage"
    _order = "campaign_id, sequence, id"

    campaign_id = fields.Many2one("crm.campaign", required=True, ondelete="cascade", index=True)
    company_id = fields.Many2one(related="campaign_id.company_id", store=True, index=True)
    currency_id = fields.Many2one(related="campaign_id.currency_id")
    sequence = fields.Integer(default=10)
    name = fields.Char(required=True, translate=True)
    deal_value = fields.Monetary(
        help="The value of the deal expected from a participant who reaches this stage."
    )
    probability = fields.Float(
        string="Probability (%)",
        default=10.0,
        help="The chance, in percent, that a participant in this stage is won.",
    )
    condition = fields.Selection(
        [
            ("actions_done", "All Actions Done"),
            ("success", "Result Recorded as Success"),
        ],
        required=True,
        default="actions_done",
        help="A participant moves on to the next stage when all actions of this stage are "
        "done, or when a result is recorded as success. Recording a success always moves "
        "the participant on.",
    )
    action_ids = fields.One2many(
        "crm.campaign.stage.action", "stage_id", string="Actions", copy=True
    )
    participant_ids = fields.One2many(
        "crm.campaign.participant", "stage_id", string="Participants", copy=False
    )
    participant_count = fields.Integer(
        compute="_compute_forecast", help="Running participants in this stage."
    )
    expected_value = fields.Monetary(
        compute="_compute_forecast",
        help="Sum of the expected values of the running participants in this stage.",
    )
    entered_count = fields.Integer(
        compute="_compute_conversion", help="Participants who entered this stage."
    )
    passed_count = fields.Integer(
        compute="_compute_conversion",
        help="Participants who left this stage forward: to the next stage or won.",
    )
    conversion_rate = fields.Float(
        compute="_compute_conversion",
        help="Passed participants in percent of those who entered this stage.",
    )

    _probability_range = models.Constraint(
        "CHECK(probability >= 0 AND probability <= 100)",
        "The probability of a stage lies between 0 and 100 percent.",
    )
    _deal_value_positive = models.Constraint(
        "CHECK(deal_value >= 0)", "The deal value of a stage cannot be negative."
    )

    @api.depends("participant_ids.state", "participant_ids.expected_value")
    def _compute_forecast(self):
        rows = {}
        if self.ids:
            rows = {
                stage.id: (count, expected)
                for stage, count, expected in self.env["crm.campaign.participant"]
                .with_context(active_test=False)
                ._read_group(
                    [("stage_id", "in", self.ids), ("state", "=", "running")],
                    ["stage_id"],
                    ["__count", "expected_value:sum"],
                )
            }
        for stage in self:
            stage.participant_count, stage.expected_value = rows.get(stage.id, (0, 0.0))

    def _compute_conversion(self):
        History = self.env["crm.campaign.participant.history"].with_context(active_test=False)
        entered = passed = {}
        if self.ids:
            entered = {
                stage.id: count
                for stage, count in History._read_group(
                    [("stage_to_id", "in", self.ids), ("state", "=", "running")],
                    ["stage_to_id"],
                    ["participant_id:count_distinct"],
                )
            }
            passed = {
                stage.id: count
                for stage, count in History._read_group(
                    [("stage_from_id", "in", self.ids), ("state", "in", ["running", "won"])],
                    ["stage_from_id"],
                    ["participant_id:count_distinct"],
                )
            }
        for stage in self:
            stage.entered_count = entered.get(stage.id, 0)
            stage.passed_count = passed.get(stage.id, 0)
            stage.conversion_rate = (
                100.0 * stage.passed_count / stage.entered_count if stage.entered_count else 0.0
            )
