from odoo import fields, models


class CrmAbsence(models.Model):
    _inherit = "crm.absence"

    leave_id = fields.Many2one(
        "hr.leave",
        string="Time Off",
        index="btree_not_null",
        ondelete="set null",
        readonly=True,
        copy=False,
        help="The validated time off this absence was recorded for.",
    )

    def _handover_candidates(self):
        # The calendar entry of the time off itself stays with the absent user.
        candidates = super()._handover_candidates()
        for key in (("calendar.event", "user_id"), ("calendar.event", "partner_ids")):
            candidates[key] = candidates[key].filtered(lambda event: event.res_model != "hr.leave")
        return candidates
