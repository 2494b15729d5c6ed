from collections import defaultdict

from odoo import fields, models
from odoo.fields import Domain


class ResPartner(models.Model):
    """The contact journal of a partner: a contact person shows their own entries, a company
    the entries with it and those of all its current contact persons."""

    _inherit = "res.partner"

    crm_journal_entry_ids = fields.Many2many(
        "crm.journal.entry",
        string="Journal Entries",
        compute="_compute_crm_journal",
        help="The entries of the contact person; for a company, the entries with it and those "
        "of its current contact persons.",
    )
    crm_journal_count = fields.Integer(string="Journal", compute="_compute_crm_journal_count")

    def _compute_crm_journal(self):
        partners = self._origin
        entries = self.env["crm.journal.entry"]
        if partners:
            entries = entries.search_fetch(
                partners._crm_journal_entry_domain(), ["partner_id", "contact_id"]
            )
        companies_by_person = defaultdict(set)
        for company_id, person_ids in partners._crm_journal_persons_by_company().items():
            for person_id in person_ids:
                companies_by_person[person_id].add(company_id)
        entries_by_partner = defaultdict(list)
        for entry in entries:
            owners = {entry.partner_id.id, entry.contact_id.id}
            owners |= companies_by_person.get(entry.contact_id.id, set())
            for owner_id in owners:
                entries_by_partner[owner_id].append(entry.id)
        for partner in self:
            entry_ids = entries_by_partner.get(partner._origin.id, [])
            partner.crm_journal_entry_ids = entries.browse(entry_ids)

    def _compute_crm_journal_count(self):
        """Counted in the database, grouped by company and contact person: a company with
        100,000 entries costs one aggregate query, not 100,000 records."""
        partners = self._origin
        counts = defaultdict(int)
        if partners:
            companies_by_person = defaultdict(set)
            for company_id, person_ids in partners._crm_journal_persons_by_company().items():
                for person_id in person_ids:
                    companies_by_person[person_id].add(company_id)
            groups = self.env["crm.journal.entry"]._read_group(
                partners._crm_journal_entry_domain(), ["partner_id", "contact_id"], ["__count"]
            )
            for company, contact, count in groups:
                owners = {company.id, contact.id} | companies_by_person.get(contact.id, set())
                for owner_id in owners:
                    counts[owner_id] += count
        for partner in self:
            partner.crm_journal_count = counts[partner._origin.id]

    def action_view_crm_journal_entries(self):
        """The journal of the partner; new entries are logged with it."""
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "crm_contact_management.crm_journal_entry_action"
        )
        if self.is_company:
            defaults = {"default_partner_id": self.id}
        else:
            defaults = {"default_contact_id": self.id}
        action.update(
            name=self.env._("Journal of %(partner)s", partner=self.display_name),
            domain=list(self._crm_journal_entry_domain()),
            context=defaults,
        )
        return action

    def _crm_journal_entry_domain(self):
        """The journal entries of these partners: those of the contact persons, and for the
        companies those with the company and those of their current contact persons (linked
        to them or having them as related company)."""
        companies = self.filtered("is_company")
        persons = self - companies
        domain = Domain("contact_id", "in", persons.ids)
        if companies:
            domain |= Domain("partner_id", "in", companies.ids) | Domain(
                "contact_id",
                "any",
                Domain("parent_id", "in", companies.ids)
                | Domain("linked_organization_ids", "in", companies.ids),
            )
        return domain

    def _crm_journal_persons_by_company(self):
        """``{company id: set of person ids}``: the current contact persons of the companies
        among these partners, linked to them or having them as related company."""
        companies = self.filtered("is_company")
        persons_by_company = defaultdict(set)
        if not companies:
            return persons_by_company
        Link = self.env["crm.contact.link"]
        links = Link.search_fetch(
            Domain("organization_id", "in", companies.ids)
            & Link._get_valid_on_domain(fields.Date.context_today(self)),
            ["person_id", "organization_id"],
        )
        for link in links:
            persons_by_company[link.organization_id.id].add(link.person_id.id)
        children = self.search_fetch(
            Domain("parent_id", "in", companies.ids) & Domain("is_company", "=", False),
            ["parent_id"],
        )
        for child in children:
            persons_by_company[child.parent_id.id].add(child.id)
        return persons_by_company
