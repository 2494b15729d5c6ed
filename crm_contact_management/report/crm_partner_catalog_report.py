from odoo import api, models
from odoo.exceptions import UserError
from odoo.fields import Domain

LAST_ENTRY_COUNT = 5


class ReportCrmPartnerCatalog(models.AbstractModel):
    """Printable catalog of companies: address, classification, contact persons and last
    contacts. Contact persons stand for their company; everything shown is read as the
    printing user, so records they may not read stay out, and private contact data is never
    part of it."""

    _name = "report.crm_contact_management.report_crm_partner_catalog"
    _description = "Company Catalog Report"

    @api.model
    def _get_report_values(self, docids, data=None):
        data = data or {}
        entry_count = int(data.get("entry_count") or LAST_ENTRY_COUNT)
        companies = self._get_catalog_companies(self.env["res.partner"].browse(docids))
        if not companies:
            raise UserError(
                self.env._("Select companies or contact persons of companies to print a catalog.")
            )
        return {
            "doc_ids": companies.ids,
            "doc_model": "res.partner",
            "docs": companies,
            "sections": {
                company.id: self._get_company_section(company, entry_count) for company in companies
            },
        }

    @api.model
    def _get_catalog_companies(self, partners):
        """The companies of the partners, in their order: a contact person stands for their
        company, a partner belonging to no company is left out."""
        companies = self.env["res.partner"]
        for partner in partners:
            company = partner.commercial_partner_id
            if company.is_company:
                companies |= company
        return companies

    @api.model
    def _get_company_section(self, company, entry_count):
        links = self._get_contact_links(company)
        persons = links.person_id
        entries = self.env["crm.journal.entry"].search(
            self._get_last_entries_domain(company, persons), limit=entry_count
        )
        return {
            "address_lines": [
                line
                for line in company._display_address(without_company=True).splitlines()
                if line.strip()
            ],
            "classification": self._get_classification(company),
            "persons": [self._get_person_values(link) for link in links],
            "entries": [self._get_entry_values(entry) for entry in entries],
        }

    @api.model
    def _get_contact_links(self, company):
        """Current links of the company to active contact persons the user may read, the main
        contact persons first."""
        links = company.organization_link_ids.filtered("is_current")
        readable_persons = links.person_id._filtered_access("read").filtered("active")
        return links.filtered(lambda link: link.person_id in readable_persons).sorted(
            lambda link: (not link.is_main, (link.person_id.name or "").lower(), link.id)
        )

    @api.model
    def _get_last_entries_domain(self, company, persons):
        """Entries with the company (or one of its addresses) as business partner, and entries
        with one of its contact persons that name no other company."""
        return Domain("partner_id", "child_of", company.id) | (
            Domain("contact_id", "in", persons.ids) & Domain("partner_id", "=", False)
        )

    @api.model
    def _get_classification(self, company):
        """(label, value) pairs of the classification of the company that are set."""
        abc_class = dict(company._fields["abc_class"]._description_selection(self.env)).get(
            company.abc_class, ""
        )
        values = [
            (self.env._("Industries"), ", ".join(company.industry_ids.mapped("display_name"))),
            (self.env._("Company Class"), company.company_class_id.display_name or ""),
            (self.env._("ABC Class"), abc_class),
            (
                self.env._("Business Relations"),
                ", ".join(company.business_relation_ids.mapped("display_name")),
            ),
        ]
        return [(label, value) for label, value in values if value]

    @api.model
    def _get_person_values(self, link):
        person = link.person_id
        deputy = person.current_deputy_id._filtered_access("read")
        return {
            "name": person.name,
            "function": (link.function_id or person.function_id).display_name
            or person.function
            or "",
            "department": link.department or "",
            "phone": link.phone or person.phone or "",
            "email": link.email or person.email or "",
            "is_main": link.is_main,
            "deputy": deputy.name or "",
        }

    @api.model
    def _get_entry_values(self, entry):
        return {
            "entry": entry,
            "medium": entry.medium_id.display_name or "",
            "contact": ", ".join(entry.contact_id._filtered_access("read").mapped("name")),
        }
