import io

from odoo.addons.mail.tests.common import MockEmail
from odoo.exceptions import UserError, ValidationError
from odoo.tests import tagged
from odoo.tools.pdf import PdfFileReader

from .common_mailing import MailingCase

GATEWAY = "{number}@fax.example.com"


@tagged("post_install", "-at_install")
class TestMailingFax(MailingCase, MockEmail):
    """Faxes are the letter PDF e-mailed to the e-mail-to-fax gateway."""

    def _set_gateway(self, gateway):
        settings = self.env["res.config.settings"].create({"crm_campaign_fax_gateway": gateway})
        settings.execute()

    def test_gateway_must_hold_the_number_placeholder(self):
        for wrong in ("fax.example.com", "{number}", "{nummer}@fax.example.com"):
            with self.subTest(gateway=wrong), self.assertRaises(ValidationError):
                self._set_gateway(wrong)
        self._set_gateway(GATEWAY)
        self.assertEqual(
            self.env["ir.config_parameter"].get_param("crm_campaign_stages.fax_gateway"), GATEWAY
        )

    def test_faxes_need_a_configured_gateway(self):
        mailing = self._create_mailing("fax")
        with self.assertRaisesRegex(UserError, "gateway"):
            mailing.with_user(self.manager).action_send()

    def test_fax_goes_to_the_gateway_with_the_letter_pdf(self):
        self._set_gateway(GATEWAY)
        mailing = self._create_mailing("fax")
        by_partner = {rec.partner_id: rec for rec in mailing.recipient_ids}
        self.assertEqual(by_partner[self.petra].state, "skipped", "Petra has no fax number")
        self.assertEqual(by_partner[self.petra].failure_reason, "No fax number.")
        self.assertEqual(by_partner[self.hans].state, "skipped")
        fax = by_partner[self.mueller]
        self.assertEqual(fax.state, "queued")

        mailing.with_user(self.manager).action_send()
        self.assertEqual(mailing.fax_gateway, GATEWAY)
        self._run_cron()

        self.assertEqual(fax.fax_address, "4971112345@fax.example.com")
        mail = fax.mail_mail_id
        self.assertEqual(mail.email_to, "4971112345@fax.example.com")
        self.assertEqual(mail.attachment_ids, fax.attachment_id)
        self.assertTrue(fax.attachment_id.raw.startswith(b"%PDF"))
        self.assertEqual(len(PdfFileReader(io.BytesIO(fax.attachment_id.raw)).pages), 1)
        self.assertEqual(mail.subject, "Unser Frühjahrsangebot")

        with self.mock_mail_gateway():
            mailing.recipient_ids.mail_mail_id.send()
        sent = [m for m in self._mails if m["email_to"] == ["4971112345@fax.example.com"]]
        self.assertEqual(len(sent), 1)
        self.assertEqual(
            [name for name, _data, _type in sent[0]["attachments"]], [fax.attachment_id.name]
        )
        self.assertEqual(fax.state, "sent")
        self.assertEqual(mailing.state, "done")
        entry = fax.journal_entry_id
        self.assertEqual(
            entry.medium_id, self.env.ref("crm_contact_management.crm_journal_medium_fax")
        )
        self.assertEqual(entry.state, "done")
        self.assertEqual(entry.campaign_id, self.campaign)
        self.assertTrue(fax.participant_id.contacted)
