"""Server errors reach the sync engine as the backend's exception classes, with plain words."""

import datetime
import os
import socket
import time
from unittest.mock import patch

from odoo.tests import TransactionCase, tagged

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
from .common import FakeServerMixin

UTC = datetime.UTC


@tagged("post_install", "-at_install")
class TestEwsBackendErrors(FakeServerMixin, TransactionCase):
    mailbox = "jan.kowalski@example.com"
    mailbox_password = "Wiosna2026!"
    mailbox_name = "Jan Kowalski"

    def _create_task(self, odoo_ref, subject, backend=None):
        """Create a task through ``backend`` (the class's by default); (item id, change key)."""
        [(item_id, change_key)] = (backend or self.backend).create_items(
            "task", [(odoo_ref, {"subject": subject})]
        )
        return item_id, change_key

    def _free_port_url(self):
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = sock.getsockname()[1]
        return f"http://127.0.0.1:{port}/EWS/Exchange.asmx"

    def test_bad_password_is_an_authentication_error(self):
        backend = self._crm_exchange_backend(self.mailbox, password="falsch")
        with self.assertRaises(AuthenticationError) as caught:
            backend.test_connection()
        self.assertEqual(
            caught.exception.message, "The Exchange server rejected the user name or password."
        )
        self.assertIn("UnauthorizedError", caught.exception.detail)

    def test_missing_credentials(self):
        backend = self._crm_exchange_backend(self.mailbox, password="")
        with self.assertRaises(AuthenticationError) as caught:
            backend.test_connection()
        self.assertIn("user name and a password", caught.exception.message)

    def test_server_busy_gives_back_off_without_sleeping(self):
        item_id, _ck = self._create_task("mail.activity,1@db", "A")
        self.exchange_server.fail_next("GetItem", error="ErrorServerBusy", back_off_ms=30000)
        started = time.monotonic()
        with self.assertRaises(ServerBusyError) as caught:
            self.backend.get_items("task", [item_id])
        self.assertLess(
            time.monotonic() - started, 5, "the backend must not wait for the back-off itself"
        )
        self.assertEqual(caught.exception.retry_after, 30)
        self.assertIn("busy", caught.exception.message)
        # the next request goes through
        [item] = self.backend.get_items("task", [item_id])
        self.assertEqual(item.values["subject"], "A")

    def test_http_503_is_server_busy(self):
        self.exchange_server.fail_next("SyncFolderItems", http_status=503)
        with self.assertRaises(ServerBusyError) as caught:
            self.backend.sync_folder("task")
        self.assertTrue(caught.exception.retry_after)

    def test_dropped_connection_after_create_and_recovery_by_reference(self):
        self.exchange_server.drop_connection_after_next("CreateItem")
        with self.assertRaises(ConnectionFailedError) as caught:
            self.backend.create_items(
                "contact", [("res.partner,77@db", {"display_name": "Ewa Nowak"})]
            )
        self.assertIn("did not answer or closed the connection", caught.exception.message)
        # the item was stored all the same: found by its Odoo reference instead of created twice
        found = self.backend.find_by_odoo_refs("contact", ["res.partner,77@db"])
        self.assertEqual(found["res.partner,77@db"].values["display_name"], "Ewa Nowak")
        self.assertEqual(len(self.exchange_server.items(self.mailbox, "contacts")), 1)

    def test_unreachable_server(self):
        backend = self._crm_exchange_backend(self.mailbox, server_url=self._free_port_url())
        with self.assertRaises(ConnectionFailedError) as caught:
            backend.test_connection()
        self.assertIn("did not answer", caught.exception.message)

    def test_stale_change_key_is_a_conflict(self):
        item_id, change_key = self._create_task("mail.activity,2@db", "Rückruf")
        self.exchange_server.modify_item(item_id, subject="Rückruf (in Outlook geändert)")
        with self.assertRaises(ConflictError) as caught:
            self.backend.update_item("task", item_id, change_key, {"subject": "Rückruf (Odoo)"})
        self.assertEqual(
            caught.exception.message, "The item was changed in Exchange in the meantime."
        )
        # nothing lost: Outlook's change is still there
        [item] = self.backend.get_items("task", [item_id])
        self.assertEqual(item.values["subject"], "Rückruf (in Outlook geändert)")

    def test_deleted_item(self):
        item_id, change_key = self._create_task("mail.activity,3@db", "Weg")
        self.exchange_server.delete_item(item_id)
        with self.assertRaises(ItemNotFoundError):
            self.backend.delete_item("task", item_id, change_key)
        with self.assertRaises(ItemNotFoundError):
            self.backend.get_items("task", [item_id])
        with self.assertRaises(ItemNotFoundError):
            self.backend.update_item("task", item_id, change_key, {"subject": "Wieder da?"})

    def test_expired_sync_state(self):
        batch = self.backend.sync_folder("event")
        self.exchange_server.expire_sync_state(self.mailbox, "calendar")
        with self.assertRaises(SyncStateInvalidError):
            self.backend.sync_folder("event", batch.sync_state)
        # a full sync (no state) works again
        self.assertTrue(self.backend.sync_folder("event").sync_state)

    def test_unknown_kind_and_invalid_address(self):
        with self.assertRaises(BackendError):
            self.backend.sync_folder("note")
        backend = self._crm_exchange_backend("no-address")
        with self.assertRaises(BackendError) as caught:
            backend.test_connection()
        self.assertIn("not a valid mailbox address", caught.exception.message)

    def test_timeout_applies_to_every_request(self):
        backend = self._crm_exchange_backend(self.mailbox, password="Wiosna2026!", timeout=17)
        backend.test_connection()
        self.assertEqual(backend.account.protocol.TIMEOUT, 17)

    def test_impersonation_with_service_account(self):
        self.exchange_server.add_service_account("svc-odoo@example.com", password="Dienst-Konto-42")
        backend = self._crm_exchange_backend(
            self.mailbox,
            username="svc-odoo@example.com",
            password="Dienst-Konto-42",
            access_mode="impersonation",
        )
        self.assertIn(self.mailbox, backend.test_connection())
        item_id, _ck = self._create_task("mail.activity,4@db", "Via Dienst", backend=backend)
        self.assertEqual(self.exchange_server.item(item_id).mailbox.address, self.mailbox)

        # an ordinary mailbox may not impersonate another one
        other = "ewa.nowak@example.com"
        self.exchange_server.add_mailbox(other, password="Lato2026!")
        backend = self._crm_exchange_backend(
            other, username=self.mailbox, password="Wiosna2026!", access_mode="impersonation"
        )
        with self.assertRaises(AuthenticationError) as caught:
            backend.test_connection()
        self.assertIn("not allowed to impersonate", caught.exception.message)

    def test_oauth2_client_credentials(self):
        self.exchange_server.add_oauth_client("odoo-app", "geheim-123", tenant_id="contoso")
        settings = ConnectionSettings(
            server_url=self.exchange_server.url,
            auth_type="oauth2",
            client_id="odoo-app",
            client_secret="geheim-123",
            tenant_id="contoso",
            token_url=self.exchange_server.token_url_for("contoso"),
            access_mode="impersonation",
            timeout=10,
        )
        # the fake server speaks plain HTTP; oauthlib refuses that outside tests
        with patch.dict(os.environ, {"OAUTHLIB_INSECURE_TRANSPORT": "1"}):
            backend = get_backend_class("ews")(settings, self.mailbox)
            self.assertIn(self.mailbox, backend.test_connection())
            self.assertEqual(self.exchange_server.count_requests("OAuth2Token"), 1)

            settings.client_secret = "falsch"
            with self.assertRaises(AuthenticationError) as caught:
                get_backend_class("ews")(settings, self.mailbox).test_connection()
            self.assertIn("invalid_client", caught.exception.message)


@tagged("post_install", "-at_install")
class TestEwsBackendConfiguration(FakeServerMixin, TransactionCase):
    mailbox = "lena.hoffmann@example.com"
    mailbox_password = "Fruehling-1"
    mailbox_name = "Lena Hoffmann"

    def test_autodiscover_finds_the_endpoint_once(self):
        discovered = []

        class Protocol:
            service_endpoint = self.exchange_server.url

        def fake_discover(email, credentials, auth_type):
            discovered.append(email)
            return None, Protocol()

        settings = ConnectionSettings(
            autodiscover_email="it@example.com",
            auth_type="basic",
            username=self.mailbox,
            password="Fruehling-1",
            timeout=10,
        )
        with patch("odoo.addons.crm_exchange_sync.backends.ews.discover", fake_discover):
            for _run in range(2):
                backend = get_backend_class("ews")(settings, self.mailbox)
                self.assertIn(self.mailbox, backend.test_connection())
        self.assertEqual(discovered, ["it@example.com"], "the endpoint is cached")

    def test_ntlm_configuration(self):
        backend = self._crm_exchange_backend(
            self.mailbox, auth_type="ntlm", username="EXAMPLE\\lhoffmann", password="x"
        )
        protocol = backend.account.protocol  # no request is sent to build it
        self.assertEqual(protocol.auth_type, "NTLM")
        self.assertEqual(protocol.credentials.username, "EXAMPLE\\lhoffmann")
        self.assertEqual(protocol.TIMEOUT, 10)
        self.assertEqual(backend.account.access_type, "delegate")

    def test_connection_settings_hide_secrets(self):
        settings = ConnectionSettings(password="Geheim-123", client_secret="Auch-geheim")
        self.assertNotIn("Geheim-123", repr(settings))
        self.assertNotIn("Auch-geheim", repr(settings))
