from odoo import api, fields, models
from odoo.exceptions import UserError


class CrmCampaignLost(models.TransientModel):
    _name = "crm.campaign.lost"
    _description = "Mark Campaign Participants as Lost"

    participant_ids = fields.Many2many("crm.campaign.participant", string="Participants")
    failure_code_id = fields.Many2one("crm.campaign.failure.code", required=True)
    note = fields.Text(help="Why the participant was lost; posted on the participant.")

    @api.model
    def default_get(self, fields_list):
        values = super().default_get(fields_list)
        context = self.env.context
        if (
            "participant_ids" in fields_list
            and not values.get("participant_ids")
            and context.get("active_model") == "crm.campaign.participant"
            and context.get("active_ids")
        ):
            values["participant_ids"] = [fields.Command.set(context["active_ids"])]
        return values

    def action_mark_lost(self):
        self.ensure_one()
        participants = self.participant_ids
        if not participants:
            raise UserError(self.env._("Choose the participants to mark as lost."))
        participants._check_running()
        participants.check_access("write")
        participants._mark_lost(self.failure_code_id)
        if self.note:
            for participant in participants:
                participant.message_post(body=self.note)
        return {"type": "ir.actions.act_window_close"}
