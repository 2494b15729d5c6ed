from collections import defaultdict

from odoo import fields, models
from odoo.fields import Command, Domain


class CrmDocumentLinkedMixin(models.AbstractModel):
    """A business document that journal entries and appointments link to, and that carries
    tasks (activities): smart buttons with their counts, and actions to log a contact,
    schedule an appointment or plan a task about the document."""

    _name = "crm.document.linked.mixin"
    _description = "Document Linked to the Contact Journal"

    crm_journal_count = fields.Integer(
        string="Journal Entries", compute="_compute_crm_journal_count"
    )
    crm_appointment_count = fields.Integer(
        string="Appointments", compute="_compute_crm_appointment_count"
    )
    crm_open_task_count = fields.Integer(
        string="Open Tasks", compute="_compute_crm_open_task_count"
    )

    def _compute_crm_journal_count(self):
        counts = self._crm_count_links("journal_entry_id")
        for document in self:
            document.crm_journal_count = counts[document._origin.id]

    def _compute_crm_appointment_count(self):
        counts = self._crm_count_links("calendar_event_id")
        for document in self:
            document.crm_appointment_count = counts[document._origin.id]

    def _compute_crm_open_task_count(self):
        owners = self._crm_document_owners()
        counts = defaultdict(int)
        if owners:
            groups = self.env["mail.activity"]._read_group(
                self._crm_document_domain(owners), ["res_model", "res_id"], ["__count"]
            )
            for res_model, res_id, count in groups:
                for owner_id in owners.get((res_model, res_id), ()):
                    counts[owner_id] += count
        for document in self:
            document.crm_open_task_count = counts[document._origin.id]

    def unlink(self):
        """Links to a deleted document stay with their journal entries and appointments and
        show the name the document had."""
        links = (
            self.env["crm.document.link"]
            .sudo()
            .search(Domain("res_model", "=", self._name) & Domain("res_id", "in", self.ids))
        )
        if links:
            names = {document.id: document.display_name for document in self.sudo()}
            for res_id, document_links in links.grouped("res_id").items():
                document_links.res_name = names[res_id]
        return super().unlink()

    def action_crm_view_journal(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "crm_contact_management.crm_journal_entry_action"
        )
        action.update(
            domain=[("document_link_ids", "any", self._crm_document_domain_list())],
            context=self._crm_journal_entry_defaults(),
        )
        return action

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
            domain=self._crm_document_domain_list(),
            context={"active_test": False, "search_default_filter_open": 1},
        )
        return action

    def action_crm_log_contact(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Log a Contact"),
            "res_model": "crm.journal.entry",
            "views": [(False, "form")],
            "target": "current",
            "context": self._crm_journal_entry_defaults(),
        }

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

    def _crm_document_owners(self):
        """Which records of ``self`` a link or task of a document counts for, as a mapping
        ``{(model, id): set of record ids}``. A model counting the links of related documents
        too adds them here: a product those of its variants, a company those of its contact
        persons (a person working for several of the companies counts for each)."""
        return {(self._name, record_id): {record_id} for record_id in self._origin.ids}

    def _crm_document_domain(self, owners=None):
        """Links or activities pointing to the documents of ``self``."""
        ids_by_model = defaultdict(list)
        for res_model, res_id in owners or self._crm_document_owners():
            ids_by_model[res_model].append(res_id)
        return Domain.OR(
            Domain("res_model", "=", res_model) & Domain("res_id", "in", res_ids)
            for res_model, res_ids in ids_by_model.items()
        )

    def _crm_document_domain_list(self):
        """:meth:`_crm_document_domain` as a list, for a window action."""
        return list(self._crm_document_domain())

    def _crm_appointment_domain(self, owners=None):
        """The appointments of the documents of ``self``: those linked to them."""
        return Domain("document_link_ids", "any", self._crm_document_domain(owners))

    def _crm_count_links(self, owner_field):
        """Number of journal entries or appointments (``owner_field`` of the link) linked to
        each record of ``self``, with one query for all of them."""
        owners = self._crm_document_owners()
        linked = defaultdict(set)
        if owners:
            groups = self.env["crm.document.link"]._read_group(
                self._crm_document_domain(owners) & Domain(owner_field, "any", []),
                ["res_model", "res_id"],
                [f"{owner_field}:array_agg_distinct"],
            )
            for res_model, res_id, owner_ids in groups:
                for record_id in owners.get((res_model, res_id), ()):
                    linked[record_id].update(owner_ids)
        return defaultdict(int, {record_id: len(ids) for record_id, ids in linked.items()})

    def _crm_document_partner(self):
        """The partner of the document (customer, vendor ...), if any."""
        field = self._fields.get("partner_id")
        if field and field.type == "many2one" and field.comodel_name == "res.partner":
            return self.partner_id
        return self.env["res.partner"]

    def _crm_company_and_contact(self):
        """The business partner (a company) and the contact person of the document."""
        partner = self._crm_document_partner()
        Partner = self.env["res.partner"]
        if not partner:
            return Partner, Partner
        company = partner.commercial_partner_id
        company = company if company.is_company else Partner
        contact = partner if not partner.is_company and partner.type == "contact" else Partner
        return company, contact

    def _crm_journal_entry_defaults(self):
        """Context of a journal entry logged about the document. A partner the document does
        not have is no default: the company still follows from the contact person chosen."""
        company, contact = self._crm_company_and_contact()
        defaults = {"default_document_link_ids": self._crm_link_commands()}
        if company:
            defaults["default_partner_id"] = company.id
        if contact:
            defaults["default_contact_id"] = contact.id
        return defaults

    def _crm_calendar_event_defaults(self):
        """Context of an appointment scheduled about the document."""
        company, contact = self._crm_company_and_contact()
        defaults = {
            "default_name": self.display_name,
            "default_partner_ids": (self.env.user.partner_id | contact).ids,
            "default_document_link_ids": self._crm_link_commands(),
        }
        if company:
            defaults["default_crm_partner_id"] = company.id
        if contact:
            defaults["default_crm_contact_id"] = contact.id
        return defaults

    def _crm_link_commands(self):
        return [Command.create({"res_model": self._name, "res_id": self.id})]
