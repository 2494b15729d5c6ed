"""The EWS backend converts items both ways through the real exchangelib client, against the fake
Exchange server."""

import datetime
from zoneinfo import ZoneInfo

from odoo.tests import TransactionCase, tagged

from .common import FakeServerMixin

UTC = datetime.UTC
BERLIN = ZoneInfo("Europe/Berlin")
WARSAW = ZoneInfo("Europe/Warsaw")


def berlin(*args):
    """An aware UTC instant for a Berlin wall-clock time."""
    return datetime.datetime(*args, tzinfo=BERLIN).astimezone(UTC)


@tagged("post_install", "-at_install")
class TestEwsBackendRoundTrips(FakeServerMixin, TransactionCase):
    mailbox = "anna.schmidt@example.com"
    mailbox_password = "Sommer2026!"
    mailbox_name = "Anna Schmidt"

    def _round_trip(self, kind, values, odoo_ref):
        [(item_id, change_key)] = self.backend.create_items(kind, [(odoo_ref, values)])
        [remote] = self.backend.get_items(kind, [item_id])
        self.assertEqual(remote.item_id, item_id)
        self.assertEqual(remote.change_key, change_key)
        self.assertEqual(remote.odoo_ref, odoo_ref)
        self.assertEqual(remote.kind, kind)
        return remote

    def test_connection_reports_server_version_and_mailbox(self):
        description = self.backend.test_connection()
        self.assertIn("Microsoft Exchange 15.", description)
        self.assertIn(self.mailbox, description)

    def test_event_with_attendees_keeps_wall_clock_across_dst(self):
        """A visit in Berlin before and after the change to summer time (29 March 2026) keeps
        10:00 local time."""
        values = {
            "subject": "Besuch Müller Maschinenbau",
            "body": "<p>Angebot für die <b>Fräsmaschine</b> besprechen</p>",
            "location": "Stuttgart, Werk 2",
            "start": berlin(2026, 3, 27, 10, 0),
            "end": berlin(2026, 3, 27, 11, 30),
            "all_day": False,
            "timezone": "Europe/Berlin",
            "attendees": [
                {
                    "email": "petra.schneider@mueller-maschinenbau.de",
                    "name": "Petra Schneider",
                    "response": "accepted",
                },
                {
                    "email": "hans.mueller@mueller-maschinenbau.de",
                    "name": "Hans Müller",
                    "response": "tentative",
                },
            ],
            "is_private": True,
            "recurrence": None,
            "exceptions": [],
        }
        remote = self._round_trip("event", values, "calendar.event,1@db")
        got = remote.values
        self.assertEqual(
            got["start"], datetime.datetime(2026, 3, 27, 9, 0, tzinfo=UTC)
        )  # CET = UTC+1
        self.assertEqual(got["end"], datetime.datetime(2026, 3, 27, 10, 30, tzinfo=UTC))
        self.assertEqual(got["timezone"], "Europe/Berlin")
        self.assertFalse(got["all_day"])
        self.assertEqual(got["subject"], "Besuch Müller Maschinenbau")
        self.assertIn("<b>Fräsmaschine</b>", got["body"])
        self.assertEqual(got["location"], "Stuttgart, Werk 2")
        self.assertTrue(got["is_private"])
        self.assertEqual(got["organizer_email"], self.mailbox)
        self.assertEqual(
            [(a["email"], a["name"], a["response"]) for a in got["attendees"]],
            [
                ("petra.schneider@mueller-maschinenbau.de", "Petra Schneider", "accepted"),
                ("hans.mueller@mueller-maschinenbau.de", "Hans Müller", "tentative"),
            ],
        )
        self.assertIsNone(got["recurrence"])
        self.assertEqual(got["exceptions"], [])
        self.assertEqual(remote.last_modified.tzinfo, UTC)

        # moved by one week, past the DST change: still 10:00 in Berlin, now UTC+2
        new_change_key = self.backend.update_item(
            "event",
            remote.item_id,
            remote.change_key,
            {
                "start": berlin(2026, 4, 3, 10, 0),
                "end": berlin(2026, 4, 3, 11, 30),
                "timezone": "Europe/Berlin",
            },
        )
        self.assertNotEqual(new_change_key, remote.change_key)
        [moved] = self.backend.get_items("event", [remote.item_id])
        self.assertEqual(moved.change_key, new_change_key)
        self.assertEqual(moved.values["start"], datetime.datetime(2026, 4, 3, 8, 0, tzinfo=UTC))
        self.assertEqual(moved.values["start"].astimezone(BERLIN).hour, 10)
        # untouched fields stay as they were
        self.assertEqual(moved.values["subject"], "Besuch Müller Maschinenbau")
        self.assertEqual(len(moved.values["attendees"]), 2)

    def test_event_in_warsaw_time_zone(self):
        values = {
            "subject": "Spotkanie Kowalski Dystrybucja",
            "start": datetime.datetime(2026, 10, 30, 9, 0, tzinfo=WARSAW).astimezone(UTC),
            "end": datetime.datetime(2026, 10, 30, 10, 0, tzinfo=WARSAW).astimezone(UTC),
            "all_day": False,
            "timezone": "Europe/Warsaw",
        }
        got = self._round_trip("event", values, "calendar.event,2@db").values
        self.assertEqual(got["timezone"], "Europe/Warsaw")
        self.assertEqual(
            got["start"], datetime.datetime(2026, 10, 30, 8, 0, tzinfo=UTC)
        )  # after 25 Oct: UTC+1

    def test_all_day_event_over_the_dst_weekend(self):
        """Trade fair Saturday and Sunday 28-29 March 2026: the exclusive end (Monday) falls in
        summer time."""
        values = {
            "subject": "Hannover Messe Vorbereitung",
            "all_day": True,
            "start_date": datetime.date(2026, 3, 28),
            "end_date": datetime.date(2026, 3, 30),
            "timezone": "Europe/Berlin",
        }
        got = self._round_trip("event", values, "calendar.event,3@db").values
        self.assertTrue(got["all_day"])
        self.assertEqual(got["start_date"], datetime.date(2026, 3, 28))
        self.assertEqual(got["end_date"], datetime.date(2026, 3, 30))
        self.assertEqual(got["start"], datetime.datetime(2026, 3, 27, 23, 0, tzinfo=UTC))
        self.assertEqual(got["end"], datetime.datetime(2026, 3, 29, 22, 0, tzinfo=UTC))

        # a one-day event typed in Outlook
        item = self.outlook_event(
            "Betriebsausflug",
            datetime.datetime(2026, 6, 12, 0, 0, tzinfo=BERLIN),
            datetime.datetime(2026, 6, 13, 0, 0, tzinfo=BERLIN),
            is_all_day=True,
            timezone="W. Europe Standard Time",
        )
        [outlook] = self.backend.get_items("event", [item.id])
        self.assertTrue(outlook.values["all_day"])
        self.assertEqual(outlook.values["start_date"], datetime.date(2026, 6, 12))
        self.assertEqual(outlook.values["end_date"], datetime.date(2026, 6, 13))
        self.assertIsNone(outlook.odoo_ref)

    def test_weekly_series_with_modified_and_deleted_occurrence(self):
        """Jour fixe every Monday 9:00 Berlin, 6 times across the DST change; one moved, one
        cancelled."""
        first = berlin(2026, 3, 16, 9, 0)
        values = {
            "subject": "Jour fixe Vertrieb",
            "start": first,
            "end": berlin(2026, 3, 16, 10, 0),
            "all_day": False,
            "timezone": "Europe/Berlin",
            "recurrence": {"freq": "weekly", "interval": 1, "weekdays": ["mon"], "count": 6},
            "exceptions": [
                {"original_start": berlin(2026, 3, 23, 9, 0), "deleted": True},
                {
                    # the first Monday in summer time, moved to Tuesday afternoon
                    "original_start": berlin(2026, 3, 30, 9, 0),
                    "deleted": False,
                    "start": berlin(2026, 3, 31, 14, 0),
                    "end": berlin(2026, 3, 31, 15, 0),
                    "subject": "Jour fixe Vertrieb (verschoben)",
                },
            ],
        }
        remote = self._round_trip("event", values, "calendar.event,4@db")
        got = remote.values
        self.assertEqual(
            got["recurrence"],
            {
                "freq": "weekly",
                "interval": 1,
                "weekdays": ["mon"],
                "day_of_month": None,
                "week_number": None,
                "month": None,
                "count": 6,
                "until": None,
            },
        )
        self.assertEqual(got["start"], first)
        deleted, moved = got["exceptions"]
        self.assertEqual(
            deleted["original_start"], datetime.datetime(2026, 3, 23, 8, 0, tzinfo=UTC)
        )
        self.assertTrue(deleted["deleted"])
        self.assertEqual(
            moved["original_start"], datetime.datetime(2026, 3, 30, 7, 0, tzinfo=UTC)
        )  # CEST
        self.assertFalse(moved["deleted"])
        self.assertEqual(moved["start"], datetime.datetime(2026, 3, 31, 12, 0, tzinfo=UTC))
        self.assertEqual(moved["end"], datetime.datetime(2026, 3, 31, 13, 0, tzinfo=UTC))
        self.assertEqual(moved["subject"], "Jour fixe Vertrieb (verschoben)")

        # one more occurrence cancelled later in Odoo: only that one is sent, the others stay
        self.exchange_server.reset_requests()
        change_key = self.backend.update_item(
            "event",
            remote.item_id,
            remote.change_key,
            {
                "exceptions": [
                    *values["exceptions"],
                    {"original_start": berlin(2026, 4, 13, 9, 0), "deleted": True},
                ]
            },
        )
        self.assertEqual(self.exchange_server.count_requests("DeleteItem"), 1)
        self.assertEqual(self.exchange_server.count_requests("UpdateItem"), 0)
        [updated] = self.backend.get_items("event", [remote.item_id])
        self.assertEqual(updated.change_key, change_key)
        self.assertEqual(
            [(e["original_start"], e["deleted"]) for e in updated.values["exceptions"]],
            [
                (datetime.datetime(2026, 3, 23, 8, 0, tzinfo=UTC), True),
                (datetime.datetime(2026, 3, 30, 7, 0, tzinfo=UTC), False),
                (datetime.datetime(2026, 4, 13, 7, 0, tzinfo=UTC), True),
            ],
        )

        # Odoo sends the whole series again with a new subject: the unchanged pattern is not
        # re-sent (Exchange would drop the exceptions), nor are the exceptions already there
        self.exchange_server.reset_requests()
        all_exceptions = [
            *values["exceptions"],
            {"original_start": berlin(2026, 4, 13, 9, 0), "deleted": True},
        ]
        self.backend.update_item(
            "event",
            remote.item_id,
            change_key,
            dict(values, subject="Jour fixe Vertrieb DACH", exceptions=all_exceptions),
        )
        self.assertEqual(self.exchange_server.count_requests("UpdateItem"), 1)
        self.assertEqual(self.exchange_server.count_requests("DeleteItem"), 0)
        [renamed] = self.backend.get_items("event", [remote.item_id])
        self.assertEqual(renamed.values["subject"], "Jour fixe Vertrieb DACH")
        self.assertEqual(len(renamed.values["exceptions"]), 3)
        self.assertEqual(
            renamed.values["exceptions"][1]["subject"], "Jour fixe Vertrieb (verschoben)"
        )

    def test_series_exception_made_in_outlook(self):
        item = self.outlook_event(
            "Monatsgespräch Alpen Präzision",
            datetime.datetime(2026, 1, 6, 14, 0, tzinfo=BERLIN),
            datetime.datetime(2026, 1, 6, 15, 0, tzinfo=BERLIN),
            timezone="W. Europe Standard Time",
            recurrence={
                "pattern": "monthly",
                "interval": 1,
                "day_of_month": 6,
                "start": datetime.date(2026, 1, 6),
                "end": datetime.date(2026, 12, 31),
            },
        )
        self.exchange_server.modify_occurrence(
            item.id,
            3,
            subject="Monatsgespräch (Telefon)",
            start=datetime.datetime(2026, 3, 6, 16, 0, tzinfo=BERLIN),
            end=datetime.datetime(2026, 3, 6, 16, 30, tzinfo=BERLIN),
        )
        self.exchange_server.delete_occurrence(item.id, 4)
        [remote] = self.backend.get_items("event", [item.id])
        recurrence = remote.values["recurrence"]
        self.assertEqual(recurrence["freq"], "monthly")
        self.assertEqual(recurrence["day_of_month"], 6)
        self.assertEqual(recurrence["until"], datetime.date(2026, 12, 31))
        self.assertIsNone(recurrence["count"])
        moved, deleted = remote.values["exceptions"]
        self.assertEqual(moved["original_start"], berlin(2026, 3, 6, 14, 0))
        self.assertEqual(moved["start"], berlin(2026, 3, 6, 16, 0))
        self.assertEqual(moved["subject"], "Monatsgespräch (Telefon)")
        self.assertEqual(deleted["original_start"], berlin(2026, 4, 6, 14, 0))  # summer time
        self.assertTrue(deleted["deleted"])

    def test_task_round_trip_and_completion(self):
        values = {
            "subject": "Angebot Fräsmaschine nachfassen",
            "body": "<p>Rückruf Frau Schneider</p>",
            "start_date": datetime.date(2026, 4, 1),
            "due_date": datetime.date(2026, 4, 3),
            "status": "in_progress",
            "percent_complete": 50,
        }
        remote = self._round_trip("task", values, "mail.activity,11@db")
        got = remote.values
        self.assertEqual(got["subject"], "Angebot Fräsmaschine nachfassen")
        self.assertIn("Rückruf Frau Schneider", got["body"])
        self.assertEqual(got["start_date"], datetime.date(2026, 4, 1))
        self.assertEqual(got["due_date"], datetime.date(2026, 4, 3))
        self.assertEqual(got["status"], "in_progress")
        self.assertEqual(got["percent_complete"], 50)
        self.assertIsNone(got["complete_date"])

        self.backend.update_item("task", remote.item_id, remote.change_key, {"status": "completed"})
        [done] = self.backend.get_items("task", [remote.item_id])
        self.assertEqual(done.values["status"], "completed")
        self.assertEqual(done.values["percent_complete"], 100)
        self.assertEqual(done.values["due_date"], datetime.date(2026, 4, 3))

    def test_contact_round_trip_keeps_outlook_only_details(self):
        values = {
            "given_name": "Agnieszka",
            "surname": "Wiśniewska",
            "display_name": "Agnieszka Wiśniewska",
            "company_name": "Kowalski Dystrybucja Sp. z o.o.",
            "job_title": "Kierownik zakupów",
            "department": "Zakupy",
            "emails": ["a.wisniewska@kowalski.pl", "agnieszka.w@gmail.com"],
            "phones": {
                "business": "+48 22 123 45 67",
                "mobile": "+48 601 234 567",
                "home": None,
                "business_fax": "+48 22 123 45 68",
            },
            "address": {
                "street": "ul. Marszałkowska 10",
                "city": "Warszawa",
                "zip": "00-590",
                "state": "mazowieckie",
                "country": "Polska",
            },
        }
        remote = self._round_trip("contact", values, "res.partner,21@db")
        got = remote.values
        for key in (
            "given_name",
            "surname",
            "display_name",
            "company_name",
            "job_title",
            "department",
            "emails",
        ):
            self.assertEqual(got[key], values[key], key)
        self.assertEqual(got["phones"], values["phones"])
        self.assertEqual(got["address"], values["address"])

        # the user adds a private address and a car phone in Outlook
        self.exchange_server.modify_item(
            remote.item_id,
            addresses={"Home": {"street": "ul. Długa 5", "city": "Kraków", "zip": "31-147"}},
            phones={"CarPhone": "+48 601 000 111"},
        )
        [outlook] = self.backend.get_items("contact", [remote.item_id])
        # Odoo changes the business phone and the business address: the home address and the car
        # phone stay
        self.backend.update_item(
            "contact",
            remote.item_id,
            outlook.change_key,
            {
                "job_title": "Dyrektor handlowy",
                "phones": {"business": "+48 22 765 43 21", "mobile": "+48 601 234 567"},
                "address": {
                    "street": "ul. Prosta 20",
                    "city": "Warszawa",
                    "zip": "00-850",
                    "country": "Polska",
                },
            },
        )
        stored = self.exchange_server.describe_props(
            self.exchange_server.item(remote.item_id).props
        )
        [updated] = self.backend.get_items("contact", [remote.item_id])
        self.assertEqual(updated.values["job_title"], "Dyrektor handlowy")
        self.assertEqual(updated.values["display_name"], "Agnieszka Wiśniewska")
        self.assertEqual(updated.values["phones"]["business"], "+48 22 765 43 21")
        self.assertEqual(updated.values["address"]["street"], "ul. Prosta 20")
        self.assertIn("ul. Długa 5", str(stored))
        self.assertIn("+48 601 000 111", str(stored))

    def test_sync_folder_pages_changes_and_deletions(self):
        mailbox = "bernd.keller@example.com"
        self.exchange_server.add_mailbox(mailbox, password="Herbst2026!", name="Bernd Keller")
        backend = self._crm_exchange_backend(mailbox, password="Herbst2026!")
        created = backend.create_items(
            "task",
            [
                (f"mail.activity,{n}@db", {"subject": f"Aufgabe {n}", "status": "not_started"})
                for n in range(1, 4)
            ],
        )
        first = backend.sync_folder("task", None, max_changes=2)
        self.assertEqual(len(first.changed), 2)
        self.assertFalse(first.includes_last)
        second = backend.sync_folder("task", first.sync_state, max_changes=2)
        self.assertTrue(second.includes_last)
        seen = {item.item_id for item in first.changed + second.changed}
        self.assertEqual(seen, {item_id for item_id, _ck in created})
        self.assertEqual(
            {item.odoo_ref for item in first.changed + second.changed},
            {"mail.activity,1@db", "mail.activity,2@db", "mail.activity,3@db"},
        )

        # nothing new: an empty batch
        idle = backend.sync_folder("task", second.sync_state)
        self.assertEqual((idle.changed, idle.deleted_ids), ([], []))

        # changed and deleted in Outlook
        self.exchange_server.modify_item(created[0][0], subject="Aufgabe 1 (geändert)")
        self.exchange_server.delete_item(created[1][0])
        changes = backend.sync_folder("task", idle.sync_state)
        self.assertEqual(
            [item.values["subject"] for item in changes.changed], ["Aufgabe 1 (geändert)"]
        )
        self.assertEqual(changes.deleted_ids, [created[1][0]])

        # deleted from Odoo
        backend.delete_item("task", created[2][0], created[2][1])
        changes = backend.sync_folder("task", changes.sync_state)
        self.assertEqual(changes.deleted_ids, [created[2][0]])

    def test_find_by_odoo_refs(self):
        refs = [
            f"res.partner,{n}@db" for n in range(100, 160)
        ]  # more than one FindItem restriction chunk
        self.backend.create_items(
            "contact", [(ref, {"display_name": ref, "surname": ref}) for ref in refs]
        )
        found = self.backend.find_by_odoo_refs("contact", [*refs, "res.partner,999@db"])
        self.assertEqual(set(found), set(refs))
        self.assertEqual(found["res.partner,130@db"].values["display_name"], "res.partner,130@db")
        self.assertEqual(self.backend.find_by_odoo_refs("contact", []), {})
