from odoo import api, fields, models
from odoo.exceptions import ValidationError

# the activity type each kind of action defaults to
ACTIVITY_TYPE_XMLIDS = {
    "call": "mail.mail_activity_data_call",
    "email": "mail.mail_activity_data_email",
    "letter": "mail.mail_activity_data_todo",
    "visit": "mail.mail_activity_data_meeting",
    "task": "mail.mail_activity_data_todo",
}


class CrmCampaignStageAction(models.Model):
    _name = "crm.campaign.stage.action"
    _description = "Campaign Stage Action"
    _order = "stage_id, sequence, day_offset, id"

    stage_id = fields.Many2one("crm.campaign.stage", required=True, ondelete="cascade", index=True)
    campaign_id = fields.Many2one(
        related="stage_id.campaign_id", store=True, index=True, string="Campaign"
    )
    company_id = fields.Many2one(related="stage_id.company_id", store=True)
    sequence = fields.Integer(default=10)
    name = fields.Char(required=True, translate=True)
    action_type = fields.Selection(
        [
            ("call", "Call"),
            ("email", "E-mail"),
            ("letter", "Letter"),
            ("visit", "Visit"),
            ("task", "Task"),
        ],
        string="Type",
        required=True,
        default="call",
    )
    activity_type_id = fields.Many2one(
        "mail.activity.type",
        compute="_compute_activity_type_id",
        store=True,
        readonly=False,
        help="The activity type of the task the engine creates for this action.",
    )
    day_offset = fields.Integer(
        string="Day Offset",
        help="Days after the participant entered the stage when the task is due.",
    )
    responsible_rule = fields.Selection(
        [
            ("team", "Campaign Team"),
            ("campaign_user", "Campaign Responsible"),
            ("salesperson", "Partner's Salesperson"),
            ("user", "Fixed User"),
        ],
        string="Responsible",
        required=True,
        default="team",
        help="Who gets the task: an operator of the campaign team (by the campaign's "
        "assignment mode), the campaign's responsible, the partner's salesperson or a "
        "fixed user.",
    )
    user_id = fields.Many2one("res.users", string="User", domain="[('share', '=', False)]")
    repeat_interval = fields.Integer(
        string="Repeat Every (Days)",
        help="Create the task again this many days after it was done; 0 for no repeat.",
    )
    note = fields.Html()

    _day_offset_positive = models.Constraint(
        "CHECK(day_offset >= 0)", "The day offset of an action cannot be negative."
    )
    _repeat_interval_positive = models.Constraint(
        "CHECK(repeat_interval >= 0)", "The repeat interval of an action cannot be negative."
    )

    @api.depends("action_type")
    def _compute_activity_type_id(self):
        for action in self:
            xmlid = ACTIVITY_TYPE_XMLIDS.get(action.action_type)
            activity_type = self.env.ref(xmlid, raise_if_not_found=False) if xmlid else None
            if not activity_type:
                activity_type = self.env.ref(
                    "mail.mail_activity_data_todo", raise_if_not_found=False
                )
            action.activity_type_id = activity_type

    @api.constrains("responsible_rule", "user_id")
    def _check_user_id(self):
        for action in self:
            if action.responsible_rule == "user" and not action.user_id:
                raise ValidationError(
                    self.env._(
                        "The action %(action)s is assigned to a fixed user: choose the user.",
                        action=action.name,
                    )
                )
