from urllib.parse import urlsplit

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tools import email_normalize

from ..backends import BackendError, get_backend_class
from .res_users import DEFAULT_TIMEOUT, PARAM_PREFIX

DIRECTIONS = [
    ("both", "Both Ways"),
    ("to_exchange", "Odoo to Exchange"),
    ("from_exchange", "Exchange to Odoo"),
]
# settings field -> config parameter name of secrets: written when a new value is entered, never
# read back
SECRET_FIELDS = {
    "crm_exchange_password": "password",
    "crm_exchange_client_secret": "client_secret",
}
MIN_INTERVAL, MAX_INTERVAL = 5, 1440
MIN_TIMEOUT, MAX_TIMEOUT = 5, 300


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    crm_exchange_server_url = fields.Char(
        string="EWS Address",
        config_parameter=PARAM_PREFIX + "server_url",
        help="Address of the Exchange Web Services, e.g. "
        "https://mail.example.com/EWS/Exchange.asmx. Empty: found "
        "by autodiscover.",
    )
    crm_exchange_autodiscover_email = fields.Char(
        string="Autodiscover E-mail",
        config_parameter=PARAM_PREFIX + "autodiscover_email",
        help="When no EWS address is entered, the server is found through autodiscover for this "
        "e-mail address.",
    )
    crm_exchange_auth_type = fields.Selection(
        [
            ("ntlm", "NTLM (Windows)"),
            ("basic", "Basic"),
            ("oauth2", "OAuth 2 (client credentials)"),
        ],
        string="Authentication",
        config_parameter=PARAM_PREFIX + "auth_type",
        default="ntlm",
    )
    crm_exchange_access_mode = fields.Selection(
        [("user", "Per-user credentials"), ("impersonation", "Service account with impersonation")],
        string="Access Mode",
        config_parameter=PARAM_PREFIX + "access_mode",
        default="user",
        help="Per-user credentials: every user enters his Exchange password in his preferences. "
        "Service account: "
        "one account allowed to impersonate the users' mailboxes (OAuth 2 always works this way).",
    )
    crm_exchange_username = fields.Char(
        string="Exchange User Name",
        config_parameter=PARAM_PREFIX + "username",
        help="The service account (impersonation), or the account Test Connection signs in with "
        "(per-user mode).",
    )
    # Secrets: kept on the transient record only until saved, blanked in every read (see
    # _read_format)
    crm_exchange_password = fields.Char(string="Exchange Password", groups="base.group_system")
    crm_exchange_password_set = fields.Boolean(
        string="Exchange Password Set", compute="_compute_crm_exchange_secrets_set"
    )
    crm_exchange_client_id = fields.Char(
        string="Client ID", config_parameter=PARAM_PREFIX + "client_id"
    )
    crm_exchange_client_secret = fields.Char(string="Client Secret", groups="base.group_system")
    crm_exchange_client_secret_set = fields.Boolean(
        string="Client Secret Set", compute="_compute_crm_exchange_secrets_set"
    )
    crm_exchange_tenant_id = fields.Char(
        string="Tenant ID", config_parameter=PARAM_PREFIX + "tenant_id"
    )
    crm_exchange_token_url = fields.Char(
        string="Token URL",
        config_parameter=PARAM_PREFIX + "token_url",
        help="Only for national clouds or special set-ups. Empty: "
        "https://login.microsoftonline.com/<tenant>/oauth2/v2.0/token",
    )
    crm_exchange_timeout = fields.Integer(
        string="Request Timeout (s)",
        config_parameter=PARAM_PREFIX + "timeout",
        default=DEFAULT_TIMEOUT,
    )
    crm_exchange_test_mailbox = fields.Char(
        string="Test Mailbox",
        config_parameter=PARAM_PREFIX + "test_mailbox",
        help="Mailbox opened by Test Connection. Empty: the user name when it is an e-mail "
        "address, else your own "
        "mailbox.",
    )
    crm_exchange_test_result = fields.Text(string="Last Connection Test", readonly=True)
    crm_exchange_test_ok = fields.Boolean(string="Last Connection Test Succeeded", readonly=True)

    crm_exchange_sync_events = fields.Boolean(
        string="Sync Appointments", config_parameter=PARAM_PREFIX + "sync_events"
    )
    crm_exchange_sync_tasks = fields.Boolean(
        string="Sync Tasks", config_parameter=PARAM_PREFIX + "sync_tasks"
    )
    crm_exchange_sync_contacts = fields.Boolean(
        string="Sync Contact Persons", config_parameter=PARAM_PREFIX + "sync_contacts"
    )
    crm_exchange_direction_events = fields.Selection(
        DIRECTIONS,
        string="Appointments Direction",
        config_parameter=PARAM_PREFIX + "direction_events",
        default="both",
    )
    crm_exchange_direction_tasks = fields.Selection(
        DIRECTIONS,
        string="Tasks Direction",
        config_parameter=PARAM_PREFIX + "direction_tasks",
        default="both",
    )
    crm_exchange_direction_contacts = fields.Selection(
        DIRECTIONS,
        string="Contact Persons Direction",
        config_parameter=PARAM_PREFIX + "direction_contacts",
        default="both",
    )
    crm_exchange_conflict_policy = fields.Selection(
        [("newest", "Newest change wins"), ("odoo", "Odoo wins")],
        string="Conflicts",
        config_parameter=PARAM_PREFIX + "conflict_policy",
        default="newest",
        help="What happens when an item was changed on both sides since the last synchronisation.",
    )
    crm_exchange_interval_minutes = fields.Integer(
        string="Sync Interval (minutes)",
        config_parameter=PARAM_PREFIX + "interval_minutes",
        default=15,
    )
    crm_exchange_contact_filter = fields.Selection(
        [
            ("my_accounts", "Contact persons of my accounts"),
            ("selection", "Contact persons of a saved selection"),
            ("all_persons", "All contact persons"),
        ],
        string="Contact Persons to Sync",
        config_parameter=PARAM_PREFIX + "contact_filter",
        default="my_accounts",
        help="My accounts: the contact persons of the companies where the user is the salesperson.",
    )
    crm_exchange_contact_selection_id = fields.Many2one(
        "crm.selection",
        string="Saved Selection",
        config_parameter=PARAM_PREFIX + "contact_selection_id",
        help="The contact persons among the members of this selection are synchronised.",
    )
    crm_exchange_contacts_folder = fields.Char(
        string="Shared Contacts Mailbox",
        config_parameter=PARAM_PREFIX + "contacts_folder",
        help="Empty: every user's own contacts folder. Else the address of a shared mailbox whose "
        "contacts folder all "
        "users synchronise.",
    )

    def _compute_crm_exchange_secrets_set(self):
        params = self.env["res.users"]._crm_exchange_params()
        for settings in self:
            settings.crm_exchange_password_set = bool(params["password"])
            settings.crm_exchange_client_secret_set = bool(params["client_secret"])

    @api.constrains("crm_exchange_server_url")
    def _check_crm_exchange_server_url(self):
        for settings in self:
            url = (settings.crm_exchange_server_url or "").strip()
            if url and (urlsplit(url).scheme not in ("http", "https") or not urlsplit(url).netloc):
                raise ValidationError(
                    self.env._(
                        "%(url)s is not a valid EWS address; it looks like "
                        "https://mail.example.com/EWS/Exchange.asmx.",
                        url=url,
                    )
                )

    @api.constrains(
        "crm_exchange_autodiscover_email",
        "crm_exchange_test_mailbox",
        "crm_exchange_contacts_folder",
    )
    def _check_crm_exchange_addresses(self):
        for settings in self:
            for address in (
                settings.crm_exchange_autodiscover_email,
                settings.crm_exchange_test_mailbox,
                settings.crm_exchange_contacts_folder,
            ):
                if address and not email_normalize(address):
                    raise ValidationError(
                        self.env._("%(address)s is not a valid e-mail address.", address=address)
                    )

    @api.constrains("crm_exchange_interval_minutes", "crm_exchange_timeout")
    def _check_crm_exchange_numbers(self):
        for settings in self:
            if not MIN_INTERVAL <= settings.crm_exchange_interval_minutes <= MAX_INTERVAL:
                raise ValidationError(
                    self.env._(
                        "The Exchange sync interval must be between %(min)s and %(max)s minutes.",
                        min=MIN_INTERVAL,
                        max=MAX_INTERVAL,
                    )
                )
            if not MIN_TIMEOUT <= settings.crm_exchange_timeout <= MAX_TIMEOUT:
                raise ValidationError(
                    self.env._(
                        "The Exchange request timeout must be between %(min)s and %(max)s seconds.",
                        min=MIN_TIMEOUT,
                        max=MAX_TIMEOUT,
                    )
                )

    @api.constrains(
        "crm_exchange_sync_contacts",
        "crm_exchange_contact_filter",
        "crm_exchange_contact_selection_id",
    )
    def _check_crm_exchange_contact_selection(self):
        for settings in self:
            if (
                settings.crm_exchange_sync_contacts
                and settings.crm_exchange_contact_filter == "selection"
                and not settings.crm_exchange_contact_selection_id
            ):
                raise ValidationError(
                    self.env._(
                        "Choose the saved selection whose contact persons are synchronised with "
                        "Exchange."
                    )
                )

    def _read_format(self, fnames, load="_classic_read"):
        # secrets never travel back to the browser, not even right after they were typed and saved
        result = super()._read_format(fnames, load=load)
        secrets = SECRET_FIELDS.keys() & set(fnames)
        for values in result if secrets else ():
            for name in secrets:
                if name in values:
                    values[name] = False
        return result

    @api.model
    def get_values(self):
        values = super().get_values()
        icp = self.env["ir.config_parameter"].sudo()
        values.update(
            crm_exchange_test_result=icp.get_param(PARAM_PREFIX + "test_result") or False,
            crm_exchange_test_ok=bool(icp.get_param(PARAM_PREFIX + "test_ok")),
        )
        return values

    def set_values(self):
        super().set_values()
        self._crm_exchange_store_secrets()

    def action_crm_exchange_test_connection(self):
        """Settings button: sign in with the values on the page (saved or not) and report the
        outcome."""
        self.ensure_one()
        if not self.env.user.has_group("base.group_system"):
            raise AccessError(self.env._("Only administrators can test the Exchange connection."))
        success = False
        try:
            backend = self._crm_exchange_test_backend()
            description = backend.test_connection()
        except BackendError as error:
            message = self.env["res.users"]._crm_exchange_error_message(error)
        except UserError as error:
            message = error.args[0]
        else:
            success = True
            message = self.env._("Connection successful: %(description)s", description=description)
        self._crm_exchange_store_test_result(message, success)
        return self.env["res.users"]._crm_exchange_notification(message, success, reload=True)

    # ------------------------------------------------------------------
    # Private
    # ------------------------------------------------------------------
    def _crm_exchange_store_secrets(self):
        icp = self.env["ir.config_parameter"].sudo()
        for settings in self.sudo():
            for field_name, param in SECRET_FIELDS.items():
                value = settings[field_name]
                if value:
                    icp.set_param(PARAM_PREFIX + param, value)

    def _crm_exchange_store_test_result(self, message, success):
        self.write({"crm_exchange_test_result": message, "crm_exchange_test_ok": success})
        icp = self.env["ir.config_parameter"].sudo()
        icp.set_param(PARAM_PREFIX + "test_result", message)
        icp.set_param(PARAM_PREFIX + "test_ok", "True" if success else False)

    def _crm_exchange_test_backend(self):
        """A backend built from the values on the page; secrets not re-entered come from the
        stored settings."""
        users = self.env["res.users"]
        stored = users._crm_exchange_params()
        settings = self.sudo()
        params = dict(
            stored,
            server_url=(settings.crm_exchange_server_url or "").strip() or None,
            autodiscover_email=(settings.crm_exchange_autodiscover_email or "").strip() or None,
            auth_type=settings.crm_exchange_auth_type or "ntlm",
            access_mode=settings.crm_exchange_access_mode or "user",
            username=(settings.crm_exchange_username or "").strip() or None,
            password=settings.crm_exchange_password or stored["password"],
            client_id=(settings.crm_exchange_client_id or "").strip() or None,
            client_secret=settings.crm_exchange_client_secret or stored["client_secret"],
            tenant_id=(settings.crm_exchange_tenant_id or "").strip() or None,
            token_url=(settings.crm_exchange_token_url or "").strip() or None,
            timeout=settings.crm_exchange_timeout or DEFAULT_TIMEOUT,
        )
        if not (params["server_url"] or params["autodiscover_email"]):
            raise UserError(
                self.env._("Enter the EWS address or an autodiscover e-mail address first.")
            )
        username, password = params["username"], params["password"]
        user = self.env.user.sudo()
        if params["auth_type"] != "oauth2" and params["access_mode"] == "user" and not username:
            # per-user mode without test credentials on the page: test with the administrator's own
            # preferences
            username = user.crm_exchange_username or user._crm_exchange_mailbox()
            password = user.crm_exchange_password
        mailbox = (settings.crm_exchange_test_mailbox or "").strip()
        if not mailbox:
            mailbox = username if username and "@" in username else user._crm_exchange_mailbox()
        if not mailbox:
            raise UserError(
                self.env._("Enter the test mailbox: the connection test opens its calendar.")
            )
        connection = users._crm_exchange_connection_settings(
            params, username=username, password=password
        )
        users._crm_exchange_check_credentials(connection)
        return get_backend_class(params["backend"])(connection, mailbox)
