import json

from odoo.tests import HttpCase, new_test_user, tagged

from .common import FakeServerMixin

PREFIX = "crm_exchange_sync."


@tagged("post_install", "-at_install")
class TestExchangeSettingsTour(FakeServerMixin, HttpCase):
    """An administrator fills the Exchange section of the settings with the address of the
    (fake) Exchange server and his mailbox's credentials, and tests the connection."""

    mailbox = "katrin.vogel@example.com"
    mailbox_password = "Schnee-Flocke-7"
    mailbox_name = "Katrin Vogel"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.admin = new_test_user(
            cls.env,
            login="exchange_tour_admin",
            name="Katrin Vogel",
            email=cls.mailbox,
            groups="base.group_user,base.group_system",
        )

    def test_fill_settings_and_test_connection(self):
        values = {
            "crm_exchange_tour_server_url": self.exchange_server.url,
            "crm_exchange_tour_mailbox": self.mailbox,
            "crm_exchange_tour_password": self.mailbox_password,
        }
        store = "".join(
            f"sessionStorage.setItem({json.dumps(key)}, {json.dumps(value)});"
            for key, value in values.items()
        )
        options = json.dumps({"stepDelay": 0, "startUrl": "/odoo/settings#crm_contact_management"})
        self.start_tour(
            "/odoo/settings#crm_contact_management",
            "crm_exchange_settings_tour",
            login="exchange_tour_admin",
            code=f"{store} odoo.startTour('crm_exchange_settings_tour', {options});",
        )
        icp = self.env["ir.config_parameter"].sudo()
        self.assertEqual(icp.get_param(PREFIX + "server_url"), self.exchange_server.url)
        self.assertEqual(icp.get_param(PREFIX + "auth_type"), "basic")
        self.assertEqual(icp.get_param(PREFIX + "username"), self.mailbox)
        self.assertEqual(icp.get_param(PREFIX + "password"), self.mailbox_password)
        self.assertEqual(icp.get_param(PREFIX + "sync_events"), "True")
        self.assertIn("Connection successful", icp.get_param(PREFIX + "test_result"))
        self.assertGreaterEqual(self.exchange_server.count_requests("GetFolder", self.mailbox), 1)
