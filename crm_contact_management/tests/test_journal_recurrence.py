from datetime import date, datetime

from psycopg2.errors import CheckViolation, UniqueViolation

from odoo.tests import Form, freeze_time
from odoo.tools import mute_logger

from .test_journal import JournalCase


@freeze_time("2025-01-02 08:00:00")
class TestJournalRecurrence(JournalCase):
    def _recurring_entry(self, **values):
        return self._entry(
            **{
                "date_start": datetime(2025, 1, 6, 9, 0),
                "is_recurring": True,
                "recurrence_interval": 1,
                "recurrence_unit": "weeks",
                "recurrence_end_type": "count",
                "recurrence_count": 3,
                **values,
            }
        )

    def _series(self, entry):
        return self.Entry.search([("series_id", "=", entry.id)], order="recurrence_date")

    def _finish_occurrences(self, first, times):
        """Finish the planned occurrence of the series of ``first``, ``times`` times at most."""
        planned = first
        for _occurrence in range(times):
            planned.action_done()
            planned = self._series(first).filtered(lambda entry: entry.state == "planned")
            if not planned:
                break

    # ------------------------------------------------------------
    # Finishing an occurrence plans the next one
    # ------------------------------------------------------------

    def test_done_plans_the_next_occurrence(self):
        first = self._recurring_entry(
            reminder=True, followup_user_id=self.colleague.id, duration=0.5
        )
        first.with_user(self.salesperson).action_done(report="<p>Quarterly volumes agreed.</p>")
        second = self._series(first) - first
        self.assertRecordValues(
            second,
            [
                {
                    "name": first.name,
                    "state": "planned",
                    "date_start": datetime(2025, 1, 13, 9, 0),
                    "recurrence_date": datetime(2025, 1, 13, 9, 0),
                    "series_id": first.id,
                    "recurrence_count": 2,
                    "partner_id": self.machine_builder.id,
                    "contact_id": self.purchaser.id,
                    "user_id": self.salesperson.id,
                    "followup_user_id": self.colleague.id,
                    "duration": 0.5,
                    "reminder": True,
                    "date_finished": False,
                    "date_reminder_sent": False,
                }
            ],
        )
        self.assertFalse(second.report)
        self.assertEqual(first.series_id, first)
        self.assertEqual(first.recurrence_date, datetime(2025, 1, 6, 9, 0))
        self.assertEqual(second.activity_ids.date_deadline, date(2025, 1, 13))
        self.assertEqual(first.series_entry_count, 2)
        action = second.action_view_series()
        self.assertEqual(self.Entry.search(action["domain"]), first | second)

    def test_not_done_plans_the_next_occurrence_too(self):
        first = self._recurring_entry()
        first.action_not_done("Customer ill")
        self.assertEqual(len(self._series(first)), 2)

    def test_series_ends_after_the_count(self):
        first = self._recurring_entry()
        self._finish_occurrences(first, 5)
        series = self._series(first)
        self.assertEqual(
            series.mapped("date_start"),
            [datetime(2025, 1, 6, 9, 0), datetime(2025, 1, 13, 9, 0), datetime(2025, 1, 20, 9, 0)],
        )
        self.assertEqual(series.mapped("recurrence_count"), [3, 2, 1])
        self.assertEqual(set(series.mapped("state")), {"done"})

    def test_series_ends_at_the_until_date(self):
        first = self._recurring_entry(
            recurrence_interval=10,
            recurrence_unit="days",
            recurrence_end_type="until",
            recurrence_until=date(2025, 1, 26),
        )
        first.action_done()
        second = self._series(first) - first
        self.assertEqual(second.date_start, datetime(2025, 1, 16, 9, 0))
        second.action_done()
        self.assertEqual(len(self._series(first)), 3)
        third = self._series(first)[-1]
        self.assertEqual(third.date_start, datetime(2025, 1, 26, 9, 0))
        third.action_done()
        self.assertEqual(len(self._series(first)), 3, "the 5 February is after the end date")

    def test_monthly_series_keeps_the_day_of_the_month(self):
        first = self._recurring_entry(
            date_start=datetime(2025, 1, 31, 10, 0),
            recurrence_unit="months",
            recurrence_end_type="forever",
        )
        self._finish_occurrences(first, 3)
        self.assertEqual(
            self._series(first).mapped("date_start"),
            [
                datetime(2025, 1, 31, 10, 0),
                datetime(2025, 2, 28, 10, 0),
                datetime(2025, 3, 31, 10, 0),
                datetime(2025, 4, 30, 10, 0),
            ],
        )

    def test_moved_occurrence_keeps_the_grid(self):
        first = self._recurring_entry()
        first.action_done()
        second = self._series(first) - first
        second.date_start = datetime(2025, 1, 14, 15, 0)  # postponed by a day
        second.action_done()
        third = self._series(first)[-1]
        self.assertEqual(third.date_start, datetime(2025, 1, 20, 9, 0))

    def test_an_occurrence_is_planned_only_once(self):
        first = self._recurring_entry()
        first.action_done()
        first.with_user(self.manager).action_reopen()
        first.action_not_done("Reopened by mistake")
        self.assertEqual(len(self._series(first)), 2)

    @mute_logger("odoo.sql_db")
    def test_database_refuses_a_second_copy_of_an_occurrence(self):
        first = self._recurring_entry()
        first.action_done()
        second = self._series(first) - first
        with self.assertRaises(UniqueViolation):
            second.copy(
                {"series_id": first.id, "recurrence_date": second.recurrence_date}
            ).flush_recordset()

    def test_single_entry_plans_nothing(self):
        entry = self._entry()
        entry.action_done()
        self.assertFalse(entry.series_id)
        self.assertEqual(self.Entry.search_count([("name", "=", entry.name)]), 1)

    def test_recurrence_in_the_form(self):
        with Form(self.Entry) as entry_form:
            entry_form.name = "Monthly call"
            entry_form.contact_id = self.purchaser
            entry_form.is_recurring = True
            entry_form.recurrence_unit = "months"
            entry_form.recurrence_end_type = "until"
            entry_form.recurrence_until = date(2025, 12, 31)
        self.assertRecordValues(
            entry_form.record,
            [{"is_recurring": True, "recurrence_interval": 1, "recurrence_unit": "months"}],
        )

    @mute_logger("odoo.sql_db")
    def test_recurrence_needs_an_interval(self):
        with self.assertRaises(CheckViolation):
            self._recurring_entry(recurrence_interval=0)

    @mute_logger("odoo.sql_db")
    def test_recurrence_until_needs_a_date(self):
        with self.assertRaises(CheckViolation):
            self._recurring_entry(recurrence_end_type="until")
