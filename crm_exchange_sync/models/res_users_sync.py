import logging

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL

from ..backends import BackendError
from .crm_exchange_sync import CronTransaction, back_off

_logger = logging.getLogger(__name__)

LOCK_CLASS = 0x45584348  # "EXCH": advisory locks of the Exchange sync, one per user


class ResUsers(models.Model):
    """The Exchange sync of each user: run by the scheduled action, errors kept on the user."""

    _inherit = "res.users"

    crm_exchange_state_ids = fields.One2many(
        "crm.exchange.sync.state",
        "user_id",
        string="Exchange Sync States",
        groups="base.group_system",
    )

    def action_crm_exchange_sync_now(self):
        """Sync soon: the scheduled action runs at once for the users asked for."""
        users = self if self.env.user.has_group("base.group_system") else self & self.env.user
        users.sudo().write({"crm_exchange_next_try": False})
        self.env.ref("crm_exchange_sync.ir_cron_crm_exchange_sync").sudo()._trigger()
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "type": "info",
                "message": self.env._("The Exchange sync starts in a moment."),
                "sticky": False,
            },
        }

    @api.model
    def _cron_crm_exchange_sync(self, limit=None, transaction=None):
        """Sync every enabled user whose next try is due, one user per commit, until the scheduled
        action's time is up (the rest follows at the next run; a user's error never stops the
        others)."""
        now = fields.Datetime.now()
        users = self.sudo().search(
            [
                ("crm_exchange_enabled", "=", True),
                "|",
                ("crm_exchange_next_try", "=", False),
                ("crm_exchange_next_try", "<=", now),
            ],
            order="crm_exchange_last_sync asc nulls first, id",
            limit=limit,
        )
        transaction = transaction or CronTransaction(self.env)
        transaction.progress(remaining=len(users))
        for user in users:
            user._crm_exchange_sync(transaction)
            if not transaction.progress(1):
                break

    def _crm_exchange_sync(self, transaction=None, kinds=None):
        """Sync the mailboxes of ``self`` now.

        ``transaction`` commits each unit of work (default: the cursor, through
        ``ir.cron._commit_progress``: this is an entry point of the sync, called by the
        scheduled action or a script, never inside a request whose transaction may still roll
        back); tests pass a :class:`~.crm_exchange_sync.SavepointTransaction`.  Errors are kept
        on the user and its sync states; returns the users synced without error.
        """
        transaction = transaction or CronTransaction(self.env)
        done = self.browse()
        for user in self.sudo():
            if not self._crm_exchange_lock(user):
                _logger.info("Exchange sync of %s already running elsewhere", user.login)
                continue
            try:
                if user._crm_exchange_sync_one(transaction, kinds):
                    done |= user
            finally:
                self._crm_exchange_unlock(user)
        return done

    def _crm_exchange_lock(self, user):
        """A session lock: two workers never sync the same mailbox at once (it survives commits)."""
        self.env.cr.execute(SQL("SELECT pg_try_advisory_lock(%s, %s)", LOCK_CLASS, user.id))
        return self.env.cr.fetchone()[0]

    def _crm_exchange_unlock(self, user):
        self.env.cr.execute(SQL("SELECT pg_advisory_unlock(%s, %s)", LOCK_CLASS, user.id))

    def _crm_exchange_sync_one(self, transaction, kinds=None):
        self.ensure_one()
        try:
            backend = self._crm_exchange_get_backend()
            shared = self.env["crm.exchange.sync"]._get_settings()["contacts_folder"]
            contacts_backend = None
            if shared and shared.strip().lower() != (backend.mailbox or "").lower():
                contacts_backend = self._crm_exchange_get_backend(shared.strip())
            self.env["crm.exchange.sync"]._sync_user(
                self, backend, transaction, kinds, contacts_backend=contacts_backend
            )
        except (BackendError, UserError) as error:
            transaction.rollback()
            self._crm_exchange_set_error(error)
            transaction.commit()
            return False
        except Exception as error:
            _logger.exception("Exchange sync of %s failed", self.login)
            transaction.rollback()
            self._crm_exchange_set_error(error)
            transaction.commit()
            return False
        self.write(
            {
                "crm_exchange_error": False,
                "crm_exchange_next_try": False,
                "crm_exchange_last_sync": fields.Datetime.now(),
            }
        )
        transaction.commit()
        return True

    def _crm_exchange_sync_error_message(self, error):
        """The error in plain, translated words (a server's error through the backend's wording)."""
        if isinstance(error, BackendError):
            return self._crm_exchange_error_message(error)
        if isinstance(error, UserError):
            return error.args[0] if error.args else str(error)
        return self.env._(
            "The Exchange sync failed unexpectedly: %(message)s",
            message=str(error) or type(error).__name__,
        )

    def _crm_exchange_set_error(self, error):
        """Keep the error on the user and its sync states; plan the next try with back-off."""
        self.ensure_one()
        message = self._crm_exchange_sync_error_message(error)
        State = self.env["crm.exchange.sync.state"].sudo()
        states = State.search([("user_id", "=", self.id)])
        if not states:
            states = State.create(
                [{"user_id": self.id, "kind": kind} for kind in ("event", "task", "contact")]
            )
        retry_count = max(states.mapped("retry_count") or [0]) + 1
        retry_after = getattr(error, "retry_after", None)
        next_try = fields.Datetime.now() + back_off(retry_count, retry_after)
        states.write({"error": message, "retry_count": retry_count, "next_try": next_try})
        self.write({"crm_exchange_error": message, "crm_exchange_next_try": next_try})
