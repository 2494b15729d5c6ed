from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tools import email_normalize, str2bool

from ..backends import (
    AuthenticationError,
    BackendError,
    ConflictError,
    ConnectionFailedError,
    ConnectionSettings,
    ItemNotFoundError,
    ServerBusyError,
    SyncStateInvalidError,
    get_backend_class,
)

PARAM_PREFIX = "crm_exchange_sync."
DEFAULT_TIMEOUT = 30
DEFAULT_INTERVAL = 15


class ResUsers(models.Model):
    _inherit = "res.users"

    crm_exchange_enabled = fields.Boolean(
        string="Synchronise with Exchange",
        copy=False,
        help="Synchronise this user's appointments, tasks and contact persons with his Exchange "
        "mailbox.",
    )
    crm_exchange_email = fields.Char(
        string="Exchange Mailbox",
        copy=False,
        help="E-mail address of the user's Exchange mailbox. Empty: the user's e-mail address.",
    )
    crm_exchange_username = fields.Char(
        string="Exchange User Name",
        copy=False,
        help="User name to sign in to Exchange with per-user credentials (DOMAIN\\user, "
        "user@domain or the mailbox "
        "address). Empty: the mailbox address.",
    )
    # The secret itself: readable by administrators only, never part of a view.
    crm_exchange_password = fields.Char(
        string="Exchange Password",
        copy=False,
        prefetch=False,
        groups="base.group_system",
    )
    # What the browser sees and writes instead: always empty when read, sets the secret when
    # written.
    crm_exchange_new_password = fields.Char(
        string="New Exchange Password",
        compute="_compute_crm_exchange_new_password",
        inverse="_inverse_crm_exchange_new_password",
        help="Enter a new password to replace the stored one. The stored password is never shown.",
    )
    crm_exchange_password_set = fields.Boolean(
        string="Exchange Password Set",
        compute="_compute_crm_exchange_password_set",
        compute_sudo=True,
    )
    crm_exchange_uses_own_credentials = fields.Boolean(
        string="Own Exchange Credentials",
        compute="_compute_crm_exchange_uses_own_credentials",
        help="Technical: the Exchange settings ask every user for his own password.",
    )
    crm_exchange_last_sync = fields.Datetime(string="Last Exchange Sync", copy=False, readonly=True)
    crm_exchange_error = fields.Text(string="Exchange Sync Error", copy=False, readonly=True)
    crm_exchange_next_try = fields.Datetime(
        string="Next Exchange Try",
        copy=False,
        readonly=True,
        help="After an error the synchronisation of this user waits until then.",
    )

    @property
    def SELF_READABLE_FIELDS(self):
        return [
            *super().SELF_READABLE_FIELDS,
            "crm_exchange_enabled",
            "crm_exchange_email",
            "crm_exchange_username",
            "crm_exchange_new_password",
            "crm_exchange_password_set",
            "crm_exchange_uses_own_credentials",
            "crm_exchange_last_sync",
            "crm_exchange_error",
            "crm_exchange_next_try",
        ]

    @property
    def SELF_WRITEABLE_FIELDS(self):
        return [
            *super().SELF_WRITEABLE_FIELDS,
            "crm_exchange_enabled",
            "crm_exchange_email",
            "crm_exchange_username",
            "crm_exchange_new_password",
        ]

    def _read_format(self, fnames, load="_classic_read"):
        # a password typed into the form is never sent back, not even right after saving it
        result = super()._read_format(fnames, load=load)
        if "crm_exchange_new_password" in fnames:
            for values in result:
                if "crm_exchange_new_password" in values:
                    values["crm_exchange_new_password"] = False
        return result

    def _compute_crm_exchange_new_password(self):
        self.crm_exchange_new_password = False

    def _inverse_crm_exchange_new_password(self):
        # write() already checked that the caller may change these users (himself or an
        # administrator)
        for user in self:
            if user.crm_exchange_new_password:
                user.sudo().crm_exchange_password = user.crm_exchange_new_password

    @api.depends("crm_exchange_new_password")
    def _compute_crm_exchange_password_set(self):
        for user in self:
            user.crm_exchange_password_set = bool(user.crm_exchange_password)

    def _compute_crm_exchange_uses_own_credentials(self):
        params = self._crm_exchange_params()
        self.crm_exchange_uses_own_credentials = (
            params["access_mode"] == "user" and params["auth_type"] != "oauth2"
        )

    @api.constrains("crm_exchange_email", "crm_exchange_enabled")
    def _check_crm_exchange_email(self):
        for user in self:
            if user.crm_exchange_email and not email_normalize(user.crm_exchange_email):
                raise ValidationError(
                    self.env._(
                        "%(address)s is not a valid Exchange mailbox address.",
                        address=user.crm_exchange_email,
                    )
                )
            if user.crm_exchange_enabled and not (user.crm_exchange_email or user.email):
                raise ValidationError(
                    self.env._(
                        "Enter the Exchange mailbox of %(user)s before switching the "
                        "synchronisation on.",
                        user=user.name,
                    )
                )

    def action_crm_exchange_test_connection(self):
        """Preferences button: test the user's own Exchange access."""
        self.ensure_one()
        if self != self.env.user and not self.env.user.has_group("base.group_system"):
            raise AccessError(self.env._("You can only test your own Exchange connection."))
        try:
            backend = self._crm_exchange_get_backend()
            description = backend.test_connection()
        except BackendError as error:
            return self._crm_exchange_notification(
                self._crm_exchange_error_message(error), success=False
            )
        except UserError as error:
            return self._crm_exchange_notification(error.args[0], success=False)
        return self._crm_exchange_notification(
            self.env._("Connection successful: %(description)s", description=description),
            success=True,
        )

    # ------------------------------------------------------------------
    # Business methods
    # ------------------------------------------------------------------
    def _crm_exchange_mailbox(self):
        self.ensure_one()
        return (self.crm_exchange_email or self.email or "").strip()

    def _crm_exchange_get_backend(self, mailbox=None):
        """A backend for this user's mailbox (or ``mailbox``, e.g. a shared contacts mailbox).

        Reads the secrets with sudo: callers are the sync engine and the connection tests, which
        checked the rights of
        the caller.  Raises UserError with a translated message when something needed is not
        configured.
        """
        self.ensure_one()
        user = self.sudo()
        params = self._crm_exchange_params()
        if not (params["server_url"] or params["autodiscover_email"]):
            raise UserError(
                self.env._(
                    "Microsoft Exchange is not configured: enter the EWS address or an "
                    "autodiscover e-mail address "
                    "in Settings."
                )
            )
        mailbox = (mailbox or user._crm_exchange_mailbox()).strip()
        if not mailbox:
            raise UserError(self.env._("%(user)s has no Exchange mailbox address.", user=user.name))
        username, password = params["username"], params["password"]
        if params["auth_type"] != "oauth2" and params["access_mode"] == "user":
            username = user.crm_exchange_username or user._crm_exchange_mailbox()
            password = user.crm_exchange_password
            if not password:
                raise UserError(
                    self.env._(
                        "%(user)s has not entered an Exchange password in the preferences yet.",
                        user=user.name,
                    )
                )
        settings = self._crm_exchange_connection_settings(
            params, username=username, password=password
        )
        self._crm_exchange_check_credentials(settings)
        return get_backend_class(params["backend"])(settings, mailbox)

    @api.model
    def _crm_exchange_params(self):
        """The Exchange settings as stored in ir.config_parameter (secrets included: private,
        sudo)."""
        icp = self.env["ir.config_parameter"].sudo()

        def get(name, default=None):
            return icp.get_param(PARAM_PREFIX + name, default)

        timeout, interval, selection = (
            get("timeout"),
            get("interval_minutes"),
            get("contact_selection_id"),
        )
        return {
            "backend": get("backend", "ews"),
            "server_url": (get("server_url") or "").strip() or None,
            "autodiscover_email": (get("autodiscover_email") or "").strip() or None,
            "auth_type": get("auth_type", "ntlm"),
            "username": get("username") or None,
            "password": get("password") or None,
            "client_id": get("client_id") or None,
            "client_secret": get("client_secret") or None,
            "tenant_id": get("tenant_id") or None,
            "token_url": get("token_url") or None,
            "access_mode": get("access_mode", "user"),
            "timeout": int(timeout) if timeout and str(timeout).isdigit() else DEFAULT_TIMEOUT,
            "sync_events": str2bool(get("sync_events") or "False"),
            "sync_tasks": str2bool(get("sync_tasks") or "False"),
            "sync_contacts": str2bool(get("sync_contacts") or "False"),
            "direction_events": get("direction_events", "both"),
            "direction_tasks": get("direction_tasks", "both"),
            "direction_contacts": get("direction_contacts", "both"),
            "conflict_policy": get("conflict_policy", "newest"),
            "interval_minutes": int(interval)
            if interval and str(interval).isdigit()
            else DEFAULT_INTERVAL,
            "contact_filter": get("contact_filter", "my_accounts"),
            "contact_selection_id": int(selection)
            if selection and str(selection).isdigit()
            else False,
            "contacts_folder": (get("contacts_folder") or "").strip() or None,
        }

    @api.model
    def _crm_exchange_connection_settings(self, params, username=None, password=None):
        return ConnectionSettings(
            server_url=params["server_url"],
            autodiscover_email=params["autodiscover_email"],
            auth_type=params["auth_type"],
            username=username,
            password=password,
            client_id=params["client_id"],
            client_secret=params["client_secret"],
            tenant_id=params["tenant_id"],
            token_url=params["token_url"],
            access_mode=params["access_mode"],
            timeout=params["timeout"],
        )

    @api.model
    def _crm_exchange_check_credentials(self, settings):
        if settings.auth_type == "oauth2":
            if not (settings.client_id and settings.client_secret):
                raise UserError(
                    self.env._(
                        "OAuth 2 needs the client ID and the client secret of the Exchange "
                        "application."
                    )
                )
        elif not (settings.username and settings.password):
            if settings.access_mode == "impersonation":
                raise UserError(
                    self.env._(
                        "Enter the user name and the password of the Exchange service account in "
                        "Settings."
                    )
                )
            raise UserError(self.env._("Enter the Exchange user name and password."))

    @api.model
    def _crm_exchange_error_message(self, error):
        """A translated sentence for a BackendError, for notifications and the error fields users
        see."""
        details = error.message
        if isinstance(error, AuthenticationError):
            return self.env._(
                "Exchange refused the sign-in. Check the user name and password (or the client ID "
                "and secret) and "
                "the access rights. Server's answer: %(details)s",
                details=details,
            )
        if isinstance(error, ServerBusyError):
            if error.retry_after:
                return self.env._(
                    "The Exchange server is busy and asked to try again in %(seconds)s seconds.",
                    seconds=round(error.retry_after),
                )
            return self.env._("The Exchange server is busy; the synchronisation tries again later.")
        if isinstance(error, ConnectionFailedError):
            return self.env._(
                "The Exchange server could not be reached. Check the EWS address and the network. "
                "Details: "
                "%(details)s",
                details=details,
            )
        if isinstance(error, SyncStateInvalidError):
            return self.env._(
                "Exchange no longer accepts the stored synchronisation state; the next run starts "
                "a full "
                "synchronisation."
            )
        if isinstance(error, ConflictError):
            return self.env._("The item was changed in Exchange in the meantime.")
        if isinstance(error, ItemNotFoundError):
            return self.env._("The item no longer exists in Exchange.")
        return self.env._("Exchange reported an error: %(details)s", details=details)

    @api.model
    def _crm_exchange_notification(self, message, success, reload=False):
        params = {
            "title": self.env._("Microsoft Exchange"),
            "message": message,
            "type": "success" if success else "danger",
            "sticky": not success,
        }
        if reload:
            # reload the form so the result field shows the outcome too
            params["next"] = {"type": "ir.actions.act_window_close"}
        return {"type": "ir.actions.client", "tag": "display_notification", "params": params}
