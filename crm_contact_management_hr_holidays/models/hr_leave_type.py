from odoo import fields, models


class HrLeaveType(models.Model):
    _inherit = "hr.leave.type"

    crm_absence_reason = fields.Selection(
        [("vacation", "Vacation"), ("sickness", "Sickness"), ("other", "Other")],
        string="Absence Reason",
        default="vacation",
        required=True,
        help="Reason of the absence recorded when time off of this type is validated.",
    )
