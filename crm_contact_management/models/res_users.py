from odoo import api, fields, models
from odoo.exceptions import ValidationError
from odoo.fields import Domain
from odoo.tools import SQL

# How many follow-ups the login notification lists at most; the schedule shows the rest.
LOGIN_FOLLOWUP_LIMIT = 10


class ResUsers(models.Model):
    _inherit = "res.users"

    crm_default_deputy_id = fields.Many2one(
        "res.users",
        string="Default Deputy",
        domain="[('share', '=', False), ('id', '!=', id)]",
        help="Colleague who takes over your tasks, appointments and planned contacts while you "
        "are away; proposed on new absences and used for validated time off.",
    )
    crm_followup_notice_date = fields.Date(
        string="Follow-ups Shown On",
        readonly=True,
        copy=False,
        help="Day on which the login notification last listed the due and overdue follow-ups.",
    )

    @property
    def SELF_READABLE_FIELDS(self):
        return [*super().SELF_READABLE_FIELDS, "crm_default_deputy_id", "crm_followup_notice_date"]

    @property
    def SELF_WRITEABLE_FIELDS(self):
        return [*super().SELF_WRITEABLE_FIELDS, "crm_default_deputy_id"]

    @api.constrains("crm_default_deputy_id")
    def _check_crm_default_deputy_id(self):
        for user in self:
            if user.crm_default_deputy_id == user:
                raise ValidationError(
                    self.env._("%(user)s cannot be their own deputy.", user=user.name)
                )

    @api.model
    def crm_get_login_followups(self):
        """Due and overdue follow-ups of the current user, once a day.

        Called by the web client on every page load: the first call of the day (in the user's
        time zone) that finds follow-ups returns them; later calls that day return none. The
        day is claimed with one conditional UPDATE, so two tabs opening at once show them once.

        :return: ``{"items": [...], "count": int}``: the first items (kind, name, state and
            date as displayed, model and id of the record to open) and how many there are.
        """
        nothing = {"items": [], "count": 0}
        user = self.env.user
        if user._is_public() or user.share:
            return nothing
        today = fields.Date.context_today(user)
        if user.crm_followup_notice_date == today:
            return nothing
        followups = user._crm_login_followups()
        if not followups["count"]:
            return nothing
        self.env.cr.execute(
            SQL(
                "UPDATE res_users SET crm_followup_notice_date = %(today)s "
                "WHERE id = %(uid)s AND crm_followup_notice_date IS DISTINCT FROM %(today)s "
                "RETURNING id",
                today=today,
                uid=user.id,
            )
        )
        claimed = bool(self.env.cr.fetchall())
        user.invalidate_recordset(["crm_followup_notice_date"])
        return followups if claimed else nothing

    def _crm_login_followups(self):
        """The due and overdue schedule items of this user, formatted for the notification."""
        self.ensure_one()
        Item = self.env["crm.schedule.item"].with_user(self)
        domain = Domain("user_id", "=", self.id) & Item._state_domain(["overdue", "due"])
        count = Item.search_count(domain)
        if not count:
            return {"items": [], "count": 0}
        items = Item.search(domain, order="date, date_start", limit=LOGIN_FOLLOWUP_LIMIT)
        return {"items": items._login_notice_values(), "count": count}
