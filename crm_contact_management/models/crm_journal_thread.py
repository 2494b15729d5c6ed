from odoo import fields, models


class CrmJournalThread(models.Model):
    """A matter several journal entries belong to, e.g. "Complaint order S00042"."""

    _name = "crm.journal.thread"
    _description = "Contact Journal Thread"
    _order = "id desc"

    name = fields.Char(required=True)
    partner_id = fields.Many2one("res.partner", string="Company", index="btree_not_null")
    entry_ids = fields.One2many("crm.journal.entry", "thread_id", string="Entries")
    active = fields.Boolean(default=True)
