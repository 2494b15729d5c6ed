from odoo.tests import HttpCase, tagged

from .common_mailing import MailingCase


@tagged("post_install", "-at_install")
class TestMailingTracking(MailingCase, HttpCase):
    """The tracking pixel of a serial e-mail marks its recipient opened."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.mailing = cls._create_mailing(cls)
        cls.recipient = cls.mailing.recipient_ids.filtered(lambda r: r.partner_id == cls.petra)

    def _open_pixel(self, recipient, token=None):
        token = token if token is not None else recipient.sudo().access_token
        return self.url_open(f"/crm_campaign/mailing/open/{recipient.id}/{token}/blank.gif")

    def test_opening_the_email_marks_the_recipient_opened(self):
        self.recipient.write({"state": "sent"})

        response = self._open_pixel(self.recipient)

        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.headers["Content-Type"], "image/gif")
        self.assertTrue(response.content.startswith(b"GIF89a"))
        self.assertEqual(self.recipient.state, "opened")
        self.assertTrue(self.recipient.date_opened)
        self.assertEqual(self.mailing.opened_count, 1)
        self.assertEqual(self.mailing.sent_count, 1, "an opened e-mail counts as sent")

    def test_a_wrong_token_changes_nothing(self):
        self.recipient.write({"state": "sent"})

        response = self._open_pixel(self.recipient, token="0" * 32)

        self.assertEqual(response.status_code, 200, "the same image, telling nothing")
        self.assertTrue(response.content.startswith(b"GIF89a"))
        self.assertEqual(self.recipient.state, "sent")
        self.assertEqual(self._open_pixel(self.recipient.browse(999999), "x").status_code, 200)

    def test_a_bounced_email_stays_bounced(self):
        self.recipient.write({"state": "bounced"})
        self._open_pixel(self.recipient)
        self.assertEqual(self.recipient.state, "bounced")
