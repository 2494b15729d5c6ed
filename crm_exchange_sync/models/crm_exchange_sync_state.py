from odoo import fields, models

from .crm_exchange_mapping import KIND_SELECTION


class CrmExchangeSyncState(models.Model):
    """Where the sync of one user's Exchange folder stands: the server's sync state for the next
    incremental ``SyncFolderItems``, the last full sync and the last error with its back-off."""

    _name = "crm.exchange.sync.state"
    _description = "Exchange Sync State"
    _order = "user_id, kind"

    user_id = fields.Many2one("res.users", required=True, ondelete="cascade", index=True)
    kind = fields.Selection(KIND_SELECTION, required=True)
    sync_state = fields.Text(
        copy=False, help="Opaque state of the server; empty: the next sync is a full one."
    )
    last_full_sync = fields.Datetime(copy=False)
    last_sync = fields.Datetime(copy=False)
    error = fields.Text(copy=False)
    retry_count = fields.Integer(copy=False)
    next_try = fields.Datetime(copy=False)

    _user_kind_unique = models.UniqueIndex("(user_id, kind)", "One sync state per user and kind.")
