"""Recurring series on the fake EWS server through exchangelib: patterns and boundaries, occurrences
by index, exceptions, deleted occurrences, calendar views and time zones across DST."""

import datetime

import pytest
from exchangelib import CalendarItem, EWSDate, EWSDateTime, EWSTimeZone
from exchangelib.errors import (
    ErrorCalendarOccurrenceIndexIsOutOfRecurrenceRange,
    ErrorCalendarOccurrenceIsDeletedFromRecurrence,
)
from exchangelib.fields import FRIDAY, MONDAY, WEDNESDAY
from exchangelib.recurrence import (
    AbsoluteMonthlyPattern,
    AbsoluteYearlyPattern,
    DailyPattern,
    EndDatePattern,
    NoEndPattern,
    NumberedPattern,
    Recurrence,
    RelativeMonthlyPattern,
    WeeklyPattern,
)
from fake_ews import FakeExchangeServer
from fake_ews.testing import basic_account

UTC = datetime.timezone.utc
BERLIN = EWSTimeZone("Europe/Berlin")
ANNA = "anna@example.com"


@pytest.fixture
def server():
    srv = FakeExchangeServer().start()
    srv.add_mailbox(ANNA, password="secret", name="Anna Example")
    yield srv
    srv.stop()
    assert srv.errors == [], srv.errors[0][1]  # no internal error of the fake server


@pytest.fixture
def account(server):
    return basic_account(server, ANNA, "secret")


def berlin(*args):
    return EWSDateTime(*args, tzinfo=BERLIN)


def series(account, start, end, pattern, boundary, subject="Jour fixe"):
    item = CalendarItem(
        account=account,
        folder=account.calendar,
        subject=subject,
        start=start,
        end=end,
        recurrence=Recurrence(pattern=pattern, boundary=boundary),
    )
    item.save()
    return item


def local_starts(view, subject=None):
    return [
        item.start.astimezone(BERLIN).replace(tzinfo=None).isoformat(timespec="minutes")
        for item in view
        if subject is None or item.subject == subject
    ]


def test_weekly_series_with_exception_and_deleted_occurrence(server, account):
    master = series(
        account,
        berlin(2026, 3, 16, 10, 0),
        berlin(2026, 3, 16, 11, 0),
        WeeklyPattern(interval=1, weekdays=[MONDAY, WEDNESDAY]),
        NumberedPattern(start=EWSDate(2026, 3, 16), number=6),
    )
    fetched = account.calendar.get(id=master.id)
    assert fetched.type == "RecurringMaster"
    assert fetched.recurrence.pattern.weekdays == [1, 3]  # Monday, Wednesday
    assert fetched.recurrence.boundary.number == 6
    assert fetched.recurrence.boundary.start == EWSDate(2026, 3, 16)
    assert fetched.first_occurrence.start == berlin(2026, 3, 16, 10, 0)
    assert fetched.last_occurrence.start == berlin(
        2026, 4, 1, 10, 0
    )  # summer time: still 10:00 local
    assert server.item(master.id)["calendar_item_type"] == "RecurringMaster"

    # the third occurrence becomes an exception, the fourth is deleted
    third = fetched.occurrence(3)
    third.refresh()
    assert (third.type, third.start, third.original_start) == (
        "Occurrence",
        berlin(2026, 3, 23, 10, 0),
        berlin(2026, 3, 23, 10, 0),
    )
    third.subject = "Jour fixe (moved)"
    third.start = berlin(2026, 3, 23, 14, 0)
    third.end = berlin(2026, 3, 23, 15, 0)
    third.save(update_fields=["subject", "start", "end"])
    fourth = fetched.occurrence(4)
    fourth.refresh()
    fourth.delete()

    fetched = account.calendar.get(id=master.id)
    assert fetched.changekey != master.changekey
    (modified,) = fetched.modified_occurrences
    assert (modified.start, modified.original_start) == (
        berlin(2026, 3, 23, 14, 0),
        berlin(2026, 3, 23, 10, 0),
    )
    assert [d.start for d in fetched.deleted_occurrences] == [berlin(2026, 3, 25, 10, 0)]
    stored = server.item(master.id)
    assert stored["modified_occurrences"][0]["subject"] == "Jour fixe (moved)"
    assert stored["deleted_occurrences"] == [datetime.datetime(2026, 3, 25, 9, 0, tzinfo=UTC)]

    exception = account.calendar.get(id=modified.id)
    assert (exception.type, exception.subject) == ("Exception", "Jour fixe (moved)")
    master_again = exception.recurring_master()
    master_again.refresh()
    assert (master_again.id, master_again.type) == (master.id, "RecurringMaster")

    with pytest.raises(ErrorCalendarOccurrenceIsDeletedFromRecurrence):
        fetched.occurrence(4).refresh()
    with pytest.raises(ErrorCalendarOccurrenceIndexIsOutOfRecurrenceRange):
        fetched.occurrence(7).refresh()

    view = list(account.calendar.view(start=berlin(2026, 3, 1, 0, 0), end=berlin(2026, 5, 1, 0, 0)))
    assert [(item.type, item.subject) for item in view] == [
        ("Occurrence", "Jour fixe"),
        ("Occurrence", "Jour fixe"),
        ("Exception", "Jour fixe (moved)"),
        ("Occurrence", "Jour fixe"),
        ("Occurrence", "Jour fixe"),
    ]
    assert local_starts(view) == [
        "2026-03-16T10:00",
        "2026-03-18T10:00",
        "2026-03-23T14:00",
        "2026-03-30T10:00",
        "2026-04-01T10:00",
    ]

    # a change of the pattern drops the exceptions, as in Exchange
    fetched.recurrence = Recurrence(
        pattern=WeeklyPattern(interval=2, weekdays=[FRIDAY]), start=EWSDate(2026, 3, 20), number=3
    )
    fetched.save(update_fields=["recurrence"])
    again = account.calendar.get(id=master.id)
    assert again.modified_occurrences is None and again.deleted_occurrences is None
    view = account.calendar.view(start=berlin(2026, 3, 1, 0, 0), end=berlin(2026, 5, 1, 0, 0))
    assert local_starts(view) == ["2026-03-20T10:00", "2026-04-03T10:00", "2026-04-17T10:00"]


def test_occurrence_changes_reach_sync_as_master_updates(server, account):
    master = series(
        account,
        berlin(2026, 3, 2, 8, 0),
        berlin(2026, 3, 2, 8, 30),
        DailyPattern(interval=1),
        NumberedPattern(start=EWSDate(2026, 3, 2), number=5),
    )
    account.calendar.item_sync_state = None
    assert [c for c, _i in account.calendar.sync_items()] == ["create"]
    state = account.calendar.item_sync_state
    server.modify_occurrence(master.id, 2, subject="Changed in Outlook")
    server.delete_occurrence(master.id, datetime.datetime(2026, 3, 4, 7, 0, tzinfo=UTC))
    changes = list(account.calendar.sync_items(sync_state=state))
    assert [(c, i.id) for c, i in changes] == [("update", master.id)]
    item = changes[0][1]
    assert [o.original_start for o in item.modified_occurrences] == [berlin(2026, 3, 3, 8, 0)]
    assert [d.start for d in item.deleted_occurrences] == [berlin(2026, 3, 4, 8, 0)]
    exception = account.calendar.get(id=item.modified_occurrences[0].id)
    assert exception.subject == "Changed in Outlook"


@pytest.mark.parametrize(
    ("pattern", "boundary", "expected"),
    [
        (
            DailyPattern(interval=2),
            EndDatePattern(start=EWSDate(2026, 3, 27), end=EWSDate(2026, 4, 2)),
            ["2026-03-27T09:00", "2026-03-29T09:00", "2026-03-31T09:00", "2026-04-02T09:00"],
        ),
        (
            AbsoluteMonthlyPattern(interval=1, day_of_month=31),
            NumberedPattern(start=EWSDate(2026, 1, 31), number=3),
            ["2026-01-31T09:00", "2026-02-28T09:00", "2026-03-31T09:00"],
        ),
        (
            RelativeMonthlyPattern(interval=1, weekday=1, week_number=5),  # last Monday
            NumberedPattern(start=EWSDate(2026, 1, 1), number=3),
            ["2026-01-26T09:00", "2026-02-23T09:00", "2026-03-30T09:00"],
        ),
        (
            AbsoluteYearlyPattern(day_of_month=15, month=6),
            NumberedPattern(start=EWSDate(2026, 1, 1), number=3),
            ["2026-06-15T09:00", "2027-06-15T09:00", "2028-06-15T09:00"],
        ),
        (
            WeeklyPattern(interval=1, weekdays=[FRIDAY]),
            NoEndPattern(start=EWSDate(2026, 1, 2)),
            None,  # checked below: never ends
        ),
    ],
)
def test_patterns(server, account, pattern, boundary, expected):
    first = boundary.start
    master = series(
        account,
        berlin(first.year, first.month, first.day, 9, 0),
        berlin(first.year, first.month, first.day, 10, 0),
        pattern,
        boundary,
    )
    view = list(account.calendar.view(start=berlin(2026, 1, 1, 0, 0), end=berlin(2029, 1, 1, 0, 0)))
    if expected is None:
        starts = local_starts(view)
        assert starts[:2] == ["2026-01-02T09:00", "2026-01-09T09:00"]
        assert starts[-1] == "2028-12-29T09:00"
        assert account.calendar.get(id=master.id).last_occurrence is None
        return
    assert local_starts(view) == expected
    fetched = account.calendar.get(id=master.id)
    assert type(fetched.recurrence.pattern) is type(pattern)


def test_calendar_view_limits(server, account):
    series(
        account,
        berlin(2026, 3, 2, 8, 0),
        berlin(2026, 3, 2, 9, 0),
        DailyPattern(interval=1),
        NoEndPattern(start=EWSDate(2026, 3, 2)),
        subject="Daily",
    )
    view = account.calendar.view(start=berlin(2026, 3, 10, 8, 30), end=berlin(2026, 3, 12, 8, 0))
    assert local_starts(view) == ["2026-03-10T08:00", "2026-03-11T08:00"]
    view = account.calendar.view(
        start=berlin(2026, 3, 1, 0, 0), end=berlin(2026, 4, 1, 0, 0), max_items=5
    )
    assert len(list(view)) == 5


def test_all_day_series_in_berlin(server, account):
    item = CalendarItem(
        account=account,
        folder=account.calendar,
        subject="Inventur",
        start=EWSDate(2026, 3, 27),
        end=EWSDate(2026, 3, 27),
        is_all_day=True,
        recurrence=Recurrence(
            pattern=DailyPattern(interval=1), start=EWSDate(2026, 3, 27), number=3
        ),
    )
    item.save()
    view = list(
        account.calendar.view(start=berlin(2026, 3, 26, 0, 0), end=berlin(2026, 4, 1, 0, 0))
    )
    assert [v.start for v in view] == [
        EWSDate(2026, 3, 27),
        EWSDate(2026, 3, 28),
        EWSDate(2026, 3, 29),
    ]
    # occurrences start at local midnight on both sides of the DST switch
    stored = server.item(item.id)
    assert stored["recurrence"]["count"] == 3
    assert stored["start"] == datetime.datetime(2026, 3, 26, 23, 0, tzinfo=UTC)


def test_saving_the_master_keeps_its_exceptions(server, account):
    master = series(
        account,
        berlin(2026, 3, 2, 8, 0),
        berlin(2026, 3, 2, 9, 0),
        DailyPattern(interval=1),
        NumberedPattern(start=EWSDate(2026, 3, 2), number=5),
    )
    server.modify_occurrence(master.id, 2, subject="Exception")
    server.delete_occurrence(master.id, 3)
    fetched = account.calendar.get(id=master.id)
    fetched.location = "Room 7"
    fetched.save()  # a full save re-sends the (unchanged) recurrence and start
    fetched = account.calendar.get(id=master.id)
    assert fetched.location == "Room 7"
    assert len(fetched.modified_occurrences) == 1 and len(fetched.deleted_occurrences) == 1
    # moving the series drops them, as Exchange does
    fetched.start = berlin(2026, 3, 2, 9, 0)
    fetched.end = berlin(2026, 3, 2, 10, 0)
    fetched.save(update_fields=["start", "end"])
    fetched = account.calendar.get(id=master.id)
    assert fetched.modified_occurrences is None and fetched.deleted_occurrences is None
    view = account.calendar.view(start=berlin(2026, 3, 1, 0, 0), end=berlin(2026, 3, 31, 0, 0))
    assert local_starts(view)[:2] == ["2026-03-02T09:00", "2026-03-03T09:00"]
