"""The EWS operations of the fake server. Each takes the request context and the operation element
of the SOAP body and returns the <m:{Operation}Response> element."""

import base64
import binascii
import copy
import datetime
import json

from .mailbox import (
    INDEXED_URI_TO_CONTAINER,
    ITEM_CLASSES,
    READ_ONLY,
    FakeItem,
    decode_id,
    ext_key,
    normalize,
    occurrence_id,
    same_value,
)
from .soap import (
    MNS,
    TNS,
    UTC,
    EWSError,
    EWSFault,
    bool_text,
    child,
    child_text,
    children,
    format_datetime,
    is_datetime_text,
    local,
    m,
    parse_datetime,
    response_message,
    sub,
    t,
    text_bool,
)

ITEM_TAGS = set(ITEM_CLASSES) | {
    "MeetingRequest",
    "MeetingResponse",
    "MeetingCancellation",
    "PostItem",
}
DEFAULT_FOLDER_FOR_KIND = {"CalendarItem": "calendar", "Task": "tasks", "Contact": "contacts"}


# --------------------------------------------------------------------------------------------------
# Shapes: which properties to write out
# --------------------------------------------------------------------------------------------------
class Shape:
    def __init__(self, shape_elem):
        self.base = (
            child_text(shape_elem, "BaseShape", default="IdOnly")
            if shape_elem is not None
            else "IdOnly"
        )
        self.plain = set()
        self.indexed = set()
        self.ext = set()
        additional = child(shape_elem, "AdditionalProperties") if shape_elem is not None else None
        for path in additional if additional is not None else ():
            kind = local(path)
            if kind == "FieldURI":
                self.plain.add(path.get("FieldURI").split(":", 1)[-1])
            elif kind == "IndexedFieldURI":
                uri = path.get("FieldURI")
                container = INDEXED_URI_TO_CONTAINER.get(":".join(uri.split(":")[:2]))
                if container:
                    self.indexed.add(container)
            elif kind == "ExtendedFieldURI":
                self.ext.add(ext_key(path))
        self.all = self.base in ("AllProperties", "Default")

    def wants(self, name):
        return self.all or name in self.plain

    def wants_key(self, key):
        if isinstance(key, str):
            return self.wants(key)
        if key[0] == "ext":
            return key in self.ext
        return self.all or key[0] in self.indexed


# --------------------------------------------------------------------------------------------------
# Writing items out
# --------------------------------------------------------------------------------------------------
def _append_props(elem, props, shape):
    containers = {}
    for key, value in props.items():
        if value is None or not shape.wants_key(key):
            continue
        if isinstance(key, str):
            elem.append(copy.deepcopy(value))
        elif key[0] == "ext":
            elem.append(copy.deepcopy(value))
        else:
            container = containers.get(key[0])
            if container is None:
                container = containers[key[0]] = sub(elem, t(key[0]))
            container.append(copy.deepcopy(value))


def _occurrence_elem(tag, item, original_start):
    start, end = item.occurrence_times(original_start)
    elem = t(tag)
    elem.append(t("ItemId", Id=occurrence_id(item.id, original_start), ChangeKey=item.change_key))
    elem.append(t("Start", format_datetime(start)))
    elem.append(t("End", format_datetime(end)))
    elem.append(t("OriginalStart", format_datetime(original_start)))
    return elem


def _common_computed(item, shape, elem, item_id_elem):
    elem.append(item_id_elem)
    if shape.wants("ParentFolderId"):
        elem.append(t("ParentFolderId", Id=item.folder.id, ChangeKey=item.folder.change_key))
    if shape.wants("ItemClass") and item.props.get("ItemClass") is None:
        elem.append(t("ItemClass", ITEM_CLASSES.get(item.kind, "IPM.Note")))
    if shape.wants("DateTimeCreated"):
        elem.append(t("DateTimeCreated", format_datetime(item.created)))
    if shape.wants("LastModifiedTime"):
        elem.append(t("LastModifiedTime", format_datetime(item.last_modified)))
    if shape.wants("LastModifiedName"):
        elem.append(t("LastModifiedName", item.mailbox.name))
    if shape.wants("Size"):
        elem.append(t("Size", 1024 + 64 * len(item.props)))
    if shape.wants("HasAttachments"):
        elem.append(t("HasAttachments", "false"))


def _calendar_computed(item, shape, elem, item_type, props):
    if shape.wants("CalendarItemType"):
        elem.append(t("CalendarItemType", item_type))
    if shape.wants("IsRecurring"):
        elem.append(t("IsRecurring", bool_text(item_type in ("Occurrence", "Exception"))))
    has_attendees = any(
        props.get(name) is not None for name in ("RequiredAttendees", "OptionalAttendees")
    )
    if shape.wants("IsMeeting"):
        elem.append(t("IsMeeting", bool_text(has_attendees)))
    if shape.wants("IsCancelled"):
        elem.append(t("IsCancelled", "false"))
    if shape.wants("MyResponseType"):
        organizer = child(child(props.get("Organizer"), "Mailbox"), "EmailAddress")
        own = organizer is None or (organizer.text or "").lower() == item.mailbox.address
        elem.append(t("MyResponseType", "Organizer" if own else "NoResponseReceived"))
    if item_type != "RecurringMaster":
        return
    if shape.wants("FirstOccurrence") or shape.wants("LastOccurrence"):
        occurrences = list(item.occurrences()) if _is_bounded(item) else None
        first = next(iter(item.occurrences()), None)
        if first is not None and shape.wants("FirstOccurrence"):
            elem.append(_occurrence_elem("FirstOccurrence", item, first[1]))
        if occurrences and shape.wants("LastOccurrence"):
            elem.append(_occurrence_elem("LastOccurrence", item, occurrences[-1][1]))
    if item.exceptions and shape.wants("ModifiedOccurrences"):
        modified = sub(elem, t("ModifiedOccurrences"))
        for original_start in sorted(item.exceptions):
            modified.append(_occurrence_elem("Occurrence", item, original_start))
    if item.deleted_occurrences and shape.wants("DeletedOccurrences"):
        deleted = sub(elem, t("DeletedOccurrences"))
        for original_start in sorted(item.deleted_occurrences):
            node = sub(deleted, t("DeletedOccurrence"))
            node.append(t("Start", format_datetime(original_start)))


def _is_bounded(item):
    recurrence = item.props.get("Recurrence")
    return recurrence is not None and child(recurrence, "NoEndRecurrence") is None


def render_item(item, shape):
    """The <t:CalendarItem|Task|Contact|...> of a stored item."""
    elem = t(item.kind)
    _common_computed(item, shape, elem, t("ItemId", Id=item.id, ChangeKey=item.change_key))
    _append_props(elem, item.props, shape)
    if item.kind == "CalendarItem":
        item_type = "RecurringMaster" if item.is_recurring_master else "Single"
        _calendar_computed(item, shape, elem, item_type, item.props)
    return elem


def occurrence_props(item, original_start):
    props = {key: value for key, value in item.props.items() if key != "Recurrence"}
    props.update(item.exceptions.get(original_start, {}))
    start, end = item.occurrence_times(original_start)
    props["Start"] = t("Start", format_datetime(start))
    props["End"] = t("End", format_datetime(end))
    return props


def render_occurrence(item, original_start, shape):
    """An occurrence (or exception) of a recurring master."""
    props = occurrence_props(item, original_start)
    elem = t(item.kind)
    item_id = t("ItemId", Id=occurrence_id(item.id, original_start), ChangeKey=item.change_key)
    _common_computed(item, shape, elem, item_id)
    _append_props(elem, props, shape)
    item_type = "Exception" if original_start in item.exceptions else "Occurrence"
    _calendar_computed(item, shape, elem, item_type, props)
    if shape.wants("OriginalStart"):
        elem.append(t("OriginalStart", format_datetime(original_start)))
    if shape.wants("RecurrenceId"):
        elem.append(t("RecurrenceId", format_datetime(original_start)))
    return elem


# --------------------------------------------------------------------------------------------------
# Reading ids and properties from requests
# --------------------------------------------------------------------------------------------------
class Target:
    """What an item id in a request points to: an item, or one occurrence of a recurring master."""

    def __init__(self, item, original_start=None, change_key=None):
        self.item = item
        self.original_start = original_start
        self.change_key = change_key

    @property
    def is_occurrence(self):
        return self.original_start is not None


def resolve_folder(ctx, elem):
    """A <t:FolderId> or <t:DistinguishedFolderId> -> Folder (with access check)."""
    name = local(elem)
    if name == "DistinguishedFolderId":
        address = child_text(child(elem, "Mailbox"), "EmailAddress") or ctx.default_mailbox
        mailbox = ctx.server.store.mailbox(address)
        ctx.check_access(mailbox)
        folder = mailbox.folders.get(elem.get("Id"))
        if folder is None:
            raise EWSError("ErrorFolderNotFound")
        return folder
    if name == "FolderId":
        parts = decode_id(elem.get("Id") or "")
        if not parts or parts[0] != "fld" or len(parts) < 3:
            raise EWSError("ErrorInvalidIdMalformed")
        mailbox = ctx.server.store.mailbox(parts[1])
        ctx.check_access(mailbox)
        folder = mailbox.folders_by_id.get(elem.get("Id"))
        if folder is None:
            raise EWSError("ErrorFolderNotFound")
        return folder
    raise EWSError("ErrorInvalidRequest", f"Unsupported folder id element {name}")


def _lookup_item(ctx, item_id):
    parts = decode_id(item_id or "")
    if not parts:
        raise EWSError("ErrorInvalidIdMalformed")
    if parts[0] == "occ" and len(parts) == 3:
        master = ctx.server.store.items_by_id.get(parts[1])
        if master is None:
            raise EWSError("ErrorItemNotFound")
        ctx.check_access(master.mailbox)
        original_start = datetime.datetime.fromtimestamp(int(parts[2]), tz=UTC)
        if original_start in master.deleted_occurrences or not master.is_occurrence_start(
            original_start
        ):
            raise EWSError("ErrorItemNotFound")
        return master, original_start
    if parts[0] != "itm":
        raise EWSError("ErrorInvalidIdMalformed")
    item = ctx.server.store.items_by_id.get(item_id)
    if item is None:
        raise EWSError("ErrorItemNotFound")
    ctx.check_access(item.mailbox)
    return item, None


def resolve_item(ctx, elem):
    """<t:ItemId>, <t:OccurrenceItemId> or <t:RecurringMasterItemId> -> Target."""
    name = local(elem)
    if name == "ItemId":
        item, original_start = _lookup_item(ctx, elem.get("Id"))
        return Target(item, original_start, elem.get("ChangeKey"))
    if name == "OccurrenceItemId":
        item, original_start = _lookup_item(ctx, elem.get("RecurringMasterId"))
        if original_start is not None or not item.is_recurring_master:
            raise EWSError("ErrorItemNotFound")
        original_start = item.occurrence_by_index(int(elem.get("InstanceIndex")))
        return Target(item, original_start, elem.get("ChangeKey"))
    if name == "RecurringMasterItemId":
        item, original_start = _lookup_item(ctx, elem.get("OccurrenceId"))
        if original_start is None and not item.is_recurring_master:
            raise EWSError("ErrorItemNotFound")
        return Target(item, None, None)
    raise EWSError("ErrorInvalidRequest", f"Unsupported item id element {name}")


def prop_key(elem):
    """The storage key of a property element of an item in a request; [(key, element)] (indexed ->
    several)."""
    name = local(elem)
    if name == "ExtendedProperty":
        return [(ext_key(child(elem, "ExtendedFieldURI")), elem)]
    if name in ("EmailAddresses", "PhoneNumbers", "ImAddresses", "PhysicalAddresses"):
        return [((name, entry.get("Key")), entry) for entry in children(elem, "Entry")]
    return [(name, elem)]


def path_key(path):
    """The storage key a FieldURI / IndexedFieldURI / ExtendedFieldURI points to, and the sub-field
    if any."""
    kind = local(path)
    if kind == "FieldURI":
        return path.get("FieldURI").split(":", 1)[-1], None
    if kind == "IndexedFieldURI":
        parts = path.get("FieldURI").split(":")
        container = INDEXED_URI_TO_CONTAINER.get(":".join(parts[:2]))
        if container is None:
            raise EWSError(
                "ErrorInvalidIndexedPagingParameters",
                f"Unsupported indexed field {path.get('FieldURI')}",
            )
        subfield = parts[2] if len(parts) > 2 else None
        return (container, path.get("FieldIndex")), subfield
    if kind == "ExtendedFieldURI":
        return ext_key(path), None
    raise EWSError("ErrorInvalidRequest", f"Unsupported property path {kind}")


def item_props_from_request(item_elem):
    props = {}
    for prop in item_elem:
        if not isinstance(prop.tag, str):
            continue
        if local(prop) in READ_ONLY:
            raise EWSError(
                "ErrorInvalidPropertySet", f"Set action is invalid for property {local(prop)}."
            )
        if local(prop) == "Attachments":
            continue
        for key, value in prop_key(prop):
            props[key] = normalize(value)
    return props


def get_value(props, item, path):
    """The text values of a property (for restrictions and sorting)."""
    key, subfield = path_key(path)
    if item is not None and isinstance(key, str):
        computed = {
            "ItemId": item.id,
            "DateTimeCreated": format_datetime(item.created),
            "LastModifiedTime": format_datetime(item.last_modified),
            "ItemClass": ITEM_CLASSES.get(item.kind),
            "CalendarItemType": ("RecurringMaster" if item.is_recurring_master else "Single")
            if item.kind == "CalendarItem"
            else None,
        }
        if key in computed and props.get(key) is None:
            value = computed[key]
            return [value] if value is not None else []
    elem = props.get(key)
    if elem is None:
        return []
    if subfield:
        elem = child(elem, subfield)
        return [elem.text] if elem is not None and elem.text is not None else []
    if isinstance(key, tuple) and key[0] == "ext":
        value = child(elem, "Value")
        if value is not None:
            return [value.text or ""]
        return [v.text or "" for v in children(child(elem, "Values"), "Value")]
    if len(elem):
        return [node.text for node in elem.iter() if node.text and len(node) == 0]
    return [elem.text or ""]


def _typed(value):
    if value is None:
        return (0, "")
    if is_datetime_text(value):
        return (1, parse_datetime(value))
    if value.lower() in ("true", "false"):
        return (2, 1.0 if value.lower() == "true" else 0.0)
    try:
        return (2, float(value))
    except ValueError:
        pass
    return (4, value.lower())


def _compare(left, right, op):
    a, b = _typed(left), _typed(right)
    if a[0] != b[0]:
        a, b = (4, (left or "").lower()), (4, (right or "").lower())
    a, b = a[1], b[1]
    return {
        "IsEqualTo": a == b,
        "IsNotEqualTo": a != b,
        "IsGreaterThan": a > b,
        "IsGreaterThanOrEqualTo": a >= b,
        "IsLessThan": a < b,
        "IsLessThanOrEqualTo": a <= b,
    }[op]


def matches(restriction, props, item):
    """Evaluate a search expression (And, Or, Not, Exists, IsEqualTo & co, Contains) against
    properties."""
    op = local(restriction)
    if op == "Restriction":
        return all(matches(node, props, item) for node in restriction)
    if op == "And":
        return all(matches(node, props, item) for node in restriction)
    if op == "Or":
        return any(matches(node, props, item) for node in restriction)
    if op == "Not":
        return not matches(restriction[0], props, item)
    if op == "Exists":
        return bool(get_value(props, item, restriction[0]))
    if op in (
        "IsEqualTo",
        "IsNotEqualTo",
        "IsGreaterThan",
        "IsGreaterThanOrEqualTo",
        "IsLessThan",
        "IsLessThanOrEqualTo",
    ):
        values = get_value(props, item, restriction[0])
        other = restriction[1]
        constant = child(other, "Constant")
        if constant is not None:
            right = constant.get("Value")
        else:
            right_values = get_value(props, item, other[0])
            right = right_values[0] if right_values else None
        if not values:
            return op == "IsNotEqualTo"
        if op == "IsNotEqualTo":
            return all(_compare(v, right, op) for v in values)
        return any(_compare(v, right, op) for v in values)
    if op == "Contains":
        values = get_value(props, item, restriction[0])
        needle = child(restriction, "Constant").get("Value") or ""
        mode = restriction.get("ContainmentMode", "Substring")
        comparison = restriction.get("ContainmentComparison", "Exact")
        for value in values:
            haystack = value or ""
            if "IgnoreCase" in comparison or "Loose" in comparison:
                haystack, wanted = haystack.lower(), needle.lower()
            else:
                wanted = needle
            if mode == "FullString" and haystack == wanted:
                return True
            if mode == "Prefixed" and haystack.startswith(wanted):
                return True
            if mode in ("Substring", "ExactPhrase") and wanted in haystack:
                return True
            if mode == "PrefixOnWords" and any(
                word.startswith(wanted) for word in haystack.split()
            ):
                return True
        return False
    raise EWSError("ErrorUnsupportedPathForQuery", f"Unsupported search expression {op}")


# --------------------------------------------------------------------------------------------------
# Operations
# --------------------------------------------------------------------------------------------------
def _response(service, messages):
    response = m(f"{service}Response")
    container = sub(response, m("ResponseMessages"))
    for message in messages:
        container.append(message)
    return response


def _each(service, elements, handler):
    """One response message per element; EWSError -> an error message."""
    messages = []
    for elem in elements:
        try:
            message = response_message(service)
            handler(elem, message)
        except EWSError as e:
            message = response_message(service, e)
        messages.append(message)
    return _response(service, messages)


def folder_element(folder, shape):
    elem = t(folder.tag)
    elem.append(t("FolderId", Id=folder.id, ChangeKey=folder.change_key))
    if folder.parent is not None and shape.wants("ParentFolderId"):
        elem.append(t("ParentFolderId", Id=folder.parent.id, ChangeKey=folder.parent.change_key))
    if folder.folder_class and shape.wants("FolderClass"):
        elem.append(t("FolderClass", folder.folder_class))
    if shape.wants("DisplayName"):
        elem.append(t("DisplayName", folder.display_name))
    if shape.wants("TotalCount"):
        elem.append(t("TotalCount", len(folder.items)))
    if shape.wants("ChildFolderCount"):
        count = sum(1 for f in folder.mailbox.folders.values() if f.parent is folder)
        elem.append(t("ChildFolderCount", count))
    if folder.tag == "Folder" and shape.wants("UnreadCount"):
        elem.append(t("UnreadCount", 0))
    if shape.wants("DistinguishedFolderId") and folder.distinguished_id:
        elem.append(t("DistinguishedFolderId", folder.distinguished_id))
    return elem


def op_get_folder(ctx, request):
    shape = Shape(child(request, "FolderShape", MNS))

    def handle(folder_id, message):
        folder = resolve_folder(ctx, folder_id)
        sub(message, m("Folders")).append(folder_element(folder, shape))

    return _each("GetFolder", list(child(request, "FolderIds", MNS)), handle)


def op_find_folder(ctx, request):
    shape = Shape(child(request, "FolderShape", MNS))
    deep = request.get("Traversal") == "Deep"

    def handle(folder_id, message):
        parent = resolve_folder(ctx, folder_id)
        found = []

        def walk(node):
            for folder in parent.mailbox.folders.values():
                if folder.parent is node:
                    found.append(folder)
                    if deep:
                        walk(folder)

        walk(parent)
        root = sub(
            message, m("RootFolder", TotalItemsInView=len(found), IncludesLastItemInRange="true")
        )
        folders = sub(root, t("Folders"))
        for folder in found:
            folders.append(folder_element(folder, shape))

    return _each("FindFolder", list(child(request, "ParentFolderIds", MNS)), handle)


def op_get_item(ctx, request):
    shape = Shape(child(request, "ItemShape", MNS))

    def handle(id_elem, message):
        target = resolve_item(ctx, id_elem)
        items = sub(message, m("Items"))
        if target.is_occurrence:
            items.append(render_occurrence(target.item, target.original_start, shape))
        else:
            items.append(render_item(target.item, shape))

    return _each("GetItem", list(child(request, "ItemIds", MNS)), handle)


def op_create_item(ctx, request):
    folder_parent = child(request, "SavedItemFolderId", MNS)
    try:
        explicit_folder = (
            resolve_folder(ctx, folder_parent[0]) if folder_parent is not None else None
        )
    except EWSError as e:
        return error_response("CreateItem", request, e)
    items_elem = child(request, "Items", MNS)
    created = []

    def handle(item_elem, message):
        kind = local(item_elem)
        if kind not in ITEM_TAGS:
            raise EWSError("ErrorInvalidRequest", f"Unsupported item type {kind}")
        folder = explicit_folder
        if folder is None:
            mailbox = ctx.server.store.mailbox(ctx.default_mailbox)
            ctx.check_access(mailbox)
            folder = mailbox.folders[DEFAULT_FOLDER_FOR_KIND.get(kind, "drafts")]
        props = item_props_from_request(item_elem)
        _validate(kind, props)
        item = ctx.server.store.add_item(folder, kind, props)
        created.append(item)
        result = t(kind)
        result.append(t("ItemId", Id=item.id, ChangeKey=item.change_key))
        sub(message, m("Items")).append(result)

    response = _each("CreateItem", list(items_elem), handle)
    ctx.created_items = created
    return response


def _validate(kind, props):
    if kind == "CalendarItem":
        start, end = props.get("Start"), props.get("End")
        if start is None or end is None:
            raise EWSError("ErrorInvalidRequest", "Start and End are required for a calendar item.")
        if parse_datetime(end.text) < parse_datetime(start.text):
            raise EWSError(
                "ErrorCalendarEndDateIsEarlierThanStartDate",
                "The End date must be after the Start date.",
            )


def _apply_updates(props, updates, kind):
    """Apply SetItemField / AppendToItemField / DeleteItemField to a copy of ``props``; return the
    changed keys."""
    changed = set()
    for update in updates:
        action = local(update)
        path = update[0]
        key, subfield = path_key(path)
        if isinstance(key, str) and key in READ_ONLY:
            raise EWSError("ErrorInvalidPropertySet", f"Set action is invalid for property {key}.")
        if action == "DeleteItemField":
            if subfield and props.get(key) is not None:
                entry = copy.deepcopy(props[key])
                for node in children(entry, subfield):
                    entry.remove(node)
                props[key] = entry if len(entry) else None
            else:
                props[key] = None
            changed.add(key)
            continue
        holder = update[1]
        if local(holder) not in ITEM_TAGS:
            raise EWSError("ErrorInvalidRequest", f"Unexpected element {local(holder)} in {action}")
        values = [pair for prop in holder for pair in prop_key(prop)]
        if not values:
            raise EWSError("ErrorInvalidRequest", f"No value in {action}")
        for value_key, value in values:
            if value_key != key:
                raise EWSError(
                    "ErrorInvalidRequest",
                    "The property in the update does not match the field path.",
                )
            value = normalize(value)
            if action == "SetItemField":
                if subfield and props.get(key) is not None:
                    entry = copy.deepcopy(props[key])
                    for node in children(entry, subfield):
                        entry.remove(node)
                    for node in value:
                        entry.append(node)
                    props[key] = entry
                else:
                    props[key] = value
            elif action == "AppendToItemField":
                existing = props.get(key)
                if existing is None:
                    props[key] = value
                elif len(value):
                    merged = copy.deepcopy(existing)
                    for node in value:
                        merged.append(node)
                    props[key] = merged
                else:
                    merged = copy.deepcopy(existing)
                    merged.text = (merged.text or "") + (value.text or "")
                    props[key] = merged
            else:
                raise EWSError("ErrorInvalidRequest", f"Unsupported update {action}")
            changed.add(key)
    return changed


def _check_change_key(target, conflict_resolution, keys):
    """Optimistic concurrency like Exchange: a stale change key is a conflict unless told to
    overwrite."""
    item, change_key = target.item, target.change_key
    if not change_key or change_key == item.change_key:
        return
    version = item.version_of(change_key)
    if version is None:
        if target.is_occurrence:
            # occurrence change keys are the master's; an unknown one is treated like a current one
            return
        raise EWSError("ErrorInvalidChangeKey")
    if conflict_resolution == "AlwaysOverwrite":
        return
    if conflict_resolution == "NeverOverwrite":
        raise EWSError("ErrorIrresolvableConflict")
    # AutoResolve: only properties changed by both sides are a conflict
    if (
        keys is None
        or item.changed_since(version, keys)
        or item.changed_since(version, ["__occurrences__"])
    ):
        raise EWSError("ErrorIrresolvableConflict")


def op_update_item(ctx, request):
    conflict_resolution = request.get("ConflictResolution", "AutoResolve")
    store = ctx.server.store

    def handle(change, message):
        target = resolve_item(ctx, change[0])
        updates = list(child(change, "Updates"))
        item = target.item
        if target.is_occurrence:
            base = occurrence_props(item, target.original_start)
            props = dict(base)
            changed = _apply_updates(props, updates, item.kind)
            _check_change_key(target, conflict_resolution, {*changed, "__occurrences__"})
            if "Recurrence" in changed or "UID" in changed:
                raise EWSError(
                    "ErrorInvalidPropertySet", "Recurrence cannot be set on an occurrence."
                )
            _validate(item.kind, props)
            overrides = dict(item.exceptions.get(target.original_start, {}))
            for key in changed:
                overrides[key] = props.get(key)
            item.exceptions[target.original_start] = overrides
            store.update_item(item, {"__occurrences__"})
            result_id = t(
                "ItemId",
                Id=occurrence_id(item.id, target.original_start),
                ChangeKey=item.change_key,
            )
        else:
            props = dict(item.props)
            changed = _apply_updates(props, updates, item.kind)
            _check_change_key(target, conflict_resolution, changed)
            _validate(item.kind, props)
            really_changed = {
                key for key in changed if not same_value(item.props.get(key), props.get(key))
            }
            item.props = {key: value for key, value in props.items() if value is not None}
            store.update_item(item, really_changed)
            result_id = t("ItemId", Id=item.id, ChangeKey=item.change_key)
        result = t(item.kind)
        result.append(result_id)
        sub(message, m("Items")).append(result)
        conflicts = sub(message, m("ConflictResults"))
        conflicts.append(t("Count", 0))

    return _each("UpdateItem", list(child(request, "ItemChanges", MNS)), handle)


def op_delete_item(ctx, request):
    delete_type = request.get("DeleteType", "HardDelete")
    store = ctx.server.store

    def handle(id_elem, message):
        target = resolve_item(ctx, id_elem)
        item = target.item
        if target.change_key and target.change_key != item.change_key and not target.is_occurrence:
            if item.version_of(target.change_key) is None:
                raise EWSError("ErrorInvalidChangeKey")
            raise EWSError("ErrorIrresolvableConflict")
        if target.is_occurrence:
            item.exceptions.pop(target.original_start, None)
            item.deleted_occurrences.add(target.original_start)
            store.update_item(item, {"__occurrences__"})
        elif delete_type == "MoveToDeletedItems" and item.folder.distinguished_id != "deleteditems":
            store.move_item(item, item.mailbox.folders["deleteditems"])
        else:
            store.remove_item(item)

    return _each("DeleteItem", list(child(request, "ItemIds", MNS)), handle)


def _sort_key_func(order_elem):
    orders = []
    for field_order in children(order_elem, "FieldOrder"):
        orders.append((field_order[0], field_order.get("Order", "Ascending") == "Descending"))
    return orders


def _sorted(entries, orders):
    """entries: [(props, item, payload)] sorted by the SortOrder fields."""
    for path, descending in reversed(orders):

        def key(entry, path=path):
            values = get_value(entry[0], entry[1], path)
            return (values and values[0] is not None, _typed(values[0]) if values else (0, ""))

        entries.sort(key=key, reverse=descending)
    return entries


def op_find_item(ctx, request):
    shape = Shape(child(request, "ItemShape", MNS))
    restriction = child(request, "Restriction", MNS)
    orders = _sort_key_func(child(request, "SortOrder", MNS))
    paged_view = child(request, "IndexedPageItemView", MNS)
    calendar_view = child(request, "CalendarView", MNS)
    query_string = child_text(request, "QueryString", MNS)

    def handle(folder_id, message):
        folder = resolve_folder(ctx, folder_id)
        entries = []
        if calendar_view is not None:
            window_start = parse_datetime(calendar_view.get("StartDate"))
            window_end = parse_datetime(calendar_view.get("EndDate"))
            for item in folder.items.values():
                if item.kind != "CalendarItem":
                    continue
                if item.is_recurring_master:
                    for _index, original_start in item.occurrences():
                        start, end = item.occurrence_times(original_start)
                        if original_start > window_end and start > window_end:
                            break
                        if (
                            start < window_end and end > window_start
                        ) or start == end == window_start:
                            entries.append(
                                (occurrence_props(item, original_start), item, original_start)
                            )
                else:
                    start, end = item.start, item.end
                    if (
                        start
                        and end
                        and (
                            (start < window_end and end > window_start)
                            or start == end == window_start
                        )
                    ):
                        entries.append((item.props, item, None))
            entries.sort(key=lambda entry: parse_datetime(entry[0]["Start"].text))
        else:
            entries = [(item.props, item, None) for item in folder.items.values()]
        if restriction is not None:
            entries = [entry for entry in entries if matches(restriction, entry[0], entry[1])]
        if query_string:
            needle = query_string.lower()
            entries = [entry for entry in entries if needle in json.dumps(_texts(entry[0])).lower()]
        if orders:
            entries = _sorted(entries, orders)
        total = len(entries)
        if calendar_view is not None:
            max_entries = int(calendar_view.get("MaxEntriesReturned") or total or 1)
            offset = 0
        else:
            max_entries = (
                int(paged_view.get("MaxEntriesReturned") or 1000)
                if paged_view is not None
                else 1000
            )
            offset = int(paged_view.get("Offset") or 0) if paged_view is not None else 0
            if paged_view is not None and paged_view.get("BasePoint") == "End":
                offset = max(total - offset - max_entries, 0)
        page = entries[offset : offset + max_entries]
        next_offset = offset + len(page)
        includes_last = next_offset >= total
        root = sub(
            message,
            m(
                "RootFolder",
                TotalItemsInView=total,
                IncludesLastItemInRange=bool_text(includes_last),
            ),
        )
        if calendar_view is None:
            root.set("IndexedPagingOffset", str(next_offset))
        items = sub(root, t("Items"))
        for _props, item, original_start in page:
            if original_start is not None:
                items.append(render_occurrence(item, original_start, shape))
            else:
                items.append(render_item(item, shape))

    return _each("FindItem", list(child(request, "ParentFolderIds", MNS)), handle)


def _texts(props):
    return [
        node.text
        for elem in props.values()
        if elem is not None
        for node in elem.iter()
        if node.text
    ]


# --------------------------------------------------------------------------------------------------
# SyncFolderItems
# --------------------------------------------------------------------------------------------------
def encode_sync_state(server, folder, seq):
    payload = {
        "s": server.instance_id,
        "m": folder.mailbox.address,
        "f": folder.id,
        "q": seq,
        "e": folder.epoch,
    }
    return base64.b64encode(
        b"FAKESYNC" + json.dumps(payload, separators=(",", ":")).encode()
    ).decode()


def decode_sync_state(server, folder, token):
    try:
        raw = base64.b64decode(token.encode(), validate=True)
        if not raw.startswith(b"FAKESYNC"):
            raise ValueError("not a sync state")
        payload = json.loads(raw[8:].decode())
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise EWSError("ErrorInvalidSyncStateData")
    if (
        payload.get("s") != server.instance_id
        or payload.get("m") != folder.mailbox.address
        or payload.get("f") != folder.id
        or payload.get("e") != folder.epoch
        or not isinstance(payload.get("q"), int)
        or payload["q"] > folder.seq
    ):
        raise EWSError("ErrorInvalidSyncStateData")
    return payload["q"]


def op_sync_folder_items(ctx, request):
    shape = Shape(child(request, "ItemShape", MNS))
    folder_elem = child(request, "SyncFolderId", MNS)
    token = child_text(request, "SyncState", MNS)
    max_changes = int(child_text(request, "MaxChangesReturned", MNS, default="100"))
    if not 1 <= max_changes <= 512:
        raise EWSFault("ErrorSchemaValidation", "MaxChangesReturned must be between 1 and 512.")
    ignore = {elem.get("Id") for elem in children(child(request, "Ignore", MNS), "ItemId")}
    message = response_message("SyncFolderItems")
    try:
        folder = resolve_folder(ctx, folder_elem[0])
        since = decode_sync_state(ctx.server, folder, token) if token else 0
        changes, new_seq, includes_last = folder.changes_since(since, max_changes, ignore)
    except EWSError as e:
        message = response_message("SyncFolderItems", e)
        sub(message, m("SyncState", token or ""))
        sub(message, m("IncludesLastItemInRange", "true"))
        return _response("SyncFolderItems", [message])
    sub(message, m("SyncState", encode_sync_state(ctx.server, folder, new_seq)))
    sub(message, m("IncludesLastItemInRange", bool_text(includes_last)))
    changes_elem = sub(message, m("Changes"))
    for change_type, payload in changes:
        node = sub(changes_elem, t(change_type))
        if change_type == "Delete":
            node.append(t("ItemId", Id=payload, ChangeKey="AAAAAA=="))
        else:
            node.append(render_item(payload, shape))
    return _response("SyncFolderItems", [message])


# --------------------------------------------------------------------------------------------------
# ConvertId, ResolveNames
# --------------------------------------------------------------------------------------------------
def op_convert_id(ctx, request):
    destination = request.get("DestinationFormat", "EwsId")

    def handle(source, message):
        source_format = source.get("Format")
        value = source.get("Id") or ""
        try:
            if source_format in ("EwsId", "EwsLegacyId"):
                raw = base64.b64decode(value.encode(), validate=True)
            elif source_format == "EntryId":
                raw = base64.b64decode(value.encode(), validate=True)[4:]
            elif source_format == "HexEntryId":
                raw = bytes.fromhex(value)[4:]
            else:
                raise ValueError(source_format)
            if (
                not raw.startswith(b"itm|")
                and not raw.startswith(b"fld|")
                and not raw.startswith(b"occ|")
            ):
                raise ValueError("unknown id")
        except (ValueError, binascii.Error):
            raise EWSError("ErrorInvalidIdMalformed")
        if destination in ("EwsId", "EwsLegacyId"):
            converted = base64.b64encode(raw).decode()
        elif destination == "EntryId":
            converted = base64.b64encode(b"\x00\x00\x00\x00" + raw).decode()
        elif destination == "HexEntryId":
            converted = (b"\x00\x00\x00\x00" + raw).hex().upper()
        else:
            raise EWSError("ErrorInvalidRequest", f"Unsupported format {destination}")
        message.append(
            m("AlternateId", Id=converted, Format=destination, Mailbox=source.get("Mailbox"))
        )

    return _each("ConvertId", list(child(request, "SourceIds", MNS)), handle)


def op_resolve_names(ctx, request):
    entry = (child_text(request, "UnresolvedEntry", MNS) or "").strip().lower()
    if entry.startswith("smtp:"):
        entry = entry[5:]
    store = ctx.server.store
    found = [
        mailbox
        for mailbox in store.mailboxes.values()
        if entry and (entry in mailbox.address or entry in (mailbox.name or "").lower())
    ]
    exact = [mailbox for mailbox in found if mailbox.address == entry]
    found = exact or found
    if not found:
        message = response_message("ResolveNames", EWSError("ErrorNameResolutionNoResults"))
        return _response("ResolveNames", [message])
    message = response_message("ResolveNames")
    if len(found) > 1:
        message.set("ResponseClass", "Warning")
        message.find(f"{{{MNS}}}ResponseCode").text = "ErrorNameResolutionMultipleResults"
        message.insert(0, m("MessageText", "Multiple results were found."))
    resolution_set = sub(
        message, m("ResolutionSet", TotalItemsInView=len(found), IncludesLastItemInRange="true")
    )
    full = text_bool(request.get("ReturnFullContactData"))
    for mailbox in found:
        resolution = sub(resolution_set, t("Resolution"))
        resolution.append(mailbox.mailbox_element())
        if full:
            contact = sub(resolution, t("Contact"))
            contact.append(t("DisplayName", mailbox.name))
            emails = sub(contact, t("EmailAddresses"))
            emails.append(t("Entry", f"SMTP:{mailbox.address}", Key="EmailAddress1"))
    return _response("ResolveNames", [message])


OPERATIONS = {
    "GetFolder": op_get_folder,
    "FindFolder": op_find_folder,
    "GetItem": op_get_item,
    "CreateItem": op_create_item,
    "UpdateItem": op_update_item,
    "DeleteItem": op_delete_item,
    "FindItem": op_find_item,
    "SyncFolderItems": op_sync_folder_items,
    "ConvertId": op_convert_id,
    "ResolveNames": op_resolve_names,
}


def request_item_count(request):
    """How many response messages an operation answers with (for injected per-message errors)."""
    for name in ("ItemIds", "Items", "ItemChanges", "FolderIds", "ParentFolderIds", "SourceIds"):
        container = child(request, name, MNS)
        if container is not None:
            return max(len(container), 1)
    return 1


def error_response(service, request, error):
    messages = []
    for _ in range(request_item_count(request)):
        message = response_message(service, error)
        if service == "SyncFolderItems":
            sub(message, m("SyncState", child_text(request, "SyncState", MNS, default="")))
            sub(message, m("IncludesLastItemInRange", "true"))
        messages.append(message)
    return _response(service, messages)


__all__ = ["OPERATIONS", "TNS", "FakeItem", "error_response"]
