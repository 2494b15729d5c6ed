"""Two-way sync stories through the real exchangelib client against the fake Exchange server."""

import itertools
from datetime import UTC, date, datetime, timedelta
from unittest.mock import patch

from odoo import fields
from odoo.tests import new_test_user, tagged

from ..backends.ews import EwsBackend
from ..models.crm_exchange_sync import SavepointTransaction, UserSync
from .common import ExchangeSyncTestCase, FakeServerMixin

MAILBOX_NUMBERS = itertools.count(1)
PETRA_ACCEPTS = {
    "email": "petra.schneider@mueller.example",
    "name": "Petra Schneider",
    "response": "Accept",
}


@tagged("post_install", "-at_install")
class ExchangeSyncCase(FakeServerMixin, ExchangeSyncTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._crm_exchange_configure()

    def setUp(self):
        super().setUp()
        # a fresh mailbox per test: the fake server outlives the test's rolled back transaction
        self.mailbox = self._crm_exchange_add_mailbox(
            self.user, email=f"anna.becker{next(MAILBOX_NUMBERS)}@example.com"
        )
        self.server = self.exchange_server

    # helpers ------------------------------------------------------------------------------------
    def sync(self, expect_error=False):
        self.user._crm_exchange_sync(transaction=SavepointTransaction(self.env))
        self.env.invalidate_all()
        if not expect_error:
            self.assertFalse(self.user.crm_exchange_error)
        return self.user

    def run_cron(self):
        self.env["res.users"]._cron_crm_exchange_sync(transaction=SavepointTransaction(self.env))
        self.env.invalidate_all()

    def items(self, folder):
        return [item.fields for item in self.server.items(self.mailbox, folder)]

    def record_of(self, item_id):
        mapping = self.env["crm.exchange.mapping"].search(
            [("user_id", "=", self.user.id), ("item_id", "=", item_id)]
        )
        return mapping._get_record() if mapping else None

    def only_events(self):
        self._crm_exchange_configure(sync_tasks=False, sync_contacts=False)

    def assert_next_sync_sends_nothing_back(self):
        self.server.reset_requests()
        self.sync()
        self.assertEqual(self.server.count_requests("UpdateItem"), 0, "nothing sent back")


def weekly(weekday, first_day, count):
    """An Outlook weekly recurrence pattern."""
    return {"pattern": "weekly", "weekdays": [weekday], "start": first_day, "count": count}


class TestExchangeSyncBothWays(ExchangeSyncCase):
    def test_first_full_sync_each_way(self):
        event = self.make_event(location="Stuttgart")
        activity = self.make_activity("Angebot nachfassen", date_deadline=date(2027, 3, 12))
        # made in Outlook before the first sync
        outlook_event = self.outlook_event(
            "Messe Hannover",
            datetime(2027, 4, 20, 7, 0, tzinfo=UTC),
            datetime(2027, 4, 20, 15, 0, tzinfo=UTC),
            timezone="W. Europe Standard Time",
            required_attendees=[PETRA_ACCEPTS],
        )
        outlook_contact = self.server.create_item(
            self.mailbox,
            "contacts",
            given_name="Jan",
            surname="Kowalski",
            company_name="Kowalski Dystrybucja Sp. z o.o.",
            job_title="Prezes",
            emails=["jan.kowalski@kowalski.example"],
            phones={"BusinessPhone": "+48 22 123 45 67"},
        )
        self.sync()

        events = self.items("calendar")
        self.assertEqual(len(events), 2)
        sent = next(e for e in events if e["subject"] == "Besuch Müller Maschinenbau")
        self.assertEqual(sent["start"], datetime(2027, 3, 10, 9, 0, tzinfo=UTC))
        self.assertEqual(sent["location"], "Stuttgart")
        self.assertIn(
            "petra.schneider@mueller.example", [a["email"] for a in sent["required_attendees"]]
        )
        self.assertEqual(
            sent["extended_properties"].get("CrmOdooRef"),
            f"calendar.event,{event.id}@{self.env['ir.config_parameter'].get_param('database.uuid')}",
        )
        tasks = self.items("tasks")
        self.assertEqual([t["subject"] for t in tasks], ["Angebot nachfassen"])
        self.assertEqual(self.mapping(activity).item_id, tasks[0]["id"])
        contacts = self.items("contacts")
        petra = next(c for c in contacts if c["surname"] == "Schneider")
        self.assertEqual(petra["given_name"], "Petra")
        self.assertEqual(petra["company_name"], "Müller Maschinenbau GmbH")
        self.assertEqual(petra["job_title"], "Einkauf")

        messe = self.record_of(outlook_event.id)
        self.assertEqual(messe.name, "Messe Hannover")
        self.assertEqual(messe.start, datetime(2027, 4, 20, 7, 0))
        self.assertIn(self.person, messe.partner_ids)
        petra_attendee = messe.attendee_ids.filtered(lambda a: a.partner_id == self.person)
        self.assertEqual(petra_attendee.state, "accepted")
        self.assertIn(self.user.partner_id, messe.partner_ids)
        jan = self.record_of(outlook_contact.id)
        self.assertEqual(jan.name, "Jan Kowalski")
        self.assertEqual(jan.function, "Prezes")
        self.assertEqual(jan.email, "jan.kowalski@kowalski.example")
        self.assertEqual(jan.phone, "+48 22 123 45 67")
        self.assertEqual(
            jan.user_id, self.user, "a contact made in Outlook belongs to the user's accounts"
        )
        self.assertEqual(len(self.items("contacts")), 2, "nothing created twice")
        self.assertFalse(event.crm_exchange_dirty)

    def test_incremental_changes_each_way(self):
        self.only_events()
        event = self.make_event()
        self.sync()
        item_id = self.mapping(event).item_id
        self.sync()  # lists the item created by the first run once (its echo), sends nothing back
        # nothing changed: at most 3 requests for the folder, nothing written
        self.server.reset_requests()
        self.sync()
        self.assertLessEqual(len(self.server.requests), 3, self.server.requests)
        self.assertFalse(
            [
                op
                for op, _mbx in self.server.requests
                if op in ("CreateItem", "UpdateItem", "DeleteItem")
            ]
        )
        # changed in Outlook
        self.server.modify_item(
            item_id,
            subject="Besuch Müller Maschinenbau (verschoben)",
            start=datetime(2027, 3, 11, 13, 0, tzinfo=UTC),
            end=datetime(2027, 3, 11, 14, 30, tzinfo=UTC),
        )
        self.server.reset_requests()
        self.sync()
        self.assertEqual(event.name, "Besuch Müller Maschinenbau (verschoben)")
        self.assertEqual(event.start, datetime(2027, 3, 11, 13, 0))
        self.assertEqual(event.stop, datetime(2027, 3, 11, 14, 30))
        self.assertFalse(event.crm_exchange_dirty)
        self.assertEqual(
            self.server.count_requests("UpdateItem"), 0, "a change from Outlook never goes back"
        )
        # changed in Odoo
        event.write(
            {"location": "Werk 2, Esslingen", "description": "<p>Neue Maschine besprechen</p>"}
        )
        self.assertTrue(event.crm_exchange_dirty)
        self.sync()
        stored = self.server.item(item_id).fields
        self.assertEqual(stored["location"], "Werk 2, Esslingen")
        self.assertIn("Neue Maschine besprechen", stored["body"])
        self.assertFalse(event.crm_exchange_dirty)
        # and the next run does not fetch its own change as a change from Outlook
        self.server.reset_requests()
        write_date = event.write_date
        self.sync()
        self.assertEqual(event.write_date, write_date)
        self.assertEqual(self.server.count_requests("UpdateItem"), 0)

    def test_changes_come_in_pages(self):
        self.only_events()
        for day in range(1, 6):
            start = datetime(2027, 6, day, 7, 0, tzinfo=UTC)
            self.outlook_event(f"Seite {day}", start, start + timedelta(hours=1))
        with patch.object(UserSync, "page_size", 2):
            self.sync()
        self.assertGreaterEqual(self.server.count_requests("SyncFolderItems", self.mailbox), 3)
        self.assertEqual(self.env["calendar.event"].search_count([("name", "like", "Seite ")]), 5)
        self.assertEqual(self.server.count_requests("CreateItem"), 0)

    def test_tasks_completion_both_ways(self):
        self._crm_exchange_configure(sync_events=False, sync_contacts=False)
        activity = self.make_activity("Muster schicken", date_deadline=date(2027, 3, 15))
        todo = self.make_todo("Rückruf Frau Schneider", date(2027, 3, 16))
        self.sync()
        item_id = self.mapping(activity).item_id
        self.assertEqual(self.server.item(item_id).fields["due_date"].date(), date(2027, 3, 15))
        # completed in Outlook: done in Odoo, with the message on the customer
        self.server.modify_item(item_id, status="Completed", percent_complete=100)
        self.sync()
        activity = activity.with_context(active_test=False)
        self.assertFalse(activity.active)
        self.assertTrue(activity.date_done)
        self.assertTrue(
            self.customer.message_ids.filtered(lambda m: "Muster schicken" in (m.body or "")),
            "marked done as a user would: the done message is posted on the customer",
        )
        # completed in Odoo: completed in Outlook
        todo.action_done()
        self.sync()
        self.assertEqual(self.server.item(self.mapping(todo).item_id).fields["status"], "Completed")
        # a task made in Outlook becomes a to-do of the user
        self.server.create_item(
            self.mailbox,
            "tasks",
            subject="Preisliste 2027",
            due_date=datetime(2027, 4, 1, tzinfo=UTC),
        )
        self.sync()
        new = self.env["mail.activity"].search([("summary", "=", "Preisliste 2027")])
        self.assertEqual(new.user_id, self.user)
        self.assertEqual(new.date_deadline, date(2027, 4, 1))

    def test_contact_changes_both_ways(self):
        self._crm_exchange_configure(sync_events=False, sync_tasks=False)
        self.sync()
        item_id = self.mapping(self.person).item_id
        self.server.modify_item(
            item_id,
            job_title="Leiterin Einkauf",
            emails=["petra.schneider@mueller.example", "p.schneider@privat.example"],
            phones={"MobilePhone": "+49 170 1234567"},
        )
        self.sync()
        self.assertEqual(self.person.function, "Leiterin Einkauf")
        self.person.write({"phone": "+49 711 4000 99", "city": "Esslingen"})
        self.sync()
        stored = self.server.item(item_id).fields
        self.assertEqual(stored["phones"].get("BusinessPhone"), "+49 711 4000 99")
        self.assertEqual(stored["addresses"]["Business"]["City"], "Esslingen")
        self.assertEqual(
            stored["emails"].get("EmailAddress2"),
            "p.schneider@privat.example",
            "an e-mail Odoo has no field for is kept in Exchange",
        )
        self.assertEqual(stored["phones"].get("MobilePhone"), "+49 170 1234567")


class TestExchangeSyncConflicts(ExchangeSyncCase):
    def _edit_both_sides(self, event, item_id):
        event.name = "Titel aus Odoo"
        self.server.modify_item(item_id, subject="Titel aus Outlook")

    def test_newest_change_wins(self):
        self.only_events()
        event = self.make_event()
        self.sync()
        item_id = self.mapping(event).item_id
        # Odoo first, Outlook later: Outlook's change is the newest
        event.name = "Titel aus Odoo"
        self.env.flush_all()
        self.env.cr.execute(
            "UPDATE calendar_event SET write_date = %s WHERE id = %s",
            (fields.Datetime.now() - timedelta(minutes=5), event.id),
        )
        self.env.invalidate_all()
        self.server.modify_item(item_id, subject="Titel aus Outlook")
        self.sync()
        self.assertEqual(event.name, "Titel aus Outlook")
        self.assertEqual(self.server.item(item_id).fields["subject"], "Titel aus Outlook")
        # Outlook first, Odoo later: Odoo's change is the newest
        self.server.modify_item(item_id, subject="Wieder Outlook")
        self.server.item(item_id).last_modified = datetime.now(UTC) - timedelta(minutes=5)
        event.name = "Wieder Odoo"
        self.sync()
        self.assertEqual(event.name, "Wieder Odoo")
        self.assertEqual(self.server.item(item_id).fields["subject"], "Wieder Odoo")

    def test_odoo_wins(self):
        self.only_events()
        self._crm_exchange_configure(sync_tasks=False, sync_contacts=False, conflict_policy="odoo")
        event = self.make_event()
        self.sync()
        item_id = self.mapping(event).item_id
        event.name = "Titel aus Odoo"
        self.server.modify_item(item_id, subject="Titel aus Outlook")  # newer, but Odoo wins
        self.sync()
        self.assertEqual(event.name, "Titel aus Odoo")
        self.assertEqual(self.server.item(item_id).fields["subject"], "Titel aus Odoo")

    def test_stale_change_key_on_update_is_a_conflict(self):
        """Outlook changes the item between our pull and our push: the update meets a stale change
        key and the policy decides; nothing is lost."""
        self.only_events()
        event = self.make_event()
        self.sync()
        item_id = self.mapping(event).item_id
        event.location = "Esslingen"
        original = EwsBackend.update_item

        def outlook_edits_first(backend, kind, item_id_, change_key, values):
            if not getattr(outlook_edits_first, "done", False):
                outlook_edits_first.done = True
                self.server.modify_item(item_id_, subject="Neuer Titel aus Outlook")
            return original(backend, kind, item_id_, change_key, values)

        with patch.object(EwsBackend, "update_item", outlook_edits_first):
            self.sync()
        stored = self.server.item(item_id).fields
        # the Outlook edit is the newest: Odoo takes it (the location edit was older)
        self.assertEqual(event.name, "Neuer Titel aus Outlook")
        self.assertEqual(stored["subject"], "Neuer Titel aus Outlook")


class TestExchangeSyncDeletions(ExchangeSyncCase):
    def test_deletions_each_way(self):
        self.only_events()
        kept, deleted_in_odoo = self.make_event(), self.make_event(name="Wird in Odoo gelöscht")
        deleted_in_outlook = self.make_event(name="Wird in Outlook gelöscht")
        self.sync()
        odoo_item = self.mapping(deleted_in_odoo).item_id
        outlook_item = self.mapping(deleted_in_outlook).item_id
        self.assertEqual(len(self.items("calendar")), 3)
        deleted_in_odoo.unlink()
        self.server.delete_item(outlook_item)
        self.sync()
        self.assertFalse(deleted_in_outlook.exists())
        self.assertNotIn(
            odoo_item, [i["id"] for i in self.items("calendar")], "moved to Deleted Items"
        )
        self.assertEqual([i["subject"] for i in self.items("calendar")], [kept.name])
        self.assertEqual(len(self.mappings()), 1)

    def test_deleted_in_outlook_but_changed_in_odoo_is_kept(self):
        self.only_events()
        event = self.make_event()
        self.sync()
        self.server.delete_item(self.mapping(event).item_id)
        event.name = "Geändert nach dem Löschen"
        self.sync()
        self.assertTrue(event.exists(), "a change in Odoo is never lost")
        self.assertEqual(
            [i["subject"] for i in self.items("calendar")], ["Geändert nach dem Löschen"]
        )

    def test_contact_deleted_in_outlook_is_archived(self):
        self._crm_exchange_configure(sync_events=False, sync_tasks=False)
        self.sync()
        self.server.delete_item(self.mapping(self.person).item_id)
        self.sync()
        self.assertTrue(self.person.exists())
        self.assertFalse(self.person.active)


class TestExchangeSyncSeries(ExchangeSyncCase):
    def test_recurring_series_with_exception_from_odoo(self):
        self.only_events()
        event = self.make_weekly_series(name="Jour fixe Einkauf")
        series = event.recurrence_id.calendar_event_ids.sorted("start")
        series[1].write(
            {
                "start": datetime(2027, 3, 18, 13, 0),
                "stop": datetime(2027, 3, 18, 14, 0),
                "recurrence_update": "self_only",
            }
        )
        series[2].unlink()
        self.sync()
        items = self.items("calendar")
        self.assertEqual(len(items), 1, "the series is one recurring master")
        master = items[0]
        self.assertEqual(master["calendar_item_type"], "RecurringMaster")
        self.assertEqual(master["deleted_occurrences"], [datetime(2027, 3, 24, 9, 0, tzinfo=UTC)])
        moved = master["modified_occurrences"]
        self.assertEqual(len(moved), 1)
        self.assertEqual(moved[0]["original_start"], datetime(2027, 3, 17, 9, 0, tzinfo=UTC))
        self.assertEqual(moved[0]["start"], datetime(2027, 3, 18, 13, 0, tzinfo=UTC))

    def test_recurring_series_with_exception_from_outlook(self):
        self.only_events()
        master = self.outlook_event(
            "Wochenbesprechung",
            datetime(2027, 3, 1, 8, 0, tzinfo=UTC),  # 09:00 in Berlin (winter time)
            datetime(2027, 3, 1, 9, 0, tzinfo=UTC),
            timezone="W. Europe Standard Time",
            recurrence=weekly("Monday", date(2027, 3, 1), 5),
        )
        self.server.modify_occurrence(
            master.id,
            2,
            start=datetime(2027, 3, 9, 12, 0, tzinfo=UTC),
            end=datetime(2027, 3, 9, 13, 0, tzinfo=UTC),
        )
        self.server.delete_occurrence(master.id, 3)
        self.sync()
        base = self.record_of(master.id)
        series = base.recurrence_id.calendar_event_ids.sorted("start")
        self.assertEqual(
            series.mapped("start"),
            [
                datetime(2027, 3, 1, 8, 0),
                datetime(2027, 3, 9, 12, 0),  # moved to Tuesday
                # 15 March deleted
                datetime(2027, 3, 22, 8, 0),
                datetime(2027, 3, 29, 7, 0),  # 09:00 in Berlin after the change to summer time
            ],
        )
        self.assert_next_sync_sends_nothing_back()

    def test_series_changed_in_outlook(self):
        self.only_events()
        master = self.outlook_event(
            "Vertriebsrunde",
            datetime(2027, 3, 2, 8, 0, tzinfo=UTC),
            datetime(2027, 3, 2, 9, 0, tzinfo=UTC),
            timezone="W. Europe Standard Time",
            recurrence=weekly("Tuesday", date(2027, 3, 2), 3),
        )
        self.sync()
        series = self.record_of(master.id).recurrence_id.calendar_event_ids
        self.assertEqual(len(series), 3)
        # renamed: the same occurrences get the new name
        self.server.modify_item(master.id, subject="Vertriebsrunde Süd")
        self.sync()
        self.assertEqual(set(series.exists().mapped("name")), {"Vertriebsrunde Süd"})
        self.assertEqual(len(series.exists()), 3)
        # one more occurrence: the series follows
        self.server.modify_item(master.id, recurrence=weekly("Tuesday", date(2027, 3, 2), 4))
        self.sync()
        base = self.record_of(master.id)
        self.assertEqual(len(base.recurrence_id.calendar_event_ids), 4)
        self.assertEqual(base.recurrence_id.count, 4)
        self.assert_next_sync_sends_nothing_back()

    def test_time_zones_across_dst(self):
        self.only_events()
        # made in Outlook in summer time: 14:00 in Berlin is 12:00 UTC
        summer = self.outlook_event(
            "Sommertermin",
            datetime(2027, 7, 6, 12, 0, tzinfo=UTC),
            datetime(2027, 7, 6, 13, 0, tzinfo=UTC),
            timezone="W. Europe Standard Time",
        )
        # made in Odoo in winter time: 14:00 in Warsaw is 13:00 UTC
        winter = self.make_event(
            name="Wintertermin",
            start=datetime(2027, 1, 12, 13, 0),
            stop=datetime(2027, 1, 12, 14, 0),
        )
        self.sync()
        self.assertEqual(self.record_of(summer.id).start, datetime(2027, 7, 6, 12, 0))
        stored = self.server.item(self.mapping(winter).item_id).fields
        self.assertEqual(stored["start"], datetime(2027, 1, 12, 13, 0, tzinfo=UTC))
        # a weekly series at 10:00 Berlin from March into April keeps 10:00 local time
        series = self.make_event(
            name="Serie über die Zeitumstellung",
            start=datetime(2027, 3, 17, 9, 0),
            stop=datetime(2027, 3, 17, 10, 0),
            recurrency=True,
            rrule_type="weekly",
            end_type="count",
            count=3,
            wed=True,
            event_tz="Europe/Berlin",
        )
        self.sync()
        master = self.server.item(self.mapping(series.recurrence_id.base_event_id).item_id)
        starts = [start for _index, start in master.occurrences()]
        self.assertEqual(
            starts,
            [
                datetime(2027, 3, 17, 9, 0, tzinfo=UTC),
                datetime(2027, 3, 24, 9, 0, tzinfo=UTC),
                datetime(2027, 3, 31, 8, 0, tzinfo=UTC),
            ],
        )
        self.assertFalse(master.fields["deleted_occurrences"])
        self.assertFalse(master.fields["modified_occurrences"])

    def test_all_day_event(self):
        self.only_events()
        event = self.make_event(
            name="Betriebsausflug",
            allday=True,
            start_date=date(2027, 6, 4),
            stop_date=date(2027, 6, 5),
        )
        self.sync()
        stored = self.server.item(self.mapping(event).item_id).fields
        self.assertTrue(stored["is_all_day"])
        made = self.outlook_event(
            "Feiertag",
            datetime(2027, 10, 2, 22, 0, tzinfo=UTC),  # 3 October, Berlin
            datetime(2027, 10, 3, 22, 0, tzinfo=UTC),
            is_all_day=True,
            timezone="W. Europe Standard Time",
        )
        self.sync()
        holiday = self.record_of(made.id)
        self.assertTrue(holiday.allday)
        self.assertEqual(
            (holiday.start_date, holiday.stop_date), (date(2027, 10, 3), date(2027, 10, 3))
        )
        self.assertEqual(
            self.server.item(self.mapping(event).item_id).fields["subject"], "Betriebsausflug"
        )


class TestExchangeSyncFailures(ExchangeSyncCase):
    def test_throttling_is_retried_after_back_off(self):
        self.only_events()
        event = self.make_event()
        self.server.fail_next("SyncFolderItems", error="ErrorServerBusy", back_off_ms=30000)
        self.run_cron()
        self.assertIn("busy", self.user.crm_exchange_error)
        self.assertGreater(
            self.user.crm_exchange_next_try, fields.Datetime.now() + timedelta(seconds=29)
        )
        self.assertFalse(self.mapping(event))
        # not due yet: the next run leaves the user alone
        self.server.reset_requests()
        self.run_cron()
        self.assertFalse(self.server.count_requests("SyncFolderItems", self.mailbox))
        # once due, it succeeds and the error is gone
        self.user.crm_exchange_next_try = fields.Datetime.now() - timedelta(seconds=1)
        self.run_cron()
        self.assertFalse(self.user.crm_exchange_error)
        self.assertTrue(self.mapping(event).item_id)
        state = self.sync_state("event")
        self.assertEqual((state.retry_count, state.error), (0, False))

    def test_back_off_grows(self):
        self.only_events()
        delays = []
        for _attempt in range(3):
            self.server.fail_next("SyncFolderItems", error="ErrorServerBusy", back_off_ms=1)
            self.sync(expect_error=True)
            delays.append(self.user.crm_exchange_next_try - fields.Datetime.now())
        self.assertLess(delays[0], delays[1])
        self.assertLess(delays[1], delays[2])

    def test_lost_create_answer_makes_no_duplicate(self):
        self.only_events()
        event = self.make_event()
        self.server.drop_connection_after_next("CreateItem")
        self.sync(expect_error=True)
        self.assertTrue(self.user.crm_exchange_error)
        self.assertEqual(len(self.items("calendar")), 1, "the server stored the item")
        self.assertFalse(self.mapping(event).item_id, "but its answer was lost")
        self.sync()
        self.assertEqual(
            len(self.items("calendar")), 1, "found again by its Odoo identity, not created twice"
        )
        self.assertEqual(self.mapping(event).item_id, self.items("calendar")[0]["id"])

    def test_server_failing_mid_batch_and_rerun(self):
        self.only_events()
        events = self.env["calendar.event"]
        for day in range(1, 6):
            events |= self.make_event(
                name=f"Termin {day}",
                start=datetime(2027, 5, day, 9, 0),
                stop=datetime(2027, 5, day, 10, 0),
            )
        original = EwsBackend.create_items
        calls = []

        def fail_second_call(backend, kind, entries):
            calls.append(len(entries))
            if len(calls) == 2:
                self.server.fail_next("CreateItem", error="ErrorServerBusy", back_off_ms=1)
            return original(backend, kind, entries)

        with (
            patch.object(UserSync, "create_chunk", 2),
            patch.object(EwsBackend, "create_items", fail_second_call),
        ):
            self.sync(expect_error=True)
            self.assertEqual(len(self.items("calendar")), 2, "the first chunk went through")
            self.assertEqual(
                len(events.filtered(lambda e: self.mapping(e).item_id)), 2, "and was kept"
            )
            self.sync()
        subjects = sorted(i["subject"] for i in self.items("calendar"))
        self.assertEqual(
            subjects, [f"Termin {day}" for day in range(1, 6)], "nothing lost, nothing twice"
        )
        self.assertEqual(len(events.filtered(lambda e: self.mapping(e).item_id)), 5)

    def test_expired_sync_state_starts_full_resync(self):
        self.only_events()
        event = self.make_event()
        outlook = self.outlook_event(
            "Aus Outlook",
            datetime(2027, 5, 3, 7, 0, tzinfo=UTC),
            datetime(2027, 5, 3, 8, 0, tzinfo=UTC),
        )
        self.sync()
        self.server.expire_sync_state(self.mailbox, "calendar")
        self.server.modify_item(outlook.id, subject="Aus Outlook, geändert")
        gone = self.mapping(event).item_id
        self.server.delete_item(gone)
        self.server.reset_requests()
        self.sync()
        self.assertEqual(self.record_of(outlook.id).name, "Aus Outlook, geändert")
        self.assertFalse(event.exists(), "deleted in Outlook while the state was expired")
        self.assertEqual(self.server.count_requests("CreateItem"), 0, "no duplicate")
        self.assertEqual(
            self.env["calendar.event"].search_count([("name", "like", "Aus Outlook")]), 1
        )
        state = self.sync_state("event")
        self.assertTrue(state.last_full_sync)

    def test_bad_credentials(self):
        self.only_events()
        self.user.crm_exchange_password = "falsch"
        self.sync(expect_error=True)
        self.assertIn("refused", self.user.crm_exchange_error)
        settings = self.env["res.config.settings"].create({})
        self.assertIn(self.user, settings.crm_exchange_error_user_ids)
        # another user's error never stops the others
        other = new_test_user(
            self.env, login="bernd.sync", email="bernd@example.com", groups="base.group_user"
        )
        self._crm_exchange_add_mailbox(other, email=f"bernd{next(MAILBOX_NUMBERS)}@example.com")
        event = self.make_event(user_id=other.id, partner_ids=[(6, 0, other.partner_id.ids)])
        self.run_cron()
        self.assertFalse(other.crm_exchange_error)
        self.assertTrue(
            self.env["crm.exchange.mapping"].search(
                [("user_id", "=", other.id), ("res_id", "=", event.id)]
            )
        )
        self.assertTrue(self.user.crm_exchange_error)


class TestExchangeSyncSettings(ExchangeSyncCase):
    def test_directions(self):
        self._crm_exchange_configure(
            sync_tasks=False, sync_contacts=False, direction_events="to_exchange"
        )
        self.make_event()
        outlook = self.outlook_event(
            "Nur in Outlook",
            datetime(2027, 5, 3, 7, 0, tzinfo=UTC),
            datetime(2027, 5, 3, 8, 0, tzinfo=UTC),
        )
        self.sync()
        self.assertEqual(len(self.items("calendar")), 2)
        self.assertIsNone(self.record_of(outlook.id), "Exchange to Odoo is switched off")
        self.assertFalse(self.server.count_requests("SyncFolderItems", self.mailbox))

        self._crm_exchange_configure(
            sync_tasks=False, sync_contacts=False, direction_events="from_exchange"
        )
        ignored = self.make_event(name="Bleibt in Odoo")
        self.sync()
        self.assertEqual(self.record_of(outlook.id).name, "Nur in Outlook")
        self.assertFalse(self.mapping(ignored), "Odoo to Exchange is switched off")
        self.assertEqual(len(self.items("calendar")), 2)

    def test_contacts_of_a_saved_selection_into_a_shared_folder(self):
        shared = f"kontakte{next(MAILBOX_NUMBERS)}@example.com"
        self.server.add_mailbox(shared, password="Geteilt-2026", name="Kontakte Vertrieb")
        self.server.grant_access(shared, self.mailbox)
        selection = self.env["crm.selection"].create({"name": "Schlüsselkunden"})
        with patch.object(type(selection), "_get_member_ids", lambda s: [self.customer.id]):
            self._crm_exchange_configure(
                sync_events=False,
                sync_tasks=False,
                contact_filter="selection",
                contact_selection_id=str(selection.id),
                contacts_folder=shared,
            )
            self.sync()
        contacts = [item.fields for item in self.server.items(shared, "contacts")]
        self.assertEqual(
            [c["display_name"] or c["surname"] for c in contacts][:1], ["Petra Schneider"][:1]
        )
        self.assertEqual(len(contacts), 1)
        self.assertFalse(self.items("contacts"), "the user's own folder is left alone")

    def test_appointment_of_two_users(self):
        """An appointment with two users syncs into both mailboxes; a change in one Outlook reaches
        the other mailbox through Odoo."""
        self.only_events()
        bernd = new_test_user(
            self.env,
            login="bernd.becker",
            email="bernd.becker@example.com",
            groups="base.group_user",
        )
        bernd_mailbox = self._crm_exchange_add_mailbox(
            bernd, email=f"bernd{next(MAILBOX_NUMBERS)}@example.com"
        )
        event = self.make_event(
            partner_ids=[(6, 0, [self.user.partner_id.id, bernd.partner_id.id, self.person.id])]
        )
        transaction = SavepointTransaction(self.env)
        (self.user | bernd)._crm_exchange_sync(transaction=transaction)
        anna_item = self.mapping(event).item_id
        bernd_items = self.server.items(bernd_mailbox, "calendar")
        self.assertEqual(len(bernd_items), 1)
        self.server.modify_item(anna_item, location="Raum 3.14")
        (self.user | bernd)._crm_exchange_sync(transaction=transaction)
        self.env.invalidate_all()
        self.assertEqual(event.location, "Raum 3.14")
        self.assertEqual(self.server.item(bernd_items[0].id).fields["location"], "Raum 3.14")
        self.assertFalse(event.crm_exchange_dirty)
        # anna's next run sends nothing back
        self.server.reset_requests()
        self.sync()
        self.assertFalse(self.server.count_requests("UpdateItem"))

    def test_interval_and_sync_now(self):
        settings = self.env["res.config.settings"].create({"crm_exchange_interval_minutes": 30})
        settings.execute()
        cron = self.env.ref("crm_exchange_sync.ir_cron_crm_exchange_sync")
        self.assertEqual((cron.interval_number, cron.interval_type), (30, "minutes"))
        self.user.crm_exchange_next_try = fields.Datetime.now() + timedelta(hours=1)
        self.user.with_user(self.user).action_crm_exchange_sync_now()
        self.assertFalse(self.user.crm_exchange_next_try)
        self.assertTrue(self.env["ir.cron.trigger"].search([("cron_id", "=", cron.id)]))


class TestExchangeSyncAfterPush(ExchangeSyncCase):
    """What Odoo wrote to Exchange is not read back; what came from Outlook is created at once."""

    def make_records(self, count):
        events = self.env["calendar.event"]
        for number in range(count):
            start = datetime(2027, 3, 1, 8, 0) + timedelta(days=number)
            events |= self.make_event(
                name=f"Kundentermin {number + 1}", start=start, stop=start + timedelta(hours=1)
            )
        activities = self.env["mail.activity"].create(
            [
                self.activity_values(
                    f"Rückruf {number + 1}", date_deadline=date(2027, 3, 1) + timedelta(days=number)
                )
                for number in range(count)
            ]
        )
        persons = self.env["res.partner"].create(
            [
                {
                    "name": f"Kontakt{number + 1} Müller",
                    "parent_id": self.customer.id,
                    "email": f"kontakt{number + 1}@mueller.example",
                }
                for number in range(count)
            ]
        )
        return events, activities, persons

    def test_first_sync_after_a_push_reads_back_nothing(self):
        events, activities, persons = self.make_records(12)
        self.sync()
        self.assertEqual(len(self.items("calendar")), 12)
        self.assertEqual(len(self.items("tasks")), 12)
        self.assertEqual(len(self.items("contacts")), 13, "the persons and Petra Schneider")
        # changed in Outlook after the push
        moved = self.mapping(events[3]).item_id
        self.server.modify_item(
            moved,
            subject="Kundentermin 4 (verschoben)",
            start=datetime(2027, 3, 4, 13, 0, tzinfo=UTC),
            end=datetime(2027, 3, 4, 14, 0, tzinfo=UTC),
        )
        write_dates = events.mapped("write_date")
        self.server.reset_requests()
        self.sync()
        self.assertLessEqual(len(self.server.requests), 3 * 3, self.server.requests)
        self.assertEqual(
            self.server.count_requests("GetItem"), 1, "only the item changed in Outlook is read"
        )
        self.assertEqual(
            self.server.count_requests("FindItem"), 0, "every pushed item is known to exist"
        )
        self.assertFalse(
            [op for op, _mbx in self.server.requests if op in ("CreateItem", "UpdateItem")]
        )
        self.assertEqual(events[3].name, "Kundentermin 4 (verschoben)")
        self.assertEqual(events[3].start, datetime(2027, 3, 4, 13, 0))
        self.assertEqual(
            [d for e, d in zip(events, write_dates, strict=True) if e != events[3]],
            (events - events[3]).mapped("write_date"),
            "the other appointments are left alone",
        )
        self.assertTrue(all(self.mappings().mapped("item_listed")))
        self.assertEqual(len(self.mappings()), 12 + 12 + 13)
        self.assertTrue(activities.exists() and persons.exists())
        # and the next one with nothing changed
        self.server.reset_requests()
        self.sync()
        self.assertFalse(self.server.count_requests("GetItem"))
        self.assertFalse(self.server.count_requests("FindItem"))

    def test_full_resync_after_a_push_reads_only_what_changed(self):
        self.only_events()
        events = self.make_records(5)[0]
        self.sync()
        item_ids = [self.mapping(event).item_id for event in events]
        # the state expires before any sync listed the pushed items
        self.server.expire_sync_state(self.mailbox, "calendar")
        self.server.modify_item(item_ids[0], subject="Kundentermin 1, geändert")
        self.server.delete_item(item_ids[1])
        self.server.reset_requests()
        with patch.object(
            EwsBackend, "_get_items", autospec=True, side_effect=EwsBackend._get_items
        ) as read:
            self.sync()
        self.assertEqual(
            [item_id for call in read.call_args_list for item_id in call.args[2]],
            item_ids[:1],
            "only the item changed in Outlook is read",
        )
        self.assertEqual(self.server.count_requests("FindItem"), 0)
        self.assertEqual(self.server.count_requests("CreateItem"), 0, "nothing created twice")
        self.assertEqual(self.server.count_requests("DeleteItem"), 0)
        self.assertEqual(events[0].name, "Kundentermin 1, geändert")
        self.assertFalse(events[1].exists(), "deleted in Outlook")
        self.assertEqual(len(events[2:].exists()), 3, "the unchanged ones are kept")
        self.assertEqual(
            sorted(self.mappings().mapped("item_id")), sorted(item_ids[:1] + item_ids[2:])
        )
        self.assertTrue(all(self.mappings().mapped("item_listed")))

    def test_items_from_outlook_together_and_a_bad_one_alone(self):
        self.only_events()
        for day in range(1, 5):
            start = datetime(2027, 4, 19 + day, 7, 0, tzinfo=UTC)
            self.outlook_event(
                f"Messe Hannover, Tag {day}",
                start,
                start + timedelta(hours=8),
                timezone="W. Europe Standard Time",
                required_attendees=[
                    PETRA_ACCEPTS,
                    {"email": "jan@kowalski.example", "name": "Jan Kowalski"},
                ],
            )
        start = datetime(2027, 4, 26, 9, 0, tzinfo=UTC)
        self.outlook_event("Falsch eingetragen", start, start - timedelta(hours=1))
        with self.assertLogs("odoo.addons.crm_exchange_sync.models.crm_exchange_sync", "WARNING"):
            self.sync()
        fair = self.env["calendar.event"].search([("name", "like", "Messe Hannover")])
        self.assertEqual(len(fair), 4, "one bad item does not lose the others")
        for event in fair:
            self.assertIn(self.person, event.partner_ids)
            attendee = event.attendee_ids.filtered(lambda a: a.partner_id == self.person)
            self.assertEqual(attendee.state, "accepted")
            self.assertEqual(
                [a["email"] for a in self.mapping(event).remote_extra["attendees"]],
                ["jan@kowalski.example"],
            )
        state = self.sync_state("event")
        self.assertIn("Falsch eingetragen", state.error)
        self.assertFalse(self.env["calendar.event"].search([("name", "=", "Falsch eingetragen")]))
