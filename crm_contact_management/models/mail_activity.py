from odoo import fields, models


class MailActivity(models.Model):
    """A task on any document. Done tasks are archived with their completion date and
    feedback; who completed them is kept too."""

    _inherit = "mail.activity"

    done_user_id = fields.Many2one(
        "res.users", string="Completed by", readonly=True, copy=False, index="btree_not_null"
    )

    def _action_done(self, feedback=False, attachment_ids=None):
        messages, next_activities = super()._action_done(
            feedback=feedback, attachment_ids=attachment_ids
        )
        self.exists().filtered(lambda activity: not activity.active).done_user_id = self.env.user
        return messages, next_activities
