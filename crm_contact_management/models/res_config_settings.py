from odoo import api, fields, models
from odoo.exceptions import ValidationError

from .crm_contact_date import DEFAULT_REMINDER_DAYS, MAX_REMINDER_DAYS, REMINDER_DAYS_PARAM


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    crm_reminder_days_before = fields.Integer(
        string="Reminder Days Before",
        config_parameter=REMINDER_DAYS_PARAM,
        default=DEFAULT_REMINDER_DAYS,
        help="How many days before a birthday, anniversary or other reminder date the "
        "salesperson of the account gets a to-do.",
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
