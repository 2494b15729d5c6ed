from collections import defaultdict

from odoo import models
from odoo.fields import Domain


class ResPartner(models.Model):
    """Appointments and open tasks of a business partner, with the smart buttons and actions
    of the documents linked to the contact journal: a company counts those of its contact
    persons too.

    The journal of a partner is its own (:mod:`res_partner_journal`): its entries are those
    with the partner, not those linking it as a document."""

    _name = "res.partner"
    _inherit = ["res.partner", "crm.document.linked.mixin"]

    def _compute_crm_appointment_count(self):
        """Appointments are a partner's by their company and contact person, not by links:
        one query for all the partners."""
        owners = self._crm_document_owners()
        counted = defaultdict(set)
        if owners:
            groups = self.env["calendar.event"]._read_group(
                self._crm_appointment_domain(owners),
                ["crm_partner_id", "crm_contact_id"],
                ["id:array_agg"],
            )
            for company, contact, event_ids in groups:
                for owner_id in {company.id} | owners.get((self._name, contact.id), set()):
                    counted[owner_id].update(event_ids)
        for partner in self:
            partner.crm_appointment_count = len(counted[partner._origin.id])

    def _crm_document_owners(self):
        """The tasks and appointments of a current contact person of a company count for
        the company too."""
        owners = super()._crm_document_owners()
        for person_id, company_ids in self._origin._crm_companies_by_person().items():
            owners.setdefault((self._name, person_id), set()).update(company_ids)
        return owners

    def _crm_appointment_domain(self, owners=None):
        """Appointments with these partners: for a company, those with the company and those
        with its contact persons."""
        owners = owners or self._crm_document_owners()
        companies = self._origin.filtered("is_company")
        return Domain("crm_partner_id", "in", companies.ids) | Domain(
            "crm_contact_id", "in", [partner_id for _model, partner_id in owners]
        )

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
