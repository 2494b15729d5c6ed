import hashlib
import json

from odoo import api, fields, models

SYNC_CONTEXT_KEY = "crm_exchange_syncing"


def neutral_hash(values):
    """A stable fingerprint of neutral values (dates and datetimes as ISO text)."""
    text = json.dumps(values, sort_keys=True, default=str, ensure_ascii=False)
    return hashlib.sha1(text.encode()).hexdigest()


class CrmExchangeSyncedMixin(models.AbstractModel):
    """Records synced with Exchange: a dirty flag set by user changes of the synced fields.

    Writes of the sync itself run with the ``crm_exchange_syncing`` context key and leave the flag
    alone, so a change coming from Exchange is never sent back there.  Deleting a record stamps its
    mappings: the next sync deletes the Exchange items (the mapping is the tombstone).
    """

    _name = "crm.exchange.synced.mixin"
    _description = "Synced with Exchange"

    crm_exchange_dirty = fields.Boolean(
        string="Exchange Sync Pending",
        copy=False,
        help="Changed in Odoo since the last sync with Exchange.",
    )

    @api.model
    def _crm_exchange_synced_fields(self):
        """Fields whose change must be sent to Exchange."""
        return set()

    @api.model
    def _crm_exchange_create_from_multi(self, values_list, user):
        """Records for items new to Odoo (neutral ``values_list``), in order: [(record, extra)].

        The default creates them one by one through ``_crm_exchange_create_from``; models override
        it to create them in one batch.  Either way a failure raises: the caller then retries the
        items one by one, each on its own."""
        return [self._crm_exchange_create_from(values, user) for values in values_list]

    @api.model_create_multi
    def create(self, vals_list):
        if not self.env.context.get(SYNC_CONTEXT_KEY):
            for vals in vals_list:
                vals.setdefault("crm_exchange_dirty", True)
        return super().create(vals_list)

    def write(self, vals):
        if (
            not self.env.context.get(SYNC_CONTEXT_KEY)
            and "crm_exchange_dirty" not in vals
            and self._crm_exchange_synced_fields().intersection(vals)
        ):
            vals = dict(vals, crm_exchange_dirty=True)
        return super().write(vals)

    def unlink(self):
        if self.ids:
            self.env["crm.exchange.mapping"].sudo().search(
                [
                    ("res_model", "=", self._name),
                    ("res_id", "in", self.ids),
                    ("record_deleted_date", "=", False),
                ]
            ).write({"record_deleted_date": fields.Datetime.now()})
        return super().unlink()
