"""Shared set-up for the Exchange sync tests.

``ExchangeSyncTestCase`` gives a salesperson, her customer and its buyer, the sync settings at
their defaults and the helpers that build records and read the sync's bookkeeping; it needs no
server.

``FakeServerMixin`` drives the real exchangelib client against the fake Exchange server, which
lives in the repository's top-level ``tests/fake_ews`` package; it is started once per test class
(``setUpClass``) and stopped by a class cleanup.
"""

import sys
from datetime import datetime
from pathlib import Path

from exchangelib.protocol import close_connections

from odoo.tests import TransactionCase, new_test_user

_REPOSITORY_TESTS = str(Path(__file__).resolve().parents[2] / "tests")
if _REPOSITORY_TESTS not in sys.path:
    sys.path.insert(0, _REPOSITORY_TESTS)

from fake_ews import FakeExchangeServer  # noqa: E402  (needs the path above)

from ..backends import ConnectionSettings, get_backend_class  # noqa: E402

MAILBOX_PASSWORD = "Sommer2026!"
SERVICE_PASSWORD = "Dienst-Konto-42"

# what is synced and how, when a test does not say otherwise
SYNC_DEFAULTS = {
    "sync_events": True,
    "sync_tasks": True,
    "sync_contacts": True,
    "direction_events": "both",
    "direction_tasks": "both",
    "direction_contacts": "both",
    "conflict_policy": "newest",
    "contact_filter": "my_accounts",
}


def set_exchange_params(env, values):
    """Store Exchange settings (ir.config_parameter) by their short name; a false value clears."""
    icp = env["ir.config_parameter"].sudo()
    for name, value in values.items():
        if isinstance(value, bool):
            value = "True" if value else ""
        icp.set_param(f"crm_exchange_sync.{name}", value or False)


class ExchangeSyncTestCase(TransactionCase):
    """A salesperson (``cls.user``) with her customer Müller Maschinenbau GmbH (``cls.customer``)
    and its buyer Petra Schneider (``cls.person``); every kind synced both ways, newest change wins.

    A subclass names the salesperson and the default appointment through ``user_values`` and
    ``event_values``, and the buyer's details through ``person_values()``.
    """

    user_values = {
        "login": "anna.sync",
        "name": "Anna Becker",
        "email": "anna.becker@example.com",
    }
    event_values = {
        "name": "Besuch Müller Maschinenbau",
        "start": datetime(2027, 3, 10, 9, 0),
        "stop": datetime(2027, 3, 10, 10, 30),
    }

    @classmethod
    def person_values(cls):
        """Petra Schneider's details besides her name, company and job."""
        return {
            "email": "petra.schneider@mueller.example",
            "phone": "+49 711 4000 12",
            "street": "Industriestraße 4",
            "zip": "70565",
            "city": "Stuttgart",
            "country_id": cls.env.ref("base.de").id,
        }

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        set_exchange_params(cls.env, SYNC_DEFAULTS)
        cls.user = new_test_user(
            cls.env, groups="base.group_user", tz="Europe/Berlin", **cls.user_values
        )
        cls.customer = cls.env["res.partner"].create(
            {"name": "Müller Maschinenbau GmbH", "is_company": True, "user_id": cls.user.id}
        )
        cls.person = cls.env["res.partner"].create(
            {
                "name": "Petra Schneider",
                "parent_id": cls.customer.id,
                "function": "Einkauf",
                **cls.person_values(),
            }
        )

    # ------------------------------------------------------------------
    # Helpers
    # ------------------------------------------------------------------
    def make_event(self, **vals):
        """An appointment of the user with Petra Schneider (``event_values`` unless overridden)."""
        return self.env["calendar.event"].create(
            {
                **self.event_values,
                "user_id": self.user.id,
                "partner_ids": [(6, 0, [self.user.partner_id.id, self.person.id])],
                **vals,
            }
        )

    def make_weekly_series(self, **vals):
        """Four appointments on Wednesdays, a week apart, in Berlin time."""
        return self.make_event(
            recurrency=True,
            rrule_type="weekly",
            interval=1,
            end_type="count",
            count=4,
            wed=True,
            event_tz="Europe/Berlin",
            **vals,
        )

    def activity_values(self, summary, **vals):
        """The values of an activity of the user on the customer."""
        return {
            "res_model_id": self.env["ir.model"]._get_id("res.partner"),
            "res_id": self.customer.id,
            "summary": summary,
            "user_id": self.user.id,
            **vals,
        }

    def make_activity(self, summary, **vals):
        return self.env["mail.activity"].create(self.activity_values(summary, **vals))

    def make_todo(self, summary, date_deadline):
        """A to-do of the user, on no record."""
        return self.env["mail.activity"].create(
            {"summary": summary, "date_deadline": date_deadline, "user_id": self.user.id}
        )

    def mapping(self, record):
        return self.env["crm.exchange.mapping"].search(
            [
                ("user_id", "=", self.user.id),
                ("res_model", "=", record._name),
                ("res_id", "=", record.id),
            ]
        )

    def mappings(self):
        return self.env["crm.exchange.mapping"].search([("user_id", "=", self.user.id)])

    def sync_state(self, kind):
        return self.env["crm.exchange.sync.state"].search(
            [("user_id", "=", self.user.id), ("kind", "=", kind)]
        )


class FakeServerMixin:
    """Starts one fake Exchange server per test class.

    Use it before the Odoo test case class: ``class TestX(FakeServerMixin, TransactionCase)``.
    ``cls.exchange_server`` is the running :class:`FakeExchangeServer`.

    A class that sets ``mailbox`` (with ``mailbox_password`` and ``mailbox_name``) gets that
    mailbox on the server and ``cls.backend``, a backend signed in to it.
    """

    exchange_server = None
    mailbox = None
    mailbox_password = MAILBOX_PASSWORD
    mailbox_name = None
    backend = None

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.exchange_server = FakeExchangeServer()
        cls.exchange_server.start()
        cls.addClassCleanup(cls.exchange_server.stop)
        # runs first (cleanups are LIFO): drop exchangelib's cached sessions to this server
        cls.addClassCleanup(close_connections)
        if cls.mailbox:
            cls.exchange_server.add_mailbox(
                cls.mailbox, password=cls.mailbox_password, name=cls.mailbox_name
            )
            cls.backend = cls._crm_exchange_backend(cls.mailbox, password=cls.mailbox_password)

    def setUp(self):
        super().setUp()
        # a fault a test planned but did not reach never hits the next test
        self.exchange_server.clear_faults()

    # ------------------------------------------------------------------
    # Helpers
    # ------------------------------------------------------------------
    def outlook_event(self, subject, start, end, **values):
        """An appointment made in Outlook in ``self.mailbox``."""
        return self.exchange_server.create_item(
            self.mailbox, "calendar", subject=subject, start=start, end=end, **values
        )

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
            **SYNC_DEFAULTS,
            **values,
        }
        set_exchange_params(cls.env, params)

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
