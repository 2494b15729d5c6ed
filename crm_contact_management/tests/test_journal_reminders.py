from datetime import date, datetime
from unittest.mock import call, patch

from odoo.addons.crm_contact_management.models.crm_journal_entry import (
    JOURNAL_REMINDER_DAYS_PARAM,
)
from odoo.exceptions import ValidationError
from odoo.tests import Form, freeze_time

from .test_journal import JournalCase

TEMPLATE = "crm_contact_management.crm_journal_entry_mail_template_reminder"


@freeze_time("2025-03-10 08:00:00")
class TestJournalReminders(JournalCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Activity = cls.env["mail.activity"]
        cls.todo = cls.env.ref("mail.mail_activity_data_todo")
        cls.env["ir.config_parameter"].set_param(JOURNAL_REMINDER_DAYS_PARAM, "1")
        # only the entries of the tests are due
        cls.Entry.search([("state", "=", "planned")]).write({"reminder": False})

    def _reminder_entry(self, **values):
        return self._entry(
            **{
                "reminder": True,
                "followup_user_id": self.colleague.id,
                "date_start": datetime(2025, 3, 11, 7, 30),
                **values,
            }
        )

    def _send(self, now=None, batch_size=100):
        """Run the reminder job; the cron progress is only recorded: tests must not commit."""
        with patch.object(
            type(self.env["ir.cron"]), "_commit_progress", return_value=float("inf")
        ) as commit_progress:
            self.Entry._send_reminder_mails(now or datetime(2025, 3, 10, 8, 0), batch_size)
        return commit_progress

    def _mails(self, entries):
        return self.env["mail.mail"].search(
            [("model", "=", "crm.journal.entry"), ("res_id", "in", entries.ids)]
        )

    # ------------------------------------------------------------
    # The follow-up user gets a to-do on the entry
    # ------------------------------------------------------------

    def test_follow_up_user_gets_a_todo_due_on_the_start_day(self):
        entry = self._reminder_entry(date_start=datetime(2025, 3, 11, 23, 30))
        self.assertRecordValues(
            entry.activity_ids,
            [
                {
                    "activity_type_id": self.todo.id,
                    "user_id": self.colleague.id,
                    # 23:30 UTC is already the 12th in Berlin, the colleague's time zone
                    "date_deadline": date(2025, 3, 12),
                    "automated": True,
                    "summary": "Contact Maschinenbau Test GmbH: Call about the delivery",
                }
            ],
        )
        self.assertEqual(entry.reminder_activity_id, entry.activity_ids)
        self.assertIn(self.colleague.partner_id, entry.message_partner_ids)

    def test_responsible_is_reminded_without_follow_up_user(self):
        entry = self._reminder_entry(followup_user_id=False)
        self.assertEqual(entry.activity_ids.user_id, self.salesperson)

    def test_reminder_flag_creates_and_removes_the_todo(self):
        entry = self._entry(date_start=datetime(2025, 3, 11, 7, 30))
        self.assertFalse(entry.activity_ids)
        with Form(entry.with_user(self.salesperson)) as entry_form:
            entry_form.reminder = True
        self.assertEqual(entry.activity_ids.user_id, self.salesperson)
        entry.reminder = False
        self.assertFalse(entry.activity_ids)

    def test_todo_follows_the_entry(self):
        entry = self._reminder_entry()
        activity = entry.activity_ids
        entry.with_user(self.salesperson).write(
            {"date_start": datetime(2025, 3, 20, 9, 0), "followup_user_id": self.manager.id}
        )
        self.assertEqual(entry.activity_ids, activity)
        self.assertRecordValues(
            activity, [{"user_id": self.manager.id, "date_deadline": date(2025, 3, 20)}]
        )

    def test_todo_marked_done_stays_done_until_the_entry_moves(self):
        entry = self._reminder_entry()
        entry.activity_ids.with_user(self.colleague).action_feedback("Prepared")
        self.assertFalse(entry.activity_ids)
        entry.followup_user_id = self.manager
        self.assertFalse(entry.activity_ids)
        entry.date_start = datetime(2025, 3, 14, 9, 0)
        self.assertEqual(entry.activity_ids.date_deadline, date(2025, 3, 14))

    def test_finishing_removes_the_reminders(self):
        done = self._reminder_entry()
        not_done = self._reminder_entry()
        reminders = done.activity_ids | not_done.activity_ids
        self.assertEqual(len(reminders), 2)
        done.with_user(self.salesperson).action_done(duration=0.5)
        not_done.with_user(self.colleague).action_not_done("Customer cancelled")
        self.assertFalse(reminders.exists())
        self.assertFalse(done.activity_ids | not_done.activity_ids)

    def test_finishing_keeps_other_tasks(self):
        """Only the reminder goes: tasks planned on the entry stay open."""
        entry = self._reminder_entry()
        task = entry.activity_schedule(
            "mail.mail_activity_data_call", summary="Send the offer", user_id=self.salesperson.id
        )
        entry.action_done()
        self.assertEqual(entry.activity_ids, task)

    def test_reopened_entry_gets_its_reminder_back(self):
        entry = self._reminder_entry()
        entry.action_not_done("Postponed by the customer")
        entry.with_user(self.manager).action_reopen()
        self.assertEqual(entry.activity_ids.user_id, self.colleague)

    # ------------------------------------------------------------
    # The reminder e-mail goes out once, some days before
    # ------------------------------------------------------------

    def test_cron_queues_exactly_one_mail(self):
        entry = self._reminder_entry()
        self._send()
        mail = self._mails(entry)
        self.assertEqual(len(mail), 1)
        self.assertEqual(mail.state, "outgoing")
        self.assertEqual(mail.recipient_ids, self.colleague.partner_id)
        self.assertEqual(mail.subject, "Reminder: Call about the delivery")
        self.assertIn("Maschinenbau Test GmbH", mail.body_html)
        self.assertIn("Petra Schneider", mail.body_html)
        self.assertNotIn(self.machine_builder, mail.recipient_ids, "never the customer")
        self.assertEqual(entry.date_reminder_sent, datetime(2025, 3, 10, 8, 0))

        self._send(datetime(2025, 3, 10, 9, 0))
        self.assertEqual(len(self._mails(entry)), 1, "sent once per entry")

    def test_mail_waits_for_the_reminder_days(self):
        entry = self._reminder_entry(date_start=datetime(2025, 3, 12, 20, 0))
        self._send()
        self.assertFalse(self._mails(entry))
        self.env["ir.config_parameter"].set_param(JOURNAL_REMINDER_DAYS_PARAM, "3")
        self._send()
        self.assertEqual(len(self._mails(entry)), 1)

    def test_no_mail_for_finished_past_or_unflagged_entries(self):
        finished = self._reminder_entry()
        finished.action_done()
        past = self._reminder_entry(date_start=datetime(2025, 3, 10, 7, 0))
        unflagged = self._entry(date_start=datetime(2025, 3, 11, 7, 30))
        self._send()
        self.assertFalse(self._mails(finished | past | unflagged))

    def test_moving_the_entry_rearms_the_mail(self):
        entry = self._reminder_entry()
        self._send()
        entry.date_start = datetime(2025, 3, 17, 9, 0)
        self.assertFalse(entry.date_reminder_sent)
        self._send()
        self.assertEqual(len(self._mails(entry)), 1, "not due yet")
        self._send(datetime(2025, 3, 16, 10, 0))
        self.assertEqual(len(self._mails(entry)), 2)
        entry.name = "Renamed"
        self.assertTrue(entry.date_reminder_sent, "only a new date re-arms the reminder")

    def test_cron_works_in_batches(self):
        entries = self._reminder_entry() | self._reminder_entry() | self._reminder_entry()
        commit_progress = self._send(batch_size=2)
        self.assertEqual(len(self._mails(entries)), 3)
        self.assertEqual(commit_progress.call_args_list, [call(remaining=3), call(2), call(1)])

    def test_cron_stops_when_out_of_time(self):
        entries = self._reminder_entry() | self._reminder_entry()
        with patch.object(
            type(self.env["ir.cron"]), "_commit_progress", side_effect=[float("inf"), 0.0]
        ):
            self.Entry._send_reminder_mails(datetime(2025, 3, 10, 8, 0), batch_size=1)
        self.assertEqual(len(self._mails(entries)), 1)
        self.assertEqual(len(entries.filtered("date_reminder_sent")), 1)

    def test_scheduled_action(self):
        entry = self._reminder_entry()
        cron = self.env.ref("crm_contact_management.ir_cron_crm_journal_entry_reminder")
        self.assertEqual(cron.model_id.model, "crm.journal.entry")
        self.assertTrue(cron.active)
        with patch.object(type(self.env["ir.cron"]), "_commit_progress", return_value=float("inf")):
            cron.ir_actions_server_id.run()
        self.assertEqual(len(self._mails(entry)), 1)
        self.assertEqual(self.env.ref(TEMPLATE).model, "crm.journal.entry")

    # ------------------------------------------------------------
    # Settings
    # ------------------------------------------------------------

    def test_reminder_days_in_the_settings(self):
        self.env["ir.config_parameter"].set_param(JOURNAL_REMINDER_DAYS_PARAM, False)
        self.assertEqual(self.Entry._get_reminder_days(), 1, "one day by default")
        settings = self.env["res.config.settings"].create({"crm_journal_reminder_days": 4})
        settings.execute()
        self.assertEqual(
            self.env["ir.config_parameter"].get_param(JOURNAL_REMINDER_DAYS_PARAM), "4"
        )
        self.assertEqual(self.Entry._get_reminder_days(), 4)
        with self.assertRaises(ValidationError):
            self.env["res.config.settings"].create({"crm_journal_reminder_days": -1})
