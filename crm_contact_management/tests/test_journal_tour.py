from datetime import timedelta

from odoo import fields
from odoo.tests import HttpCase, new_test_user, tagged


@tagged("post_install", "-at_install")
class TestJournalReminderTour(HttpCase):
    """Katrin Vogel plans to call Petra Schneider of Müller Maschinenbau back, with a reminder
    for herself; the next time she logs in, the notification lists the call and leads her to
    her schedule."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.katrin = new_test_user(
            cls.env,
            login="katrin.vogel.tour",
            name="Katrin Vogel",
            groups="base.group_user,base.group_partner_manager",
        )
        cls.company = cls.env["res.partner"].create(
            {"name": "Müller Maschinenbau GmbH", "is_company": True, "city": "Berlin"}
        )
        cls.petra = cls.env["res.partner"].create(
            {"name": "Petra Schneider", "parent_id": cls.company.id, "type": "contact"}
        )

    def test_plan_a_reminder_and_see_it_on_the_next_login(self):
        today = fields.Date.context_today(self.katrin)
        # Katrin has been at work since the morning: today's login notification is behind her
        self.katrin.crm_followup_notice_date = today
        self.start_tour(
            "/odoo/action-crm_contact_management.crm_journal_entry_action",
            "crm_contact_management_plan_reminder",
            login=self.katrin.login,
        )
        entry = self.env["crm.journal.entry"].search([("partner_id", "=", self.company.id)])
        self.assertRecordValues(
            entry,
            [
                {
                    "name": "Call back about the maintenance contract",
                    "contact_id": self.petra.id,
                    "state": "planned",
                    "reminder": True,
                    "user_id": self.katrin.id,
                    "followup_user_id": self.katrin.id,
                }
            ],
        )
        reminder = entry.reminder_activity_id
        self.assertRecordValues(
            reminder,
            [
                {
                    "res_model": "crm.journal.entry",
                    "res_id": entry.id,
                    "user_id": self.katrin.id,
                    "date_deadline": entry._get_reminder_deadline(self.katrin),
                    "active": True,
                }
            ],
        )
        self.assertEqual(self.katrin.crm_followup_notice_date, today, "no second notice today")

        # The next login: the notification is due again once its last day has passed. The
        # browser and the server cannot wait for tomorrow, so the last notice moves back one
        # day, which is all the rule of "the first page load of the day" looks at; the call,
        # planned for today, is then due as it would be (overdue) the next morning.
        self.katrin.crm_followup_notice_date = today - timedelta(days=1)
        self.start_tour(
            "/odoo", "crm_contact_management_reminder_next_login", login=self.katrin.login
        )
        self.katrin.invalidate_recordset(["crm_followup_notice_date"])
        self.assertEqual(self.katrin.crm_followup_notice_date, today)
        self.assertTrue(reminder.exists() and reminder.active, "seeing it does not finish it")
