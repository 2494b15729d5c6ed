import threading
from datetime import date, datetime, timedelta

from psycopg2.errors import CheckViolation, ExclusionViolation

from odoo import api, fields
from odoo.addons.crm_contact_management.models.crm_absence import _Notices
from odoo.exceptions import AccessError, UserError
from odoo.modules.registry import Registry
from odoo.orm.environments import Transaction
from odoo.tests import BaseCase, Form, TransactionCase, freeze_time, new_test_user, tagged
from odoo.tests.common import get_db_name
from odoo.tools import SQL, mute_logger


class AbsenceCase(TransactionCase):
    """Anna Schulz is on vacation from Monday 16 to Friday 20 June 2025; Bernd Keller stands in."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.anna = new_test_user(cls.env, "anna.absence", name="Anna Schulz", tz="Europe/Berlin")
        cls.bernd = new_test_user(cls.env, "bernd.absence", name="Bernd Keller", tz="Europe/Berlin")
        cls.dora = new_test_user(cls.env, "dora.absence", name="Dora Lang", tz="Europe/Berlin")
        cls.clara = new_test_user(
            cls.env,
            "clara.absence",
            name="Clara Vogt",
            groups="base.group_user,crm_contact_management.group_crm_contact_manager",
        )
        cls.customer = cls.env["res.partner"].create(
            {"name": "Alpen Test Präzision AG", "is_company": True, "city": "Zürich"}
        )
        cls.absence = cls.env["crm.absence"].create(
            {
                "user_id": cls.anna.id,
                "date_from": date(2025, 6, 16),
                "date_to": date(2025, 6, 20),
                "reason": "vacation",
                "deputy_user_id": cls.bernd.id,
            }
        )
        cls.cron = cls.env.ref("crm_contact_management.ir_cron_crm_absence_redirect")

    def _task(self, deadline, summary, user=None):
        return self.customer.activity_schedule(
            "mail.mail_activity_data_todo",
            date_deadline=deadline,
            summary=summary,
            user_id=(user or self.anna).id,
        )

    def _event(self, name, start, hours=1, **values):
        return (
            self.env["calendar.event"]
            .with_context(no_mail_to_attendees=True)
            .create(
                {
                    "name": name,
                    "user_id": self.anna.id,
                    "start": start,
                    "stop": start + timedelta(hours=hours),
                    "partner_ids": [(6, 0, self.anna.partner_id.ids)],
                    **values,
                }
            )
        )

    def _entry(self, name, start, **values):
        return self.env["crm.journal.entry"].create(
            {
                "name": name,
                "partner_id": self.customer.id,
                "user_id": self.anna.id,
                "date_start": start,
                **values,
            }
        )

    def _run_cron(self):
        with self.enter_registry_test_mode():
            result = self.cron.method_direct_trigger()
        self.assertIs(result, True, "the scheduled action failed")
        self.env.invalidate_all()

    def _notes(self, record):
        return record.message_ids.filtered(
            lambda message: "handed over" in (message.body or "")
            or "handed back" in (message.body or "")
        )

    def _summaries(self, user):
        return self.env["mail.message"].search(
            [("model", "=", "crm.absence"), ("partner_ids", "in", user.partner_id.ids)]
        )


@freeze_time("2025-06-16 07:00:00")
class TestAbsence(AbsenceCase):
    # ------------------------------------------------------------
    # Recording an absence
    # ------------------------------------------------------------

    def test_absence_state_follows_the_dates(self):
        self.assertEqual(self.absence.state, "current")
        with freeze_time("2025-06-13 12:00:00"):
            self.absence.invalidate_recordset(["state"])
            self.assertEqual(self.absence.state, "planned")
        with freeze_time("2025-06-21 12:00:00"):
            self.absence.invalidate_recordset(["state"])
            self.assertEqual(self.absence.state, "ended")
            self.assertIn(self.absence, self.absence.search([("state", "=", "ended")]))
        self.assertIn(self.absence, self.absence.search([("state", "=", "current")]))
        self.assertEqual(
            self.absence.display_name,
            "Anna Schulz: Vacation, 06/16/2025 – 06/20/2025",  # noqa: RUF001
        )

    def test_absence_cannot_end_before_it_starts(self):
        with self.assertRaises(CheckViolation), mute_logger("odoo.sql_db"):
            self.absence.copy(
                {"date_from": date(2025, 7, 10), "date_to": date(2025, 7, 9)}
            ).flush_recordset()

    def test_deputy_is_another_user(self):
        with self.assertRaises(CheckViolation), mute_logger("odoo.sql_db"):
            self.env["crm.absence"].create(
                {
                    "user_id": self.bernd.id,
                    "date_from": date(2025, 7, 1),
                    "date_to": date(2025, 7, 2),
                    "deputy_user_id": self.bernd.id,
                }
            )

    def test_absences_of_one_user_do_not_overlap(self):
        with self.assertRaises(ExclusionViolation), mute_logger("odoo.sql_db"):
            self.env["crm.absence"].create(
                {
                    "user_id": self.anna.id,
                    "date_from": date(2025, 6, 20),
                    "date_to": date(2025, 6, 24),
                    "reason": "sickness",
                    "deputy_user_id": self.dora.id,
                }
            )

    def test_moving_an_absence_onto_another_one_is_refused(self):
        later = self.absence.copy({"date_from": date(2025, 8, 4), "date_to": date(2025, 8, 8)})
        with self.assertRaises(ExclusionViolation), mute_logger("odoo.sql_db"):
            later.date_from = date(2025, 6, 19)
            later.flush_recordset()

    def test_cancelled_absence_does_not_block_the_dates(self):
        self.absence.active = False
        self.absence.flush_recordset()
        replacement = self.absence.copy({"active": True, "deputy_user_id": self.dora.id})
        self.assertEqual(replacement.state, "current")

    def test_btree_gist_extension_and_constraints_exist(self):
        self.env.cr.execute(SQL("SELECT 1 FROM pg_extension WHERE extname = 'btree_gist'"))
        self.assertTrue(self.env.cr.fetchall())
        self.env.cr.execute(
            SQL(
                "SELECT conname FROM pg_constraint WHERE conrelid = 'crm_absence'::regclass "
                "AND contype IN ('c', 'x')"
            )
        )
        self.assertGreaterEqual(
            {name for (name,) in self.env.cr.fetchall()},
            {
                "crm_absence_date_range",
                "crm_absence_deputy_not_absent_user",
                "crm_absence_no_overlap",
            },
        )

    def test_default_deputy_and_hand_back_setting(self):
        self.dora.crm_default_deputy_id = self.clara
        settings = self.env["res.config.settings"].create({})
        self.assertTrue(settings.crm_absence_hand_back)
        settings.crm_absence_hand_back = False
        settings.execute()
        with Form(self.env["crm.absence"].with_user(self.dora)) as form:
            self.assertEqual(form.user_id, self.dora)
            self.assertEqual(form.deputy_user_id, self.clara)
            self.assertFalse(form.hand_back)
            form.date_from = date(2025, 9, 1)
            form.date_to = date(2025, 9, 5)
        self.assertFalse(self.env["res.config.settings"].create({}).crm_absence_hand_back)
        settings = self.env["res.config.settings"].create({"crm_absence_hand_back": True})
        settings.execute()
        self.assertTrue(self.env["crm.absence"].new({}).hand_back)

    # ------------------------------------------------------------
    # Who records absences
    # ------------------------------------------------------------

    def test_salesperson_records_her_own_absence_only(self):
        Absence = self.env["crm.absence"].with_user(self.dora)
        own = Absence.create(
            {
                "date_from": date(2025, 7, 7),
                "date_to": date(2025, 7, 11),
                "deputy_user_id": self.bernd.id,
            }
        )
        self.assertEqual(own.user_id, self.dora)
        own.reason = "other"
        with self.assertRaises(AccessError):
            Absence.create(
                {
                    "user_id": self.anna.id,
                    "date_from": date(2025, 7, 7),
                    "date_to": date(2025, 7, 11),
                    "deputy_user_id": self.dora.id,
                }
            )
        self.assertNotIn(self.absence, Absence.search([]))
        with self.assertRaises(AccessError):
            self.absence.with_user(self.dora).date_to = date(2025, 6, 27)

    def test_deputy_reads_but_does_not_change_the_absence(self):
        absence = self.absence.with_user(self.bernd)
        self.assertEqual(absence.search([("deputy_user_id", "=", self.bernd.id)]), absence)
        self.assertEqual(absence.reason, "vacation")
        with self.assertRaises(AccessError):
            absence.date_to = date(2025, 6, 27)

    def test_manager_records_absences_of_others(self):
        absence = (
            self.env["crm.absence"]
            .with_user(self.clara)
            .create(
                {
                    "user_id": self.dora.id,
                    "date_from": date(2025, 7, 7),
                    "date_to": date(2025, 7, 11),
                    "reason": "sickness",
                    "deputy_user_id": self.anna.id,
                }
            )
        )
        self.assertEqual(absence.user_id, self.dora)

    # ------------------------------------------------------------
    # Handing over
    # ------------------------------------------------------------

    def test_open_tasks_of_the_absence_go_to_the_deputy(self):
        overdue = self._task(date(2025, 6, 12), "Send the offer")
        during = self._task(date(2025, 6, 18), "Call back")
        after = self._task(date(2025, 6, 25), "Annual review")
        others = self._task(date(2025, 6, 18), "Dora's task", user=self.dora)
        self._run_cron()
        self.assertEqual((overdue | during).user_id, self.bernd)
        self.assertEqual(after.user_id, self.anna)
        self.assertEqual(others.user_id, self.dora)
        row = self.absence.redirection_ids.filtered(lambda r: r.res_id == during.id)
        self.assertRecordValues(
            row,
            [
                {
                    "kind": "task",
                    "res_model": "mail.activity",
                    "field_name": "user_id",
                    "from_user_id": self.anna.id,
                    "to_user_id": self.bernd.id,
                    "state": "redirected",
                    "record_name": during.display_name,
                }
            ],
        )
        self.assertIn("Vacation", row.reason)
        # The document says who had the tasks and why.
        notes = self._notes(self.customer)
        self.assertEqual(len(notes), 1)
        self.assertIn("Call back", notes.body)
        self.assertIn("Anna Schulz is absent", notes.body)

    def test_appointments_go_to_the_deputy_who_is_invited(self):
        visit = self._event("Visit Alpen Präzision", datetime(2025, 6, 17, 8, 0))
        later = self._event("Visit after the vacation", datetime(2025, 6, 23, 8, 0))
        private = self._event("Doctor", datetime(2025, 6, 18, 8, 0), privacy="private")
        self._run_cron()
        self.assertEqual(visit.user_id, self.bernd)
        self.assertIn(self.bernd.partner_id, visit.partner_ids)
        self.assertIn(self.anna.partner_id, visit.partner_ids)
        self.assertEqual(later.user_id, self.anna)
        self.assertEqual(private.user_id, self.anna)
        self.assertEqual(
            set(self.absence.redirection_ids.mapped("field_name")), {"user_id", "partner_ids"}
        )
        self.assertEqual(len(self._notes(visit)), 1)
        # Bernd's schedule fills.
        self.assertIn(
            visit,
            self.env["crm.schedule.item"]
            .with_user(self.bernd)
            .search([("user_id", "=", self.bernd.id)])
            .calendar_event_id,
        )

    def test_planned_contacts_go_to_the_deputy(self):
        own = self._entry("Offer follow-up", datetime(2025, 6, 19, 8, 0))
        followed = self._entry(
            "Complaint call",
            datetime(2025, 6, 18, 9, 0),
            user_id=self.dora.id,
            followup_user_id=self.anna.id,
        )
        done = self._entry("Done call", datetime(2025, 6, 17, 9, 0), state="done")
        after = self._entry("Call after the vacation", datetime(2025, 6, 24, 9, 0))
        self._run_cron()
        self.assertEqual(own.user_id, self.bernd)
        self.assertEqual(followed.user_id, self.dora)
        self.assertEqual(followed.followup_user_id, self.bernd)
        self.assertEqual(done.user_id, self.anna)
        self.assertEqual(after.user_id, self.anna)
        self.assertEqual(len(self._notes(own)), 1)
        self.assertIn("Follow-up handed over", self._notes(followed).body)

    def test_deputy_gets_one_summary_per_run(self):
        tasks = self._task(date(2025, 6, 17), "Call back") | self._task(
            date(2025, 6, 18), "Send samples"
        )
        entry = self._entry("Offer follow-up", datetime(2025, 6, 19, 8, 0))
        self._run_cron()
        summaries = self._summaries(self.bernd)
        self.assertEqual(len(summaries), 1)
        self.assertEqual(summaries.res_id, self.absence.id)
        for name in ["Call back", "Send samples", entry.name]:
            self.assertIn(name, summaries.body)
        self.assertEqual(tasks.user_id, self.bernd)

    def test_second_run_changes_nothing(self):
        task = self._task(date(2025, 6, 17), "Call back")
        visit = self._event("Visit", datetime(2025, 6, 17, 8, 0))
        entry = self._entry("Offer follow-up", datetime(2025, 6, 19, 8, 0))
        self._run_cron()
        rows = self.absence.redirection_ids
        messages = self.env["mail.message"].search_count([])
        write_dates = [task.write_date, visit.write_date, entry.write_date]
        with freeze_time("2025-06-16 08:00:00"):
            self._run_cron()
        self.assertEqual(self.absence.redirection_ids, rows)
        self.assertEqual(self.env["mail.message"].search_count([]), messages)
        self.assertEqual([task.write_date, visit.write_date, entry.write_date], write_dates)
        self.assertEqual(len(self._summaries(self.bernd)), 1)

    def test_task_given_back_by_the_deputy_is_not_taken_again(self):
        task = self._task(date(2025, 6, 17), "Anna does this herself")
        self._run_cron()
        task.user_id = self.anna
        self._run_cron()
        self.assertEqual(task.user_id, self.anna)

    def test_new_work_during_the_absence_goes_to_the_deputy_next_run(self):
        self._run_cron()
        task = self._task(date(2025, 6, 19), "New request")
        self._run_cron()
        self.assertEqual(task.user_id, self.bernd)
        self.assertEqual(len(self._summaries(self.bernd)), 1)

    def test_planned_absence_hands_nothing_over_yet(self):
        later = self.absence.copy(
            {
                "date_from": date(2025, 7, 7),
                "date_to": date(2025, 7, 11),
                "deputy_user_id": self.dora.id,
            }
        )
        task = self._task(date(2025, 7, 8), "Task in July", user=self.bernd)
        later.user_id = self.bernd
        self._run_cron()
        self.assertEqual(task.user_id, self.bernd)
        self.assertFalse(later.redirection_ids)

    def test_absence_with_handed_over_records_cannot_be_deleted(self):
        self._task(date(2025, 6, 17), "Call back")
        self._run_cron()
        with self.assertRaises(UserError):
            self.absence.unlink()

    # ------------------------------------------------------------
    # Handing back
    # ------------------------------------------------------------

    def _hand_over_and_return(self):
        open_task = self._task(date(2025, 6, 17), "Call back")
        done_task = self._task(date(2025, 6, 17), "Send samples")
        moved_task = self._task(date(2025, 6, 18), "Quote")
        visit = self._event("Visit next week", datetime(2025, 6, 20, 8, 0), hours=80)
        entry = self._entry("Offer follow-up", datetime(2025, 6, 19, 8, 0))
        self._run_cron()
        done_task.action_feedback(feedback="Samples sent")
        moved_task.user_id = self.dora
        with freeze_time("2025-06-21 07:00:00"):
            self._run_cron()
        return open_task, done_task, moved_task, visit, entry

    def test_what_is_still_open_is_handed_back(self):
        open_task, done_task, moved_task, visit, entry = self._hand_over_and_return()
        self.assertEqual(open_task.user_id, self.anna)
        self.assertEqual(moved_task.user_id, self.dora)
        self.assertEqual(done_task.exists().active, False)
        self.assertEqual(visit.user_id, self.anna)
        self.assertNotIn(self.bernd.partner_id, visit.partner_ids)
        self.assertEqual(entry.user_id, self.anna)
        rows = self.absence.redirection_ids
        back = rows.filtered(lambda row: row.state == "handed_back")
        self.assertEqual(
            {(row.res_model, row.res_id) for row in back},
            {
                ("mail.activity", open_task.id),
                ("calendar.event", visit.id),
                ("crm.journal.entry", entry.id),
            },
        )
        self.assertEqual(len(back.filtered(lambda row: row.res_model == "calendar.event")), 2)
        self.assertTrue(all(back.mapped("date_handed_back")))
        self.assertTrue(self.absence.hand_back_done)
        welcome = self._summaries(self.anna)
        self.assertEqual(len(welcome), 1)
        self.assertIn("Welcome back", welcome.body)
        self.assertIn("handed back", self._notes(entry)[0].body)

    def test_hand_back_runs_once(self):
        self._hand_over_and_return()
        rows = self.absence.redirection_ids.read(["state", "write_date"])
        with freeze_time("2025-06-22 07:00:00"):
            self._run_cron()
        self.assertEqual(self.absence.redirection_ids.read(["state", "write_date"]), rows)
        self.assertEqual(len(self._summaries(self.anna)), 1)

    def test_no_hand_back_when_switched_off(self):
        self.absence.hand_back = False
        task = self._task(date(2025, 6, 17), "Call back")
        self._run_cron()
        with freeze_time("2025-06-21 07:00:00"):
            self._run_cron()
        self.assertEqual(task.user_id, self.bernd)
        self.assertFalse(self._summaries(self.anna))

    def test_ending_the_absence_early_hands_back_at_once(self):
        task = self._task(date(2025, 6, 19), "Call back")
        self._run_cron()
        with freeze_time("2025-06-18 07:00:00"):
            self.absence.with_user(self.anna).action_end()
            self.assertEqual(self.absence.date_to, date(2025, 6, 17))
            self.assertEqual(self.absence.state, "ended")
        self.assertEqual(task.user_id, self.anna)
        self.assertTrue(self.absence.hand_back_done)
        # A later run does not hand it over again.
        with freeze_time("2025-06-18 08:00:00"):
            self._run_cron()
        self.assertEqual(task.user_id, self.anna)

    def test_ending_a_planned_absence_removes_it(self):
        later = self.absence.copy({"date_from": date(2025, 7, 7), "date_to": date(2025, 7, 11)})
        later._end_now()
        self.assertFalse(later.exists())


@tagged("post_install", "-at_install")
class TestAbsenceConcurrency(BaseCase):
    """Two workers run the redirection at once, each in its own committed transaction."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.registry = Registry(get_db_name())
        with cls.registry.cursor() as cr:
            env = api.Environment(cr, api.SUPERUSER_ID, {})
            cls.anna_id = new_test_user(env, "anna.concurrency", name="Anna Nowak", tz="UTC").id
            cls.bernd_id = new_test_user(
                env, "bernd.concurrency", name="Bernd Zieliński", tz="UTC"
            ).id
        cls.addClassCleanup(cls._remove_users)

    @classmethod
    def _remove_users(cls):
        with cls.registry.cursor() as cr:
            env = api.Environment(cr, api.SUPERUSER_ID, {"active_test": False})
            users = env["res.users"].browse([cls.anna_id, cls.bernd_id])
            partners = users.partner_id
            env["mail.message"].search([("author_id", "in", partners.ids)]).unlink()
            users.unlink()
            partners.unlink()

    def setUp(self):
        super().setUp()
        today = fields.Date.today()
        with self.registry.cursor() as cr:
            env = api.Environment(cr, api.SUPERUSER_ID, {})
            partner = env["res.partner"].create({"name": "Kowalski Test Dystrybucja"})
            self.partner_id = partner.id
            self.activity_ids = [
                partner.activity_schedule(
                    "mail.mail_activity_data_todo",
                    date_deadline=today + timedelta(days=day),
                    summary=f"Concurrent task {day}",
                    user_id=self.anna_id,
                ).id
                for day in (0, 1, 2)
            ]
            self.entry_id = (
                env["crm.journal.entry"]
                .create(
                    {
                        "name": "Concurrent call",
                        "partner_id": partner.id,
                        "user_id": self.anna_id,
                        "date_start": datetime.combine(
                            today + timedelta(days=1), datetime.min.time()
                        ),
                    }
                )
                .id
            )
            self.absence_id = (
                env["crm.absence"]
                .create(
                    {
                        "user_id": self.anna_id,
                        "date_from": today - timedelta(days=1),
                        "date_to": today + timedelta(days=3),
                        "deputy_user_id": self.bernd_id,
                    }
                )
                .id
            )
        self.addCleanup(self._remove_records)

    def _remove_records(self):
        with self.registry.cursor() as cr:
            env = api.Environment(cr, api.SUPERUSER_ID, {"active_test": False})
            absence = env["crm.absence"].browse(self.absence_id)
            absence.redirection_ids.unlink()
            absence.unlink()
            env["mail.activity"].browse(self.activity_ids).unlink()
            env["crm.journal.entry"].browse(self.entry_id).unlink()
            env["res.partner"].browse(self.partner_id).unlink()

    def _state(self):
        """Redirection rows, notes on the partner, summaries, holders of the tasks and of the
        journal entry, as committed."""
        with self.registry.cursor() as cr:
            env = api.Environment(cr, api.SUPERUSER_ID, {})
            rows = env["crm.absence.redirection"].search_count(
                [("absence_id", "=", self.absence_id)]
            )
            notes = env["mail.message"].search_count(
                [
                    ("model", "=", "res.partner"),
                    ("res_id", "=", self.partner_id),
                    ("body", "ilike", "handed over"),
                ]
            )
            bernd = env["res.users"].browse(self.bernd_id)
            summaries = env["mail.message"].search_count(
                [
                    ("model", "=", "crm.absence"),
                    ("res_id", "=", self.absence_id),
                    ("partner_ids", "in", bernd.partner_id.ids),
                ]
            )
            holders = env["mail.activity"].browse(self.activity_ids).mapped("user_id").ids
            entry_user = env["crm.journal.entry"].browse(self.entry_id).user_id.id
            return rows, notes, summaries, holders, entry_user

    def test_concurrent_runs_hand_each_record_over_once(self):
        # Worker 1 locks the absence and hands over, but has not committed yet.
        with self.registry.cursor() as cr1:
            env1 = api.Environment(cr1, api.SUPERUSER_ID, {})
            locked = env1["crm.absence"]._lock_to_process()
            self.assertIn(self.absence_id, locked.ids)
            notices = _Notices()
            locked._process(notices)
            # Worker 2 runs the whole job meanwhile: it skips the locked absence.
            with self.registry.cursor() as cr2:
                env2 = api.Environment(cr2, api.SUPERUSER_ID, {})
                cr2.execute(SQL("SET LOCAL lock_timeout = '10s'"))
                self.assertNotIn(self.absence_id, env2["crm.absence"]._lock_to_process().ids)
                env2["crm.absence"]._cron_redirect_absences()
            self.assertEqual(self._state()[0], 0, "worker 2 handed nothing over")
            notices.send(env1)
        state = self._state()
        self.assertEqual(state, (4, 1, 1, [self.bernd_id], self.bernd_id))
        # A third run, after both: nothing changes.
        with self.registry.cursor() as cr3:
            env3 = api.Environment(cr3, api.SUPERUSER_ID, {})
            env3["crm.absence"]._cron_redirect_absences()
        self.assertEqual(self._state(), state)

    def test_only_the_worker_inserting_the_rows_hands_over(self):
        # Both workers found the same open tasks; worker 2 claims them while worker 1's claim is
        # not committed yet: its INSERT waits for worker 1, then claims nothing.
        found = threading.Event()
        result = {}

        def worker_2():
            try:
                with self.registry.cursor() as cr2:
                    cr2.execute(SQL("SET LOCAL lock_timeout = '20s'"))
                    # Environment() would look the registry up, waiting for the registry lock
                    # the test runner holds in the main thread: give the transaction directly.
                    cr2.transaction = Transaction(self.registry)
                    env2 = api.Environment(cr2, api.SUPERUSER_ID, {})
                    absence = env2["crm.absence"].browse(self.absence_id)
                    tasks = absence._handover_candidates()["mail.activity", "user_id"]
                    result["found"] = len(tasks)
                    found.set()
                    rows = [("task", task, "user_id") for task in tasks]
                    result["claimed"] = env2["crm.absence.redirection"]._claim(
                        absence, rows, "worker 2"
                    )
            except Exception as error:  # reported by the main thread
                result["error"] = error
                found.set()

        with self.registry.cursor() as cr1:
            env1 = api.Environment(cr1, api.SUPERUSER_ID, {})
            absence = env1["crm.absence"].browse(self.absence_id)
            absence._redirect_to_deputy(_Notices())
            thread = threading.Thread(target=worker_2)
            thread.start()
            self.assertTrue(found.wait(timeout=20), "worker 2 did not get to claim")
        thread.join(timeout=30)
        self.assertFalse(thread.is_alive())
        self.assertNotIn("error", result)
        self.assertEqual(result["found"], 3, "worker 2 saw the tasks still with Anna")
        self.assertEqual(result["claimed"], set(), "worker 2 claimed nothing")
        self.assertEqual(self._state()[:2], (4, 1))
        self.assertEqual(self._state()[3], [self.bernd_id])
