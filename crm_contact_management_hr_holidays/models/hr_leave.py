from odoo import api, models
from odoo.fields import Domain

# Changes of a time off that may change its absence.
ABSENCE_FIELDS = {
    "state",
    "employee_id",
    "holiday_status_id",
    "request_date_from",
    "request_date_to",
    "date_from",
    "date_to",
}


class HrLeave(models.Model):
    """Validated time off records the absence of the employee's user; refused or cancelled time
    off removes it (not started yet) or ends it, handing back what the deputy still holds."""

    _inherit = "hr.leave"

    @api.model_create_multi
    def create(self, vals_list):
        leaves = super().create(vals_list)
        leaves.filtered(lambda leave: leave.state == "validate")._crm_sync_absences()
        return leaves

    def write(self, vals):
        res = super().write(vals)
        if ABSENCE_FIELDS & vals.keys():
            self._crm_sync_absences()
        return res

    def unlink(self):
        self._crm_absences()._end_now()
        return super().unlink()

    def _crm_absences(self):
        """The absences (not cancelled) recorded for these time off."""
        return (
            self.env["crm.absence"]
            .sudo()
            .search([("leave_id", "in", self.ids), ("active", "=", True)])
        )

    def _crm_sync_absences(self):
        """Create, update or end the absences of the time off as their state says.

        Runs as superuser: the time off officer validating or refusing the time off may not
        manage the absences of the employee's user in the contact management."""
        absences = self._crm_absences().grouped("leave_id")
        for leave in self.sudo():
            absence = absences.get(leave, self.env["crm.absence"].sudo())
            if leave.state == "validate" and leave.employee_id.user_id:
                leave._crm_record_absence(absence)
            elif absence:
                absence._end_now()

    def _crm_record_absence(self, absence):
        self.ensure_one()
        values = {
            "date_from": self.request_date_from,
            "date_to": self.request_date_to,
            "reason": self.holiday_status_id.crm_absence_reason or "vacation",
        }
        if absence:
            changed = {name: value for name, value in values.items() if absence[name] != value}
            if changed:
                absence.write(changed)
            return
        user = self.employee_id.user_id
        deputy = self._crm_deputy()
        if not deputy:
            self._crm_note(
                self.env._(
                    "No absence recorded in the contact management: %(user)s has no default "
                    "deputy and the employee no manager with a user to stand in.",
                    user=user.name,
                )
            )
            return
        overlapping = (
            self.env["crm.absence"]
            .sudo()
            .search(
                Domain("user_id", "=", user.id)
                & Domain("date_from", "<=", values["date_to"])
                & Domain("date_to", ">=", values["date_from"]),
                limit=1,
            )
        )
        if overlapping:
            self._crm_note(
                self.env._(
                    "No absence recorded in the contact management: %(user)s is already "
                    "recorded as absent then (%(absence)s).",
                    user=user.name,
                    absence=overlapping._describe(),
                )
            )
            return
        (
            self.env["crm.absence"]
            .sudo()
            .create(
                {
                    **values,
                    "user_id": user.id,
                    "deputy_user_id": deputy.id,
                    "leave_id": self.id,
                }
            )
        )
        self._crm_note(
            self.env._(
                "Absence recorded in the contact management: %(deputy)s stands in for %(user)s.",
                deputy=deputy.name,
                user=user.name,
            )
        )

    def _crm_deputy(self):
        """The user's default deputy, else the user of the employee's manager."""
        self.ensure_one()
        user = self.employee_id.user_id
        for deputy in (user.crm_default_deputy_id, self.employee_id.parent_id.user_id):
            if deputy and deputy.active and not deputy.share and deputy != user:
                return deputy
        return self.env["res.users"]

    def _crm_note(self, body):
        self.message_post(body=body, subtype_xmlid="mail.mt_note")
