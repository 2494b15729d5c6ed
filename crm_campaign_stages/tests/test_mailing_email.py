from unittest.mock import patch

from psycopg2 import IntegrityError

from odoo.addons.base.models.ir_mail_server import IrMail_Server, MailDeliveryException
from odoo.addons.mail.tests.common import MockEmail
from odoo.exceptions import AccessError, UserError
from odoo.tests import tagged
from odoo.tools import mute_logger

from .common_mailing import MailingCase

# a delivery status notification of the receiving server, quoting the bounced e-mail
BOUNCE = """Return-Path: <>
Delivered-To: {to}
Date: Mon, 23 Nov 2026 10:41:06 +0100 (CET)
From: MAILER-DAEMON@mx.mueller-maschinenbau.example.com (Mail Delivery System)
Subject: Undelivered Mail Returned to Sender
To: {to}
Auto-Submitted: auto-replied
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status;
    boundary="92726A5F09.1555335666/mx"
Message-Id: <20261123094106.93A83A5F0D@mx.mueller-maschinenbau.example.com>

--92726A5F09.1555335666/mx
Content-Description: Notification
Content-Type: text/plain; charset=us-ascii

<{email}>: host mx.mueller-maschinenbau.example.com said: 550 No such
    person at this address. (in reply to RCPT TO command)

--92726A5F09.1555335666/mx
Content-Description: Delivery report
Content-Type: message/delivery-status

Reporting-MTA: dns; mx.mueller-maschinenbau.example.com

Final-Recipient: rfc822; {email}
Original-Recipient: rfc822;{email}
Action: failed
Status: 5.0.0
Diagnostic-Code: smtp; 550 No such person at this address.

--92726A5F09.1555335666/mx
Content-Description: Undelivered Message Headers
Content-Type: text/rfc822-headers

Message-Id: {message_id}
Subject: {subject}
From: vertrieb@schwarzwald-wzm.example.com
To: {email}

--92726A5F09.1555335666/mx--
"""


@tagged("post_install", "-at_install")
class TestMailingEmail(MailingCase, MockEmail):
    def _send(self, mailing):
        mailing.with_user(self.manager).action_send()
        return mailing

    def _deliver(self, mailing):
        """The mail queue sends the queued e-mails of the mailing."""
        with self.mock_mail_gateway():
            mailing.recipient_ids.mail_mail_id.send()

    # ------------------------------------------------------------
    # Recipients
    # ------------------------------------------------------------

    def test_recipients_are_the_running_participants(self):
        mailing = self._create_mailing()
        self.assertEqual(mailing.recipient_ids.participant_id, self.participants)
        self.assertEqual(set(mailing.recipient_ids.mapped("state")), {"queued"})
        self.assertEqual(mailing.queued_count, 3)
        self.assertIn(self.campaign.name, mailing.name)
        self.assertEqual(mailing.mail_template_id, self.template)

        self._participant(self.hans)._mark_lost(
            self.env.ref("crm_campaign_stages.crm_campaign_failure_code_no_budget")
        )
        later = self._create_mailing()
        self.assertEqual(later.recipient_ids.partner_id, self.mueller | self.petra)

    def test_stage_mailing_goes_to_the_stage_participants(self):
        self._participant(self.hans)._move_to_stage(self.second_stage)
        mailing = self._create_mailing(stage_id=self.second_stage.id)
        self.assertEqual(mailing.recipient_ids.partner_id, self.hans)

    def test_recipients_without_valid_email_are_skipped(self):
        self.petra.email = False
        self.hans.email = "hans.bergmann(at)example"
        mailing = self._create_mailing()

        by_partner = {rec.partner_id: rec for rec in mailing.recipient_ids}
        self.assertEqual(by_partner[self.mueller].state, "queued")
        self.assertEqual(by_partner[self.petra].state, "skipped")
        self.assertEqual(by_partner[self.petra].failure_reason, "No e-mail address.")
        self.assertEqual(by_partner[self.hans].state, "skipped")
        self.assertIn("hans.bergmann(at)example", by_partner[self.hans].failure_reason)
        self.assertEqual(mailing.skipped_count, 2)

        self._send(mailing)
        self._run_cron()
        self.assertEqual(mailing.recipient_ids.mail_mail_id, by_partner[self.mueller].mail_mail_id)
        self.assertTrue(by_partner[self.mueller].mail_mail_id)

    def test_a_participant_is_a_recipient_once(self):
        mailing = self._create_mailing()
        mailing.action_refresh_recipients()
        self.assertEqual(len(mailing.recipient_ids), 3)
        with self.assertRaises(IntegrityError), mute_logger("odoo.sql_db"), self.cr.savepoint():
            self.env["crm.campaign.mailing.recipient"].create(
                {
                    "mailing_id": mailing.id,
                    "participant_id": self._participant(self.hans).id,
                    "partner_id": self.hans.id,
                }
            )

    # ------------------------------------------------------------
    # Queueing in batches
    # ------------------------------------------------------------

    def test_emails_are_queued_in_batches_in_the_campaign_language(self):
        self.hans.lang = "en_US"  # the campaign's language wins over the partner's
        mailing = self._create_mailing(batch_size=2)
        self._send(mailing)
        self.assertEqual(mailing.state, "in_progress")
        self.assertFalse(mailing.recipient_ids.mail_mail_id, "sending only hands over to the job")

        commit_progress = self._run_cron()

        processed = [call.args[0] for call in commit_progress.call_args_list if call.args]
        self.assertEqual(processed[:2], [2, 1], "two batches: 2 then 1 recipient")
        mails = mailing.recipient_ids.mail_mail_id
        self.assertEqual(len(mails), 3)
        self.assertEqual(set(mails.mapped("state")), {"outgoing"})
        self.assertEqual(set(mails.mapped("subject")), {"Unser Frühjahrsangebot"})
        hans_mail = mailing.recipient_ids.filtered(lambda r: r.partner_id == self.hans).mail_mail_id
        self.assertIn("Hallo Hans Bergmann", hans_mail.body_html)
        self.assertIn("h.bergmann@bergmann-werkzeuge.example.com", hans_mail.email_to)
        self.assertIn("/crm_campaign/mailing/open/", hans_mail.body_html)
        self.assertEqual(hans_mail.model, "crm.campaign.participant")
        self.assertEqual(hans_mail.author_id, self.manager.partner_id)
        # queued, not sent yet: the mail queue reports the outcome
        self.assertEqual(set(mailing.recipient_ids.mapped("state")), {"queued"})
        self.assertTrue(all(mailing.recipient_ids.mapped("date_processed")))
        self.assertEqual(mailing.state, "in_progress")

    def test_a_second_run_sends_nothing_twice(self):
        mailing = self._send(self._create_mailing(batch_size=2))
        self._run_cron()
        mails = mailing.recipient_ids.mail_mail_id
        Mail = self.env["mail.mail"]
        count = Mail.search_count([("model", "=", "crm.campaign.participant")])

        self._run_cron()
        self._deliver(mailing)
        self._run_cron()

        self.assertEqual(Mail.search_count([("model", "=", "crm.campaign.participant")]), count)
        self.assertEqual(mailing.recipient_ids.mail_mail_id, mails)
        self.assertEqual(len(self._mails), 3, "each e-mail went out once")
        # a recipient another worker already handed over is not locked again
        self.assertFalse(
            self.env["crm.campaign.mailing.recipient"]._lock_pending(mailing, 10),
        )

    # ------------------------------------------------------------
    # Outcome: sent, failed, bounced
    # ------------------------------------------------------------

    def test_sent_emails_log_a_measure_and_mark_contacted(self):
        mailing = self._send(self._create_mailing())
        self._run_cron()
        self._deliver(mailing)

        self.assertEqual(set(mailing.recipient_ids.mapped("state")), {"sent"})
        self.assertEqual(mailing.sent_count, 3)
        self.assertEqual(mailing.state, "done")
        self.assertTrue(all(mailing.recipient_ids.mapped("message_id")))
        self.assertTrue(all(self.participants.mapped("contacted")))
        sent_to = {email for mail in self._mails for email in mail["email_to"]}
        self.assertIn(
            '"Petra Schneider" <petra.schneider@mueller-maschinenbau.example.com>', sent_to
        )

        petra = mailing.recipient_ids.filtered(lambda r: r.partner_id == self.petra)
        entry = petra.journal_entry_id
        self.assertEqual(entry.state, "done")
        self.assertEqual(entry.campaign_id, self.campaign)
        self.assertEqual(entry.campaign_participant_id, self._participant(self.petra))
        self.assertEqual(entry.contact_id, self.petra)
        self.assertEqual(entry.partner_id, self.mueller)
        self.assertEqual(entry.user_id, self.manager)
        self.assertEqual(
            entry.medium_id, self.env.ref("crm_contact_management.crm_journal_medium_email")
        )
        self.assertEqual(
            entry.content_type_id,
            self.env.ref("crm_contact_management.crm_journal_content_type_measure"),
        )
        self.assertIn("Unser Frühjahrsangebot", entry.name)
        self.assertIn("Hallo Petra Schneider", entry.report)
        self.assertNotIn("/crm_campaign/mailing/open/", entry.report, "no pixel in the journal")
        mueller = mailing.recipient_ids.filtered(lambda r: r.partner_id == self.mueller)
        self.assertEqual(mueller.journal_entry_id.partner_id, self.mueller)
        self.assertFalse(mueller.journal_entry_id.contact_id)
        self.assertEqual(len(mailing.recipient_ids.journal_entry_id), 3)

    def test_a_delivery_failure_marks_the_recipient_failed(self):
        mailing = self._send(self._create_mailing())
        self._run_cron()
        send_email = IrMail_Server.send_email

        def refuse_hans(server, message, *args, **kwargs):
            if "h.bergmann@" in message["To"]:
                raise MailDeliveryException("Mail delivery failed", "550 mailbox unavailable")
            return send_email(server, message, *args, **kwargs)

        with (
            patch.object(IrMail_Server, "send_email", refuse_hans),
            self.mock_mail_gateway(),
            mute_logger("odoo.addons.mail.models.mail_mail"),
        ):
            mailing.recipient_ids.mail_mail_id.send()

        hans = mailing.recipient_ids.filtered(lambda r: r.partner_id == self.hans)
        self.assertEqual(hans.state, "failed")
        self.assertIn("550 mailbox unavailable", hans.failure_reason)
        self.assertFalse(hans.journal_entry_id, "nothing went out: no measure")
        self.assertFalse(hans.participant_id.contacted)
        self.assertEqual(mailing.failed_count, 1)
        self.assertEqual(mailing.sent_count, 2)
        self.assertEqual(mailing.state, "done")

    def test_a_bounce_marks_the_recipient_bounced(self):
        mailing = self._send(self._create_mailing())
        self._run_cron()
        self._deliver(mailing)
        petra = mailing.recipient_ids.filtered(lambda r: r.partner_id == self.petra)
        self.assertEqual(petra.state, "sent")

        bounce = BOUNCE.format(
            to="bounce@schwarzwald-wzm.example.com",
            email=self.petra.email,
            message_id=petra.message_id,
            subject="Unser Frühjahrsangebot",
        )
        self.env["mail.thread"].sudo().message_process(None, bounce)

        self.assertEqual(petra.state, "bounced")
        self.assertIn("550 No such", petra.failure_reason)
        self.assertEqual(petra.journal_entry_id.state, "not_done")
        self.assertIn("Bounced", petra.journal_entry_id.not_done_reason)
        self.assertEqual(mailing.bounced_count, 1)
        self.assertEqual(mailing.sent_count, 2)
        others = mailing.recipient_ids - petra
        self.assertEqual(set(others.mapped("state")), {"sent"})

    # ------------------------------------------------------------
    # Rules of sending
    # ------------------------------------------------------------

    def test_only_running_campaigns_with_a_template_send(self):
        mailing = self._create_mailing(mail_template_id=False)
        with self.assertRaisesRegex(UserError, "template"):
            mailing.with_user(self.manager).action_send()

        self.campaign.action_done()
        mailing = self._create_mailing()
        with self.assertRaisesRegex(UserError, "running"):
            mailing.with_user(self.manager).action_send()

    def test_cancel_takes_queued_emails_out_of_the_queue(self):
        mailing = self._send(self._create_mailing(batch_size=2))
        self._run_cron()
        mailing.with_user(self.manager).action_cancel()

        self.assertEqual(mailing.state, "cancelled")
        self.assertEqual(set(mailing.recipient_ids.mail_mail_id.mapped("state")), {"cancel"})
        self.assertEqual(set(mailing.recipient_ids.mapped("state")), {"skipped"})
        self._deliver(mailing)
        self.assertFalse(self._mails)

    def test_wizard_sends_a_mailing_from_the_campaign(self):
        action = self.campaign.with_user(self.manager).action_open_mailing_wizard()
        wizard = (
            self.env[action["res_model"]]
            .with_user(self.manager)
            .with_context(action["context"])
            .create({"stage_id": self.first_stage.id})
        )
        self.assertEqual(wizard.medium, "email")
        self.assertEqual(wizard.mail_template_id, self.template)
        self.assertEqual(wizard.participant_count, 3)
        result = wizard.action_send()
        mailing = self.env["crm.campaign.mailing"].browse(result["res_id"])
        self.assertEqual(mailing.state, "in_progress")
        self.assertEqual(mailing.stage_id, self.first_stage)
        self.assertEqual(self.campaign.mailing_count, 1)

    # ------------------------------------------------------------
    # Access rights
    # ------------------------------------------------------------

    def test_operators_read_the_mailings_of_their_campaign_only_managers_send(self):
        mailing = self._send(self._create_mailing())
        self._run_cron()

        as_operator = mailing.with_user(self.operator)
        self.assertEqual(as_operator.recipient_count, 3)
        self.assertEqual(len(as_operator.recipient_ids), 3)
        self.assertEqual(as_operator.recipient_ids.mapped("state"), ["queued"] * 3)
        with self.assertRaises(AccessError):
            as_operator.action_cancel()
        with self.assertRaises(AccessError):
            self._create_mailing(user=self.operator)
        draft = self._create_mailing()
        with self.assertRaises(AccessError):
            draft.with_user(self.operator).action_send()

        outsider = mailing.with_user(self.other_operator)
        with self.assertRaises(AccessError):
            outsider.read(["name"])
        self.assertFalse(
            self.env["crm.campaign.mailing.recipient"]
            .with_user(self.other_operator)
            .search([("mailing_id", "=", mailing.id)])
        )

    def test_letter_code_is_for_template_editors(self):
        editor = self.env.ref("mail.group_mail_template_editor")
        self.env.ref("base.group_user").implied_ids -= editor
        self.manager.group_ids -= editor
        self.assertFalse(self.manager.has_group("mail.group_mail_template_editor"))
        campaign = self.campaign.with_user(self.manager)
        campaign.letter_body = '<p>Dear <span t-out="object.partner_id.name"/></p>'
        with self.assertRaises(AccessError):
            campaign.letter_body = (
                "<p t-out=\"object.env['res.users'].sudo().search([]).mapped('password')\"/>"
            )
