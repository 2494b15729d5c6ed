from odoo import api, fields, models

KIND_SELECTION = [("event", "Appointment"), ("task", "Task"), ("contact", "Contact Person")]
KIND_MODELS = {"event": "calendar.event", "task": "mail.activity", "contact": "res.partner"}


class CrmExchangeMapping(models.Model):
    """One synced pair: an Odoo record and the Exchange item standing for it in one user's mailbox.

    ``item_id`` stays empty between the moment a create is decided (and committed) and the moment
    the server's answer is stored: such a mapping tells the next run that the item may exist already
    and must be looked up by its Odoo identity before being created again.
    """

    _name = "crm.exchange.mapping"
    _description = "Exchange Sync Mapping"
    _order = "date_synced desc, id desc"
    _rec_name = "item_id"

    user_id = fields.Many2one("res.users", required=True, ondelete="cascade", index=True)
    kind = fields.Selection(KIND_SELECTION, required=True)
    res_model = fields.Char(string="Odoo Model", required=True)
    res_id = fields.Many2oneReference(
        string="Odoo Record ID", model_field="res_model", required=True
    )
    item_id = fields.Char(string="Exchange Item ID", copy=False)
    change_key = fields.Char(copy=False)
    synced_hash = fields.Char(
        copy=False,
        help="Fingerprint of the values last synced; an unchanged fingerprint is never sent again.",
    )
    remote_extra = fields.Json(
        copy=False,
        help="Exchange values Odoo has no field for (unknown attendees, further e-mails, ...), "
        "sent back unchanged so that a sync from Odoo never erases them.",
    )
    item_listed = fields.Boolean(
        copy=False,
        help="The item was listed by the server's change tracking (SyncFolderItems) at least once. "
        "An item this sync created is listed by the next incremental sync; one deleted before "
        "that is never listed: the sync then looks it up by its Odoo identity.",
    )
    date_synced = fields.Datetime(string="Last Synced")
    record_deleted_date = fields.Datetime(
        copy=False,
        help="When the Odoo record was deleted; the Exchange item is deleted by the next sync.",
    )
    record_name = fields.Char(compute="_compute_record_name")

    _user_kind_item_unique = models.UniqueIndex(
        "(user_id, kind, item_id) WHERE item_id IS NOT NULL",
        "An Exchange item is mapped only once per user.",
    )
    _user_record_unique = models.UniqueIndex(
        "(user_id, res_model, res_id)",
        "An Odoo record is mapped only once per user.",
    )
    _record_index = models.Index("(res_model, res_id)")

    @api.depends("res_model", "res_id")
    def _compute_record_name(self):
        for mapping in self:
            record = mapping._get_record()
            mapping.record_name = record.display_name if record else self.env._("(deleted)")

    def _get_record(self):
        """The mapped Odoo record, archived ones included; empty (or None) when deleted."""
        self.ensure_one()
        if not self.res_model or not self.res_id or self.res_model not in self.env:
            return None
        return self.env[self.res_model].with_context(active_test=False).browse(self.res_id).exists()
