from odoo import fields, models


class CrmJournalEntry(models.Model):
    """One contact with a business partner: who, when, how, about what, and what follows."""

    _name = "crm.journal.entry"
    _description = "Contact Journal Entry"
    _inherit = ["mail.thread", "mail.activity.mixin"]
    _order = "date_start desc, id desc"

    name = fields.Char(string="Subject", required=True, tracking=True)
    partner_id = fields.Many2one(
        "res.partner",
        string="Business Partner",
        index=True,
        tracking=True,
        domain="[('is_company', '=', True)]",
    )
    contact_id = fields.Many2one(
        "res.partner",
        string="Contact Person",
        index="btree_not_null",
        tracking=True,
        domain="[('is_company', '=', False)]",
    )
    user_id = fields.Many2one(
        "res.users",
        string="Responsible",
        default=lambda self: self.env.user,
        index=True,
        tracking=True,
    )
    followup_user_id = fields.Many2one(
        "res.users", string="Follow-up by", index="btree_not_null", tracking=True
    )
    company_id = fields.Many2one(
        "res.company", default=lambda self: self.env.company, index=True, required=True
    )
    medium_id = fields.Many2one("crm.journal.medium", index="btree_not_null")
    content_type_id = fields.Many2one("crm.journal.content.type", index="btree_not_null")
    direction = fields.Selection(
        [("incoming", "Incoming"), ("outgoing", "Outgoing")], default="outgoing", required=True
    )
    state = fields.Selection(
        [("planned", "Planned"), ("done", "Done"), ("not_done", "Not Done")],
        default="planned",
        required=True,
        index=True,
        tracking=True,
    )
    date_start = fields.Datetime(
        string="Start", default=fields.Datetime.now, required=True, index=True, tracking=True
    )
    duration = fields.Float(help="Duration in hours.")
    reminder = fields.Boolean(help="Remind the follow-up user before the start.")
    report = fields.Html()
    not_done_reason = fields.Text()
    date_finished = fields.Datetime(readonly=True, copy=False)
    thread_id = fields.Many2one("crm.journal.thread", string="Thread", index="btree_not_null")
    document_link_ids = fields.One2many(
        "crm.document.link", "journal_entry_id", string="Linked Documents"
    )
