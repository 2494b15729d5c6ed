"""The engine's logic against a small in-memory backend (fast, no network).

The same stories run against the real exchangelib client and the fake Exchange server in
``test_sync.py``; here the corner cases of the engine are pinned down one by one.
"""

import copy
import itertools
from datetime import UTC, date, datetime, timedelta
from unittest.mock import patch

from odoo.tests import tagged

from ..backends import Backend, ChangeBatch, ConflictError, ItemNotFoundError, RemoteItem
from ..models.crm_exchange_sync import SavepointTransaction
from .common import ExchangeSyncTestCase


class MemoryBackend(Backend):
    """One mailbox in memory, with change keys and a change log for sync states."""

    name = "memory"

    def __init__(self, settings=None, mailbox="anna@example.com"):
        super().__init__(settings, mailbox)
        self.items = {"event": {}, "task": {}, "contact": {}}
        self.log = []  # (kind, item_id, deleted)
        self.counter = itertools.count(1)
        self.calls = []

    def _touch(self, kind, item_id, deleted=False):
        self.log.append((kind, item_id, deleted))

    # edits "made in Outlook"
    def outlook_create(self, kind, values, odoo_ref=None):
        item_id = f"{kind}-{next(self.counter)}"
        self.items[kind][item_id] = RemoteItem(
            kind,
            item_id,
            f"ck{next(self.counter)}",
            copy.deepcopy(values),
            odoo_ref,
            datetime.now(UTC),
        )
        self._touch(kind, item_id)
        return item_id

    def outlook_modify(self, kind, item_id, **values):
        item = self.items[kind][item_id]
        item.values.update(values)
        item.change_key = f"ck{next(self.counter)}"
        item.last_modified = datetime.now(UTC) + timedelta(seconds=5)
        self._touch(kind, item_id)

    def outlook_delete(self, kind, item_id):
        del self.items[kind][item_id]
        self._touch(kind, item_id, deleted=True)

    # the interface
    def sync_folder(self, kind, sync_state=None, max_changes=512, known_change_keys=None):
        self.calls.append("sync_folder")
        start = int(sync_state or 0)
        log = [entry for entry in self.log[start:] if entry[0] == kind] if sync_state else []
        if not sync_state:
            listed = list(self.items[kind])
            deleted = []
        else:
            listed = list(dict.fromkeys(e[1] for e in log if not e[2] and e[1] in self.items[kind]))
            deleted = [e[1] for e in log if e[2]]
        known = known_change_keys(listed) if known_change_keys and listed else {}
        unchanged = [i for i in listed if known.get(i) == self.items[kind][i].change_key]
        return ChangeBatch(
            [copy.deepcopy(self.items[kind][i]) for i in listed if i not in unchanged],
            deleted,
            str(len(self.log)),
            True,
            unchanged_ids=unchanged,
        )

    def get_items(self, kind, item_ids):
        self.calls.append("get_items")
        return [copy.deepcopy(self.items[kind][i]) for i in item_ids if i in self.items[kind]]

    def create_items(self, kind, entries):
        self.calls.append("create_items")
        return [
            (item_id, self.items[kind][item_id].change_key)
            for item_id in (self.outlook_create(kind, values, ref) for ref, values in entries)
        ]

    def update_item(self, kind, item_id, change_key, values):
        self.calls.append("update_item")
        item = self.items[kind].get(item_id)
        if not item:
            raise ItemNotFoundError("gone")
        if item.change_key != change_key:
            raise ConflictError("stale")
        item.values = copy.deepcopy(values)
        item.change_key = f"ck{next(self.counter)}"
        item.last_modified = datetime.now(UTC)
        self._touch(kind, item_id)
        return item.change_key

    def delete_item(self, kind, item_id, change_key=None):
        self.calls.append("delete_item")
        item = self.items[kind].get(item_id)
        if not item:
            raise ItemNotFoundError("gone")
        if change_key and item.change_key != change_key:
            raise ConflictError("stale")
        self.outlook_delete(kind, item_id)

    def find_by_odoo_refs(self, kind, odoo_refs):
        self.calls.append("find_by_odoo_refs")
        return {
            i.odoo_ref: copy.deepcopy(i)
            for i in self.items[kind].values()
            if i.odoo_ref in odoo_refs
        }


@tagged("post_install", "-at_install")
class TestSyncEngine(ExchangeSyncTestCase):
    user_values = {"login": "anna", "email": "anna@example.com"}
    event_values = {
        "name": "Besuch Müller",
        "start": datetime(2027, 3, 10, 9, 0),
        "stop": datetime(2027, 3, 10, 10, 0),
    }

    @classmethod
    def person_values(cls):
        return {"email": "petra@mueller.example", "phone": "+49 711 1234"}

    def setUp(self):
        super().setUp()
        self.backend = MemoryBackend()

    def sync(self, kinds=None):
        self.env["crm.exchange.sync"]._sync_user(
            self.user, self.backend, SavepointTransaction(self.env), kinds
        )
        self.env.invalidate_all()

    def test_event_both_ways(self):
        event = self.make_event()
        self.sync(["event"])
        mapping = self.mapping(event)
        self.assertTrue(mapping.item_id)
        item = self.backend.items["event"][mapping.item_id]
        self.assertEqual(item.values["subject"], "Besuch Müller")
        self.assertEqual(item.values["start"], datetime(2027, 3, 10, 9, 0, tzinfo=UTC))
        self.assertEqual([a["email"] for a in item.values["attendees"]], ["petra@mueller.example"])
        self.assertFalse(event.crm_exchange_dirty)
        # nothing changed: nothing sent
        self.backend.calls.clear()
        self.sync(["event"])
        self.assertEqual(self.backend.calls, ["sync_folder"])
        # changed in Outlook
        self.backend.outlook_modify(
            "event",
            mapping.item_id,
            subject="Besuch Müller (verschoben)",
            start=datetime(2027, 3, 11, 9, 0, tzinfo=UTC),
            end=datetime(2027, 3, 11, 10, 0, tzinfo=UTC),
        )
        self.backend.calls.clear()
        self.sync(["event"])
        self.assertEqual(event.name, "Besuch Müller (verschoben)")
        self.assertEqual(event.start, datetime(2027, 3, 11, 9, 0))
        self.assertFalse(event.crm_exchange_dirty)
        self.assertNotIn(
            "update_item", self.backend.calls, "the change from Outlook never goes back"
        )
        # changed in Odoo
        event.location = "Stuttgart"
        self.assertTrue(event.crm_exchange_dirty)
        self.sync(["event"])
        self.assertEqual(
            self.backend.items["event"][mapping.item_id].values["location"], "Stuttgart"
        )
        # created in Outlook
        new_id = self.backend.outlook_create(
            "event",
            {
                "subject": "Messe",
                "start": datetime(2027, 4, 1, 8, 0, tzinfo=UTC),
                "end": datetime(2027, 4, 1, 16, 0, tzinfo=UTC),
                "all_day": False,
                "timezone": "Europe/Berlin",
                "attendees": [
                    {"email": "petra@mueller.example", "name": "Petra"},
                    {"email": "unknown@example.org", "name": "Unbekannt"},
                ],
            },
        )
        self.sync(["event"])
        created = self.env["crm.exchange.mapping"].search([("item_id", "=", new_id)])._get_record()
        self.assertEqual(created.name, "Messe")
        self.assertEqual(created.partner_ids, self.user.partner_id | self.person)
        # its unknown attendee stays in Exchange when Odoo changes the event
        created.name = "Messe Hannover"
        self.sync(["event"])
        values = self.backend.items["event"][new_id].values
        self.assertEqual(values["subject"], "Messe Hannover")
        self.assertEqual(
            sorted(a["email"] for a in values["attendees"]),
            ["petra@mueller.example", "unknown@example.org"],
        )
        # deleted in Outlook
        self.backend.outlook_delete("event", new_id)
        self.sync(["event"])
        self.assertFalse(created.exists())
        # deleted in Odoo
        item_id = mapping.item_id
        event.unlink()
        self.sync(["event"])
        self.assertNotIn(item_id, self.backend.items["event"])
        self.assertFalse(self.mappings())

    def test_conflict_newest_and_odoo_wins(self):
        event = self.make_event()
        self.sync(["event"])
        item_id = self.mapping(event).item_id
        event.name = "Odoo-Titel"
        self.backend.outlook_modify("event", item_id, subject="Outlook-Titel")  # later
        self.sync(["event"])
        self.assertEqual(event.name, "Outlook-Titel")
        self.assertEqual(self.backend.items["event"][item_id].values["subject"], "Outlook-Titel")
        self.env["ir.config_parameter"].sudo().set_param(
            "crm_exchange_sync.conflict_policy", "odoo"
        )
        event.name = "Odoo-Titel"
        self.backend.outlook_modify("event", item_id, subject="Outlook-Titel 2")
        self.sync(["event"])
        self.assertEqual(event.name, "Odoo-Titel")
        self.assertEqual(self.backend.items["event"][item_id].values["subject"], "Odoo-Titel")

    def test_lost_create_is_found_again(self):
        event = self.make_event()
        original = self.backend.create_items

        def lose_answer(kind, entries):
            original(kind, entries)
            from ..backends import ConnectionFailedError

            raise ConnectionFailedError("connection dropped")

        self.backend.create_items = lose_answer
        from ..backends import ConnectionFailedError

        with self.assertRaises(ConnectionFailedError):
            self.sync(["event"])
        self.assertEqual(len(self.backend.items["event"]), 1)
        self.assertFalse(
            self.mapping(event).item_id, "the create was committed as sent, without answer"
        )
        self.backend.create_items = original
        self.sync(["event"])
        self.assertEqual(len(self.backend.items["event"]), 1, "no duplicate")
        self.assertEqual(self.mapping(event).item_id, next(iter(self.backend.items["event"])))

    def test_tasks(self):
        activity = self.make_activity("Angebot nachfassen", date_deadline=date(2027, 3, 12))
        done_before = self.make_todo("Alt und erledigt", date(2027, 1, 4))
        done_before.action_done()
        self.sync(["task"])
        self.assertFalse(self.mapping(done_before), "done before the first sync: not sent")
        item_id = self.mapping(activity).item_id
        self.assertEqual(self.backend.items["task"][item_id].values["status"], "not_started")
        self.backend.outlook_modify("task", item_id, status="completed", percent_complete=100)
        self.sync(["task"])
        activity = activity.with_context(active_test=False)
        self.assertFalse(activity.active)
        self.assertTrue(activity.date_done)
        # done in Odoo
        other = self.make_todo("Rückruf", date(2027, 3, 13))
        self.sync(["task"])
        other.action_done()
        self.sync(["task"])
        self.assertEqual(
            self.backend.items["task"][self.mapping(other).item_id].values["status"], "completed"
        )

    def test_contacts(self):
        self.sync(["contact"])
        item_id = self.mapping(self.person).item_id
        values = self.backend.items["contact"][item_id].values
        self.assertEqual((values["given_name"], values["surname"]), ("Petra", "Schneider"))
        self.assertEqual(values["company_name"], "Müller Maschinenbau GmbH")
        self.backend.outlook_modify(
            "contact",
            item_id,
            job_title="Einkaufsleiterin",
            emails=["petra@mueller.example", "p.schneider@privat.example"],
        )
        self.sync(["contact"])
        self.assertEqual(self.person.function, "Einkaufsleiterin")
        self.person.phone = "+49 711 9999"
        self.sync(["contact"])
        values = self.backend.items["contact"][item_id].values
        self.assertEqual(values["phones"]["business"], "+49 711 9999")
        self.assertEqual(values["emails"], ["petra@mueller.example", "p.schneider@privat.example"])

    def test_recurring_series_with_exceptions(self):
        event = self.make_weekly_series()
        series = event.recurrence_id.calendar_event_ids.sorted("start")
        self.assertEqual(len(series), 4)
        series[1].with_context(recurrence_update="self_only").write(
            {
                "start": datetime(2027, 3, 18, 13, 0),
                "stop": datetime(2027, 3, 18, 14, 0),
                "recurrence_update": "self_only",
            }
        )
        series[2].unlink()
        self.sync(["event"])
        base = event.recurrence_id.base_event_id
        mapping = self.mapping(base)
        self.assertEqual(len(self.backend.items["event"]), 1, "one master item for the series")
        values = self.backend.items["event"][mapping.item_id].values
        self.assertEqual(values["recurrence"]["freq"], "weekly")
        self.assertEqual(values["recurrence"]["weekdays"], ["wed"])
        self.assertEqual(values["recurrence"]["count"], 4)
        exceptions = sorted(values["exceptions"], key=lambda e: e["original_start"])
        self.assertEqual(
            [(e["original_start"], e["deleted"]) for e in exceptions],
            [
                (datetime(2027, 3, 17, 9, 0, tzinfo=UTC), False),
                (datetime(2027, 3, 24, 9, 0, tzinfo=UTC), True),
            ],
        )
        self.assertEqual(exceptions[0]["start"], datetime(2027, 3, 18, 13, 0, tzinfo=UTC))
        # the same series made in Outlook arrives as a series in Odoo with its exceptions
        self.backend.outlook_create("event", dict(values, subject="Jour fixe"))
        self.sync(["event"])
        created = (
            self.env["calendar.event"]
            .search([("name", "=", "Jour fixe")])
            .recurrence_id.calendar_event_ids
        )
        self.assertEqual(len(created), 3)
        # 10:00 in Berlin each week, also after the change to summer time on 28 March
        self.assertIn(datetime(2027, 3, 31, 8, 0), created.mapped("start"))
        self.assertEqual(len(created.recurrence_id), 1)
        self.assertIn(datetime(2027, 3, 18, 13, 0), created.mapped("start"))
        self.assertNotIn(datetime(2027, 3, 24, 9, 0), created.mapped("start"))
        self.assertEqual(len(self.backend.items["event"]), 2, "nothing sent back")

    def test_a_bad_item_never_blocks_the_mailbox(self):
        self.backend.outlook_create("task", {"subject": "Kaputt", "due_date": "kein Datum"})
        good = self.backend.outlook_create(
            "task", {"subject": "Angebot schreiben", "due_date": None}
        )
        with self.assertLogs("odoo.addons.crm_exchange_sync.models.crm_exchange_sync", "WARNING"):
            self.sync(["task"])
        self.assertTrue(self.env["crm.exchange.mapping"].search([("item_id", "=", good)]))
        state = self.sync_state("task")
        self.assertIn("Kaputt", state.error)

    def test_monthly_series_by_weekday(self):
        event = self.make_event(
            start=datetime(2027, 3, 9, 9, 0),  # the second Tuesday of March
            stop=datetime(2027, 3, 9, 10, 0),
            recurrency=True,
            rrule_type="monthly",
            month_by="day",
            byday="2",
            weekday="TUE",
            end_type="count",
            count=3,
            event_tz="Europe/Berlin",
        )
        self.sync(["event"])
        base = event.recurrence_id.base_event_id
        values = self.backend.items["event"][self.mapping(base).item_id].values
        rule = values["recurrence"]
        self.assertEqual(
            (rule["freq"], rule["weekdays"], rule["week_number"]), ("monthly", ["tue"], 2)
        )
        self.backend.outlook_create("event", dict(values, subject="Monatsrunde"))
        self.sync(["event"])
        created = self.env["calendar.event"].search([("name", "=", "Monatsrunde")])
        self.assertEqual(len(created), 3)
        self.assertEqual(created.recurrence_id.month_by, "day")
        self.assertEqual(created.recurrence_id.byday, "2")
        # 10:00 in Berlin: 08:00 UTC in summer time
        self.assertEqual(sorted(created.mapped("start"))[1], datetime(2027, 4, 13, 8, 0))

    def test_new_items_are_created_in_one_batch(self):
        jan = {"email": "jan@kowalski.example", "name": "Jan Kowalski", "response": "tentative"}
        petra = {
            "email": "Petra@Mueller.example",
            "name": "Petra Schneider",
            "response": "accepted",
        }
        for day in range(1, 4):
            start = datetime(2027, 4, day, 8, 0, tzinfo=UTC)
            self.backend.outlook_create(
                "event",
                {
                    "subject": f"Messe Tag {day}",
                    "body": "<p>Stand 4</p>",
                    "location": "Hannover",
                    "start": start,
                    "end": start + timedelta(hours=8),
                    "all_day": False,
                    "timezone": "Europe/Berlin",
                    "attendees": [petra, jan],
                    "is_private": False,
                    "recurrence": None,
                    "exceptions": [],
                },
            )
        Event = type(self.env["calendar.event"])
        with patch.object(
            Event, "_crm_exchange_create_from", side_effect=AssertionError("one by one")
        ) as one_by_one:
            self.sync(["event"])
        one_by_one.assert_not_called()
        events = self.env["calendar.event"].search([("name", "like", "Messe Tag")], order="start")
        self.assertEqual(events.mapped("name"), ["Messe Tag 1", "Messe Tag 2", "Messe Tag 3"])
        for event in events:
            self.assertEqual(event.partner_ids, self.user.partner_id | self.person)
            attendee = event.attendee_ids.filtered(lambda a: a.partner_id == self.person)
            self.assertEqual(attendee.state, "accepted", "the answer given in Outlook")
            mapping = self.mapping(event)
            self.assertTrue(mapping.item_listed)
            self.assertEqual(
                mapping.remote_extra["attendees"],
                [
                    {
                        "email": "jan@kowalski.example",
                        "name": "Jan Kowalski",
                        "response": "tentative",
                    }
                ],
            )
        self.assertEqual(events[1].start, datetime(2027, 4, 2, 8, 0))
        # what was created is what Exchange holds: nothing is sent back
        self.backend.calls.clear()
        self.sync(["event"])
        self.assertEqual(self.backend.calls, ["sync_folder"])
        self.assertEqual(
            self.backend.items["event"][self.mapping(events[0]).item_id].values["attendees"],
            [petra, jan],
        )

    def test_unchanged_items_listed_again_are_not_read(self):
        activity = self.make_activity("Angebot nachfassen")
        self.sync(["task"])
        mapping = self.mapping(activity)
        self.assertFalse(mapping.item_listed)
        # a full resync lists every item: the one Odoo wrote is known, not read, not deleted
        self.sync_state("task").sync_state = False
        self.backend.calls.clear()
        self.sync(["task"])
        self.assertEqual(self.backend.calls, ["sync_folder"])
        self.assertTrue(activity.exists())
        self.assertTrue(mapping.item_listed)
