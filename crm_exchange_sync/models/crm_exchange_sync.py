"""The sync engine: one user's mailbox against Odoo, both ways, incremental.

Each unit of work follows the same three steps so that a remote change never depends on a
transaction that may still roll back:

1. read and prepare in Odoo, then commit (a create first commits a mapping without item id:
   the next run then knows that the item may exist already and looks it up by its Odoo identity);
2. the remote call;
3. store its outcome (mapping, change key, fingerprint) and commit at once.

Committing is the job of a *transaction* object handed in by the entry point: in production
the scheduled action's cursor commits through ``ir.cron._commit_progress``; tests, which must
not commit, hand in :class:`SavepointTransaction`, which runs the same code with savepoints.
"""

import logging
from datetime import UTC, timedelta

from odoo import api, fields, models
from odoo.tools import SQL

from ..backends import BackendError, ConflictError, ItemNotFoundError, SyncStateInvalidError
from .crm_exchange_mapping import KIND_MODELS
from .crm_exchange_synced_mixin import SYNC_CONTEXT_KEY, neutral_hash

_logger = logging.getLogger(__name__)

KIND_SETTING = {"event": "events", "task": "tasks", "contact": "contacts"}
SYNC_CONTEXT = {
    SYNC_CONTEXT_KEY: True,
    "no_mail_to_attendees": True,
    "dont_notify": True,
    "mail_create_nosubscribe": True,
    "mail_create_nolog": True,
    "mail_notrack": True,
    "tracking_disable": True,
    "mail_activity_quick_update": True,
}


class CronTransaction:
    """Production commits: the cursor of the scheduled action (or of the sync entry point).

    ``ir.cron._commit_progress`` commits (and, inside the scheduled action, records its progress);
    it is the only place where the sync commits, because a remote change already made must never
    be rolled back in Odoo."""

    def __init__(self, env):
        self.env = env

    def commit(self):
        self.env["ir.cron"]._commit_progress(0)

    def progress(self, processed=0, remaining=None):
        """Commit and report the progress of the scheduled action; returns its time left."""
        return self.env["ir.cron"]._commit_progress(processed, remaining=remaining)

    def rollback(self):
        self.env.cr.rollback()
        self.env.invalidate_all()


class SavepointTransaction:
    """Test commits: a savepoint stands for the last commit, so a failure rolls back to it."""

    name = "crm_exchange_sync_unit"

    def __init__(self, env):
        self.env = env
        env.cr.execute(SQL("SAVEPOINT crm_exchange_sync_unit"))

    def commit(self):
        self.env.flush_all()
        self.env.cr.execute(SQL("RELEASE SAVEPOINT crm_exchange_sync_unit"))
        self.env.cr.execute(SQL("SAVEPOINT crm_exchange_sync_unit"))

    def progress(self, processed=0, remaining=None):
        self.commit()
        return float("inf")

    def rollback(self):
        self.env.invalidate_all()
        self.env.cr.execute(SQL("ROLLBACK TO SAVEPOINT crm_exchange_sync_unit"))
        self.env.invalidate_all()


class CrmExchangeSync(models.AbstractModel):
    """Entry points of the engine; the work is done by :class:`UserSync`."""

    _name = "crm.exchange.sync"
    _description = "Exchange Sync Engine"

    @api.model
    def _get_settings(self):
        """The sync settings (ir.config_parameter ``crm_exchange_sync.*``) as a dict."""
        icp = self.env["ir.config_parameter"].sudo()

        def param(name, default=""):
            return icp.get_param(f"crm_exchange_sync.{name}", default) or default

        settings = {
            "conflict_policy": param("conflict_policy", "newest"),
            "contact_filter": param("contact_filter", "my_accounts"),
            "contact_selection_id": int(param("contact_selection_id", "0") or 0),
            "contacts_folder": param("contacts_folder", ""),
        }
        for kind, plural in KIND_SETTING.items():
            settings[f"sync_{kind}"] = param(f"sync_{plural}", "") not in ("", "False", "0")
            settings[f"direction_{kind}"] = param(f"direction_{plural}", "both")
        return settings

    @api.model
    def _get_database_uuid(self):
        return self.env["ir.config_parameter"].sudo().get_param("database.uuid")

    @api.model
    def _sync_user(self, user, backend, transaction, kinds=None, contacts_backend=None):
        """Sync ``user``'s mailbox through ``backend`` (contact persons through
        ``contacts_backend`` when they live in a shared mailbox); raises BackendError, everything
        committed before the error is kept."""
        engine = UserSync(
            self.with_user(user).sudo().with_context(**SYNC_CONTEXT),
            user,
            backend,
            transaction,
            contacts_backend=contacts_backend,
        )
        engine.run(kinds)


class UserSync:
    """The sync of one user's mailbox (all kinds the settings enable)."""

    page_size = 512  # changes per SyncFolderItems call
    create_chunk = 50  # items per CreateItem call

    def __init__(self, engine, user, backend, transaction, contacts_backend=None):
        self.engine = engine
        self.contacts_backend = contacts_backend
        self.env = engine.env
        self.user = user.with_env(self.env)
        self.backend = backend
        self.transaction = transaction
        self.settings = engine._get_settings()
        self.db_uuid = engine._get_database_uuid()
        self.Mapping = self.env["crm.exchange.mapping"]
        self.item_errors = []

    # ------------------------------------------------------------------
    # Run
    # ------------------------------------------------------------------
    def run(self, kinds=None):
        for kind in kinds or KIND_MODELS:
            if not self.settings[f"sync_{kind}"]:
                continue
            state = self._get_state(kind)
            direction = self.settings[f"direction_{kind}"]
            backend = self._backend_for(kind)
            if direction != "to_exchange":
                self._pull(kind, state, backend)
            if direction != "from_exchange":
                self._push(kind, backend)
            # items that could not be applied are reported on the folder's state, not as a failure
            state.write(
                {
                    "error": "\n".join(self.item_errors) or False,
                    "retry_count": 0,
                    "next_try": False,
                    "last_sync": fields.Datetime.now(),
                }
            )
            self.item_errors = []
            self.transaction.commit()

    def _backend_for(self, kind):
        """Contacts may live in a shared mailbox's folder."""
        if kind == "contact" and self.contacts_backend:
            return self.contacts_backend
        return self.backend

    def _get_state(self, kind):
        State = self.env["crm.exchange.sync.state"]
        state = State.search([("user_id", "=", self.user.id), ("kind", "=", kind)])
        if not state:
            state = State.create({"user_id": self.user.id, "kind": kind})
            self.transaction.commit()
        return state

    def _model(self, kind):
        return self.env[KIND_MODELS[kind]]

    def _odoo_ref(self, record):
        return f"{record._name},{record.id}@{self.db_uuid}"

    def _parse_ref(self, kind, ref):
        """The record id an Odoo identity of this database stands for, else None."""
        if not ref or "@" not in ref:
            return None
        target, uuid = ref.rsplit("@", 1)
        model, _sep, res_id = target.partition(",")
        if uuid != self.db_uuid or model != KIND_MODELS[kind] or not res_id.isdigit():
            return None
        return int(res_id)

    def _values(self, record, mapping):
        return record._crm_exchange_values(self.user, mapping.remote_extra if mapping else None)

    def _mappings(self, kind, domain=()):
        return self.Mapping.search([("user_id", "=", self.user.id), ("kind", "=", kind), *domain])

    # ------------------------------------------------------------------
    # Exchange -> Odoo
    # ------------------------------------------------------------------
    def _pull(self, kind, state, backend):
        sync_state = state.sync_state or None
        full = not sync_state
        seen = set()
        known_change_keys = self._stored_change_keys(kind)
        while True:
            try:
                batch = backend.sync_folder(
                    kind,
                    sync_state,
                    max_changes=self.page_size,
                    known_change_keys=known_change_keys,
                )
            except SyncStateInvalidError:
                if full:
                    raise
                _logger.info(
                    "Exchange sync state of %s (%s) expired: full resync", self.user.login, kind
                )
                state.sync_state = False
                self.transaction.commit()
                sync_state, full, seen = None, True, set()
                continue
            if batch.unchanged_ids:
                self._mark_listed(kind, batch.unchanged_ids)
            self._apply_remote_changes(kind, batch.changed)
            if batch.deleted_ids:
                self._apply_remote_deletions(kind, batch.deleted_ids)
            seen.update(item.item_id for item in batch.changed)
            seen.update(batch.unchanged_ids)
            sync_state = batch.sync_state
            state.sync_state = sync_state
            if full and batch.includes_last:
                # a full sync lists everything: mapped items it did not list are gone
                gone = self._mappings(
                    kind, [("item_id", "!=", False), ("item_id", "not in", list(seen))]
                )
                if gone:
                    self._apply_remote_deletions(kind, gone.mapped("item_id"))
                state.last_full_sync = fields.Datetime.now()
            self.transaction.commit()
            if batch.includes_last:
                self._check_unlisted(kind, backend)
                return

    def _stored_change_keys(self, kind):
        """For the backend: the change keys of the listed items as Odoo holds them (the version it
        wrote or read last).  An item still at that version is not read again: the first sync
        after a push does not read back what it pushed."""

        def lookup(item_ids):
            mappings = self.Mapping.search_fetch(
                [
                    ("user_id", "=", self.user.id),
                    ("kind", "=", kind),
                    ("item_id", "in", item_ids),
                    ("synced_hash", "!=", False),
                ],
                ["item_id", "change_key"],
            )
            return {m.item_id: m.change_key for m in mappings if m.change_key}

        return lookup

    def _mark_listed(self, kind, item_ids):
        """Items listed by the server but unchanged since Odoo synced them: only known to exist."""
        self._mappings(kind, [("item_id", "in", item_ids), ("item_listed", "=", False)]).write(
            {"item_listed": True}
        )

    def _check_unlisted(self, kind, backend):
        """Items created by an earlier run and deleted in Outlook before any sync listed them are
        never reported as deleted: they are looked up by their Odoo identity."""
        unlisted = self._mappings(kind, [("item_id", "!=", False), ("item_listed", "=", False)])
        if not unlisted:
            return
        refs = {f"{m.res_model},{m.res_id}@{self.db_uuid}": m for m in unlisted}
        found = backend.find_by_odoo_refs(kind, list(refs))
        found_ids = {item.item_id for item in found.values()}
        gone = unlisted.filtered(lambda m: m.item_id not in found_ids)
        (unlisted - gone).item_listed = True
        if gone:
            self._apply_remote_deletions(kind, gone.mapped("item_id"))
        self.transaction.commit()

    def _apply_remote_changes(self, kind, items):
        if not items:
            return
        by_item = {
            m.item_id: m
            for m in self._mappings(kind, [("item_id", "in", [i.item_id for i in items])])
        }
        ref_ids = {i.item_id: self._parse_ref(kind, i.odoo_ref) for i in items}
        by_res = {
            m.res_id: m
            for m in self._mappings(kind, [("res_id", "in", [r for r in ref_ids.values() if r])])
        }
        # items new to Odoo (no mapping, no identity of this database) are created in one batch
        new = [i for i in items if i.item_id not in by_item and not ref_ids[i.item_id]]
        new_ids = {i.item_id for i in new}
        self._apply_one_by_one(
            kind, [i for i in items if i.item_id not in new_ids], by_item, by_res, ref_ids
        )
        if new and not self._create_from_remote(kind, new):
            # one of them cannot be created: each on its own, the others are not lost
            self._apply_one_by_one(kind, new, by_item, by_res, ref_ids)

    def _apply_one_by_one(self, kind, items, by_item, by_res, ref_ids):
        """Each item in its own savepoint: an item that cannot be applied is reported on the
        folder's state and the others are applied."""
        for item in items:
            try:
                with self.env.cr.savepoint():
                    self._apply_remote_change(kind, item, by_item, by_res, ref_ids[item.item_id])
            except BackendError:
                raise
            except Exception as error:
                _logger.warning(
                    "Exchange item %s of %s not applied: %s", item.item_id, self.user.login, error
                )
                self.env.invalidate_all()
                self.item_errors.append(
                    self.env._(
                        "“%(subject)s” could not be applied: %(error)s",
                        subject=item.values.get("subject")
                        or item.values.get("display_name")
                        or "?",
                        error=str(error),
                    )
                )

    def _create_from_remote(self, kind, items):
        """Records and mappings for ``items`` new to Odoo, all in one batch; False (and nothing
        written) when the batch fails."""
        try:
            with self.env.cr.savepoint():
                created = self._model(kind)._crm_exchange_create_from_multi(
                    [item.values for item in items], self.user
                )
                self._create_mappings(kind, items, created)
        except BackendError:
            raise
        except Exception as error:
            _logger.info(
                "Exchange items of %s not created as a batch (%s): one by one",
                self.user.login,
                error,
            )
            self.env.invalidate_all()
            return False
        return True

    def _create_mappings(self, kind, items, created):
        now = fields.Datetime.now()
        self.Mapping.create(
            [
                {
                    "user_id": self.user.id,
                    "kind": kind,
                    "res_model": record._name,
                    "res_id": record.id,
                    "item_id": item.item_id,
                    "item_listed": True,
                    "change_key": item.change_key,
                    "remote_extra": extra,
                    "synced_hash": neutral_hash(record._crm_exchange_values(self.user, extra)),
                    "date_synced": now,
                }
                for item, (record, extra) in zip(items, created, strict=True)
            ]
        )

    def _apply_remote_change(self, kind, item, by_item, by_res, res_id):
        Model = self._model(kind)
        mapping = by_item.get(item.item_id)
        if not mapping and res_id:
            mapping = self._link_by_ref(kind, item, res_id, by_res.get(res_id))
            if mapping is False:
                return
        if mapping:
            if not mapping.item_listed:
                mapping.item_listed = True
            if mapping.change_key == item.change_key and mapping.synced_hash:
                return  # our own change coming back, or nothing new
            self._apply_remote_update(kind, mapping, item)
        else:
            created = Model._crm_exchange_create_from(item.values, self.user)
            self._create_mappings(kind, [item], [created])

    def _link_by_ref(self, kind, item, res_id, mapping):
        """An item carrying the identity of one of our records: created by a sync whose answer was
        lost, or listed again by a full resync.  Returns the mapping, None (record gone: the item is
        new to Odoo), or False (the record is mapped to another item: leave this one alone)."""
        if mapping and mapping.item_id and mapping.item_id != item.item_id:
            _logger.warning(
                "Exchange item %s duplicates the one mapped to %s", item.item_id, mapping.res_id
            )
            return False
        if not mapping:
            record = self._model(kind).browse(res_id).exists()
            if not record:
                return None
            mapping = self.Mapping.create(
                {
                    "user_id": self.user.id,
                    "kind": kind,
                    "res_model": record._name,
                    "res_id": record.id,
                }
            )
        # the item holds what was sent: the record is sent again only if it changed since
        record = mapping._get_record()
        mapping.write(
            {
                "item_id": item.item_id,
                "item_listed": True,
                "change_key": item.change_key,
                "synced_hash": neutral_hash(self._values(record, mapping)) if record else False,
                "date_synced": fields.Datetime.now(),
            }
        )
        return mapping

    def _fetch(self, backend, kind, item_id):
        """The item as it is now, None when it is gone."""
        try:
            items = backend.get_items(kind, [item_id])
        except ItemNotFoundError:
            return None
        return items[0] if items else None

    def _odoo_wins(self, record, item):
        """The conflict policy: Odoo always, or the newest change."""
        if self.settings["conflict_policy"] == "odoo":
            return True
        if not item.last_modified:
            return False
        return record.write_date.replace(tzinfo=UTC) > item.last_modified.astimezone(UTC)

    def _apply_remote_update(self, kind, mapping, item):
        record = mapping._get_record()
        if not record:
            deleted = mapping.record_deleted_date
            if (
                self.settings["conflict_policy"] == "newest"
                and item.last_modified
                and deleted
                and item.last_modified.astimezone(UTC) > deleted.replace(tzinfo=UTC)
            ):
                # changed in Outlook after the deletion in Odoo: the change is kept, the record back
                record, extra = self._model(kind)._crm_exchange_create_from(item.values, self.user)
                self._store(mapping, record, item.change_key, extra, res_id=record.id)
            else:
                mapping.change_key = item.change_key  # the push deletes the item
            return
        changed_in_odoo = (
            mapping.synced_hash
            and neutral_hash(self._values(record, mapping)) != mapping.synced_hash
        )
        if changed_in_odoo and self._odoo_wins(record, item):
            mapping.change_key = item.change_key  # the push overwrites the item
            self._set_dirty(record, True)
            return
        record, extra = record._crm_exchange_update_from(item.values, self.user)
        self._store(mapping, record, item.change_key, extra, res_id=record.id)
        self._settle(record)

    def _store(self, mapping, record, change_key, extra=None, **more):
        vals = {
            "change_key": change_key,
            "synced_hash": neutral_hash(record._crm_exchange_values(self.user, extra)),
            "date_synced": fields.Datetime.now(),
            "record_deleted_date": False,
            **more,
        }
        if extra is not None:
            vals["remote_extra"] = extra
        mapping.write(vals)

    def _apply_remote_deletions(self, kind, item_ids):
        for mapping in self._mappings(kind, [("item_id", "in", list(item_ids))]):
            record = mapping._get_record()
            if record:
                changed = (
                    mapping.synced_hash
                    and neutral_hash(self._values(record, mapping)) != mapping.synced_hash
                )
                if changed:
                    # changed in Odoo since the last sync: kept, and created again in Exchange
                    self._set_dirty(record, True)
                else:
                    record._crm_exchange_remove(self.user)
            mapping.unlink()

    # ------------------------------------------------------------------
    # Odoo -> Exchange
    # ------------------------------------------------------------------
    def _push(self, kind, backend):
        Model = self._model(kind)
        mappings = self._mappings(kind)
        by_res = {m.res_id: m for m in mappings}
        mapped = Model.browse(list(by_res)).exists()
        in_scope = Model._crm_exchange_still_in_scope(mapped, self.user, self.settings)
        in_scope_ids = set(in_scope.ids)
        for mapping in mappings.filtered(lambda m: m.res_id not in in_scope_ids):
            self._push_deletion(kind, backend, mapping)
        scope_ids = Model._crm_exchange_scope_ids(self.user, self.settings)
        new = Model.browse(sorted(scope_ids - set(by_res)))
        pending = in_scope.filtered(lambda r: not by_res[r.id].item_id)
        if pending:
            self._recover_lost_creates(kind, backend, pending, by_res)
        to_update = in_scope.filtered(
            lambda r: by_res[r.id].item_id
            and (r.crm_exchange_dirty or not by_res[r.id].synced_hash)
        )
        for record in to_update:
            self._push_update(kind, backend, record, by_res[record.id])
        to_create = new | in_scope.filtered(lambda r: not by_res[r.id].item_id)
        for start in range(0, len(to_create), self.create_chunk):
            self._push_creates(kind, backend, to_create[start : start + self.create_chunk])

    def _push_deletion(self, kind, backend, mapping):
        if mapping.item_id:
            try:
                backend.delete_item(kind, mapping.item_id, mapping.change_key)
            except ItemNotFoundError:
                pass
            except ConflictError:
                # changed in Outlook since: the newest wins (a deletion in Odoo has its date)
                item = self._fetch(backend, kind, mapping.item_id)
                deleted = mapping.record_deleted_date
                if (
                    item
                    and not mapping._get_record()
                    and self.settings["conflict_policy"] == "newest"
                    and item.last_modified
                    and deleted
                    and item.last_modified.astimezone(UTC) > deleted.replace(tzinfo=UTC)
                ):
                    record, extra = self._model(kind)._crm_exchange_create_from(
                        item.values, self.user
                    )
                    self._store(mapping, record, item.change_key, extra, res_id=record.id)
                    self.transaction.commit()
                    return
                if item:
                    try:
                        backend.delete_item(kind, mapping.item_id, None)
                    except ItemNotFoundError:
                        pass
        mapping.unlink()
        self.transaction.commit()

    def _recover_lost_creates(self, kind, backend, records, by_res):
        """Records whose create was sent without an answer: their items are found by identity."""
        refs = {self._odoo_ref(record): record for record in records}
        found = backend.find_by_odoo_refs(kind, list(refs))
        for ref, item in found.items():
            record = refs.get(ref)
            if not record:
                continue
            mapping = by_res[record.id]
            clash = self._mappings(kind, [("item_id", "=", item.item_id)])
            if clash:
                continue
            # linked without fingerprint: the record is sent again (what was created may be older)
            mapping.write(
                {"item_id": item.item_id, "change_key": item.change_key, "synced_hash": False}
            )
        self.transaction.commit()

    def _push_update(self, kind, backend, record, mapping):
        values = self._values(record, mapping)
        fingerprint = neutral_hash(values)
        if fingerprint == mapping.synced_hash:
            self._settle(record)
            self.transaction.commit()
            return
        try:
            change_key = backend.update_item(kind, mapping.item_id, mapping.change_key, values)
        except ItemNotFoundError:
            # deleted in Outlook, changed in Odoo: created again
            mapping.write({"item_id": False, "change_key": False, "synced_hash": False})
            self.transaction.commit()
            return
        except ConflictError:
            item = self._fetch(backend, kind, mapping.item_id)
            if not item:
                mapping.write({"item_id": False, "change_key": False, "synced_hash": False})
                self.transaction.commit()
                return
            if not self._odoo_wins(record, item):
                self._apply_remote_update_forced(kind, mapping, record, item)
                self.transaction.commit()
                return
            change_key = backend.update_item(kind, mapping.item_id, item.change_key, values)
        mapping.write(
            {
                "change_key": change_key,
                "synced_hash": fingerprint,
                "date_synced": fields.Datetime.now(),
            }
        )
        self._settle(record)
        self.transaction.commit()

    def _apply_remote_update_forced(self, kind, mapping, record, item):
        record, extra = record._crm_exchange_update_from(item.values, self.user)
        self._store(mapping, record, item.change_key, extra, res_id=record.id)
        self._settle(record)

    def _push_creates(self, kind, backend, records):
        # 1. prepare and commit: mappings without item id mark the creates as sent
        entries, mappings = [], []
        existing = {m.res_id: m for m in self._mappings(kind, [("res_id", "in", records.ids)])}
        missing = records.filtered(lambda r: r.id not in existing)
        created = self.Mapping.create(
            [
                {"user_id": self.user.id, "kind": kind, "res_model": r._name, "res_id": r.id}
                for r in missing
            ]
        )
        existing.update({m.res_id: m for m in created})
        for record in records:
            mapping = existing[record.id]
            values = self._values(record, mapping)
            entries.append((self._odoo_ref(record), values))
            mappings.append((mapping, neutral_hash(values)))
        self.transaction.commit()
        # 2. the remote call
        results = backend.create_items(kind, entries)
        # 3. store the outcome and commit at once
        now = fields.Datetime.now()
        for (mapping, fingerprint), (item_id, change_key) in zip(mappings, results, strict=True):
            mapping.write(
                {
                    "item_id": item_id,
                    "change_key": change_key,
                    "synced_hash": fingerprint,
                    "date_synced": now,
                }
            )
        self._settle(records)
        self.transaction.commit()

    # ------------------------------------------------------------------
    # Dirty flags
    # ------------------------------------------------------------------
    def _set_dirty(self, records, dirty):
        """Set the flag without touching write_date (which the conflict policy compares)."""
        records = records.filtered(lambda r: r.crm_exchange_dirty != dirty)
        if records:
            records.flush_recordset()
            self.env.cr.execute(
                SQL(
                    "UPDATE %s SET crm_exchange_dirty = %s WHERE id IN %s",
                    SQL.identifier(records._table),
                    dirty,
                    tuple(records.ids),
                )
            )
            records.invalidate_recordset(["crm_exchange_dirty"])

    def _settle(self, records):
        """Clear the dirty flag of records every mailbox has got; flag those another user's
        mailbox still lacks (a change from this user's Outlook must reach the other attendees'
        calendars)."""
        records = records.exists()
        if not records:
            return
        others = self.Mapping.search(
            [
                ("res_model", "=", records._name),
                ("res_id", "in", records.ids),
                ("user_id", "!=", self.user.id),
                ("user_id.crm_exchange_enabled", "=", True),
            ]
        )
        stale = {
            m.res_id
            for m in others
            if m.synced_hash
            != neutral_hash(
                records.browse(m.res_id)._crm_exchange_values(m.user_id, m.remote_extra)
            )
        }
        self._set_dirty(records.filtered(lambda r: r.id in stale), True)
        self._set_dirty(records.filtered(lambda r: r.id not in stale), False)


def back_off(retry_count, retry_after=None):
    """Delay before the next try: 5 minutes doubled per failure, at most 12 hours, never less than
    what the server asked for."""
    delay = min(timedelta(minutes=5) * (2 ** max(retry_count - 1, 0)), timedelta(hours=12))
    if retry_after:
        delay = max(delay, timedelta(seconds=retry_after))
    return delay
