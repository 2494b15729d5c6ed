"""10,000 items on the fake EWS server: a first full sync through exchangelib, page by page, without
quadratic costs on the server."""

import datetime
import time

import pytest
from exchangelib import CalendarItem, ExtendedProperty
from fake_ews import FakeExchangeServer
from fake_ews.testing import basic_account

ANNA = "anna@example.com"
COUNT = 10_000
UTC = datetime.timezone.utc


class PerfRef(ExtendedProperty):
    distinguished_property_set_id = "PublicStrings"
    property_name = "FakeEwsPerfRef"
    property_type = "String"


@pytest.fixture
def server():
    srv = FakeExchangeServer().start()
    srv.add_mailbox(ANNA, password="secret", name="Anna Example")
    yield srv
    srv.stop()
    assert srv.errors == [], srv.errors[0][1]  # no internal error of the fake server


@pytest.mark.slow
def test_first_sync_of_10000_items(server):
    CalendarItem.register("perf_ref", PerfRef)
    try:
        base = datetime.datetime(2026, 1, 5, 8, 0, tzinfo=UTC)
        spec = {"distinguished_property_set_id": "PublicStrings", "property_name": "FakeEwsPerfRef"}
        for i in range(COUNT):
            server.create_item(
                ANNA,
                "calendar",
                subject=f"Besuch {i}",
                start=base + datetime.timedelta(hours=i),
                end=base + datetime.timedelta(hours=i, minutes=45),
                timezone="W. Europe Standard Time",
                body=f"<p>Termin {i}</p>",
                location="Werk 2",
                required_attendees=[f"kunde{i % 50}@example.com"],
                extended_properties=[(spec, f"calendar.event,{i}@db")],
            )
        account = basic_account(server, ANNA, "secret")
        account.calendar  # noqa: B018
        server.reset_requests()

        started = time.monotonic()
        seen = {}
        for change, item in account.calendar.sync_items(max_changes_returned=512):
            assert change == "create"
            seen[item.id] = item.perf_ref
        elapsed = time.monotonic() - started

        assert len(seen) == COUNT
        assert set(seen.values()) == {f"calendar.event,{i}@db" for i in range(COUNT)}
        pages = [d for d in server.request_details if d["operation"] == "SyncFolderItems"]
        assert len(pages) == 20  # 19 x 512 + 272
        server_time = sum(d["duration"] for d in pages)
        # no page costs much more than the first one: the server does not slow down as the sync
        # advances
        first, last = pages[0]["duration"], max(d["duration"] for d in pages[-5:])
        assert last < 5 * first + 0.5, (first, last)
        assert server_time < 60, server_time
        assert elapsed < 240, elapsed

        # the incremental sync after it only carries the change
        state = account.calendar.item_sync_state
        target = server.items(ANNA, "calendar")[COUNT // 2]
        server.modify_item(target.id, subject="Verschoben")
        changes = list(account.calendar.sync_items(sync_state=state))
        assert [(c, i.subject) for c, i in changes] == [("update", "Verschoben")]
    finally:
        CalendarItem.deregister("perf_ref")
