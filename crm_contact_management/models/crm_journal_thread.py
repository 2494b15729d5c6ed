from odoo import api, fields, models


class CrmJournalThread(models.Model):
    """A matter several journal entries belong to, e.g. "Complaint order S00042"."""

    _name = "crm.journal.thread"
    _description = "Contact Journal Thread"
    _order = "id desc"

    name = fields.Char(required=True)
    partner_id = fields.Many2one(
        "res.partner",
        string="Company",
        index="btree_not_null",
        domain="[('is_company', '=', True)]",
    )
    entry_ids = fields.One2many("crm.journal.entry", "thread_id", string="Entries")
    entry_count = fields.Integer(string="Journal Entries", compute="_compute_entry_stats")
    date_last = fields.Datetime(
        string="Last Contact",
        compute="_compute_entry_stats",
        help="Start of the most recent entry of the thread.",
    )
    active = fields.Boolean(default=True)

    @api.depends("entry_ids.date_start")
    def _compute_entry_stats(self):
        stats = {
            thread: (count, date_last)
            for thread, count, date_last in self.env["crm.journal.entry"]._read_group(
                [("thread_id", "in", self._origin.ids)],
                ["thread_id"],
                ["__count", "date_start:max"],
            )
        }
        for thread in self:
            thread.entry_count, thread.date_last = stats.get(thread._origin, (0, False))

    def action_view_entries(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "crm_contact_management.crm_journal_entry_action"
        )
        action.update(
            name=self.name,
            domain=[("thread_id", "=", self.id)],
            context={
                "default_thread_id": self.id,
                "default_partner_id": self.partner_id.id,
            },
        )
        return action
