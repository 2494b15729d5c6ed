from odoo import fields, models


class CrmDocumentLink(models.Model):
    """A business document (sale order, purchase order, manufacturing order, invoice, product,
    lot, or any record) linked to a journal entry or an appointment."""

    _name = "crm.document.link"
    _description = "Linked Business Document"
    _order = "id"

    journal_entry_id = fields.Many2one(
        "crm.journal.entry", index="btree_not_null", ondelete="cascade"
    )
    calendar_event_id = fields.Many2one(
        "calendar.event", index="btree_not_null", ondelete="cascade"
    )
    res_model = fields.Char(string="Document Model", required=True)
    res_id = fields.Many2oneReference(string="Document ID", model_field="res_model", required=True)

    _res_idx = models.Index("(res_model, res_id)")
