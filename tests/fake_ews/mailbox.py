"""The in-memory store of the fake EWS server: mailboxes, folders, items, change keys and the change
journal that SyncFolderItems answers from.

Items keep their properties as the XML elements the client sent (normalized: date/times in UTC),
keyed by property: a plain property by its element name ("Subject"), an indexed one by (container,
key), e.g. ("EmailAddresses", "EmailAddress1"), and an extended property by ("ext", <property
identity>). Properties the server owns (ItemId, ChangeKey, ItemClass, LastModifiedTime,
CalendarItemType, ModifiedOccurrences, ...) are computed when an item is written out."""

import base64
import bisect
import copy
import datetime
import itertools
import threading
import uuid

from lxml import etree

from . import recurrence as rec
from .soap import (
    TNS,
    UTC,
    EWSError,
    bool_text,
    child,
    child_text,
    children,
    format_datetime,
    is_datetime_text,
    local,
    parse_datetime,
    t,
    text_bool,
)
from .timezones import zone_for_ms_id

ITEM_CLASSES = {
    "CalendarItem": "IPM.Appointment",
    "Task": "IPM.Task",
    "Contact": "IPM.Contact",
    "DistributionList": "IPM.DistList",
    "Message": "IPM.Note",
    "Item": "IPM.Note",
}
# (distinguished id, display name, folder class, folder element, parent distinguished id)
DEFAULT_FOLDERS = (
    ("root", "", None, "Folder", None),
    ("msgfolderroot", "Top of Information Store", "IPF.Note", "Folder", "root"),
    ("calendar", "Calendar", "IPF.Appointment", "CalendarFolder", "msgfolderroot"),
    ("contacts", "Contacts", "IPF.Contact", "ContactsFolder", "msgfolderroot"),
    ("tasks", "Tasks", "IPF.Task", "TasksFolder", "msgfolderroot"),
    ("inbox", "Inbox", "IPF.Note", "Folder", "msgfolderroot"),
    ("sentitems", "Sent Items", "IPF.Note", "Folder", "msgfolderroot"),
    ("drafts", "Drafts", "IPF.Note", "Folder", "msgfolderroot"),
    ("deleteditems", "Deleted Items", "IPF.Note", "Folder", "msgfolderroot"),
)
FOLDER_ITEM_KIND = {"calendar": "CalendarItem", "tasks": "Task", "contacts": "Contact"}
INDEXED_CONTAINERS = {
    "EmailAddresses": "contacts:EmailAddress",
    "PhoneNumbers": "contacts:PhoneNumber",
    "ImAddresses": "contacts:ImAddress",
    "PhysicalAddresses": "contacts:PhysicalAddress",
}
INDEXED_URI_TO_CONTAINER = {uri: container for container, uri in INDEXED_CONTAINERS.items()}
PHYSICAL_ADDRESS_PARTS = ("Street", "City", "State", "CountryOrRegion", "PostalCode")
# Properties only the server sets; a client writing them gets ErrorInvalidPropertySet
READ_ONLY = {
    "ItemId",
    "ParentFolderId",
    "DateTimeCreated",
    "LastModifiedTime",
    "LastModifiedName",
    "CalendarItemType",
    "ModifiedOccurrences",
    "DeletedOccurrences",
    "FirstOccurrence",
    "LastOccurrence",
    "IsRecurring",
    "IsMeeting",
    "MyResponseType",
    "OriginalStart",
    "RecurrenceId",
    "IsComplete",
    "CompleteDate",
    "Size",
    "Organizer",
}
ID_COUNTER = itertools.count(1)


def ext_key(uri_elem):
    """The identity of an extended property from its <t:ExtendedFieldURI> (type excluded, GUIDs
    lower-cased)."""
    get = uri_elem.get
    tag = get("PropertyTag")
    if tag is not None:
        tag = int(tag, 16) if tag.lower().startswith("0x") else int(tag)
    prop_id = get("PropertyId")
    if prop_id is not None:
        prop_id = int(prop_id, 16) if prop_id.lower().startswith("0x") else int(prop_id)
    set_id = get("PropertySetId")
    return (
        "ext",
        get("DistinguishedPropertySetId") or (set_id.lower() if set_id else None),
        tag,
        get("PropertyName"),
        prop_id,
    )


def ext_uri_element(spec):
    """A <t:ExtendedFieldURI> from a dict (distinguished_property_set_id, property_set_id,
    property_tag, property_name, property_id, property_type)."""
    attrs = {
        "DistinguishedPropertySetId": spec.get("distinguished_property_set_id"),
        "PropertySetId": spec.get("property_set_id"),
        "PropertyTag": spec.get("property_tag"),
        "PropertyName": spec.get("property_name"),
        "PropertyId": spec.get("property_id"),
        "PropertyType": spec.get("property_type", "String"),
    }
    return t("ExtendedFieldURI", **attrs)


EXTRA_BOOLEANS = {"ReminderIsSet", "AllowNewTimeProposal", "MeetingRequestWasSent"}


def normalize(elem):
    """Copy an element the way Exchange stores values: date/times in UTC, booleans as true/false."""
    elem = copy.deepcopy(elem)
    for node in elem.iter():
        if not isinstance(node.tag, str) or len(node):
            continue
        if is_datetime_text(node.text):
            node.text = format_datetime(parse_datetime(node.text))
        elif node.text in ("0", "1"):
            name = local(node)
            if name.startswith(("Is", "Has")) or name in EXTRA_BOOLEANS:
                node.text = bool_text(node.text == "1")
    return elem


def same_value(a, b):
    """Whether two property elements hold the same value (namespace declarations, attribute order
    and the UTC offset Exchange adds to recurrence dates aside)."""
    if a is None or b is None:
        return a is None and b is None
    if local(a) != local(b) or dict(a.attrib) != dict(b.attrib) or len(a) != len(b):
        return False
    text_a, text_b = (a.text or "").strip(), (b.text or "").strip()
    if local(a) in ("StartDate", "EndDate") and len(a) == 0:
        text_a, text_b = text_a[:10], text_b[:10]
    if text_a != text_b:
        return False
    return all(same_value(x, y) for x, y in zip(a, b, strict=True))


def fix_recurrence_dates(item):
    """Recurrence start/end dates carry the UTC offset of the series' time zone, as Exchange returns
    them."""
    recurrence = item.props.get("Recurrence")
    if recurrence is None:
        return
    tz = item.start_tz()
    for node in recurrence.iter(f"{{{TNS}}}StartDate", f"{{{TNS}}}EndDate"):
        if node.text and len(node.text.strip()) == 10:
            day = datetime.date.fromisoformat(node.text.strip())
            offset = datetime.datetime.combine(
                day, datetime.time(0), tzinfo=tz
            ).utcoffset() or datetime.timedelta(0)
            if not offset:
                node.text = f"{day.isoformat()}Z"
            else:
                sign = "-" if offset < datetime.timedelta(0) else "+"
                minutes = abs(int(offset.total_seconds())) // 60
                node.text = f"{day.isoformat()}{sign}{minutes // 60:02d}:{minutes % 60:02d}"


def _b64(text):
    return base64.b64encode(text.encode()).decode()


def decode_id(item_id):
    try:
        raw = base64.b64decode(item_id.encode(), validate=True).decode()
    except (ValueError, UnicodeDecodeError):
        return None
    return raw.split("|")


def occurrence_id(master_id, original_start):
    return _b64(f"occ|{master_id}|{int(original_start.timestamp())}")


class FakeItem:
    """One stored item; ``item["subject"]`` / ``item.fields`` give a parsed view of it."""

    def __init__(self, kind, folder, props, now):
        self.kind = kind
        self.folder = folder
        self.mailbox = folder.mailbox
        self.id = _b64(f"itm|{next(ID_COUNTER)}|{uuid.uuid4().hex[:16]}")
        self.props = props
        self.created = now
        self.last_modified = now
        self.version = 0
        self.change_keys = {}
        self.field_versions = {}
        self.change_key = None
        self.seq = 0
        self.created_seq = 0
        # Recurring masters: exceptions by original start (props overriding the master's) and
        # deleted occurrences
        self.exceptions = {}
        self.deleted_occurrences = set()
        self._new_change_key()

    # ----------------------------------------------------------------------------------------------
    def _new_change_key(self):
        self.version += 1
        prefix = {"CalendarItem": "DwAAABYA", "Task": "EwAAABYA", "Contact": "EQAAABYA"}.get(
            self.kind, "CQAAABYA"
        )
        self.change_key = prefix + _b64(f"{self.version}|{uuid.uuid4().hex[:12]}")
        self.change_keys[self.change_key] = self.version

    def touch(self, changed_keys, now):
        """Record a change of these property keys: new change key, new modification time."""
        self._new_change_key()
        for key in changed_keys:
            self.field_versions[key] = self.version
        self.last_modified = now

    def version_of(self, change_key):
        """The version a change key stands for; None when it was never issued for this item."""
        return self.change_keys.get(change_key)

    def changed_since(self, version, keys):
        """Which of these property keys changed after that version."""
        return [key for key in keys if self.field_versions.get(key, 0) > version]

    # ----------------------------------------------------------------------------------------------
    def get(self, key, default=None):
        return self.props.get(key, default)

    def text(self, name, default=None):
        elem = self.props.get(name)
        if elem is None or elem.text is None:
            return default
        return elem.text

    @property
    def is_recurring_master(self):
        return self.kind == "CalendarItem" and self.props.get("Recurrence") is not None

    @property
    def start(self):
        value = self.text("Start")
        return parse_datetime(value) if value else None

    @property
    def end(self):
        value = self.text("End")
        return parse_datetime(value) if value else None

    def start_tz(self):
        elem = self.props.get("StartTimeZone")
        if elem is None:
            elem = self.props.get("MeetingTimeZone")
        if elem is None:
            return UTC
        return zone_for_ms_id(elem.get("Id") or elem.get("Name") or elem.get("TimeZoneName"))

    # ----------------------------------------------------------------------------------------------
    # Recurring series
    # ----------------------------------------------------------------------------------------------
    def occurrences(self, include_deleted=False):
        """(index, original start) of every occurrence of a recurring master."""
        start = self.start
        if not self.is_recurring_master or start is None:
            return
        for index, original_start in rec.occurrence_starts(
            self.props["Recurrence"], start, self.start_tz()
        ):
            if not include_deleted and original_start in self.deleted_occurrences:
                continue
            yield index, original_start

    def occurrence_by_index(self, index):
        for i, original_start in self.occurrences(include_deleted=True):
            if i == index:
                if original_start in self.deleted_occurrences:
                    raise EWSError("ErrorCalendarOccurrenceIsDeletedFromRecurrence")
                return original_start
            if i > index:
                break
        raise EWSError("ErrorCalendarOccurrenceIndexIsOutOfRecurrenceRange")

    def is_occurrence_start(self, original_start):
        return any(start == original_start for _i, start in self.occurrences(include_deleted=True))

    def occurrence_times(self, original_start):
        """Start and end of an occurrence (its exception's values when modified)."""
        duration = (self.end - self.start) if self.end and self.start else datetime.timedelta(0)
        start, end = original_start, original_start + duration
        overrides = self.exceptions.get(original_start)
        if overrides:
            if overrides.get("Start") is not None:
                start = parse_datetime(overrides["Start"].text)
            if overrides.get("End") is not None:
                end = parse_datetime(overrides["End"].text)
        return start, end

    # ----------------------------------------------------------------------------------------------
    # Parsed view
    # ----------------------------------------------------------------------------------------------
    @property
    def fields(self):
        return describe_props(self.props, self)

    def __getitem__(self, name):
        return self.fields[name]

    def __repr__(self):
        title = self.text("Subject") or self.text("DisplayName")
        return f"<FakeItem {self.kind} {title!r} {self.id[:12]}...>"


def _mailbox_value(elem):
    if elem is None:
        return None
    mailbox = child(elem, "Mailbox") if local(elem) != "Mailbox" else elem
    if mailbox is None:
        return None
    return {"email": child_text(mailbox, "EmailAddress"), "name": child_text(mailbox, "Name")}


def _attendees(elem):
    result = []
    for attendee in children(elem, "Attendee"):
        value = _mailbox_value(attendee) or {}
        value["response"] = child_text(attendee, "ResponseType")
        result.append(value)
    return result


def _dt(props, name):
    elem = props.get(name)
    if elem is None or not elem.text:
        return None
    return parse_datetime(elem.text)


def describe_recurrence(elem):
    if elem is None:
        return None
    pattern = rec.Pattern(elem)
    return {
        "pattern": pattern.kind,
        "interval": pattern.interval,
        "weekdays": pattern.weekdays,
        "day_of_month": pattern.day_of_month,
        "month": pattern.month,
        "week_index": pattern.week_index,
        "first_day_of_week": rec.WEEKDAYS[pattern.first_day_of_week],
        "start_date": pattern.start_date,
        "end_date": pattern.end_date,
        "count": pattern.count,
    }


def describe_props(props, item=None):
    """A dict of plain Python values for a set of stored properties (used by tests to look at stored
    items)."""
    text = {
        key: elem.text for key, elem in props.items() if isinstance(key, str) and len(elem) == 0
    }
    body = props.get("Body")
    values = {
        "subject": text.get("Subject"),
        "body": body.text if body is not None else None,
        "body_type": body.get("BodyType") if body is not None else None,
        "sensitivity": text.get("Sensitivity"),
        "importance": text.get("Importance"),
        "categories": [s.text for s in children(props.get("Categories"), "String")],
        "item_class": text.get("ItemClass"),
        "extended_properties": {},
    }
    for key, elem in props.items():
        if isinstance(key, tuple) and key[0] == "ext":
            value_elem = child(elem, "Value")
            if value_elem is not None:
                value = value_elem.text
            else:
                value = [v.text for v in children(child(elem, "Values"), "Value")]
            values["extended_properties"][key[3] if key[3] is not None else (key[4] or key[2])] = (
                value
            )
    if item is not None:
        values.update(
            id=item.id,
            change_key=item.change_key,
            kind=item.kind,
            folder=item.folder.distinguished_id or item.folder.id,
            last_modified=item.last_modified,
            created=item.created,
        )
    kind = item.kind if item is not None else None
    if kind in (None, "CalendarItem"):
        start_tz = props.get("StartTimeZone")
        end_tz = props.get("EndTimeZone")
        meeting_tz = props.get("MeetingTimeZone")
        values.update(
            start=_dt(props, "Start"),
            end=_dt(props, "End"),
            is_all_day=text_bool(text.get("IsAllDayEvent")),
            location=text.get("Location"),
            legacy_free_busy_status=text.get("LegacyFreeBusyStatus"),
            start_timezone=start_tz.get("Id") if start_tz is not None else None,
            end_timezone=end_tz.get("Id") if end_tz is not None else None,
            meeting_timezone=meeting_tz.get("Id") if meeting_tz is not None else None,
            uid=text.get("UID"),
            required_attendees=_attendees(props.get("RequiredAttendees")),
            optional_attendees=_attendees(props.get("OptionalAttendees")),
            resources=_attendees(props.get("Resources")),
            organizer=(_mailbox_value(props.get("Organizer")) or {}).get("email"),
            recurrence=describe_recurrence(props.get("Recurrence")),
            reminder_is_set=text_bool(text.get("ReminderIsSet")),
        )
        if item is not None and item.kind == "CalendarItem":
            values["calendar_item_type"] = (
                "RecurringMaster" if item.is_recurring_master else "Single"
            )
            values["deleted_occurrences"] = sorted(item.deleted_occurrences)
            values["modified_occurrences"] = [
                dict(describe_props({**item.props, **overrides}), original_start=start)
                for start, overrides in sorted(item.exceptions.items())
            ]
    if kind in (None, "Task"):
        values.update(
            status=text.get("Status"),
            percent_complete=float(text["PercentComplete"])
            if text.get("PercentComplete")
            else None,
            start_date=_dt(props, "StartDate"),
            due_date=_dt(props, "DueDate"),
            complete_date=_dt(props, "CompleteDate"),
        )
    if kind in (None, "Contact"):
        emails, phones, addresses = {}, {}, {}
        for key, elem in props.items():
            if not isinstance(key, tuple):
                continue
            if key[0] == "EmailAddresses":
                emails[key[1]] = elem.text
            elif key[0] == "PhoneNumbers":
                phones[key[1]] = elem.text
            elif key[0] == "PhysicalAddresses":
                addresses[key[1]] = {local(part): part.text for part in elem}
        values.update(
            given_name=text.get("GivenName"),
            middle_name=text.get("MiddleName"),
            surname=text.get("Surname"),
            display_name=text.get("DisplayName"),
            file_as=text.get("FileAs"),
            company_name=text.get("CompanyName"),
            job_title=text.get("JobTitle"),
            department=text.get("Department"),
            emails=emails,
            phones=phones,
            addresses=addresses,
        )
    return values


class Folder:
    """A mail folder with its items and the journal of changes SyncFolderItems reads."""

    def __init__(self, mailbox, distinguished_id, display_name, folder_class, tag, parent):
        self.mailbox = mailbox
        self.distinguished_id = distinguished_id
        self.display_name = display_name
        self.folder_class = folder_class
        self.tag = tag
        self.parent = parent
        self.id = _b64(f"fld|{mailbox.address}|{distinguished_id}|{uuid.uuid4().hex[:8]}")
        self.change_key = "AQAAABYA" + _b64(uuid.uuid4().hex[:8])
        self.items = {}
        self.seq = 0
        self.epoch = 0
        # journal: parallel lists, ordered by sequence number
        self._journal_seqs = []
        self._journal = []  # (seq, item_id, "upsert" | "delete", created_seq)

    @property
    def item_kind(self):
        return FOLDER_ITEM_KIND.get(self.distinguished_id, "Message")

    def record_upsert(self, item, created=False):
        self.seq += 1
        item.seq = self.seq
        if created:
            item.created_seq = self.seq
        self._journal_seqs.append(self.seq)
        self._journal.append((self.seq, item.id, "upsert", item.created_seq))

    def record_delete(self, item):
        self.seq += 1
        self._journal_seqs.append(self.seq)
        self._journal.append((self.seq, item.id, "delete", item.created_seq))

    def changes_since(self, since, max_changes, ignore=()):
        """Changes after sequence number ``since``: ([(change type, item or item id)], new seq,
        includes last)."""
        start = bisect.bisect_right(self._journal_seqs, since)
        changes = []
        seen = set()
        new_seq = since
        index = start
        total = len(self._journal)

        def relevant(entry):
            seq, item_id, action, created_seq = entry
            if item_id in seen or item_id in ignore:
                return None
            if action == "delete":
                if created_seq > since or item_id in self.items:
                    return None  # never seen by this client, or moved back
                return ("Delete", item_id)
            item = self.items.get(item_id)
            if item is None:
                return None
            if seq != item.seq and seq != item.created_seq:
                return None  # superseded by a later change
            return ("Create" if item.created_seq > since else "Update", item)

        while index < total and len(changes) < max_changes:
            entry = self._journal[index]
            change = relevant(entry)
            if change is not None:
                changes.append(change)
                seen.add(entry[1])
            new_seq = entry[0]
            index += 1
        includes_last = True
        while index < total:
            if relevant(self._journal[index]) is not None:
                includes_last = False
                break
            index += 1
        if includes_last:
            new_seq = max(new_seq, self.seq)
        return changes, new_seq, includes_last


class Mailbox:
    """A user's mailbox with the default folders."""

    def __init__(self, address, password=None, name=None):
        self.address = address.lower()
        self.password = password
        self.name = name or address
        self.folders = {}
        self.folders_by_id = {}
        self.delegates = set()
        for distinguished_id, display_name, folder_class, tag, parent in DEFAULT_FOLDERS:
            folder = Folder(
                self, distinguished_id, display_name, folder_class, tag, self.folders.get(parent)
            )
            self.folders[distinguished_id] = folder
            self.folders_by_id[folder.id] = folder

    def folder(self, name_or_id):
        folder = self.folders.get(name_or_id) or self.folders_by_id.get(name_or_id)
        if folder is None:
            raise EWSError("ErrorFolderNotFound")
        return folder

    @property
    def items(self):
        return [item for folder in self.folders.values() for item in folder.items.values()]

    def mailbox_element(self, tag="Mailbox"):
        elem = t(tag)
        elem.append(t("Name", self.name))
        elem.append(t("EmailAddress", self.address))
        elem.append(t("RoutingType", "SMTP"))
        elem.append(t("MailboxType", "Mailbox"))
        return elem


class Store:
    """All mailboxes, with the lock every operation holds."""

    def __init__(self):
        self.lock = threading.RLock()
        self.mailboxes = {}
        self.items_by_id = {}

    def now(self):
        return datetime.datetime.now(tz=UTC).replace(microsecond=0)

    def mailbox(self, address):
        mailbox = self.mailboxes.get((address or "").lower())
        if mailbox is None:
            raise EWSError(
                "ErrorNonExistentMailbox",
                f"The SMTP address has no mailbox associated with it: {address}",
            )
        return mailbox

    # ----------------------------------------------------------------------------------------------
    def add_item(self, folder, kind, props):
        now = self.now()
        item = FakeItem(kind, folder, props, now)
        self._complete_new_item(item)
        folder.items[item.id] = item
        self.items_by_id[item.id] = item
        folder.record_upsert(item, created=True)
        return item

    def _complete_new_item(self, item):
        props = item.props
        if item.kind == "CalendarItem":
            if props.get("UID") is None:
                props["UID"] = t(
                    "UID", "040000008200E00074C5B7101A82E008" + uuid.uuid4().hex.upper()
                )
            if props.get("Organizer") is None:
                organizer = t("Organizer")
                organizer.append(item.mailbox.mailbox_element())
                props["Organizer"] = organizer
            if props.get("IsAllDayEvent") is None:
                props["IsAllDayEvent"] = t("IsAllDayEvent", "false")
            for name in ("RequiredAttendees", "OptionalAttendees", "Resources"):
                for attendee in children(props.get(name), "Attendee"):
                    if child(attendee, "ResponseType") is None:
                        attendee.append(t("ResponseType", "Unknown"))
        elif item.kind == "Task":
            if props.get("Status") is None:
                props["Status"] = t("Status", "NotStarted")
            self._task_rules(item, {"Status"})
        elif item.kind == "Contact":
            if props.get("DisplayName") is None or not props["DisplayName"].text:
                name = " ".join(
                    part
                    for part in (
                        item.text("GivenName"),
                        item.text("MiddleName"),
                        item.text("Surname"),
                    )
                    if part
                )
                props["DisplayName"] = t("DisplayName", name or item.text("CompanyName") or "")
            if props.get("FileAs") is None:
                surname, given = item.text("Surname"), item.text("GivenName")
                file_as = ", ".join(part for part in (surname, given) if part) or item.text(
                    "DisplayName"
                )
                props["FileAs"] = t("FileAs", file_as)
            if props.get("Subject") is None:
                props["Subject"] = t("Subject", props["DisplayName"].text)
        if item.kind == "CalendarItem":
            fix_recurrence_dates(item)
        if props.get("Sensitivity") is None:
            props["Sensitivity"] = t("Sensitivity", "Normal")
        if props.get("Importance") is None:
            props["Importance"] = t("Importance", "Normal")

    def _task_rules(self, item, changed):
        """Exchange keeps Status, PercentComplete and CompleteDate consistent."""
        props = item.props
        status = item.text("Status", "NotStarted")
        percent = item.text("PercentComplete")
        if "PercentComplete" in changed and percent is not None and "Status" not in changed:
            value = float(percent)
            if value >= 100:
                status = "Completed"
            elif value > 0 and status in ("NotStarted", "Completed"):
                status = "InProgress"
            elif value == 0 and status == "Completed":
                status = "NotStarted"
            props["Status"] = t("Status", status)
        if status == "Completed":
            props["PercentComplete"] = t("PercentComplete", "100")
            if props.get("CompleteDate") is None:
                props["CompleteDate"] = t("CompleteDate", format_datetime(self.now()))
        else:
            props.pop("CompleteDate", None)
            if status == "NotStarted" and "PercentComplete" not in changed:
                props["PercentComplete"] = t("PercentComplete", "0")
            elif percent is None:
                props["PercentComplete"] = t("PercentComplete", "0")
        props["IsComplete"] = t("IsComplete", bool_text(status == "Completed"))

    def update_item(self, item, changed_keys):
        """Bookkeeping after properties of a stored item changed (``changed_keys``: the properties
        whose values really changed)."""
        if item.kind == "Task":
            self._task_rules(item, set(changed_keys))
        if item.kind == "CalendarItem":
            fix_recurrence_dates(item)
            if {"Recurrence", "Start", "StartTimeZone"} & set(changed_keys):
                # Like Exchange: a new pattern or series start drops the exceptions of the old one
                item.exceptions.clear()
                item.deleted_occurrences.clear()
        item.touch(changed_keys, self.now())
        item.folder.record_upsert(item)

    def remove_item(self, item):
        item.folder.items.pop(item.id, None)
        self.items_by_id.pop(item.id, None)
        item.folder.record_delete(item)

    def move_item(self, item, folder):
        self.remove_item(item)
        item.folder = folder
        folder.items[item.id] = item
        self.items_by_id[item.id] = item
        item.touch((), self.now())
        folder.record_upsert(item, created=True)


def element_from_string(xml):
    return etree.fromstring(f'<root xmlns:t="{TNS}">{xml}</root>')[0]
