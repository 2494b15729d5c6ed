from odoo import api, fields, models


class CalendarEvent(models.Model):
    """An appointment: a calendar event with a business partner and a contact person, about
    business documents, possibly following up a journal entry."""

    _inherit = "calendar.event"

    crm_partner_id = fields.Many2one(
        "res.partner",
        string="Business Partner",
        compute="_compute_crm_partner_id",
        store=True,
        readonly=False,
        precompute=True,
        index="btree_not_null",
        domain="[('is_company', '=', True)]",
        help="The company the appointment is with; follows from the contact person.",
    )
    crm_contact_id = fields.Many2one(
        "res.partner",
        string="Contact Person",
        index="btree_not_null",
        domain="[('is_company', '=', False)]",
    )
    journal_entry_id = fields.Many2one(
        "crm.journal.entry",
        string="Journal Entry",
        index="btree_not_null",
        ondelete="set null",
        copy=False,
        help="The contact this appointment follows up.",
    )
    document_link_ids = fields.One2many(
        "crm.document.link", "calendar_event_id", string="Linked Documents", copy=True
    )

    @api.depends("crm_contact_id")
    def _compute_crm_partner_id(self):
        """The company follows from the contact person: the chosen company stays when the
        person is linked to it, else the person's main company."""
        for event in self.filtered("crm_contact_id"):
            event.crm_partner_id = event.crm_contact_id._get_company_for_contact(
                event.crm_partner_id
            )

    @api.onchange("crm_partner_id")
    def _onchange_crm_partner_id(self):
        """A contact person who is not linked to the newly chosen company is dropped."""
        for event in self:
            person = event.crm_contact_id
            if (
                person
                and event.crm_partner_id
                and event.crm_partner_id not in person._get_linked_organizations()
            ):
                event.crm_contact_id = False

    @api.model
    def default_get(self, fields):
        """An appointment scheduled from a journal entry follows it up. The entry comes as
        ``crm_journal_entry_id`` in the context: a ``default_journal_entry_id`` would also be
        the default of the links created with the appointment."""
        defaults = super().default_get(fields)
        entry_id = self.env.context.get("crm_journal_entry_id")
        if entry_id and "journal_entry_id" in fields and not defaults.get("journal_entry_id"):
            defaults["journal_entry_id"] = entry_id
        return defaults

    def action_open_crm_journal_entry(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "res_model": "crm.journal.entry",
            "res_id": self.journal_entry_id.id,
            "views": [(False, "form")],
            "target": "current",
        }
