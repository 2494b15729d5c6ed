from odoo import api, fields, models
from odoo.exceptions import ValidationError
from odoo.tools import str2bool

from .crm_absence import HAND_BACK_PARAM
from .crm_contact_date import DEFAULT_REMINDER_DAYS, MAX_REMINDER_DAYS, REMINDER_DAYS_PARAM
from .crm_journal_entry import (
    DEFAULT_JOURNAL_REMINDER_DAYS,
    JOURNAL_REMINDER_DAYS_PARAM,
    MAX_JOURNAL_REMINDER_DAYS,
)


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    crm_reminder_days_before = fields.Integer(
        string="Reminder Days Before",
        config_parameter=REMINDER_DAYS_PARAM,
        default=DEFAULT_REMINDER_DAYS,
        help="How many days before a birthday, anniversary or other reminder date the "
        "salesperson of the account gets a to-do.",
    )
    crm_journal_reminder_days = fields.Integer(
        string="Journal Reminder Days",
        config_parameter=JOURNAL_REMINDER_DAYS_PARAM,
        default=DEFAULT_JOURNAL_REMINDER_DAYS,
        help="How many days before a planned contact with the reminder flag its follow-up "
        "user gets the reminder e-mail.",
    )

    # A boolean config_parameter field cannot default to True (unticking it deletes the
    # parameter, which then reads as the default again): stored as "True"/"False" instead.
    crm_absence_hand_back = fields.Boolean(
        string="Hand Back After Absences",
        help="When an absence has ended, hand back to the user what is still open and still "
        "with the deputy. Default of new absences.",
    )

    @api.constrains("crm_reminder_days_before")
    def _check_crm_reminder_days_before(self):
        for settings in self:
            if not 0 <= settings.crm_reminder_days_before <= MAX_REMINDER_DAYS:
                raise ValidationError(
                    self.env._(
                        "The reminder must be created between 0 and %(max_days)s days before "
                        "the date.",
                        max_days=MAX_REMINDER_DAYS,
                    )
                )

    @api.constrains("crm_journal_reminder_days")
    def _check_crm_journal_reminder_days(self):
        for settings in self:
            if not 0 <= settings.crm_journal_reminder_days <= MAX_JOURNAL_REMINDER_DAYS:
                raise ValidationError(
                    self.env._(
                        "The journal reminder e-mail must go out between 0 and %(max_days)s "
                        "days before the contact.",
                        max_days=MAX_JOURNAL_REMINDER_DAYS,
                    )
                )

    @api.model
    def get_values(self):
        res = super().get_values()
        param = self.env["ir.config_parameter"].sudo().get_param(HAND_BACK_PARAM, "True")
        res["crm_absence_hand_back"] = str2bool(param, True)
        return res

    def set_values(self):
        super().set_values()
        self.env["ir.config_parameter"].sudo().set_param(
            HAND_BACK_PARAM, str(bool(self.crm_absence_hand_back))
        )
