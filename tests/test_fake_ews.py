"""The fake EWS server (tests/fake_ews) driven by the real exchangelib client: version guessing,
Basic auth, folders, CRUD of calendar items, tasks and contacts, extended properties, change keys
and conflicts, FindItem, SyncFolderItems, fault injection and the request log."""

import datetime
from decimal import Decimal

import pytest
from exchangelib import (
    CalendarItem,
    Contact,
    EWSDate,
    EWSDateTime,
    EWSTimeZone,
    ExtendedProperty,
    HTMLBody,
    Q,
    Task,
)
from exchangelib.errors import (
    ErrorInvalidSyncStateData,
    ErrorIrresolvableConflict,
    ErrorItemNotFound,
    ErrorNameResolutionNoResults,
    ErrorServerBusy,
    ErrorTimeoutExpired,
    UnauthorizedError,
)
from exchangelib.indexed_properties import EmailAddress, PhoneNumber, PhysicalAddress
from exchangelib.items import ALWAYS_OVERWRITE, HARD_DELETE, NEVER_OVERWRITE
from exchangelib.properties import Attendee, Mailbox
from fake_ews import FakeExchangeServer
from fake_ews.testing import basic_account

UTC = datetime.timezone.utc
BERLIN = EWSTimeZone("Europe/Berlin")
ANNA = "anna@example.com"


class SuiteRef(ExtendedProperty):
    """The kind of identity property the sync stores on items: a named string in PublicStrings."""

    distinguished_property_set_id = "PublicStrings"
    property_name = "FakeEwsTestRef"
    property_type = "String"


class SuiteGuidRef(ExtendedProperty):
    """A named property in a custom property set (GUID)."""

    property_set_id = "c11ff724-aa03-4555-9952-8fa248a11c3e"
    property_name = "FakeEwsGuidRef"
    property_type = "String"


@pytest.fixture(scope="module", autouse=True)
def _registered_properties():
    for cls in (CalendarItem, Task, Contact):
        cls.register("fake_ref", SuiteRef)
        cls.register("fake_guid_ref", SuiteGuidRef)
    yield
    for cls in (CalendarItem, Task, Contact):
        cls.deregister("fake_ref")
        cls.deregister("fake_guid_ref")


@pytest.fixture
def server():
    srv = FakeExchangeServer().start()
    srv.add_mailbox(ANNA, password="secret", name="Anna Example")
    srv.add_mailbox("bob@example.com", password="bobpw", name="Bob Example")
    yield srv
    srv.stop()
    assert srv.errors == [], srv.errors[0][1]  # no internal error of the fake server


@pytest.fixture
def account(server):
    return basic_account(server, ANNA, "secret")


def berlin(*args):
    return EWSDateTime(*args, tzinfo=BERLIN)


def new_event(account, **values):
    values.setdefault("subject", "Kick-off")
    values.setdefault("start", berlin(2026, 3, 27, 10, 0))
    values.setdefault("end", berlin(2026, 3, 27, 11, 0))
    item = CalendarItem(account=account, folder=account.calendar, **values)
    item.save()
    return item


# --------------------------------------------------------------------------------------------------
# Connection
# --------------------------------------------------------------------------------------------------
def test_version_is_guessed_and_folders_resolve(server, account):
    version = account.version
    assert (version.build.major_version, version.build.minor_version) == (15, 2)
    assert version.api_version == "Exchange2016"
    assert account.calendar.name == "Calendar"
    assert account.tasks.name == "Tasks"
    assert account.contacts.name == "Contacts"
    assert account.root.id
    assert [op for op, _mailbox in server.requests][:2] == ["ConvertId", "GetFolder"]
    assert {mailbox for _op, mailbox in server.requests} == {ANNA}


def test_bad_credentials_answer_401(server):
    account = basic_account(server, ANNA, "wrong")
    with pytest.raises(UnauthorizedError):
        account.calendar  # noqa: B018
    unknown = basic_account(server, "nobody@example.com", "secret")
    with pytest.raises(UnauthorizedError):
        unknown.calendar  # noqa: B018
    assert server.requests == []


def test_user_cannot_open_foreign_mailbox_without_delegation(server):
    bob_on_anna = basic_account(server, ANNA, "bobpw", username="bob@example.com")
    with pytest.raises(Exception, match="does not have permission"):
        bob_on_anna.calendar  # noqa: B018
    server.grant_access(ANNA, "bob@example.com")
    bob_on_anna = basic_account(server, ANNA, "bobpw", username="bob@example.com")
    assert bob_on_anna.contacts.name == "Contacts"
    assert server.requests[-1] == ("GetFolder", ANNA)


# --------------------------------------------------------------------------------------------------
# Calendar items
# --------------------------------------------------------------------------------------------------
def test_calendar_item_round_trip(server, account):
    item = new_event(
        account,
        body=HTMLBody("<p>Agenda</p>"),
        location="Room 1",
        sensitivity="Private",
        required_attendees=[Attendee(mailbox=Mailbox(email_address="bob@example.com", name="Bob"))],
        optional_attendees=[Attendee(mailbox=Mailbox(email_address="carl@example.com"))],
        fake_ref="calendar.event,42@db",
    )
    stored = server.item(item.id)
    assert stored["subject"] == "Kick-off"
    assert stored["start"] == datetime.datetime(2026, 3, 27, 9, 0, tzinfo=UTC)
    assert stored["end"] == datetime.datetime(2026, 3, 27, 10, 0, tzinfo=UTC)
    assert stored["start_timezone"] == "W. Europe Standard Time"
    assert stored["sensitivity"] == "Private"
    assert stored["extended_properties"] == {"FakeEwsTestRef": "calendar.event,42@db"}
    assert [a["email"] for a in stored["required_attendees"]] == ["bob@example.com"]

    fetched = account.calendar.get(id=item.id)
    assert fetched.subject == "Kick-off"
    assert fetched.body == "<p>Agenda</p>"
    assert fetched.location == "Room 1"
    assert fetched.start == berlin(2026, 3, 27, 10, 0)
    assert fetched.end == berlin(2026, 3, 27, 11, 0)
    assert fetched._start_timezone == BERLIN
    assert fetched.is_all_day is False
    assert fetched.type == "Single"
    assert fetched.sensitivity == "Private"
    assert fetched.organizer.email_address == ANNA
    assert fetched.required_attendees[0].mailbox.email_address == "bob@example.com"
    assert fetched.required_attendees[0].mailbox.name == "Bob"
    assert fetched.optional_attendees[0].mailbox.email_address == "carl@example.com"
    assert fetched.fake_ref == "calendar.event,42@db"
    assert fetched.uid
    assert fetched.changekey == item.changekey
    assert fetched.last_modified_time is not None


def test_update_changes_the_change_key_and_deletes_fields(server, account):
    item = new_event(account, location="Room 1", fake_ref="calendar.event,1@db")
    first_key = item.changekey
    item.subject = "Moved"
    item.start = berlin(2026, 3, 30, 14, 0)  # across the DST change
    item.end = berlin(2026, 3, 30, 15, 30)
    item.location = None
    item.save(update_fields=["subject", "start", "end", "location"])
    assert item.changekey != first_key
    stored = server.item(item.id)
    assert stored["subject"] == "Moved"
    assert stored["location"] is None
    assert stored["start"] == datetime.datetime(2026, 3, 30, 12, 0, tzinfo=UTC)
    assert stored["change_key"] == item.changekey
    # a full save (all fields) keeps the extended property
    fetched = account.calendar.get(id=item.id)
    fetched.subject = "Full save"
    fetched.save()
    assert account.calendar.get(id=item.id).fake_ref == "calendar.event,1@db"
    # extended property changed and removed
    fetched.fake_ref = "calendar.event,2@db"
    fetched.save(update_fields=["fake_ref"])
    assert server.item(item.id)["extended_properties"] == {"FakeEwsTestRef": "calendar.event,2@db"}
    fetched.fake_ref = None
    fetched.save(update_fields=["fake_ref"])
    assert server.item(item.id)["extended_properties"] == {}


def test_append_to_item_field(server, account):
    from exchangelib.services import UpdateItem

    item = new_event(account, body=HTMLBody("<p>one</p>"))
    payload = UpdateItem(account=account).get_payload(
        items=[(item, ["body"])],
        conflict_resolution="AutoResolve",
        message_disposition="SaveOnly",
        send_meeting_invitations_or_cancellations="SendToNone",
        suppress_read_receipts=True,
    )
    # Turn the SetItemField into an AppendToItemField, like clients that append to a body do
    for elem in payload.iter("{*}SetItemField"):
        elem.tag = elem.tag.replace("SetItemField", "AppendToItemField")
    item.body = HTMLBody("<p>two</p>")
    list(UpdateItem(account=account)._get_elements(payload=payload))
    assert server.item(item.id)["body"] == "<p>one</p><p>one</p>"


def test_all_day_event_and_time_zones(server, account):
    item = CalendarItem(
        account=account,
        folder=account.calendar,
        subject="Trade fair",
        start=EWSDate(2026, 3, 28),
        end=EWSDate(2026, 3, 29),
        is_all_day=True,
    )
    item.save()
    stored = server.item(item.id)
    assert stored["is_all_day"] is True
    # local midnights of Berlin, the end exclusive (exchangelib sends the inclusive end date + 1
    # day)
    assert stored["start"] == datetime.datetime(2026, 3, 27, 23, 0, tzinfo=UTC)
    assert stored["end"] == datetime.datetime(2026, 3, 29, 22, 0, tzinfo=UTC)
    fetched = account.calendar.get(id=item.id)
    assert fetched.is_all_day is True
    # exchangelib subtracts 24 hours (not one local day) from the exclusive end: across the start of
    # summer time
    # its end date comes back one day early. Clients must derive the end from the UTC value (see the
    # notes).
    assert (fetched.start, fetched.end) == (EWSDate(2026, 3, 28), EWSDate(2026, 3, 28))
    summer = CalendarItem(
        account=account,
        folder=account.calendar,
        subject="Summer party",
        start=EWSDate(2026, 7, 3),
        end=EWSDate(2026, 7, 3),
        is_all_day=True,
    )
    summer.save()
    assert server.item(summer.id)["end"] == datetime.datetime(2026, 7, 3, 22, 0, tzinfo=UTC)
    fetched = account.calendar.get(id=summer.id)
    assert (fetched.start, fetched.end) == (EWSDate(2026, 7, 3), EWSDate(2026, 7, 3))

    # an event created in another time zone keeps its zone
    tokyo = EWSTimeZone("Asia/Tokyo")
    other = new_event(
        account,
        subject="Tokyo call",
        start=EWSDateTime(2026, 7, 1, 9, 0, tzinfo=tokyo),
        end=EWSDateTime(2026, 7, 1, 10, 0, tzinfo=tokyo),
    )
    assert server.item(other.id)["start_timezone"] == "Tokyo Standard Time"
    assert server.item(other.id)["start"] == datetime.datetime(2026, 7, 1, 0, 0, tzinfo=UTC)
    assert account.calendar.get(id=other.id)._start_timezone == tokyo


def test_stale_change_key_conflicts(server, account):
    item = new_event(account)
    stale = account.calendar.get(id=item.id)
    server.modify_item(item.id, subject="Changed in Outlook")

    stale.subject = "Changed in Odoo"
    with pytest.raises(ErrorIrresolvableConflict):
        stale.save(
            update_fields=["subject"]
        )  # AutoResolve: the same property changed on both sides
    with pytest.raises(ErrorIrresolvableConflict):
        stale.save(update_fields=["subject"], conflict_resolution=NEVER_OVERWRITE)
    assert server.item(item.id)["subject"] == "Changed in Outlook"

    stale.location = "Room 2"
    stale.save(update_fields=["location"])  # AutoResolve: another property -> merged
    assert server.item(item.id)["subject"] == "Changed in Outlook"
    assert server.item(item.id)["location"] == "Room 2"

    stale = account.calendar.get(id=item.id)
    server.modify_item(item.id, location="Room 3")
    stale.location = "Room 4"
    stale.save(update_fields=["location"], conflict_resolution=ALWAYS_OVERWRITE)
    assert server.item(item.id)["location"] == "Room 4"

    stale = account.calendar.get(id=item.id)
    server.modify_item(item.id, location="Room 5")
    with pytest.raises(ErrorIrresolvableConflict):
        stale.delete()
    assert server.item(item.id) is not None
    # without a change key the delete goes through
    account.bulk_delete([(item.id, None)], delete_type=HARD_DELETE)
    assert server.item(item.id) is None


def test_delete_and_not_found(server, account):
    item = new_event(account)
    item_id = item.id
    item.delete()
    assert server.items(ANNA, "calendar") == []
    with pytest.raises(ErrorItemNotFound):
        account.calendar.get(id=item_id)
    results = account.bulk_delete([(item_id, None)])
    assert isinstance(results[0], ErrorItemNotFound)
    # move to deleted items
    other = new_event(account)
    other_id = other.id
    other.move_to_trash()
    assert server.items(ANNA, "calendar") == []
    assert [i.id for i in server.items(ANNA, "deleteditems")] == [other_id]


# --------------------------------------------------------------------------------------------------
# Tasks and contacts
# --------------------------------------------------------------------------------------------------
def test_task_round_trip_and_completion(server, account):
    task = Task(
        account=account,
        folder=account.tasks,
        subject="Call back",
        body=HTMLBody("<p>About the offer</p>"),
        start_date=EWSDate(2026, 3, 30),
        due_date=EWSDate(2026, 4, 2),
        status="InProgress",
        percent_complete=Decimal(40),
        fake_ref="mail.activity,7@db",
    )
    task.save()
    stored = server.item(task.id)
    assert stored["status"] == "InProgress"
    assert stored["percent_complete"] == 40
    assert stored["due_date"] == datetime.datetime(2026, 4, 2, tzinfo=UTC)
    fetched = account.tasks.get(id=task.id)
    assert (fetched.subject, fetched.status, fetched.percent_complete) == (
        "Call back",
        "InProgress",
        Decimal(40),
    )
    assert (fetched.start_date, fetched.due_date) == (EWSDate(2026, 3, 30), EWSDate(2026, 4, 2))
    assert fetched.is_complete is False
    assert fetched.fake_ref == "mail.activity,7@db"

    fetched.status = "Completed"
    fetched.save(update_fields=["status"])
    done = account.tasks.get(id=task.id)
    assert done.status == "Completed"
    assert done.percent_complete == Decimal(100)
    assert done.is_complete is True
    assert done.complete_date is not None

    # Outlook: percent complete back to 0 -> not started, no complete date
    server.modify_item(task.id, percent_complete=0)
    reopened = account.tasks.get(id=task.id)
    assert reopened.status == "NotStarted"
    assert reopened.complete_date is None


def test_contact_round_trip(server, account):
    contact = Contact(
        account=account,
        folder=account.contacts,
        given_name="Petra",
        surname="Schneider",
        display_name="Petra Schneider",
        company_name="Müller Maschinenbau GmbH",
        job_title="Einkaufsleiterin",
        department="Einkauf",
        email_addresses=[
            EmailAddress(label="EmailAddress1", email="petra.schneider@mueller.example"),
            EmailAddress(label="EmailAddress2", email="p.schneider@private.example"),
        ],
        phone_numbers=[
            PhoneNumber(label="BusinessPhone", phone_number="+49 89 1234-0"),
            PhoneNumber(label="MobilePhone", phone_number="+49 170 1234567"),
        ],
        physical_addresses=[
            PhysicalAddress(
                label="Business",
                street="Hauptstraße 1",
                city="München",
                state="Bayern",
                country="Deutschland",
                zipcode="80331",
            )
        ],
        fake_ref="res.partner,12@db",
    )
    contact.save()
    stored = server.item(contact.id)
    assert stored["emails"] == {
        "EmailAddress1": "petra.schneider@mueller.example",
        "EmailAddress2": "p.schneider@private.example",
    }
    assert stored["phones"] == {"BusinessPhone": "+49 89 1234-0", "MobilePhone": "+49 170 1234567"}
    assert stored["addresses"]["Business"]["City"] == "München"
    assert stored["file_as"] == "Schneider, Petra"

    fetched = account.contacts.get(id=contact.id)
    assert (fetched.given_name, fetched.surname, fetched.display_name) == (
        "Petra",
        "Schneider",
        "Petra Schneider",
    )
    assert (fetched.company_name, fetched.job_title, fetched.department) == (
        "Müller Maschinenbau GmbH",
        "Einkaufsleiterin",
        "Einkauf",
    )
    assert {e.label: e.email for e in fetched.email_addresses}[
        "EmailAddress2"
    ] == "p.schneider@private.example"
    assert {p.label: p.phone_number for p in fetched.phone_numbers}[
        "MobilePhone"
    ] == "+49 170 1234567"
    address = fetched.physical_addresses[0]
    assert (address.street, address.zipcode, address.city, address.country) == (
        "Hauptstraße 1",
        "80331",
        "München",
        "Deutschland",
    )
    assert fetched.fake_ref == "res.partner,12@db"

    # indexed fields: exchangelib sets each label/subfield and deletes labels no longer present
    fetched.phone_numbers = [PhoneNumber(label="BusinessPhone", phone_number="+49 89 999")]
    fetched.email_addresses = [EmailAddress(label="EmailAddress1", email="petra@mueller.example")]
    fetched.physical_addresses = [
        PhysicalAddress(label="Business", street="Ring 5", city="Augsburg")
    ]
    fetched.job_title = "Geschäftsführerin"
    fetched.save(
        update_fields=["phone_numbers", "email_addresses", "physical_addresses", "job_title"]
    )
    stored = server.item(contact.id)
    assert stored["phones"] == {"BusinessPhone": "+49 89 999"}
    assert stored["emails"] == {"EmailAddress1": "petra@mueller.example"}
    assert stored["addresses"] == {"Business": {"Street": "Ring 5", "City": "Augsburg"}}
    assert stored["job_title"] == "Geschäftsführerin"


def test_server_side_contact_is_readable(server, account):
    created = server.create_item(
        ANNA,
        "contacts",
        given_name="Agnieszka",
        surname="Wiśniewska",
        company_name="Kowalski Dystrybucja",
        emails=["a.wisniewska@kowalski.example"],
        phones={"BusinessPhone": "+48 22 123 45 67"},
        addresses={
            "Business": {
                "street": "ul. Prosta 1",
                "city": "Warszawa",
                "zip": "00-001",
                "country": "Polska",
            }
        },
    )
    fetched = account.contacts.get(id=created.id)
    assert fetched.display_name == "Agnieszka Wiśniewska"
    assert fetched.email_addresses[0].email == "a.wisniewska@kowalski.example"
    assert fetched.physical_addresses[0].zipcode == "00-001"


# --------------------------------------------------------------------------------------------------
# FindItem
# --------------------------------------------------------------------------------------------------
def test_find_by_extended_property_and_paging(server, account):
    items = [
        CalendarItem(
            account=account,
            folder=account.calendar,
            subject=f"Meeting {i}",
            start=berlin(2026, 4, 1 + i % 20, 9, 0),
            end=berlin(2026, 4, 1 + i % 20, 10, 0),
            fake_ref=f"calendar.event,{i}@db",
        )
        for i in range(30)
    ]
    results = account.bulk_create(folder=account.calendar, items=items)
    assert len(results) == 30 and len(server.items(ANNA, "calendar")) == 30

    found = list(
        account.calendar.filter(fake_ref="calendar.event,7@db").only("subject", "fake_ref")
    )
    assert [(f.subject, f.fake_ref) for f in found] == [("Meeting 7", "calendar.event,7@db")]
    found = list(
        account.calendar.filter(fake_ref__in=["calendar.event,3@db", "calendar.event,5@db"])
    )
    assert sorted(f.subject for f in found) == ["Meeting 3", "Meeting 5"]
    assert list(account.calendar.filter(fake_ref="calendar.event,99@db")) == []
    found = account.calendar.filter(Q(subject__startswith="Meeting 1") & ~Q(subject="Meeting 1"))
    assert sorted(f.subject for f in found) == [f"Meeting {i}" for i in range(10, 20)]

    server.reset_requests()
    qs = account.calendar.all().only("subject").order_by("subject")
    qs.page_size = 7
    subjects = [f.subject for f in qs]
    assert subjects == sorted(f"Meeting {i}" for i in range(30))
    assert server.count_requests("FindItem") == 5  # 7 + 7 + 7 + 7 + 2
    assert account.calendar.all().count() == 30
    latest = account.calendar.filter(start__gte=berlin(2026, 4, 20, 0, 0)).order_by("-start")
    assert [f.subject for f in latest] == ["Meeting 19"]


def test_calendar_view_of_single_items(server, account):
    new_event(
        account, subject="Inside", start=berlin(2026, 5, 4, 9, 0), end=berlin(2026, 5, 4, 10, 0)
    )
    new_event(
        account,
        subject="Overlapping",
        start=berlin(2026, 5, 3, 23, 0),
        end=berlin(2026, 5, 4, 1, 0),
    )
    new_event(
        account, subject="Outside", start=berlin(2026, 5, 6, 9, 0), end=berlin(2026, 5, 6, 10, 0)
    )
    view = account.calendar.view(start=berlin(2026, 5, 4, 0, 0), end=berlin(2026, 5, 5, 0, 0))
    assert [item.subject for item in view] == ["Overlapping", "Inside"]


# --------------------------------------------------------------------------------------------------
# SyncFolderItems
# --------------------------------------------------------------------------------------------------
def sync(folder, state, max_changes=100):
    # exchangelib falls back to the folder's last state (folder.item_sync_state) when given none
    folder.item_sync_state = state
    changes = [
        (change, getattr(item, "subject", None) or getattr(item, "id", None))
        for change, item in folder.sync_items(sync_state=state, max_changes_returned=max_changes)
    ]
    return changes, folder.item_sync_state


def test_sync_folder_items_incremental(server, account):
    first = new_event(account, subject="One")
    second = new_event(account, subject="Two")
    changes, state = sync(account.calendar, None)
    assert changes == [("create", "One"), ("create", "Two")]
    assert sync(account.calendar, state) == ([], state)

    server.modify_item(first.id, subject="One (Outlook)")
    third = server.create_item(
        ANNA,
        "calendar",
        subject="Three",
        start=berlin(2026, 4, 1, 8, 0),
        end=berlin(2026, 4, 1, 9, 0),
    )
    changes, state = sync(account.calendar, state)
    assert changes == [("update", "One (Outlook)"), ("create", "Three")]

    server.delete_item(second.id)
    # created and deleted between two syncs: never reported
    ghost = server.create_item(
        ANNA,
        "calendar",
        subject="Ghost",
        start=berlin(2026, 4, 1, 8, 0),
        end=berlin(2026, 4, 1, 9, 0),
    )
    server.delete_item(ghost.id)
    changes, state = sync(account.calendar, state)
    assert changes == [("delete", second.id)]

    # the full item comes with the sync, including extended properties
    server.modify_item(
        third.id,
        extended_properties=[
            (
                {
                    "distinguished_property_set_id": "PublicStrings",
                    "property_name": "FakeEwsTestRef",
                },
                "calendar.event,3@db",
            )
        ],
    )
    items = [item for _change, item in account.calendar.sync_items(sync_state=state)]
    assert items[0].fake_ref == "calendar.event,3@db"
    assert items[0].start == berlin(2026, 4, 1, 8, 0)


def test_sync_paging_and_ignore(server, account):
    for i in range(7):
        server.create_item(ANNA, "tasks", subject=f"Task {i}")
    svc_requests = []
    changes, state = sync(account.tasks, None, max_changes=3)
    svc_requests.append(server.count_requests("SyncFolderItems"))
    assert [subject for _c, subject in changes] == [f"Task {i}" for i in range(7)]
    assert svc_requests == [3]  # 3 + 3 + 1

    # page by page, with IncludesLastItemInRange
    from exchangelib.services import SyncFolderItems

    tasks = server.items(ANNA, "tasks")
    for task in tasks[:4]:
        server.modify_item(task.id, status="Completed")
    svc = SyncFolderItems(account=account)
    page = list(svc.call(account.tasks, "IdOnly", None, state, None, 2, None))
    assert [change for change, _item in page] == ["update", "update"]
    assert svc.includes_last_item_in_range is False
    page2 = list(svc.call(account.tasks, "IdOnly", None, svc.sync_state, None, 2, None))
    assert len(page2) == 2 and svc.includes_last_item_in_range is True

    # changes of ignored items are not reported
    server.modify_item(tasks[5].id, subject="Ignored")
    server.modify_item(tasks[6].id, subject="Reported")
    changes = list(
        account.tasks.sync_items(sync_state=svc.sync_state, ignore=[(tasks[5].id, None)])
    )
    assert [item.subject for _c, item in changes] == ["Reported"]


def test_sync_state_expiry(server, account):
    new_event(account, subject="One")
    _changes, state = sync(account.calendar, None)
    server.expire_sync_state(ANNA, "calendar")
    with pytest.raises(ErrorInvalidSyncStateData):
        sync(account.calendar, state)
    with pytest.raises(ErrorInvalidSyncStateData):
        sync(account.calendar, "bm90IGEgc3RhdGU=")
    changes, _state = sync(account.calendar, None)  # a full resync works
    assert changes == [("create", "One")]


def test_sync_states_are_per_folder_and_mailbox(server, account):
    new_event(account, subject="One")
    _changes, calendar_state = sync(account.calendar, None)
    with pytest.raises(ErrorInvalidSyncStateData):
        sync(account.tasks, calendar_state)
    bob = basic_account(server, "bob@example.com", "bobpw")
    with pytest.raises(ErrorInvalidSyncStateData):
        sync(bob.calendar, calendar_state)


# --------------------------------------------------------------------------------------------------
# Fault injection and the request log
# --------------------------------------------------------------------------------------------------
def test_fail_next_server_busy_with_back_off(server, account):
    account.calendar  # noqa: B018
    server.fail_next("CreateItem", error="ErrorServerBusy", back_off_ms=4000)
    with pytest.raises(ErrorServerBusy) as info:
        new_event(account)
    assert info.value.back_off == 4.0
    assert server.items(ANNA, "calendar") == []
    item = new_event(account)  # only the next one failed
    assert server.item(item.id) is not None

    server.fail_next("SyncFolderItems", count=2)
    for _ in range(2):
        with pytest.raises(ErrorServerBusy):
            sync(account.calendar, None)
    assert sync(account.calendar, None)[0] == [("create", "Kick-off")]


def test_fail_next_with_other_errors(server, account):
    item = new_event(account)
    server.fail_next("GetItem", error="ErrorItemNotFound")
    with pytest.raises(ErrorItemNotFound):
        account.calendar.get(id=item.id)
    server.fail_next("UpdateItem", error="ErrorIrresolvableConflict")
    item.subject = "x"
    with pytest.raises(ErrorIrresolvableConflict):
        item.save(update_fields=["subject"])
    server.fail_next("SyncFolderItems", error="ErrorInvalidSyncStateData")
    with pytest.raises(ErrorInvalidSyncStateData):
        sync(account.calendar, None)
    server.fail_next("GetItem", http_status=503)
    with pytest.raises(Exception, match="503"):
        account.calendar.get(id=item.id)
    assert account.calendar.get(id=item.id).subject == "Kick-off"


def test_dropped_connection_after_create_keeps_the_item(server, account):
    account.calendar  # noqa: B018
    server.drop_connection_after_next("CreateItem")
    with pytest.raises(ErrorTimeoutExpired):
        new_event(account, fake_ref="calendar.event,5@db")
    # the answer was lost, the item exists: it can be found by its identity
    stored = server.items(ANNA, "calendar")
    assert len(stored) == 1
    found = list(account.calendar.filter(fake_ref="calendar.event,5@db"))
    assert [f.id for f in found] == [stored[0].id]
    new_event(account, subject="Next")  # the connection is usable again
    assert len(server.items(ANNA, "calendar")) == 2


def test_request_log(server, account):
    account.calendar  # noqa: B018
    server.reset_requests()
    item = new_event(account)
    account.calendar.get(id=item.id)
    item.delete()
    assert server.requests == [("CreateItem", ANNA), ("GetItem", ANNA), ("DeleteItem", ANNA)]
    assert server.count_requests("GetItem", ANNA) == 1
    assert server.request_details[0]["user"] == ANNA
    server.reset_requests()
    assert server.requests == []


def test_resolve_names_and_convert_id(server, account):
    from exchangelib.properties import ENTRY_ID, EWS_ID, AlternateId

    assert account.version.build  # the protocol knows the server version from now on
    resolved = account.protocol.resolve_names(["bob@example.com"])
    assert [m.email_address for m in resolved] == ["bob@example.com"]
    (missing,) = account.protocol.resolve_names(["nobody-here"])
    assert isinstance(missing, ErrorNameResolutionNoResults)
    item = new_event(account)
    converted = list(
        account.protocol.convert_ids(
            [AlternateId(id=item.id, format=EWS_ID, mailbox=ANNA)], destination_format=ENTRY_ID
        )
    )
    back = list(
        account.protocol.convert_ids(
            [AlternateId(id=converted[0].id, format=ENTRY_ID, mailbox=ANNA)],
            destination_format=EWS_ID,
        )
    )
    assert back[0].id == item.id


def test_failures_after_some_requests_pass(server, account):
    """A server failing mid-batch: the first requests pass, the next ones fail, then it recovers."""
    account.calendar  # noqa: B018
    server.fail_next("CreateItem", error="ErrorServerBusy", count=2, after=2)
    new_event(account, subject="1")
    new_event(account, subject="2")
    for _ in range(2):
        with pytest.raises(ErrorServerBusy):
            new_event(account, subject="lost")
    new_event(account, subject="3")
    assert sorted(i["subject"] for i in server.items(ANNA, "calendar")) == ["1", "2", "3"]

    server.drop_connection_after_next("UpdateItem", after=1)
    first, second = server.items(ANNA, "calendar")[:2]
    server.reset_requests()
    for stored, subject in ((first, "1 changed"), (second, "2 changed")):
        item = account.calendar.get(id=stored.id)
        item.subject = subject
        try:
            item.save(update_fields=["subject"])
        except ErrorTimeoutExpired:
            assert subject == "2 changed"
    # both updates were applied, the second answer was lost
    assert (server.item(first.id)["subject"], server.item(second.id)["subject"]) == (
        "1 changed",
        "2 changed",
    )
    assert server.count_requests("UpdateItem") == 2
    server.fail_next("GetItem", count=5)
    server.clear_faults()
    assert account.calendar.get(id=first.id).subject == "1 changed"


def test_contacts_sync_and_shared_folder(server, account):
    server.add_mailbox("shared-contacts@example.com", name="Shared contacts")
    server.grant_access("shared-contacts@example.com", ANNA)
    shared = basic_account(server, "shared-contacts@example.com", "secret", username=ANNA)
    contact = Contact(
        account=shared,
        folder=shared.contacts,
        given_name="Ursula",
        surname="Meier",
        display_name="Ursula Meier",
        company_name="Alpen Präzision AG",
        email_addresses=[EmailAddress(label="EmailAddress1", email="u.meier@alpen.example")],
    )
    contact.save()
    assert [i["display_name"] for i in server.items("shared-contacts@example.com", "contacts")] == [
        "Ursula Meier"
    ]
    assert server.items(ANNA, "contacts") == []
    changes = list(shared.contacts.sync_items())
    assert [(c, i.display_name, i.company_name) for c, i in changes] == [
        ("create", "Ursula Meier", "Alpen Präzision AG")
    ]
    assert changes[0][1].email_addresses[0].email == "u.meier@alpen.example"
    assert ("CreateItem", "shared-contacts@example.com") in server.requests


def test_server_side_modification_time(server, account):
    item = new_event(account)
    when = datetime.datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    server.modify_item(item.id, modified_at=when, subject="Old edit in Outlook")
    fetched = account.calendar.get(id=item.id)
    assert fetched.last_modified_time == when
    assert fetched.changekey != item.changekey
    assert fetched.subject == "Old edit in Outlook"


def test_unsupported_operation_is_a_clear_error(server, account):
    from exchangelib.errors import ErrorInvalidOperation

    with pytest.raises(ErrorInvalidOperation, match="does not support GetUserOofSettings"):
        account.oof_settings  # noqa: B018
    assert server.errors == []


def test_moving_to_trash_in_outlook_is_a_delete_for_the_sync(server, account):
    item = new_event(account)
    _changes, state = sync(account.calendar, None)
    server.delete_item(item.id, to_trash=True)
    assert sync(account.calendar, state)[0] == [("delete", item.id)]
    assert [i.id for i in server.items(ANNA, "deleteditems")] == [item.id]


def test_concurrent_clients(server):
    """Several workers syncing at once (Odoo with several workers): nothing lost, nothing twice."""
    import threading

    mailboxes = [f"user{i}@example.com" for i in range(4)]
    for address in mailboxes:
        server.add_mailbox(address, password="pw")
    errors = []

    def work(address):
        try:
            account = basic_account(server, address, "pw")
            for i in range(10):
                new_event(
                    account, subject=f"{address} {i}", fake_ref=f"calendar.event,{i}@{address}"
                )
            account.calendar.item_sync_state = None
            assert len(list(account.calendar.sync_items())) == 10
        except Exception as e:  # reported below
            errors.append(e)

    threads = [threading.Thread(target=work, args=(address,)) for address in mailboxes]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    ids = [item.id for address in mailboxes for item in server.items(address, "calendar")]
    assert len(ids) == len(set(ids)) == 40


def test_all_day_event_made_in_outlook(server, account):
    created = server.create_item(
        ANNA,
        "calendar",
        subject="Betriebsausflug",
        is_all_day=True,
        start=datetime.date(2026, 7, 10),
        end=datetime.date(2026, 7, 11),
        timezone="W. Europe Standard Time",
    )
    assert created["start"] == datetime.datetime(2026, 7, 9, 22, 0, tzinfo=UTC)
    fetched = account.calendar.get(id=created.id)
    assert (fetched.is_all_day, fetched.start, fetched.end) == (
        True,
        EWSDate(2026, 7, 10),
        EWSDate(2026, 7, 10),  # exchangelib: inclusive end date
    )
