"""Python values -> stored item properties, for the server-side helpers that simulate edits made in
Outlook (``FakeExchangeServer.create_item`` / ``modify_item``)."""

import datetime

from .mailbox import PHYSICAL_ADDRESS_PARTS, ext_uri_element
from .soap import bool_text, format_datetime, t
from .timezones import zone_for_ms_id

# keyword -> element name, for properties holding one text value
TEXT_PROPERTIES = {
    "subject": "Subject",
    "location": "Location",
    "sensitivity": "Sensitivity",
    "importance": "Importance",
    "legacy_free_busy_status": "LegacyFreeBusyStatus",
    "uid": "UID",
    "item_class": "ItemClass",
    "status": "Status",
    "percent_complete": "PercentComplete",
    "given_name": "GivenName",
    "middle_name": "MiddleName",
    "surname": "Surname",
    "display_name": "DisplayName",
    "file_as": "FileAs",
    "company_name": "CompanyName",
    "job_title": "JobTitle",
    "department": "Department",
    "nickname": "Nickname",
    "reminder_minutes_before_start": "ReminderMinutesBeforeStart",
}
BOOL_PROPERTIES = {"is_all_day": "IsAllDayEvent", "reminder_is_set": "ReminderIsSet"}
DATETIME_PROPERTIES = {
    "start": "Start",
    "end": "End",
    "start_date": "StartDate",
    "due_date": "DueDate",
    "reminder_due_by": "ReminderDueBy",
}
TIMEZONE_PROPERTIES = {"start_timezone": "StartTimeZone", "end_timezone": "EndTimeZone"}
ATTENDEE_PROPERTIES = {
    "required_attendees": "RequiredAttendees",
    "optional_attendees": "OptionalAttendees",
    "resources": "Resources",
}
ADDRESS_PARTS = {
    "street": "Street",
    "city": "City",
    "state": "State",
    "country": "CountryOrRegion",
    "country_or_region": "CountryOrRegion",
    "zip": "PostalCode",
    "postal_code": "PostalCode",
}
EMAIL_LABELS = ("EmailAddress1", "EmailAddress2", "EmailAddress3")


def _datetime_text(value):
    if isinstance(value, datetime.datetime):
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r}: pass an aware datetime")
        return format_datetime(value)
    if isinstance(value, datetime.date):
        return format_datetime(
            datetime.datetime.combine(value, datetime.time(0, 0), tzinfo=datetime.timezone.utc)
        )
    return str(value)


def mailbox_elem(value, tag="Mailbox"):
    if isinstance(value, str):
        value = {"email": value}
    elem = t(tag)
    if value.get("name"):
        elem.append(t("Name", value["name"]))
    elem.append(t("EmailAddress", value["email"]))
    elem.append(t("RoutingType", "SMTP"))
    elem.append(t("MailboxType", "Mailbox"))
    return elem


def attendees_elem(tag, attendees):
    elem = t(tag)
    for attendee in attendees:
        if isinstance(attendee, str):
            attendee = {"email": attendee}
        node = t("Attendee")
        node.append(mailbox_elem(attendee))
        node.append(t("ResponseType", attendee.get("response") or "Unknown"))
        elem.append(node)
    return elem


def recurrence_elem(spec):
    """<t:Recurrence> from a dict: pattern
    daily|weekly|absolute_monthly|relative_monthly|absolute_yearly| relative_yearly (or
    monthly/yearly = absolute), interval, weekdays ["Monday", ...], day_of_month, month (1-12),
    week_index (First..Fourth, Last), first_day_of_week, start (date), end (date) or count."""
    from .recurrence import MONTHS

    kind = spec.get("pattern", "weekly").lower()
    kind = {"monthly": "absolute_monthly", "yearly": "absolute_yearly"}.get(kind, kind)
    names = {
        "daily": "DailyRecurrence",
        "weekly": "WeeklyRecurrence",
        "absolute_monthly": "AbsoluteMonthlyRecurrence",
        "relative_monthly": "RelativeMonthlyRecurrence",
        "absolute_yearly": "AbsoluteYearlyRecurrence",
        "relative_yearly": "RelativeYearlyRecurrence",
    }
    pattern = t(names[kind])
    if kind in ("relative_yearly", "absolute_yearly"):
        if kind == "relative_yearly":
            pattern.append(t("DaysOfWeek", " ".join(spec["weekdays"])))
            pattern.append(t("DayOfWeekIndex", spec.get("week_index", "First")))
        else:
            pattern.append(t("DayOfMonth", spec["day_of_month"]))
        pattern.append(t("Month", MONTHS[int(spec["month"]) - 1]))
    else:
        pattern.append(t("Interval", spec.get("interval", 1)))
        if kind == "weekly":
            pattern.append(t("DaysOfWeek", " ".join(spec["weekdays"])))
            pattern.append(t("FirstDayOfWeek", spec.get("first_day_of_week", "Monday")))
        elif kind == "absolute_monthly":
            pattern.append(t("DayOfMonth", spec["day_of_month"]))
        elif kind == "relative_monthly":
            pattern.append(t("DaysOfWeek", " ".join(spec["weekdays"])))
            pattern.append(t("DayOfWeekIndex", spec.get("week_index", "First")))
    elem = t("Recurrence")
    elem.append(pattern)
    start = spec["start"]
    if spec.get("count"):
        boundary = t("NumberedRecurrence")
        boundary.append(t("StartDate", start.isoformat()))
        boundary.append(t("NumberOfOccurrences", spec["count"]))
    elif spec.get("end"):
        boundary = t("EndDateRecurrence")
        boundary.append(t("StartDate", start.isoformat()))
        boundary.append(t("EndDate", spec["end"].isoformat()))
    else:
        boundary = t("NoEndRecurrence")
        boundary.append(t("StartDate", start.isoformat()))
    elem.append(boundary)
    return elem


def _all_day_bounds(values):
    """All-day events given with dates: local midnights in the event's time zone (end exclusive)."""
    zone_id = values.get("timezone") or values.get("start_timezone")
    tz = zone_for_ms_id(zone_id)
    values = dict(values)
    for name in ("start", "end"):
        value = values.get(name)
        if isinstance(value, datetime.date) and not isinstance(value, datetime.datetime):
            values[name] = datetime.datetime.combine(value, datetime.time(0), tzinfo=tz)
    return values


def build_props(values):
    """{key: element or None (= delete)} from keyword values; see the module constants for the
    keywords. All-day events may be given with dates: ``is_all_day=True, start=date(2026, 5, 1),
    end=date(2026, 5, 2)`` (end exclusive, midnights in ``timezone``)."""
    props = {}
    if values.get("is_all_day"):
        values = _all_day_bounds(values)
    for name, value in values.items():
        if name in TEXT_PROPERTIES:
            key = TEXT_PROPERTIES[name]
            props[key] = None if value is None else t(key, value)
        elif name in BOOL_PROPERTIES:
            key = BOOL_PROPERTIES[name]
            props[key] = None if value is None else t(key, bool_text(value))
        elif name in DATETIME_PROPERTIES:
            key = DATETIME_PROPERTIES[name]
            props[key] = None if value is None else t(key, _datetime_text(value))
        elif name in TIMEZONE_PROPERTIES:
            key = TIMEZONE_PROPERTIES[name]
            props[key] = None if value is None else t(key, Id=value)
        elif name == "timezone":
            for key in ("StartTimeZone", "EndTimeZone"):
                props[key] = None if value is None else t(key, Id=value)
        elif name == "body":
            props["Body"] = (
                None
                if value is None
                else t("Body", value, BodyType=values.get("body_type", "HTML"))
            )
        elif name == "body_type":
            continue
        elif name == "categories":
            if value:
                elem = t("Categories")
                for category in value:
                    elem.append(t("String", category))
                props["Categories"] = elem
            else:
                props["Categories"] = None
        elif name in ATTENDEE_PROPERTIES:
            key = ATTENDEE_PROPERTIES[name]
            props[key] = attendees_elem(key, value) if value else None
        elif name == "organizer":
            if value:
                organizer = t("Organizer")
                organizer.append(mailbox_elem(value))
                props["Organizer"] = organizer
            else:
                props["Organizer"] = None
        elif name == "recurrence":
            props["Recurrence"] = recurrence_elem(value) if value else None
        elif name == "emails":
            if isinstance(value, (list, tuple)):
                value = dict(zip(EMAIL_LABELS, value, strict=False))
            for label in EMAIL_LABELS:
                email = (value or {}).get(label)
                props[("EmailAddresses", label)] = t("Entry", email, Key=label) if email else None
        elif name == "phones":
            for label, number in (value or {}).items():
                props[("PhoneNumbers", label)] = t("Entry", number, Key=label) if number else None
        elif name == "addresses":
            for label, parts in (value or {}).items():
                if not parts:
                    props[("PhysicalAddresses", label)] = None
                    continue
                entry = t("Entry", Key=label)
                for part_name, part_value in parts.items():
                    tag = ADDRESS_PARTS.get(part_name, part_name)
                    if tag not in PHYSICAL_ADDRESS_PARTS:
                        raise ValueError(f"unknown address part {part_name!r}")
                    if part_value:
                        entry.append(t(tag, part_value))
                props[("PhysicalAddresses", label)] = entry
        elif name == "extended_properties":
            # [(spec dict, value)], spec: see mailbox.ext_uri_element
            from .mailbox import ext_key

            for spec, ext_value in value:
                uri = ext_uri_element(spec)
                key = ext_key(uri)
                if ext_value is None:
                    props[key] = None
                    continue
                elem = t("ExtendedProperty")
                elem.append(uri)
                if isinstance(ext_value, (list, tuple)):
                    values_elem = t("Values")
                    for v in ext_value:
                        values_elem.append(t("Value", v))
                    elem.append(values_elem)
                else:
                    elem.append(t("Value", ext_value))
                props[key] = elem
        else:
            raise ValueError(f"unknown item value {name!r}")
    return props
