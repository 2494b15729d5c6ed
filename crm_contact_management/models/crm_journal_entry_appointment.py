from odoo import api, fields, models
from odoo.fields import Command


class CrmJournalEntry(models.Model):
    """Appointments following up a journal entry."""

    _inherit = "crm.journal.entry"

    appointment_ids = fields.One2many("calendar.event", "journal_entry_id", string="Appointments")
    appointment_count = fields.Integer(compute="_compute_appointment_count")

    @api.depends("appointment_ids")
    def _compute_appointment_count(self):
        counts = dict(
            self.env["calendar.event"]._read_group(
                [("journal_entry_id", "in", self._origin.ids)], ["journal_entry_id"], ["__count"]
            )
        )
        for entry in self:
            entry.appointment_count = counts.get(entry._origin, 0)

    def action_crm_view_appointments(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("calendar.action_calendar_event")
        action.update(
            domain=[("journal_entry_id", "=", self.id)],
            context=self._crm_calendar_event_defaults(),
        )
        return action

    def action_crm_schedule_appointment(self):
        """A new appointment with the partner, the contact person and the documents of the
        entry, following it up."""
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Schedule an Appointment"),
            "res_model": "calendar.event",
            "views": [(False, "form")],
            "target": "current",
            "context": self._crm_calendar_event_defaults(),
        }

    def _crm_calendar_event_defaults(self):
        defaults = {
            "default_name": self.name,
            "crm_journal_entry_id": self.id,
            "default_partner_ids": (self.env.user.partner_id | self.contact_id).ids,
            "default_document_link_ids": [
                Command.create({"res_model": link.res_model, "res_id": link.res_id})
                for link in self.document_link_ids
            ],
        }
        if self.partner_id:
            defaults["default_crm_partner_id"] = self.partner_id.id
        if self.contact_id:
            defaults["default_crm_contact_id"] = self.contact_id.id
        return defaults
