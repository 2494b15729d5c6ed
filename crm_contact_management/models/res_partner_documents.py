from collections import defaultdict

from odoo import fields, models
from odoo.fields import Domain


class ResPartner(models.Model):
    """Appointments and open tasks of a business partner: a company counts those of its
    contact persons too."""

    _inherit = "res.partner"

    crm_appointment_count = fields.Integer(
        string="Appointments", compute="_compute_crm_appointment_count"
    )
    crm_open_task_count = fields.Integer(
        string="Open Tasks", compute="_compute_crm_open_task_count"
    )

    def _compute_crm_appointment_count(self):
        partners = self._origin
        counted = defaultdict(set)
        if partners:
            companies_by_person = partners._crm_companies_by_person()
            groups = self.env["calendar.event"]._read_group(
                partners._crm_appointment_domain(companies_by_person),
                ["crm_partner_id", "crm_contact_id"],
                ["id:array_agg"],
            )
            for company, contact, event_ids in groups:
                owner_ids = {company.id, contact.id} | companies_by_person[contact.id]
                for owner_id in owner_ids:
                    counted[owner_id].update(event_ids)
        for partner in self:
            partner.crm_appointment_count = len(counted[partner._origin.id])

    def _compute_crm_open_task_count(self):
        partners = self._origin
        counts = defaultdict(int)
        if partners:
            companies_by_person = partners._crm_companies_by_person()
            groups = self.env["mail.activity"]._read_group(
                partners._crm_task_domain(companies_by_person), ["res_id"], ["__count"]
            )
            for res_id, count in groups:
                for owner_id in {res_id} | companies_by_person[res_id]:
                    counts[owner_id] += count
        for partner in self:
            partner.crm_open_task_count = counts[partner._origin.id]

    def action_crm_view_appointments(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("calendar.action_calendar_event")
        action.update(
            domain=list(self._crm_appointment_domain()),
            context=self._crm_calendar_event_defaults(),
        )
        return action

    def action_crm_view_tasks(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "crm_contact_management.mail_activity_action_crm_task"
        )
        action.update(
            domain=list(self._crm_task_domain()),
            context={"active_test": False, "search_default_filter_open": 1},
        )
        return action

    def action_crm_schedule_appointment(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Schedule an Appointment"),
            "res_model": "calendar.event",
            "views": [(False, "form")],
            "target": "current",
            "context": self._crm_calendar_event_defaults(),
        }

    def action_crm_plan_task(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Plan a Task"),
            "res_model": "mail.activity.schedule",
            "views": [(False, "form")],
            "target": "new",
            "context": {
                "active_model": self._name,
                "active_ids": self.ids,
                "active_id": self.id,
                "dialog_size": "large",
            },
        }

    def _crm_companies_by_person(self):
        """``{person id: set of company ids}``: the current contact persons of the companies
        among these partners (linked to them or having them as related company), each with
        those of these companies they work for."""
        companies = self.filtered("is_company")
        companies_by_person = defaultdict(set)
        if not companies:
            return companies_by_person
        persons = self.search(
            Domain("is_company", "=", False)
            & (
                Domain("parent_id", "in", companies.ids)
                | Domain("linked_organization_ids", "in", companies.ids)
            )
        )
        for person in persons:
            employers = (person.parent_id | person.linked_organization_ids) & companies
            companies_by_person[person.id].update(employers.ids)
        return companies_by_person

    def _crm_with_persons(self, companies_by_person=None):
        """The partners and the current contact persons of the companies among them."""
        if companies_by_person is None:
            companies_by_person = self._crm_companies_by_person()
        return self | self.browse(companies_by_person)

    def _crm_appointment_domain(self, companies_by_person=None):
        """Appointments with these partners: for a company, those with the company and those
        with its contact persons."""
        return Domain("crm_partner_id", "in", self.filtered("is_company").ids) | Domain(
            "crm_contact_id", "in", self._crm_with_persons(companies_by_person).ids
        )

    def _crm_task_domain(self, companies_by_person=None):
        """Tasks on these partners: for a company, those on its contact persons too."""
        return Domain("res_model", "=", "res.partner") & Domain(
            "res_id", "in", self._crm_with_persons(companies_by_person).ids
        )

    def _crm_calendar_event_defaults(self):
        defaults = {
            "default_name": self.env._("Appointment with %(partner)s", partner=self.display_name),
            "default_partner_ids": (self.env.user.partner_id | self).ids,
        }
        company = self.commercial_partner_id
        if company.is_company:
            defaults["default_crm_partner_id"] = company.id
        if not self.is_company and self.type == "contact":
            defaults["default_crm_contact_id"] = self.id
        return defaults
