"""Conversions between exchangelib items and the neutral values of :mod:`.base`.

Reading (``*_values``) turns an exchangelib item into a dict of neutral values; writing
(``apply_*``) sets the
exchangelib fields named by the neutral keys present in a values dict and returns the names of the
fields it set, so
an update only touches what the caller sends.
"""

import datetime
import html
from decimal import Decimal

from dateutil import rrule
from exchangelib import (
    Body,
    CalendarItem,
    Contact,
    EWSDate,
    EWSDateTime,
    EWSTimeZone,
    ExtendedProperty,
    HTMLBody,
    Task,
)
from exchangelib.indexed_properties import EmailAddress, PhoneNumber, PhysicalAddress
from exchangelib.properties import Attendee, Mailbox
from exchangelib.recurrence import (
    AbsoluteMonthlyPattern,
    AbsoluteYearlyPattern,
    DailyPattern,
    EndDatePattern,
    NoEndPattern,
    NumberedPattern,
    Recurrence,
    RelativeMonthlyPattern,
    RelativeYearlyPattern,
    WeeklyPattern,
)

UTC = datetime.UTC

ODOO_REF_FIELD = "crm_odoo_ref"
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
WEEK_NUMBER_LAST = -1  # neutral "last week of the month"; EWS calls it "Last" (index 5)

RESPONSE_FROM_EWS = {
    "Accept": "accepted",
    "Organizer": "accepted",
    "Decline": "declined",
    "Tentative": "tentative",
    "Unknown": "needsAction",
    "NoResponseReceived": "needsAction",
}
RESPONSE_TO_EWS = {
    "accepted": "Accept",
    "declined": "Decline",
    "tentative": "Tentative",
    "needsAction": "NoResponseReceived",
}
TASK_STATUS_FROM_EWS = {
    "NotStarted": "not_started",
    "InProgress": "in_progress",
    "Completed": "completed",
    "WaitingOnOthers": "waiting",
    "Deferred": "deferred",
}
TASK_STATUS_TO_EWS = {value: key for key, value in TASK_STATUS_FROM_EWS.items()}
PHONE_LABELS = {
    "business": "BusinessPhone",
    "mobile": "MobilePhone",
    "home": "HomePhone",
    "business_fax": "BusinessFax",
}
EMAIL_LABELS = ("EmailAddress1", "EmailAddress2", "EmailAddress3")
ADDRESS_LABEL = "Business"
ADDRESS_FIELDS = {
    "street": "street",
    "city": "city",
    "zip": "zipcode",
    "state": "state",
    "country": "country",
}
MAX_OCCURRENCES = 999  # EWS limit of a numbered recurrence; also bounds the index search


# What the reading functions below (``*_values``) use of an item, and nothing more: a sync reads
# items with these fields only (IdOnly plus these properties) instead of all their properties.
# exchangelib adds the time zone fields of start and end itself (the ones the server's version has).
READ_FIELDS = {
    "event": (
        "subject", "body", "location", "start", "end", "is_all_day", "required_attendees",
        "optional_attendees", "organizer", "sensitivity", "recurrence", "modified_occurrences",
        "deleted_occurrences", "last_modified_time", ODOO_REF_FIELD,
    ),
    "task": (
        "subject", "body", "start_date", "due_date", "status", "percent_complete",
        "complete_date", "last_modified_time", ODOO_REF_FIELD,
    ),
    "contact": (
        "given_name", "surname", "display_name", "company_name", "job_title", "department",
        "email_addresses", "phone_numbers", "physical_addresses", "last_modified_time",
        ODOO_REF_FIELD,
    ),
}  # fmt: skip


class OdooReference(ExtendedProperty):
    """The Odoo identity of an item ("calendar.event,42@<database uuid>"), stored in a named MAPI
    property."""

    property_set_id = "9c5901a1-b43f-45f4-9bc9-33fa89033930"
    property_name = "CrmOdooRef"
    property_type = "String"


def _calendar_item_from_xml(cls, elem, account):
    """CalendarItem.from_xml with calendar-day arithmetic for all-day bounds.

    exchangelib 5.6 turns the exclusive all-day end into an inclusive date by subtracting 24 hours
    *before* converting
    to the event's time zone, which gives the wrong day when the end falls right after a change to
    summer time (an
    all-day event ending on the last Sunday of March loses a day).  Here the instant is converted
    first and one
    calendar day is subtracted from the local date.
    """
    item = super(CalendarItem, cls).from_xml(elem=elem, account=account)
    if not item.is_all_day:
        return item
    for field_name in ("start", "end"):
        value = getattr(item, field_name)
        if not isinstance(value, datetime.datetime):
            continue
        tz = getattr(item, f"_{field_name}_timezone") or EWSTimeZone("UTC")
        local_date = value.astimezone(tz).date()
        if field_name == "end":
            local_date -= datetime.timedelta(days=1)
        setattr(item, field_name, ews_date(local_date))
    return item


def register_extended_properties():
    """Register :class:`OdooReference` once on every item class we sync, and fix all-day dates
    (idempotent)."""
    for item_cls in (CalendarItem, Task, Contact):
        if ODOO_REF_FIELD not in {field.name for field in item_cls.FIELDS}:
            item_cls.register(ODOO_REF_FIELD, OdooReference)
    if not getattr(CalendarItem.from_xml, "_crm_exchange_sync", False):
        CalendarItem.from_xml = classmethod(_calendar_item_from_xml)
        CalendarItem.from_xml.__func__._crm_exchange_sync = True


# ----------------------------------------------------------------------
# Small value helpers
# ----------------------------------------------------------------------
def to_utc(value):
    """An aware ``datetime.datetime`` in UTC (no exchangelib subclass), or None."""
    if value is None:
        return None
    if isinstance(value, datetime.datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return datetime.datetime.fromtimestamp(value.timestamp(), tz=UTC)
    return datetime.datetime(value.year, value.month, value.day, tzinfo=UTC)


def to_date(value):
    if value is None:
        return None
    if isinstance(value, datetime.datetime):
        value = value.date()
    return datetime.date(value.year, value.month, value.day)


def ews_date(value):
    return EWSDate(value.year, value.month, value.day)


def ews_timezone(name):
    """EWSTimeZone for an IANA name; falls back to UTC for names Windows does not know."""
    try:
        return EWSTimeZone(name or "UTC")
    except Exception:
        return EWSTimeZone("UTC")


def ews_datetime(value, timezone):
    """Aware EWSDateTime of ``value`` expressed in ``timezone`` (an EWSTimeZone)."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return EWSDateTime.from_datetime(value.astimezone(UTC)).astimezone(timezone)


def body_to_html(body):
    if not body:
        return ""
    if isinstance(body, HTMLBody):
        return str(body)
    return "<p>" + html.escape(str(body)).replace("\n", "<br/>") + "</p>"


def html_body(value):
    return HTMLBody(value) if value else Body("")


def _weekday_names(values):
    names = []
    for value in values or ():
        if isinstance(value, int):
            if 1 <= value <= 7:
                names.append(WEEKDAYS[value - 1])
        elif isinstance(value, str) and value[:3].lower() in WEEKDAYS:
            names.append(value[:3].lower())
    return names


def _weekday_numbers(names):
    return [WEEKDAYS.index(name) + 1 for name in names or () if name in WEEKDAYS]


def _enum_index(value, enum):
    """exchangelib enum fields hold 1-based indexes, but accept names; normalise to the index."""
    if isinstance(value, str):
        return enum.index(value) + 1
    return value


# ----------------------------------------------------------------------
# Events
# ----------------------------------------------------------------------
def event_values(item, occurrence_subjects=None):
    """Neutral values of a CalendarItem (single or recurring master).

    ``occurrence_subjects``: {occurrence item id: subject} fetched for modified occurrences.
    """
    tz = item._start_timezone or EWSTimeZone("UTC")
    all_day = bool(item.is_all_day)
    values = {
        "subject": item.subject or "",
        "body": body_to_html(item.body),
        "location": item.location or "",
        "all_day": all_day,
        "timezone": getattr(tz, "key", "UTC"),
        "attendees": _attendees_values(item),
        "organizer_email": item.organizer.email_address if item.organizer else None,
        "is_private": item.sensitivity in ("Private", "Confidential"),
        "recurrence": recurrence_values(item.recurrence),
        "exceptions": exceptions_values(item, occurrence_subjects or {}),
    }
    if all_day:
        # exchangelib returns all-day bounds as dates with an inclusive end; the contract's end is
        # exclusive
        start_date = to_date(item.start)
        end_date = to_date(item.end) + datetime.timedelta(days=1) if item.end else start_date
        values.update(
            start_date=start_date,
            end_date=end_date,
            start=to_utc(datetime.datetime.combine(start_date, datetime.time(), tzinfo=tz)),
            end=to_utc(datetime.datetime.combine(end_date, datetime.time(), tzinfo=tz)),
        )
    else:
        values.update(
            start=to_utc(item.start), end=to_utc(item.end), start_date=None, end_date=None
        )
    return values


def _attendees_values(item):
    attendees = []
    for optional, group in ((False, item.required_attendees), (True, item.optional_attendees)):
        for attendee in group or ():
            mailbox = attendee.mailbox
            if not mailbox or not mailbox.email_address:
                continue
            attendees.append(
                {
                    "email": mailbox.email_address,
                    "name": mailbox.name or "",
                    "response": RESPONSE_FROM_EWS.get(attendee.response_type, "needsAction"),
                    "optional": optional,
                }
            )
    return attendees


def recurrence_values(recurrence):
    if not recurrence or not recurrence.pattern:
        return None
    pattern, boundary = recurrence.pattern, recurrence.boundary
    values = {
        "freq": None,
        "interval": getattr(pattern, "interval", None) or 1,
        "weekdays": [],
        "day_of_month": None,
        "week_number": None,
        "month": None,
        "count": None,
        "until": None,
    }
    if isinstance(pattern, DailyPattern):
        values["freq"] = "daily"
    elif isinstance(pattern, WeeklyPattern):
        values.update(freq="weekly", weekdays=_weekday_names(pattern.weekdays))
    elif isinstance(pattern, AbsoluteMonthlyPattern):
        values.update(freq="monthly", day_of_month=pattern.day_of_month)
    elif isinstance(pattern, RelativeMonthlyPattern):
        values.update(
            freq="monthly",
            weekdays=_weekday_names([pattern.weekday]),
            week_number=_week_number(pattern.week_number),
        )
    elif isinstance(pattern, AbsoluteYearlyPattern):
        values.update(freq="yearly", day_of_month=pattern.day_of_month, month=_month(pattern.month))
    elif isinstance(pattern, RelativeYearlyPattern):
        values.update(
            freq="yearly",
            weekdays=_weekday_names([pattern.weekday]),
            week_number=_week_number(pattern.week_number),
            month=_month(pattern.month),
        )
    else:
        return None
    if isinstance(boundary, NumberedPattern):
        values["count"] = boundary.number
    elif isinstance(boundary, EndDatePattern):
        values["until"] = to_date(boundary.end)
    return values


def _week_number(value):
    from exchangelib.fields import WEEK_NUMBERS

    index = _enum_index(value, WEEK_NUMBERS)
    return WEEK_NUMBER_LAST if index == len(WEEK_NUMBERS) else index


def _month(value):
    from exchangelib.fields import MONTHS

    return _enum_index(value, MONTHS)


def exceptions_values(item, occurrence_subjects):
    exceptions = []
    for occurrence in item.modified_occurrences or ():
        exceptions.append(
            {
                "original_start": to_utc(occurrence.original_start),
                "deleted": False,
                "start": to_utc(occurrence.start),
                "end": to_utc(occurrence.end),
                "subject": occurrence_subjects.get(occurrence.id),
                "item_id": occurrence.id,
            }
        )
    for occurrence in item.deleted_occurrences or ():
        exceptions.append(
            {
                "original_start": to_utc(occurrence.start),
                "deleted": True,
                "start": None,
                "end": None,
                "subject": None,
                "item_id": None,
            }
        )
    exceptions.sort(
        key=lambda exception: exception["original_start"]
        or datetime.datetime.min.replace(tzinfo=UTC)
    )
    return exceptions


def apply_event_values(item, values):
    """Set the CalendarItem fields of the neutral keys present in ``values``; return the
    exchangelib field names."""
    fields = []
    tz_name = values.get("timezone") or (item._start_timezone and item._start_timezone.key) or "UTC"
    tz = ews_timezone(tz_name)
    if "subject" in values:
        item.subject = values["subject"] or ""
        fields.append("subject")
    if "body" in values:
        item.body = html_body(values["body"])
        fields.append("body")
    if "location" in values:
        item.location = values["location"] or None
        fields.append("location")
    if "is_private" in values:
        item.sensitivity = "Private" if values["is_private"] else "Normal"
        fields.append("sensitivity")
    if "attendees" in values:
        item.required_attendees = [
            Attendee(
                mailbox=Mailbox(email_address=attendee["email"], name=attendee.get("name") or None),
                response_type=RESPONSE_TO_EWS.get(attendee.get("response"), "Unknown"),
            )
            for attendee in values["attendees"] or ()
            if attendee.get("email") and not attendee.get("optional")
        ] or None
        item.optional_attendees = [
            Attendee(
                mailbox=Mailbox(email_address=attendee["email"], name=attendee.get("name") or None),
                response_type=RESPONSE_TO_EWS.get(attendee.get("response"), "Unknown"),
            )
            for attendee in values["attendees"] or ()
            if attendee.get("email") and attendee.get("optional")
        ] or None
        fields += ["required_attendees", "optional_attendees"]
    if {"start", "end", "all_day", "start_date", "end_date", "timezone"} & set(values):
        item._start_timezone = tz
        item._end_timezone = tz
        if values.get("all_day"):
            start_date = values.get("start_date") or to_date(values["start"].astimezone(tz))
            end_date = values.get("end_date") or start_date + datetime.timedelta(days=1)
            item.is_all_day = True
            item.start = ews_date(start_date)
            # exchangelib adds one day to an all-day end when sending; the neutral end is already
            # exclusive
            item.end = ews_date(max(end_date - datetime.timedelta(days=1), start_date))
        else:
            item.is_all_day = False
            item.start = ews_datetime(values["start"], tz)
            item.end = ews_datetime(values.get("end") or values["start"], tz)
        fields += ["start", "end", "is_all_day", "_start_timezone", "_end_timezone"]
    if "recurrence" in values:
        item.recurrence = recurrence_from_values(
            values["recurrence"], local_start_date(values, item, tz)
        )
        fields.append("recurrence")
    return fields


def local_start_date(values, item, tz):
    if values.get("all_day") and values.get("start_date"):
        return values["start_date"]
    start = values.get("start") or item.start
    if isinstance(start, datetime.datetime):
        return start.astimezone(tz).date()
    return start


def recurrence_from_values(recurrence, start_date):
    if not recurrence or not recurrence.get("freq"):
        return None
    freq = recurrence["freq"]
    interval = max(int(recurrence.get("interval") or 1), 1)
    weekdays = _weekday_numbers(recurrence.get("weekdays"))
    week_number = recurrence.get("week_number")
    if week_number == WEEK_NUMBER_LAST:
        week_number = 5
    month = recurrence.get("month") or start_date.month
    if freq == "daily":
        pattern = DailyPattern(interval=interval)
    elif freq == "weekly":
        pattern = WeeklyPattern(
            interval=interval, weekdays=weekdays or [start_date.isoweekday()], first_day_of_week=1
        )
    elif freq == "monthly" and week_number and weekdays:
        pattern = RelativeMonthlyPattern(
            interval=interval, weekday=weekdays[0], week_number=week_number
        )
    elif freq == "monthly":
        pattern = AbsoluteMonthlyPattern(
            interval=interval, day_of_month=recurrence.get("day_of_month") or start_date.day
        )
    elif freq == "yearly" and week_number and weekdays:
        pattern = RelativeYearlyPattern(weekday=weekdays[0], week_number=week_number, month=month)
    elif freq == "yearly":
        pattern = AbsoluteYearlyPattern(
            day_of_month=recurrence.get("day_of_month") or start_date.day, month=month
        )
    else:
        raise ValueError(f"Unknown recurrence frequency {freq!r}")
    start = ews_date(start_date)
    if recurrence.get("count"):
        boundary = NumberedPattern(
            start=start, number=min(int(recurrence["count"]), MAX_OCCURRENCES)
        )
    elif recurrence.get("until"):
        boundary = EndDatePattern(start=start, end=ews_date(to_date(recurrence["until"])))
    else:
        boundary = NoEndPattern(start=start)
    return Recurrence(pattern=pattern, boundary=boundary)


def occurrence_index(recurrence, first_start, timezone, original_start):
    """1-based InstanceIndex of the occurrence starting at ``original_start`` in a series, or None.

    ``first_start``: start of the series (aware); both instants are compared in the series'
    ``timezone`` (an IANA
    name), where the pattern is defined, so a DST change between them does not shift the match.
    """
    tz = ews_timezone(timezone)
    start_local = first_start.astimezone(tz).replace(tzinfo=None)
    wanted = original_start.astimezone(tz).replace(tzinfo=None)
    rule = _rrule(recurrence, start_local)
    for index, occurrence in enumerate(rule, start=1):
        if occurrence == wanted:
            return index
        if occurrence > wanted or index >= MAX_OCCURRENCES:
            return None
    return None


def _rrule(recurrence, start_local):
    freq = recurrence["freq"]
    kwargs = {
        "dtstart": start_local,
        "interval": max(int(recurrence.get("interval") or 1), 1),
        "wkst": rrule.MO,
    }
    weekdays = [
        rrule.weekdays[WEEKDAYS.index(name)]
        for name in recurrence.get("weekdays") or ()
        if name in WEEKDAYS
    ]
    week_number = recurrence.get("week_number")
    if freq == "daily":
        kwargs["freq"] = rrule.DAILY
    elif freq == "weekly":
        kwargs.update(freq=rrule.WEEKLY, byweekday=weekdays or None)
    elif freq in ("monthly", "yearly"):
        kwargs["freq"] = rrule.MONTHLY if freq == "monthly" else rrule.YEARLY
        if freq == "yearly":
            kwargs.update(interval=1, bymonth=recurrence.get("month") or start_local.month)
        if week_number and weekdays:
            kwargs["byweekday"] = [weekdays[0](week_number)]
        else:
            kwargs["bymonthday"] = recurrence.get("day_of_month") or start_local.day
    if recurrence.get("count"):
        kwargs["count"] = int(recurrence["count"])
    elif recurrence.get("until"):
        kwargs["until"] = datetime.datetime.combine(to_date(recurrence["until"]), datetime.time.max)
    return rrule.rrule(**kwargs)


# ----------------------------------------------------------------------
# Tasks
# ----------------------------------------------------------------------
def task_values(item):
    percent = item.percent_complete
    return {
        "subject": item.subject or "",
        "body": body_to_html(item.body),
        "start_date": to_date(item.start_date),
        "due_date": to_date(item.due_date),
        "status": TASK_STATUS_FROM_EWS.get(item.status, "not_started"),
        "percent_complete": int(percent) if percent is not None else 0,
        "complete_date": to_utc(item.complete_date),
    }


def apply_task_values(item, values):
    fields = []
    if "subject" in values:
        item.subject = values["subject"] or ""
        fields.append("subject")
    if "body" in values:
        item.body = html_body(values["body"])
        fields.append("body")
    for key in ("start_date", "due_date"):
        if key in values:
            value = to_date(values[key])
            setattr(item, key, ews_date(value) if value else None)
            fields.append(key)
    if "status" in values:
        item.status = TASK_STATUS_TO_EWS.get(values["status"] or "not_started", "NotStarted")
        fields.append("status")
    if "percent_complete" in values or "status" in values:
        percent = values.get("percent_complete")
        if item.status == "Completed":
            percent = 100
        elif item.status == "NotStarted":
            percent = 0
        item.percent_complete = Decimal(min(max(int(percent or 0), 0), 100))
        fields.append("percent_complete")
    return fields


# ----------------------------------------------------------------------
# Contacts
# ----------------------------------------------------------------------
def contact_values(item):
    emails = sorted(item.email_addresses or (), key=lambda email: email.label or "")
    phones = dict.fromkeys(PHONE_LABELS)
    labels = {ews_label: neutral for neutral, ews_label in PHONE_LABELS.items()}
    for phone in item.phone_numbers or ():
        if phone.label in labels and phone.phone_number:
            phones[labels[phone.label]] = phone.phone_number
    addresses = item.physical_addresses or ()
    address = next(
        (a for a in addresses if a.label == ADDRESS_LABEL), addresses[0] if addresses else None
    )
    return {
        "given_name": item.given_name or "",
        "surname": item.surname or "",
        "display_name": item.display_name or "",
        "company_name": item.company_name or "",
        "job_title": item.job_title or "",
        "department": item.department or "",
        "emails": [email.email for email in emails if email.email][:3],
        "phones": phones,
        "address": {
            key: (getattr(address, attr, None) or "") if address else ""
            for key, attr in ADDRESS_FIELDS.items()
        },
    }


def apply_contact_values(item, values, current=None):
    """Set the Contact fields present in ``values``.

    ``current``: the item as stored on the server, so phone numbers and addresses of labels this
    sync does not manage
    (e.g. a home address or a car phone typed in Outlook) are kept instead of being deleted by the
    update.
    """
    fields = []
    for key in ("given_name", "surname", "company_name", "job_title", "department"):
        if key in values:
            setattr(item, key, values[key] or None)
            fields.append(key)
    if "display_name" in values or not item.id:
        # DisplayName is required: fall back to the name parts, then the company
        display_name = values.get("display_name") or " ".join(
            part for part in (values.get("given_name"), values.get("surname")) if part
        )
        item.display_name = display_name or values.get("company_name") or item.display_name or "-"
        fields.append("display_name")
    if "emails" in values:
        emails = [email for email in values["emails"] or () if email][:3]
        item.email_addresses = [
            EmailAddress(label=label, email=email)
            for label, email in zip(EMAIL_LABELS, emails, strict=False)
        ] or None
        fields.append("email_addresses")
    if "phones" in values:
        managed = set(PHONE_LABELS.values())
        kept = [
            phone
            for phone in (current.phone_numbers if current else None) or ()
            if phone.label not in managed
        ]
        item.phone_numbers = (
            kept
            + [
                PhoneNumber(label=PHONE_LABELS[key], phone_number=number)
                for key, number in (values["phones"] or {}).items()
                if key in PHONE_LABELS and number
            ]
            or None
        )
        fields.append("phone_numbers")
    if "address" in values:
        kept = [
            a
            for a in (current.physical_addresses if current else None) or ()
            if a.label != ADDRESS_LABEL
        ]
        address = values["address"] or {}
        if any(address.get(key) for key in ADDRESS_FIELDS):
            kept.append(
                PhysicalAddress(
                    label=ADDRESS_LABEL,
                    **{attr: address.get(key) or None for key, attr in ADDRESS_FIELDS.items()},
                )
            )
        item.physical_addresses = kept or None
        fields.append("physical_addresses")
    return fields
