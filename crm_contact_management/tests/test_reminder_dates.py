import logging
from datetime import date
from unittest.mock import call, patch

from psycopg2.errors import CheckViolation

from odoo.addons.crm_contact_management.models.crm_contact_date import REMINDER_DAYS_PARAM
from odoo.exceptions import ValidationError
from odoo.tests import Form, TransactionCase, freeze_time, new_test_user
from odoo.tools import mute_logger

LOGGER = "odoo.addons.crm_contact_management.models.crm_contact_date"


class TestReminderDates(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Date = cls.env["crm.contact.date"]
        cls.Activity = cls.env["mail.activity"]
        cls.todo = cls.env.ref("mail.mail_activity_data_todo")
        cls.env["ir.config_parameter"].set_param(REMINDER_DAYS_PARAM, "7")
        cls.Date.search([]).action_archive()  # only the dates of the test are due
        cls.account_manager = new_test_user(
            cls.env, "cm_dates_account_manager", groups="base.group_user", lang="en_US"
        )
        cls.contact_owner = new_test_user(
            cls.env, "cm_dates_contact_owner", groups="base.group_user"
        )
        cls.company = cls.env["res.partner"].create(
            {
                "name": "Maschinenbau Test GmbH",
                "is_company": True,
                "user_id": cls.account_manager.id,
            }
        )
        cls.person = cls.env["res.partner"].create(
            {"name": "Hans Müller", "parent_id": cls.company.id}
        )
        cls.birthday = cls.Date.create(
            {"partner_id": cls.person.id, "kind": "birthday", "date": date(1962, 4, 17)}
        )

    def _schedule(self, today, batch_size=200):
        """Run the reminder job for ``today``; the cron progress is only recorded: tests must
        not commit."""
        with patch.object(
            type(self.env["ir.cron"]), "_commit_progress", return_value=float("inf")
        ) as commit_progress:
            self.Date._schedule_reminders(today, batch_size=batch_size)
        return commit_progress

    def _reminders(self, partners=None):
        return self.Activity.search(
            [("res_model", "=", "res.partner"), ("res_id", "in", (partners or self.person).ids)]
        )

    # ------------------------------------------------------------
    # The salesperson gets a to-do some days before the date
    # ------------------------------------------------------------

    def test_salesperson_of_the_company_gets_a_todo_before_the_birthday(self):
        self._schedule(date(2025, 4, 10))

        reminder = self._reminders()
        self.assertRecordValues(
            reminder,
            [
                {
                    "activity_type_id": self.todo.id,
                    "user_id": self.account_manager.id,
                    "date_deadline": date(2025, 4, 17),
                    "summary": "Birthday of Hans Müller",
                    "automated": True,
                }
            ],
        )
        self.assertEqual(self.birthday.last_reminder_year, 2025)

    def test_one_reminder_per_year(self):
        self._schedule(date(2025, 4, 10))
        self._schedule(date(2025, 4, 12))
        self._schedule(date(2025, 4, 17))
        self.assertEqual(len(self._reminders()), 1)

        self._schedule(date(2026, 4, 11))

        self.assertEqual(
            sorted(self._reminders().mapped("date_deadline")),
            [date(2025, 4, 17), date(2026, 4, 17)],
        )
        self.assertEqual(self.birthday.last_reminder_year, 2026)

    def test_no_reminder_before_the_configured_number_of_days(self):
        self._schedule(date(2025, 4, 9))
        self.assertFalse(self._reminders())

        self.env["ir.config_parameter"].set_param(REMINDER_DAYS_PARAM, "14")
        self._schedule(date(2025, 4, 3))
        self.assertEqual(self._reminders().date_deadline, date(2025, 4, 17))

    def test_late_run_still_reminds_until_the_day_itself(self):
        self._schedule(date(2025, 4, 17))
        self.assertEqual(self._reminders().date_deadline, date(2025, 4, 17))

    def test_no_reminder_once_the_day_has_passed(self):
        self._schedule(date(2025, 4, 18))
        self.assertFalse(self._reminders())
        self.assertFalse(self.birthday.last_reminder_year)

    def test_salesperson_of_the_contact_when_the_company_has_none(self):
        self.company.user_id = False
        self.person.user_id = self.contact_owner

        self._schedule(date(2025, 4, 10))

        self.assertEqual(self._reminders().user_id, self.contact_owner)

    def test_no_salesperson_no_todo_but_a_log_line(self):
        (self.company | self.person).user_id = False

        with self.assertLogs(LOGGER, level=logging.INFO) as logs:
            self._schedule(date(2025, 4, 10))

        self.assertFalse(self._reminders())
        self.assertIn("No salesperson", logs.output[0])
        self.assertFalse(self.birthday.last_reminder_year, "a salesperson set later still gets it")

    def test_archived_dates_and_contacts_are_not_reminded(self):
        self.birthday.action_archive()
        self._schedule(date(2025, 4, 10))
        self.assertFalse(self._reminders())

        self.birthday.action_unarchive()
        self.person.action_archive()
        self._schedule(date(2025, 4, 10))
        self.assertFalse(self._reminders())

    def test_other_occasions_and_anniversaries_of_companies(self):
        foundation = self.Date.create(
            {
                "partner_id": self.company.id,
                "kind": "other",
                "name": "Company foundation",
                "date": date(1926, 6, 1),
            }
        )
        self.assertEqual(foundation.display_name, "Company foundation")

        self._schedule(date(2025, 5, 28))

        self.assertRecordValues(
            self._reminders(self.company),
            [
                {
                    "summary": "Company foundation of Maschinenbau Test GmbH",
                    "user_id": self.account_manager.id,
                }
            ],
        )

    def test_summary_in_the_language_of_the_salesperson(self):
        self.env["res.lang"]._activate_lang("de_DE")
        self.account_manager.lang = "de_DE"
        self.env["ir.model.fields.selection"].search(
            [("field_id.model", "=", "crm.contact.date"), ("value", "=", "birthday")]
        ).with_context(lang="de_DE").name = "Geburtstag"

        self._schedule(date(2025, 4, 10))

        self.assertTrue(self._reminders().summary.startswith("Geburtstag"))

    # ------------------------------------------------------------
    # 29 February and New Year
    # ------------------------------------------------------------

    def test_leap_day_is_reminded_on_28_february_in_common_years(self):
        leap_day = self.Date.create({"partner_id": self.person.id, "date": date(1980, 2, 29)})
        self.assertEqual(leap_day.month_day, 229)

        self._schedule(date(2025, 2, 21))  # the window ends on 28 February

        self.assertEqual(self._reminders().date_deadline, date(2025, 2, 28))
        self.assertEqual(leap_day.last_reminder_year, 2025)

        self._schedule(date(2028, 2, 22))  # leap year: the window ends on 29 February

        self.assertEqual(
            sorted(self._reminders().mapped("date_deadline")),
            [date(2025, 2, 28), date(2028, 2, 29)],
        )

    def test_leap_day_is_not_reminded_twice_after_28_february(self):
        self.Date.create({"partner_id": self.person.id, "date": date(1980, 2, 29)})
        self._schedule(date(2025, 2, 28))
        self._schedule(date(2025, 3, 1))
        self.assertEqual(len(self._reminders()), 1)

    def test_reminder_across_new_year(self):
        new_year_child = self.Date.create({"partner_id": self.person.id, "date": date(1968, 1, 2)})
        new_years_eve = self.Date.create({"partner_id": self.person.id, "date": date(1970, 12, 31)})

        self._schedule(date(2025, 12, 28))

        self.assertEqual(
            sorted(self._reminders().mapped("date_deadline")),
            [date(2025, 12, 31), date(2026, 1, 2)],
        )
        self.assertEqual(new_year_child.last_reminder_year, 2026)
        self.assertEqual(new_years_eve.last_reminder_year, 2025)

        self._schedule(date(2025, 12, 30))
        self._schedule(date(2026, 1, 1))

        self.assertEqual(len(self._reminders()), 2, "no second reminder in the new year")

        self._schedule(date(2026, 12, 26))

        self.assertEqual(len(self._reminders()), 4)
        self.assertEqual(new_years_eve.last_reminder_year, 2026)
        self.assertEqual(new_year_child.last_reminder_year, 2027)

    def test_date_in_the_future_is_reminded_from_its_first_occurrence(self):
        future = self.Date.create({"partner_id": self.person.id, "date": date(2026, 3, 1)})
        self._schedule(date(2025, 2, 25))
        self.assertFalse(self._reminders())

        self._schedule(date(2026, 2, 25))
        self.assertEqual(self._reminders().date_deadline, date(2026, 3, 1))
        self.assertEqual(future.last_reminder_year, 2026)

    # ------------------------------------------------------------
    # The scheduled action works in batches and reports its progress
    # ------------------------------------------------------------

    def test_batches_report_progress(self):
        persons = self.env["res.partner"].create(
            [{"name": f"Person {index}", "parent_id": self.company.id} for index in range(4)]
        )
        self.Date.create(
            [{"partner_id": person.id, "date": date(1980, 4, 15)} for person in persons]
        )

        commit_progress = self._schedule(date(2025, 4, 10), batch_size=2)

        self.assertEqual(
            commit_progress.call_args_list,
            [call(remaining=5), call(2), call(2), call(1)],
        )
        self.assertEqual(len(self._reminders(self.company.child_ids)), 5)

    def test_out_of_time_stops_after_the_batch_and_resumes(self):
        persons = self.env["res.partner"].create(
            [{"name": f"Person {index}", "parent_id": self.company.id} for index in range(3)]
        )
        dates = self.Date.create(
            [{"partner_id": person.id, "date": date(1980, 4, 15)} for person in persons]
        )
        all_dates = self.birthday | dates

        with patch.object(
            type(self.env["ir.cron"]), "_commit_progress", side_effect=[float("inf"), 0.0]
        ):
            self.Date._schedule_reminders(date(2025, 4, 10), batch_size=2)

        self.assertEqual(all_dates.mapped("last_reminder_year").count(2025), 2)

        self._schedule(date(2025, 4, 10), batch_size=2)

        self.assertEqual(set(all_dates.mapped("last_reminder_year")), {2025})
        self.assertEqual(len(self._reminders(self.company.child_ids)), 4)

    @freeze_time("2025-04-10")
    def test_scheduled_action(self):
        cron = self.env.ref("crm_contact_management.ir_cron_crm_contact_date_reminder")
        self.assertEqual(cron.model_id.model, "crm.contact.date")
        self.assertTrue(cron.active)

        with patch.object(type(self.env["ir.cron"]), "_commit_progress", return_value=float("inf")):
            cron.ir_actions_server_id.run()

        self.assertEqual(self._reminders().date_deadline, date(2025, 4, 17))

    # ------------------------------------------------------------
    # Dates on the contact, next occurrence, settings
    # ------------------------------------------------------------

    @freeze_time("2025-12-20")
    def test_next_occurrence_and_upcoming_dates(self):
        new_year = self.Date.create({"partner_id": self.person.id, "date": date(1968, 1, 2)})
        self.assertEqual(self.birthday.next_occurrence, date(2026, 4, 17))
        self.assertEqual(new_year.next_occurrence, date(2026, 1, 2))
        self.assertEqual(new_year.month, "01")

        upcoming = self.Date.search(
            [("partner_id", "=", self.person.id), ("next_occurrence", "<=", "2026-01-19")]
        )

        self.assertEqual(upcoming, new_year)
        self.assertEqual(
            self.Date.search(
                [("partner_id", "=", self.person.id), ("next_occurrence", "<", "2026-04-17")]
            ),
            new_year,
        )

    def test_dates_are_edited_on_the_contact_form(self):
        user = new_test_user(
            self.env, "cm_dates_user", groups="base.group_user,base.group_partner_manager"
        )
        with Form(self.person.with_user(user)) as person_form:
            with person_form.contact_date_ids.new() as line:
                line.kind = "anniversary"
                line.name = "Wedding anniversary"
                line.date = date(1990, 5, 12)

        self.assertEqual(
            self.person.contact_date_ids.sorted("month_day").mapped("name"),
            [False, "Wedding anniversary"],
        )

    def test_other_occasions_need_a_name(self):
        with self.assertRaises(CheckViolation), mute_logger("odoo.sql_db"):
            self.Date.create(
                {"partner_id": self.person.id, "kind": "other", "date": date(2000, 1, 1)}
            )

    def test_settings(self):
        settings = self.env["res.config.settings"].create({})
        self.assertEqual(settings.crm_reminder_days_before, 7)

        settings.crm_reminder_days_before = 10
        settings.execute()

        self.assertEqual(self.env["ir.config_parameter"].get_param(REMINDER_DAYS_PARAM), "10")
        self.assertEqual(self.Date._get_reminder_days_before(), 10)
        with self.assertRaises(ValidationError):
            self.env["res.config.settings"].create({"crm_reminder_days_before": 400})
