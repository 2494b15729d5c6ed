from datetime import date, datetime

from odoo.tests import TransactionCase, freeze_time, new_test_user


@freeze_time("2025-06-16 10:00:00")
class TestSchedule(TransactionCase):
    """Anna's schedule: her appointments, open tasks and planned contacts, and nobody else's."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.anna = new_test_user(cls.env, "anna.schedule", name="Anna Schulz", tz="Europe/Berlin")
        cls.bernd = new_test_user(
            cls.env, "bernd.schedule", name="Bernd Keller", tz="Europe/Berlin"
        )
        cls.clara = new_test_user(
            cls.env,
            "clara.schedule",
            name="Clara Vogt",
            tz="Europe/Berlin",
            groups="base.group_user,crm_contact_management.group_crm_contact_manager",
        )
        cls.customer = cls.env["res.partner"].create(
            {"name": "Müller Test Maschinenbau GmbH", "is_company": True, "city": "Berlin"}
        )
        Event = cls.env["calendar.event"].with_context(no_mail_to_attendees=True)
        # Anna organizes a visit today, Bernd comes along.
        cls.visit = Event.create(
            {
                "name": "Visit Müller Maschinenbau",
                "user_id": cls.anna.id,
                "start": datetime(2025, 6, 16, 12, 0),
                "stop": datetime(2025, 6, 16, 13, 0),
                "partner_ids": [(6, 0, (cls.anna.partner_id | cls.bernd.partner_id).ids)],
                "res_model_id": cls.env["ir.model"]._get_id("res.partner"),
                "res_id": cls.customer.id,
            }
        )
        # Bernd invites Anna to a trade fair next week; she declined his sales meeting.
        cls.fair = Event.create(
            {
                "name": "Trade fair Hannover",
                "user_id": cls.bernd.id,
                "start": datetime(2025, 6, 23, 8, 0),
                "stop": datetime(2025, 6, 23, 16, 0),
                "partner_ids": [(6, 0, (cls.anna.partner_id | cls.bernd.partner_id).ids)],
            }
        )
        cls.sales_meeting = Event.create(
            {
                "name": "Sales meeting",
                "user_id": cls.bernd.id,
                "start": datetime(2025, 6, 17, 8, 0),
                "stop": datetime(2025, 6, 17, 9, 0),
                "partner_ids": [(6, 0, (cls.anna.partner_id | cls.bernd.partner_id).ids)],
            }
        )
        cls.sales_meeting.attendee_ids.filtered(
            lambda attendee: attendee.partner_id == cls.anna.partner_id
        ).state = "declined"
        # A past appointment Anna organized alone, without being an attendee.
        cls.last_week = Event.create(
            {
                "name": "Phone conference last week",
                "user_id": cls.anna.id,
                "start": datetime(2025, 6, 9, 8, 0),
                "stop": datetime(2025, 6, 9, 9, 0),
                "partner_ids": [(6, 0, cls.bernd.partner_id.ids)],
            }
        )
        cls.overdue_task, cls.today_task, cls.next_week_task = (
            cls.customer.activity_schedule(
                "mail.mail_activity_data_todo",
                date_deadline=deadline,
                summary=summary,
                user_id=cls.anna.id,
            )
            for deadline, summary in [
                (date(2025, 6, 12), "Send the offer"),
                (date(2025, 6, 16), "Call back about the delivery"),
                (date(2025, 6, 23), "Prepare the annual review"),
            ]
        )
        cls.done_task = cls.customer.activity_schedule(
            "mail.mail_activity_data_todo",
            date_deadline=date(2025, 6, 13),
            summary="Already done",
            user_id=cls.anna.id,
        )
        cls.done_task.action_feedback(feedback="Done")
        cls.bernd_task = cls.customer.activity_schedule(
            "mail.mail_activity_data_todo",
            date_deadline=date(2025, 6, 16),
            summary="Bernd's own task",
            user_id=cls.bernd.id,
        )
        Entry = cls.env["crm.journal.entry"]
        cls.planned_call = Entry.create(
            {
                "name": "Follow-up call on the offer",
                "partner_id": cls.customer.id,
                "user_id": cls.anna.id,
                "followup_user_id": cls.bernd.id,
                "date_start": datetime(2025, 6, 18, 7, 30),
                "duration": 0.5,
            }
        )
        cls.forgotten_call = Entry.create(
            {
                "name": "Call about the complaint",
                "partner_id": cls.customer.id,
                "user_id": cls.anna.id,
                "followup_user_id": cls.anna.id,
                "date_start": datetime(2025, 6, 13, 8, 0),
            }
        )
        cls.done_call = Entry.create(
            {
                "name": "Call done",
                "partner_id": cls.customer.id,
                "user_id": cls.anna.id,
                "date_start": datetime(2025, 6, 13, 9, 0),
                "state": "done",
            }
        )
        cls.Item = cls.env["crm.schedule.item"]

    def _items(self, user):
        return self.Item.search([("user_id", "=", user.id)])

    def _sources(self, items):
        return {(item.kind, item.res_model, item.res_id) for item in items}

    # ------------------------------------------------------------
    # What is on a schedule
    # ------------------------------------------------------------

    def test_schedule_unites_appointments_tasks_and_planned_contacts_of_the_user(self):
        self.assertEqual(
            self._sources(self._items(self.anna)),
            {
                ("appointment", "calendar.event", self.visit.id),
                ("appointment", "calendar.event", self.fair.id),
                ("appointment", "calendar.event", self.last_week.id),
                ("task", "res.partner", self.customer.id),
                ("journal", "crm.journal.entry", self.planned_call.id),
                ("journal", "crm.journal.entry", self.forgotten_call.id),
            },
        )
        tasks = self._items(self.anna).filtered(lambda item: item.kind == "task")
        self.assertEqual(
            tasks.activity_id, self.overdue_task | self.today_task | self.next_week_task
        )

    def test_declined_appointment_is_not_on_the_schedule(self):
        self.assertNotIn(self.sales_meeting, self._items(self.anna).calendar_event_id)
        self.assertIn(self.sales_meeting, self._items(self.bernd).calendar_event_id)

    def test_follow_up_user_sees_the_planned_contact(self):
        self.assertIn(self.planned_call, self._items(self.bernd).journal_entry_id)
        # Responsible and follow-up in one person: listed once.
        entries = self._items(self.anna).filtered(
            lambda item: item.journal_entry_id == self.forgotten_call
        )
        self.assertEqual(len(entries), 1)

    def test_item_shows_partner_dates_and_name(self):
        visit = self._items(self.anna).filtered(lambda item: item.calendar_event_id == self.visit)
        self.assertEqual(visit.partner_id, self.customer)
        self.assertEqual(visit.date_start, datetime(2025, 6, 16, 12, 0))
        self.assertEqual(visit.date_stop, datetime(2025, 6, 16, 13, 0))
        call = self._items(self.anna).filtered(
            lambda item: item.journal_entry_id == self.planned_call
        )
        self.assertEqual(call.date_stop, datetime(2025, 6, 18, 8, 0))
        self.assertEqual(call.partner_id, self.customer)
        task = self._items(self.anna).filtered(lambda item: item.activity_id == self.today_task)
        self.assertTrue(task.allday)
        self.assertEqual(task.date, date(2025, 6, 16))
        self.assertEqual(task.display_name, "To-Do: Call back about the delivery")

    def test_schedule_follows_changes_of_the_records(self):
        self.planned_call.state = "done"
        self.today_task.user_id = self.bernd
        items = self._items(self.anna)
        self.assertNotIn(self.planned_call, items.journal_entry_id)
        self.assertNotIn(self.today_task, items.activity_id)
        self.assertIn(self.today_task, self._items(self.bernd).activity_id)

    # ------------------------------------------------------------
    # Due, overdue, planned
    # ------------------------------------------------------------

    def test_states_as_seen_today(self):
        states = {
            (item.res_model, item.activity_id.id or item.res_id): item.state
            for item in self._items(self.anna).with_user(self.anna)
        }
        self.assertEqual(
            states,
            {
                ("calendar.event", self.visit.id): "due",
                ("calendar.event", self.fair.id): "planned",
                ("calendar.event", self.last_week.id): "past",
                ("res.partner", self.overdue_task.id): "overdue",
                ("res.partner", self.today_task.id): "due",
                ("res.partner", self.next_week_task.id): "planned",
                ("crm.journal.entry", self.planned_call.id): "planned",
                ("crm.journal.entry", self.forgotten_call.id): "overdue",
            },
        )

    def test_state_filters_match_the_states(self):
        Item = self.Item.with_user(self.anna)
        for state in ("overdue", "due", "planned", "past"):
            found = Item.search([("state", "=", state)])
            self.assertTrue(found, state)
            self.assertEqual(set(found.mapped("state")), {state})
        self.assertEqual(
            Item.search([("state", "in", ["overdue", "due"])]),
            Item.search([("state", "not in", ["planned", "past"])]),
        )

    def test_due_follows_the_user_time_zone(self):
        # 23:30 UTC on the 16th is already the 17th in Berlin: the task of the 16th is overdue.
        with freeze_time("2025-06-16 23:30:00"):
            task = self.Item.with_user(self.anna).search([("activity_id", "=", self.today_task.id)])
            self.assertEqual(task.state, "overdue")
            self.assertIn(task, task.search([("state", "=", "overdue")]))

    # ------------------------------------------------------------
    # Access
    # ------------------------------------------------------------

    def test_salesperson_sees_only_her_own_items(self):
        items = self.Item.with_user(self.anna).search([])
        self.assertTrue(items)
        self.assertEqual(items.user_id, self.anna)
        self.assertFalse(
            self.Item.with_user(self.anna).search([("activity_id", "=", self.bernd_task.id)])
        )

    def test_manager_sees_everybody_s_items(self):
        items = self.Item.with_user(self.clara).search([])
        self.assertIn(self.anna, items.user_id)
        self.assertIn(self.bernd, items.user_id)

    def test_private_appointment_is_masked_for_others(self):
        self.visit.privacy = "private"
        item = self.Item.search(
            [("calendar_event_id", "=", self.visit.id), ("user_id", "=", self.anna.id)]
        )
        self.assertEqual(item.with_user(self.anna).display_name, "Visit Müller Maschinenbau")
        self.assertEqual(item.with_user(self.clara).display_name, "Private appointment")

    def test_open_item_opens_the_record(self):
        items = self._items(self.anna).with_user(self.anna)
        task = items.filtered(lambda item: item.activity_id == self.today_task)
        action = task.action_open_record()
        self.assertEqual((action["res_model"], action["res_id"]), ("res.partner", self.customer.id))
        visit = items.filtered(lambda item: item.calendar_event_id == self.visit)
        action = visit.action_open_record()
        self.assertEqual((action["res_model"], action["res_id"]), ("calendar.event", self.visit.id))

    # ------------------------------------------------------------
    # Login notification
    # ------------------------------------------------------------

    def _login_followups(self, user):
        return self.env["res.users"].with_user(user).crm_get_login_followups()

    def test_login_lists_due_and_overdue_follow_ups(self):
        result = self._login_followups(self.anna)
        names = [item["name"] for item in result["items"]]
        self.assertEqual(result["count"], 4)
        self.assertCountEqual(
            names,
            [
                "To-Do: Send the offer",
                "To-Do: Call back about the delivery",
                "Visit Müller Maschinenbau",
                "Call about the complaint",
            ],
        )
        overdue = next(item for item in result["items"] if item["name"] == "To-Do: Send the offer")
        self.assertEqual(overdue["state"], "overdue")
        self.assertEqual(overdue["state_label"], "Overdue")
        self.assertEqual(overdue["kind_label"], "Task")
        self.assertEqual(overdue["partner"], "Müller Test Maschinenbau GmbH")
        self.assertEqual(
            (overdue["res_model"], overdue["res_id"]), ("res.partner", self.customer.id)
        )

    def test_login_notification_once_a_day(self):
        self.assertTrue(self._login_followups(self.anna)["items"])
        self.assertEqual(self.anna.crm_followup_notice_date, date(2025, 6, 16))
        self.assertEqual(self._login_followups(self.anna), {"items": [], "count": 0})
        # Bernd's notice is his own.
        self.assertTrue(self._login_followups(self.bernd)["items"])
        with freeze_time("2025-06-17 06:00:00"):
            again = self._login_followups(self.anna)
            self.assertTrue(again["items"])
            self.assertEqual(self.anna.crm_followup_notice_date, date(2025, 6, 17))

    def test_login_without_follow_ups_shows_nothing(self):
        quiet = new_test_user(self.env, "quiet.schedule", name="Quiet User")
        self.assertEqual(self._login_followups(quiet), {"items": [], "count": 0})
        self.assertFalse(quiet.crm_followup_notice_date)
        # A reminder planned for today shows on the next page load.
        self.customer.activity_schedule(
            "mail.mail_activity_data_call",
            date_deadline=date(2025, 6, 16),
            summary="Call about the spare parts",
            user_id=quiet.id,
        )
        result = self._login_followups(quiet)
        self.assertEqual(
            [item["name"] for item in result["items"]], ["Call: Call about the spare parts"]
        )
        self.assertEqual(quiet.crm_followup_notice_date, date(2025, 6, 16))
