"""Exchange connection settings, write-only secrets and the Test Connection button."""

from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import TransactionCase, new_test_user, tagged

from ..backends import (
    AuthenticationError,
    BackendError,
    ConflictError,
    ConnectionFailedError,
    ServerBusyError,
    SyncStateInvalidError,
)
from .common import FakeServerMixin

PREFIX = "crm_exchange_sync."


@tagged("post_install", "-at_install")
class TestExchangeSettings(FakeServerMixin, TransactionCase):
    mailbox = "anna.schmidt@example.com"
    mailbox_password = "Sommer2026!"
    mailbox_name = "Anna Schmidt"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.admin = new_test_user(
            cls.env, login="exchange_admin", groups="base.group_user,base.group_system"
        )
        cls.salesman = new_test_user(cls.env, login="exchange_salesman", groups="base.group_user")
        cls.icp = cls.env["ir.config_parameter"].sudo()

    def _settings(self, **values):
        defaults = {
            "crm_exchange_server_url": self.exchange_server.url,
            "crm_exchange_auth_type": "basic",
            "crm_exchange_access_mode": "user",
            "crm_exchange_username": self.mailbox,
        }
        defaults.update(values)
        return self.env["res.config.settings"].with_user(self.admin).create(defaults)

    def test_settings_are_stored_as_config_parameters(self):
        settings = self._settings(
            crm_exchange_password="Sommer2026!",
            crm_exchange_sync_events=True,
            crm_exchange_sync_contacts=True,
            crm_exchange_direction_events="to_exchange",
            crm_exchange_conflict_policy="odoo",
            crm_exchange_interval_minutes=30,
            crm_exchange_timeout=20,
            crm_exchange_contact_filter="all_persons",
            crm_exchange_contacts_folder="kontakte@example.com",
        )
        settings.execute()
        get = self.icp.get_param
        self.assertEqual(get(PREFIX + "server_url"), self.exchange_server.url)
        self.assertEqual(get(PREFIX + "auth_type"), "basic")
        self.assertEqual(get(PREFIX + "access_mode"), "user")
        self.assertEqual(get(PREFIX + "password"), "Sommer2026!")
        self.assertEqual(get(PREFIX + "sync_events"), "True")
        self.assertFalse(get(PREFIX + "sync_tasks"))
        self.assertEqual(get(PREFIX + "direction_events"), "to_exchange")
        self.assertEqual(get(PREFIX + "conflict_policy"), "odoo")
        self.assertEqual(get(PREFIX + "interval_minutes"), "30")
        self.assertEqual(get(PREFIX + "contacts_folder"), "kontakte@example.com")

        params = self.env["res.users"]._crm_exchange_params()
        self.assertTrue(params["sync_events"])
        self.assertFalse(params["sync_tasks"])
        self.assertEqual(params["timeout"], 20)
        self.assertEqual(params["interval_minutes"], 30)
        self.assertEqual(params["contact_filter"], "all_persons")

        # the page opened again: the password is "set", but its value never comes back
        reopened = self.env["res.config.settings"].with_user(self.admin).create({})
        self.assertTrue(reopened.crm_exchange_password_set)
        self.assertFalse(reopened.crm_exchange_client_secret_set)
        self.assertFalse(reopened.crm_exchange_password)
        # saving without retyping it keeps the stored password
        reopened.execute()
        self.assertEqual(get(PREFIX + "password"), "Sommer2026!")

    def test_secrets_are_never_read_back(self):
        settings = self._settings(
            crm_exchange_password="Sommer2026!", crm_exchange_client_secret="abc"
        )
        self.assertFalse(settings.read(["crm_exchange_password"])[0]["crm_exchange_password"])
        [values] = settings.web_read(
            {
                "crm_exchange_password": {},
                "crm_exchange_client_secret": {},
                "crm_exchange_username": {},
            }
        )
        self.assertFalse(values["crm_exchange_password"])
        self.assertFalse(values["crm_exchange_client_secret"])
        self.assertEqual(values["crm_exchange_username"], self.mailbox)
        all_values = settings.read()[0]
        self.assertNotIn("Sommer2026!", str(all_values))
        self.assertNotIn("abc", [all_values.get("crm_exchange_client_secret")])

    def test_secrets_are_not_readable_by_other_users(self):
        self._settings(crm_exchange_password="Sommer2026!").execute()
        with self.assertRaises(AccessError):
            self.env["ir.config_parameter"].with_user(self.salesman).get_param(PREFIX + "password")
        with self.assertRaises(AccessError):
            self.env["res.config.settings"].with_user(self.salesman).create({})
        settings = self._settings()
        with self.assertRaises(AccessError):
            settings.with_user(self.salesman).action_crm_exchange_test_connection()

    def test_connection_success_with_unsaved_values(self):
        settings = self._settings(crm_exchange_password="Sommer2026!")
        action = settings.action_crm_exchange_test_connection()
        params = action["params"]
        self.assertEqual(action["tag"], "display_notification")
        self.assertEqual(params["type"], "success")
        self.assertIn("Connection successful", params["message"])
        self.assertIn("Microsoft Exchange 15.", params["message"])
        self.assertIn(self.mailbox, params["message"])
        self.assertEqual(params["next"], {"type": "ir.actions.act_window_close"})
        # shown on the page
        self.assertTrue(settings.crm_exchange_test_ok)
        self.assertEqual(settings.crm_exchange_test_result, params["message"])
        # the values were tested, not saved
        self.assertFalse(self.icp.get_param(PREFIX + "server_url"))
        self.assertFalse(self.icp.get_param(PREFIX + "password"))
        # the outcome of the last test is still there when the page is opened again
        reopened = self.env["res.config.settings"].with_user(self.admin).create({})
        self.assertEqual(reopened.crm_exchange_test_result, params["message"])
        self.assertTrue(reopened.crm_exchange_test_ok)

    def test_connection_bad_password_reports_plain_words(self):
        settings = self._settings(crm_exchange_password="falsch")
        params = settings.action_crm_exchange_test_connection()["params"]
        self.assertEqual(params["type"], "danger")
        self.assertTrue(params["sticky"])
        self.assertIn("Exchange refused the sign-in", params["message"])
        self.assertIn("rejected the user name or password", params["message"])
        self.assertFalse(settings.crm_exchange_test_ok)
        self.assertEqual(settings.crm_exchange_test_result, params["message"])

    def test_connection_uses_the_stored_password_when_not_retyped(self):
        self._settings(crm_exchange_password="Sommer2026!").execute()
        settings = self._settings()
        params = settings.action_crm_exchange_test_connection()["params"]
        self.assertEqual(params["type"], "success", params["message"])

    def test_connection_to_an_unreachable_server(self):
        settings = self._settings(
            crm_exchange_server_url="http://127.0.0.1:9/EWS/Exchange.asmx",
            crm_exchange_password="Sommer2026!",
        )
        params = settings.action_crm_exchange_test_connection()["params"]
        self.assertEqual(params["type"], "danger")
        self.assertIn("could not be reached", params["message"])

    def test_connection_with_missing_values(self):
        params = self._settings(
            crm_exchange_server_url=False
        ).action_crm_exchange_test_connection()["params"]
        self.assertEqual(params["type"], "danger")
        self.assertIn("EWS address", params["message"])
        params = self._settings().action_crm_exchange_test_connection()["params"]
        self.assertIn("user name and password", params["message"])

    def test_connection_with_service_account_and_test_mailbox(self):
        self.exchange_server.add_service_account("svc-odoo@example.com", password="Dienst-Konto-42")
        settings = self._settings(
            crm_exchange_access_mode="impersonation",
            crm_exchange_username="svc-odoo@example.com",
            crm_exchange_password="Dienst-Konto-42",
            crm_exchange_test_mailbox=self.mailbox,
        )
        params = settings.action_crm_exchange_test_connection()["params"]
        self.assertEqual(params["type"], "success", params["message"])
        self.assertIn(self.mailbox, params["message"])

    def test_invalid_values_are_refused(self):
        with self.assertRaises(ValidationError):
            self._settings(crm_exchange_server_url="mail.example.com/EWS")
        with self.assertRaises(ValidationError):
            self._settings(crm_exchange_interval_minutes=1)
        with self.assertRaises(ValidationError):
            self._settings(crm_exchange_timeout=1000)
        with self.assertRaises(ValidationError):
            self._settings(crm_exchange_autodiscover_email="kein-mail")
        with self.assertRaises(ValidationError):
            self._settings(crm_exchange_sync_contacts=True, crm_exchange_contact_filter="selection")


@tagged("post_install", "-at_install")
class TestExchangeUserCredentials(FakeServerMixin, TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.user = new_test_user(
            cls.env, login="petra", name="Petra Schneider", email="petra@example.com"
        )
        cls.colleague = new_test_user(cls.env, login="hans", name="Hans Müller")
        cls.exchange_server.add_mailbox("petra@example.com", password="Petra-2026", name="Petra")
        cls._crm_exchange_configure()

    def test_user_sets_his_own_password_but_cannot_read_it(self):
        as_user = self.user.with_user(self.user)
        as_user.write(
            {
                "crm_exchange_enabled": True,
                "crm_exchange_email": "petra@example.com",
                "crm_exchange_new_password": "Petra-2026",
            }
        )
        self.assertEqual(self.user.sudo().crm_exchange_password, "Petra-2026")
        values = as_user.read(["crm_exchange_new_password", "crm_exchange_password_set"])[0]
        self.assertFalse(values["crm_exchange_new_password"])
        self.assertTrue(values["crm_exchange_password_set"])
        [web_values] = as_user.web_read({"crm_exchange_new_password": {}, "crm_exchange_email": {}})
        self.assertFalse(web_values["crm_exchange_new_password"])
        self.assertEqual(web_values["crm_exchange_email"], "petra@example.com")
        with self.assertRaises(AccessError):
            as_user.read(["crm_exchange_password"])
        # an empty new password keeps the stored one
        as_user.write({"crm_exchange_new_password": False})
        self.assertEqual(self.user.sudo().crm_exchange_password, "Petra-2026")

    def test_preferences_form(self):
        form_view = self.env.ref("base.view_users_form_simple_modif")
        arch = self.user.with_user(self.user).get_views([(form_view.id, "form")])["views"]["form"][
            "arch"
        ]
        self.assertIn('name="crm_exchange_new_password"', arch)
        self.assertNotIn('name="crm_exchange_password"', arch)

    def test_colleague_cannot_set_or_read_the_password(self):
        with self.assertRaises(AccessError):
            self.user.with_user(self.colleague).write({"crm_exchange_new_password": "hijack"})
        with self.assertRaises(AccessError):
            self.user.with_user(self.colleague).read(["crm_exchange_password"])
        self.assertFalse(self.user.sudo().crm_exchange_password)

    def test_backend_with_per_user_credentials(self):
        with self.assertRaisesRegex(UserError, "has not entered an Exchange password"):
            self.user._crm_exchange_get_backend()
        self.user.with_user(self.user).write({"crm_exchange_new_password": "Petra-2026"})
        backend = self.user._crm_exchange_get_backend()
        self.assertEqual(backend.mailbox, "petra@example.com")
        self.assertEqual(backend.settings.username, "petra@example.com")
        self.assertIn("petra@example.com", backend.test_connection())

        action = self.user.with_user(self.user).action_crm_exchange_test_connection()
        self.assertEqual(action["params"]["type"], "success")
        self.user.with_user(self.user).write({"crm_exchange_new_password": "vergessen"})
        action = self.user.with_user(self.user).action_crm_exchange_test_connection()
        self.assertEqual(action["params"]["type"], "danger")
        self.assertIn("Exchange refused the sign-in", action["params"]["message"])
        with self.assertRaises(AccessError):
            self.user.with_user(self.colleague).action_crm_exchange_test_connection()

    def test_backend_with_impersonation(self):
        self._crm_exchange_add_service_account()
        backend = self.user._crm_exchange_get_backend()
        self.assertEqual(backend.settings.access_mode, "impersonation")
        self.assertEqual(backend.settings.username, "svc@example.com")
        self.assertIn("petra@example.com", backend.test_connection())
        # a shared contacts mailbox
        self.exchange_server.add_mailbox("kontakte@example.com")
        self.assertEqual(
            self.user._crm_exchange_get_backend(mailbox="kontakte@example.com").mailbox,
            "kontakte@example.com",
        )

    def test_backend_not_configured(self):
        self._crm_exchange_configure(server_url="")
        with self.assertRaisesRegex(UserError, "not configured"):
            self.user._crm_exchange_get_backend()

    def test_mailbox_address_is_checked(self):
        with self.assertRaises(ValidationError):
            self.user.crm_exchange_email = "petra-at-example"
        no_mail = new_test_user(self.env, login="ohne_mail", email=False)
        with self.assertRaises(ValidationError):
            no_mail.crm_exchange_enabled = True

    def test_error_messages_for_users(self):
        message = self.env["res.users"]._crm_exchange_error_message
        self.assertIn("refused the sign-in", message(AuthenticationError("bad password")))
        self.assertIn("in 30 seconds", message(ServerBusyError("busy", retry_after=30)))
        self.assertIn("tries again later", message(ServerBusyError("busy")))
        self.assertIn("could not be reached", message(ConnectionFailedError("down")))
        self.assertIn("full synchronisation", message(SyncStateInvalidError("expired")))
        self.assertIn("changed in Exchange", message(ConflictError("stale")))
        self.assertIn("Exchange reported an error: strange", message(BackendError("strange")))
