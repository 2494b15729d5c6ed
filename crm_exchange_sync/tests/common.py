"""Shared set-up for tests driving the real exchangelib client against the fake Exchange server.

The fake server lives in the repository's top-level ``tests/fake_ews`` package; it is started
once per test class (``setUpClass``) and stopped by a class cleanup.
"""

import sys
from pathlib import Path

from exchangelib.protocol import close_connections

_REPOSITORY_TESTS = str(Path(__file__).resolve().parents[2] / "tests")
if _REPOSITORY_TESTS not in sys.path:
    sys.path.insert(0, _REPOSITORY_TESTS)

from fake_ews import FakeExchangeServer  # noqa: E402  (needs the path above)

from ..backends import ConnectionSettings, get_backend_class  # noqa: E402

MAILBOX_PASSWORD = "Sommer2026!"
SERVICE_PASSWORD = "Dienst-Konto-42"


class FakeServerMixin:
    """Starts one fake Exchange server per test class.

    Use it before the Odoo test case class: ``class TestX(FakeServerMixin, TransactionCase)``.
    ``cls.exchange_server`` is the running :class:`FakeExchangeServer`.
    """

    exchange_server = None

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.exchange_server = FakeExchangeServer()
        cls.exchange_server.start()
        cls.addClassCleanup(cls.exchange_server.stop)
        # runs first (cleanups are LIFO): drop exchangelib's cached sessions to this server
        cls.addClassCleanup(close_connections)

    # ------------------------------------------------------------------
    # Helpers
    # ------------------------------------------------------------------
    @classmethod
    def _crm_exchange_configure(cls, **values):
        """Point the Exchange settings (ir.config_parameter) at the fake server.

        Defaults: basic authentication, per-user credentials, everything synced both ways.
        ``values`` override
        settings by their short name, e.g. ``access_mode="impersonation",
        username="svc@example.com"``.
        """
        params = {
            "server_url": cls.exchange_server.url,
            "autodiscover_email": "",
            "auth_type": "basic",
            "access_mode": "user",
            "username": "",
            "password": "",
            "client_id": "",
            "client_secret": "",
            "tenant_id": "",
            "token_url": "",
            "sync_events": True,
            "sync_tasks": True,
            "sync_contacts": True,
            "direction_events": "both",
            "direction_tasks": "both",
            "direction_contacts": "both",
            "conflict_policy": "newest",
            "contact_filter": "my_accounts",
        }
        params.update(values)
        icp = cls.env["ir.config_parameter"].sudo()
        for name, value in params.items():
            if isinstance(value, bool):
                value = "True" if value else ""
            icp.set_param(f"crm_exchange_sync.{name}", value or False)

    @classmethod
    def _crm_exchange_add_mailbox(cls, user, email=None, password=MAILBOX_PASSWORD, name=None):
        """Create a fake-server mailbox for ``user`` and enable his sync with its credentials.

        Returns the mailbox address.
        """
        email = email or user.email or f"{user.login}@example.com"
        cls.exchange_server.add_mailbox(email, password=password, name=name or user.name)
        user.sudo().write(
            {
                "crm_exchange_enabled": True,
                "crm_exchange_email": email,
                "crm_exchange_username": email,
                "crm_exchange_password": password,
            }
        )
        return email

    @classmethod
    def _crm_exchange_add_service_account(cls, email="svc@example.com", password=SERVICE_PASSWORD):
        """Create a service account allowed to impersonate every mailbox and configure
        impersonation."""
        cls.exchange_server.add_service_account(email, password=password)
        cls._crm_exchange_configure(access_mode="impersonation", username=email, password=password)
        return email

    @classmethod
    def _crm_exchange_backend(cls, mailbox, password=MAILBOX_PASSWORD, **settings):
        """A backend talking to the fake server directly (no Odoo settings involved)."""
        values = {
            "server_url": cls.exchange_server.url,
            "auth_type": "basic",
            "username": mailbox,
            "password": password,
            "access_mode": "user",
            "timeout": 10,
        }
        values.update(settings)
        return get_backend_class("ews")(ConnectionSettings(**values), mailbox)
