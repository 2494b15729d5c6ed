"""Exchange Web Services backend, built on exchangelib.

One :class:`EwsBackend` talks to one mailbox.  Every request has a timeout
(``ConnectionSettings.timeout``) and the
retry policy is exchangelib's ``FailFast``: a busy server never makes a request sleep for minutes;
it raises
:class:`ServerBusyError` with the back-off the server asked for, and the sync engine retries later.
"""

import contextlib
import logging
import socket
import threading
import time
from urllib.parse import urlsplit

import requests
from exchangelib import (
    DELEGATE,
    IMPERSONATION,
    Account,
    CalendarItem,
    Configuration,
    Contact,
    Credentials,
    FailFast,
    OAuth2Credentials,
    Task,
)
from exchangelib import errors as ews_errors
from exchangelib.autodiscover import discover
from exchangelib.ewsdatetime import UTC as EWS_UTC
from exchangelib.items import (
    AUTO_RESOLVE,
    HARD_DELETE,
    MOVE_TO_DELETED_ITEMS,
    NEVER_OVERWRITE,
    SEND_TO_NONE,
)
from exchangelib.properties import OccurrenceItemId
from exchangelib.services import SyncFolderItems
from exchangelib.transport import BASIC, NTLM, OAUTH2
from oauthlib.oauth2.rfc6749 import errors as oauth_errors

from . import ews_convert as convert
from .base import (
    AuthenticationError,
    Backend,
    BackendError,
    ChangeBatch,
    ConflictError,
    ConnectionFailedError,
    ItemNotFoundError,
    RemoteItem,
    ServerBusyError,
    SyncStateInvalidError,
    register_backend,
)

_logger = logging.getLogger(__name__)

convert.register_extended_properties()

AUTH_TYPES = {"ntlm": NTLM, "basic": BASIC, "oauth2": OAUTH2}
ITEM_CLASSES = {"event": CalendarItem, "task": Task, "contact": Contact}
FOLDER_ATTRIBUTES = {"event": "calendar", "task": "tasks", "contact": "contacts"}
REF_CHUNK = 50  # Odoo references per FindItem restriction
DEFAULT_BUSY_BACK_OFF = 60  # seconds, when a transient server error names no back-off
AUTODISCOVER_CACHE_SECONDS = 3600

_autodiscover_cache = {}  # (email, username) -> (service endpoint, time found)
_autodiscover_lock = threading.Lock()


class TokenUrlOAuth2Credentials(OAuth2Credentials):
    """OAuth 2 client credentials with a configurable token endpoint and scope.

    Needed for sovereign clouds (e.g. login.microsoftonline.us) and for tests against a local token
    endpoint.
    """

    def __init__(self, *args, token_url=None, scope=None, **kwargs):
        super().__init__(*args, **kwargs)
        self._token_url = token_url
        self._scope = scope

    @property
    def token_url(self):
        return self._token_url or super().token_url

    @property
    def scope(self):
        return [self._scope] if self._scope else super().scope

    def set_scope(self, scope):
        self._scope = scope


@register_backend
class EwsBackend(Backend):
    name = "ews"

    def __init__(self, settings, mailbox):
        super().__init__(settings, mailbox)
        self._account = None
        self._folders = {}

    # ------------------------------------------------------------------
    # Interface
    # ------------------------------------------------------------------
    def test_connection(self):
        with self._errors():
            account = self.account
            for kind in ("event", "task", "contact"):
                self._folder(
                    kind
                )  # GetFolder: checks credentials, mailbox and impersonation rights
            version = account.version
        build = version.build
        return f"Microsoft Exchange {build} ({version.api_version}), mailbox {self.mailbox}"

    def sync_folder(self, kind, sync_state=None, max_changes=512, known_change_keys=None):
        with self._errors():
            folder = self._folder(kind)
            service = SyncFolderItems(account=self.account)
            changes = list(
                service.call(
                    folder=folder,
                    shape="IdOnly",
                    additional_fields=None,
                    sync_state=sync_state or None,
                    ignore=None,
                    max_changes_returned=max_changes,
                    sync_scope=None,
                )
            )
            listed, deleted_ids = {}, []  # item id -> change key listed last
            for change_type, item in changes:
                if change_type in (SyncFolderItems.CREATE, SyncFolderItems.UPDATE):
                    if isinstance(item, ITEM_CLASSES[kind]):
                        listed[item.id] = item.changekey
                elif change_type == SyncFolderItems.DELETE:
                    deleted_ids.append(item.id)
            known = known_change_keys(list(listed)) if known_change_keys and listed else {}
            # the caller's own version (e.g. just created by it): nothing to read
            unchanged_ids = [
                item_id
                for item_id, change_key in listed.items()
                if change_key and known.get(item_id) == change_key
            ]
            skipped = set(unchanged_ids)
            changed = self._get_items(
                kind, [item_id for item_id in listed if item_id not in skipped], missing_ok=True
            )
            return ChangeBatch(
                changed=changed,
                deleted_ids=deleted_ids,
                sync_state=service.sync_state,
                includes_last=bool(service.includes_last_item_in_range),
                unchanged_ids=unchanged_ids,
            )

    def get_items(self, kind, item_ids):
        with self._errors():
            return self._get_items(kind, list(item_ids), missing_ok=False)

    def create_items(self, kind, entries):
        entries = list(entries)
        if not entries:
            return []
        with self._errors():
            folder = self._folder(kind)
            items = []
            for odoo_ref, values in entries:
                item = ITEM_CLASSES[kind](account=self.account, folder=folder)
                self._apply(kind, item, values)
                setattr(item, convert.ODOO_REF_FIELD, odoo_ref)
                items.append(item)
            results = self.account.bulk_create(
                folder=folder,
                items=items,
                message_disposition="SaveOnly",
                send_meeting_invitations=SEND_TO_NONE,
            )
            created = [
                None if isinstance(result, Exception) else (result.id, result.changekey)
                for result in results
            ]
            try:
                if kind == "event":
                    self._create_exceptions(entries, created)
            except Exception as error:
                # the series exist: report them with the error, so no mapping is lost
                mapped = self._map_error(error)
                mapped.partial_results = created
                raise mapped from error
            failures = [result for result in results if isinstance(result, Exception)]
            if failures:
                error = self._map_error(failures[0])
                error.partial_results = created
                raise error
            return created

    def _create_exceptions(self, entries, created):
        """Apply the exceptions of the series just created; ``created`` gets the new change keys."""
        for index, ((_odoo_ref, values), ids) in enumerate(zip(entries, created, strict=True)):
            if ids and values.get("recurrence") and values.get("exceptions"):
                created[index] = self._apply_exceptions(ids[0], values, current_exceptions=())

    def update_item(self, kind, item_id, change_key, values):
        with self._errors():
            current = None
            if kind == "contact" and ({"phones", "address"} & set(values)):
                current = self._fetch_one(kind, item_id)
            if kind == "event" and {"exceptions", "recurrence"} & set(values):
                current = self._fetch_one(kind, item_id)
                if "recurrence" in values and self._same_recurrence(current, values):
                    # sending an unchanged pattern again would make Exchange drop the exceptions
                    values = {key: value for key, value in values.items() if key != "recurrence"}
            item = ITEM_CLASSES[kind](
                account=self.account, folder=self._folder(kind), id=item_id, changekey=change_key
            )
            if current is not None and kind == "event":
                item._start_timezone = current._start_timezone
                item.start, item.end = current.start, current.end
            fields = self._apply(kind, item, values, current=current)
            new_change_key = change_key
            if fields:
                results = self.account.bulk_update(
                    items=[(item, list(dict.fromkeys(fields)))],
                    conflict_resolution=NEVER_OVERWRITE,
                    message_disposition="SaveOnly",
                    send_meeting_invitations_or_cancellations=SEND_TO_NONE,
                )
                result = results[0]
                if isinstance(result, Exception):
                    raise result
                new_change_key = result[1]
            if (
                kind == "event"
                and values.get("exceptions") is not None
                and self._has_recurrence(values, current)
            ):
                recurrence_changed = "recurrence" in values
                existing = (
                    ()
                    if recurrence_changed
                    else convert.exceptions_values(current, self._occurrence_subjects([current]))
                )
                merged = dict(values)
                for key in ("start", "timezone", "recurrence", "all_day", "start_date"):
                    if key not in merged:
                        merged[key] = self._current_event_value(current, key)
                new_change_key = self._apply_exceptions(
                    item_id, merged, current_exceptions=existing
                )[1]
            return new_change_key

    def delete_item(self, kind, item_id, change_key=None):
        with self._errors():
            results = self.account.bulk_delete(
                ids=[(item_id, change_key)],
                delete_type=MOVE_TO_DELETED_ITEMS,
                send_meeting_cancellations=SEND_TO_NONE,
                affected_task_occurrences="AllOccurrences",
            )
            result = results[0]
            if isinstance(result, Exception):
                raise result

    def find_by_odoo_refs(self, kind, odoo_refs):
        odoo_refs = [ref for ref in dict.fromkeys(odoo_refs) if ref]
        if not odoo_refs:
            return {}
        with self._errors():
            folder = self._folder(kind)
            found_ids = []
            for start in range(0, len(odoo_refs), REF_CHUNK):
                chunk = odoo_refs[start : start + REF_CHUNK]
                query = folder.filter(**{f"{convert.ODOO_REF_FIELD}__in": chunk}).only(
                    convert.ODOO_REF_FIELD
                )
                found_ids += [item.id for item in query if not isinstance(item, Exception)]
            items = self._get_items(kind, found_ids, missing_ok=True)
        return {item.odoo_ref: item for item in items if item.odoo_ref in odoo_refs}

    # ------------------------------------------------------------------
    # Connection
    # ------------------------------------------------------------------
    @property
    def account(self):
        if self._account is None:
            self._account = self._make_account()
        return self._account

    def _make_account(self):
        settings = self.settings
        auth_type = AUTH_TYPES.get(settings.auth_type)
        if not auth_type:
            raise BackendError(f"Unknown authentication type {settings.auth_type!r}.")
        if not self.mailbox or "@" not in self.mailbox:
            raise BackendError(
                f"{self.mailbox or 'An empty address'} is not a valid mailbox address."
            )
        credentials = self._credentials()
        endpoint = settings.server_url or self._autodiscover(credentials, auth_type)
        if urlsplit(endpoint).scheme not in ("http", "https"):
            raise BackendError(
                f"{endpoint} is not a valid EWS address (expected https://…/EWS/Exchange.asmx)."
            )
        if settings.auth_type == "oauth2":
            # the token is asked for the EWS host: Office 365, a national cloud or on-premises
            credentials.set_scope(self._oauth_scope(endpoint))
        config = Configuration(
            credentials=credentials,
            service_endpoint=endpoint,
            auth_type=auth_type,
            retry_policy=FailFast(),
        )
        # OAuth 2 client credentials are an application identity: impersonation opens the mailbox
        impersonate = settings.access_mode == "impersonation" or settings.auth_type == "oauth2"
        account = Account(
            primary_smtp_address=self.mailbox,
            config=config,
            autodiscover=False,
            access_type=IMPERSONATION if impersonate else DELEGATE,
            default_timezone=EWS_UTC,
            locale="en_US",
        )
        # a timeout on every request of this protocol (exchangelib's default is 120 s)
        account.protocol.TIMEOUT = settings.timeout or 30
        return account

    def _credentials(self):
        settings = self.settings
        if settings.auth_type == "oauth2":
            if not (settings.client_id and settings.client_secret):
                raise AuthenticationError("OAuth 2 needs a client ID and a client secret.")
            return TokenUrlOAuth2Credentials(
                client_id=settings.client_id,
                client_secret=settings.client_secret,
                tenant_id=settings.tenant_id or None,
                token_url=settings.token_url or None,
            )
        if not (settings.username and settings.password):
            raise AuthenticationError(
                "A user name and a password are needed to sign in to Exchange."
            )
        return Credentials(username=settings.username, password=settings.password)

    @staticmethod
    def _oauth_scope(endpoint):
        parts = urlsplit(endpoint)
        return f"{parts.scheme}://{parts.netloc}/.default"

    def _autodiscover(self, credentials, auth_type):
        email = self.settings.autodiscover_email or self.mailbox
        if not email:
            raise BackendError(
                "Neither an EWS address nor an autodiscover e-mail address is configured."
            )
        key = (email.lower(), str(credentials))
        with _autodiscover_lock:
            cached = _autodiscover_cache.get(key)
            if cached and time.monotonic() - cached[1] < AUTODISCOVER_CACHE_SECONDS:
                return cached[0]
        _ad_response, protocol = discover(email=email, credentials=credentials, auth_type=auth_type)
        endpoint = protocol.service_endpoint
        with _autodiscover_lock:
            _autodiscover_cache[key] = (endpoint, time.monotonic())
        return endpoint

    def _folder(self, kind):
        if kind not in FOLDER_ATTRIBUTES:
            raise BackendError(f"Unknown item kind {kind!r}.")
        if kind not in self._folders:
            self._folders[kind] = getattr(self.account, FOLDER_ATTRIBUTES[kind])
        return self._folders[kind]

    # ------------------------------------------------------------------
    # Items
    # ------------------------------------------------------------------
    def _get_items(self, kind, item_ids, missing_ok):
        if not item_ids:
            return []
        folder = self._folder(kind)
        fetched = list(
            self.account.fetch(
                ids=[(item_id, None) for item_id in item_ids],
                folder=folder,
                only_fields=list(convert.READ_FIELDS[kind]),
            )
        )
        items = []
        for item in fetched:
            if isinstance(item, Exception):
                if missing_ok and isinstance(item, ews_errors.ErrorItemNotFound):
                    continue
                raise item
            if not isinstance(item, ITEM_CLASSES[kind]):
                continue  # e.g. a distribution list in a contacts folder
            items.append(item)
        subjects = self._occurrence_subjects(items) if kind == "event" else {}
        return [self._remote_item(kind, item, subjects) for item in items]

    def _occurrence_subjects(self, items):
        occurrence_ids = [
            occ.id for item in items for occ in (item.modified_occurrences or ()) if occ.id
        ]
        if not occurrence_ids:
            return {}
        fetched = self.account.fetch(
            ids=[(occurrence_id, None) for occurrence_id in occurrence_ids],
            folder=self._folder("event"),
            only_fields=["subject"],
        )
        return {
            occurrence_id: occurrence.subject
            for occurrence_id, occurrence in zip(occurrence_ids, fetched, strict=True)
            if not isinstance(occurrence, Exception)
        }

    def _remote_item(self, kind, item, subjects):
        if kind == "event":
            values = convert.event_values(item, subjects)
        elif kind == "task":
            values = convert.task_values(item)
        else:
            values = convert.contact_values(item)
        return RemoteItem(
            kind=kind,
            item_id=item.id,
            change_key=item.changekey,
            values=values,
            odoo_ref=getattr(item, convert.ODOO_REF_FIELD, None) or None,
            last_modified=convert.to_utc(item.last_modified_time),
        )

    def _fetch_one(self, kind, item_id, only_fields=None):
        fetched = self.account.fetch(
            ids=[(item_id, None)], folder=self._folder(kind), only_fields=only_fields
        )
        result = next(iter(fetched))
        if isinstance(result, Exception):
            raise result
        return result

    @staticmethod
    def _apply(kind, item, values, current=None):
        if kind == "event":
            return convert.apply_event_values(item, values)
        if kind == "task":
            return convert.apply_task_values(item, values)
        return convert.apply_contact_values(item, values, current=current)

    @staticmethod
    def _has_recurrence(values, current):
        if "recurrence" in values:
            return bool(values["recurrence"])
        return bool(current is not None and current.recurrence)

    @staticmethod
    def _same_recurrence(current, values):
        tz = convert.ews_timezone(
            values.get("timezone") or getattr(current._start_timezone, "key", None)
        )
        start_date = convert.local_start_date(values, current, tz)
        wanted = convert.recurrence_from_values(values["recurrence"], start_date)
        stored = current.recurrence
        if not wanted or not stored or not stored.boundary:
            return not wanted and not (stored and stored.pattern)
        return convert.recurrence_values(wanted) == convert.recurrence_values(
            stored
        ) and convert.to_date(wanted.boundary.start) == convert.to_date(stored.boundary.start)

    @staticmethod
    def _current_event_value(current, key):
        values = convert.event_values(current)
        return values.get(key)

    def _apply_exceptions(self, master_id, values, current_exceptions):
        """Delete or modify single occurrences of a series to match ``values["exceptions"]``.

        Returns the master's (item id, change key) after the changes.
        """
        recurrence = values.get("recurrence")
        timezone = values.get("timezone") or "UTC"
        first_start = values.get("start")
        if values.get("all_day") and values.get("start_date"):
            first_start = convert.to_utc(values["start_date"])
        current = {exception["original_start"]: exception for exception in current_exceptions}
        to_delete, to_update = [], []
        for exception in values.get("exceptions") or ():
            original_start = exception.get("original_start")
            if not original_start or not recurrence or not first_start:
                continue
            existing = current.get(convert.to_utc(original_start))
            if exception.get("deleted"):
                if existing and existing["deleted"]:
                    continue
            elif (
                existing and not existing["deleted"] and self._same_occurrence(existing, exception)
            ):
                continue
            index = convert.occurrence_index(recurrence, first_start, timezone, original_start)
            if index is None:
                _logger.info(
                    "Exchange: no occurrence of %s starts at %s; exception skipped",
                    master_id,
                    original_start,
                )
                continue
            occurrence_id = OccurrenceItemId(id=master_id, changekey=None, instance_index=index)
            if exception.get("deleted"):
                to_delete.append(occurrence_id)
            else:
                to_update.append((occurrence_id, exception))
        if to_update:
            updates = []
            for occurrence_id, exception in to_update:
                occurrence = CalendarItem(
                    account=self.account, folder=self._folder("event"), _id=occurrence_id
                )
                fields = convert.apply_event_values(
                    occurrence,
                    {
                        key: value
                        for key, value in {
                            "subject": exception.get("subject"),
                            "start": exception.get("start"),
                            "end": exception.get("end"),
                            "timezone": timezone,
                        }.items()
                        if value is not None
                    },
                )
                fields = [field for field in fields if field != "is_all_day"]
                updates.append((occurrence, fields))
            for result in self.account.bulk_update(
                items=updates,
                conflict_resolution=AUTO_RESOLVE,
                message_disposition="SaveOnly",
                send_meeting_invitations_or_cancellations=SEND_TO_NONE,
            ):
                if isinstance(result, Exception):
                    raise result
        if to_delete:
            for result in self.account.bulk_delete(
                ids=to_delete, delete_type=HARD_DELETE, send_meeting_cancellations=SEND_TO_NONE
            ):
                if isinstance(result, Exception) and not isinstance(
                    result, ews_errors.ErrorCalendarOccurrenceIsDeletedFromRecurrence
                ):
                    raise result
        master = self._fetch_one("event", master_id, only_fields=["subject"])
        return master.id, master.changekey

    @staticmethod
    def _same_occurrence(existing, wanted):
        return (
            existing.get("start") == convert.to_utc(wanted.get("start"))
            and existing.get("end") == convert.to_utc(wanted.get("end"))
            and (wanted.get("subject") is None or existing.get("subject") == wanted.get("subject"))
        )

    # ------------------------------------------------------------------
    # Errors
    # ------------------------------------------------------------------
    @contextlib.contextmanager
    def _errors(self):
        """Turn every exchangelib / transport exception into the contract's exception classes."""
        try:
            yield
        except BackendError:
            raise
        except Exception as error:
            mapped = self._map_error(error)
            raise mapped from error

    def _map_error(self, error):
        mailbox = self.mailbox
        endpoint = self.settings.server_url or self.settings.autodiscover_email or ""
        detail = f"{error.__class__.__name__}: {error}"
        if isinstance(error, BackendError):
            return error
        inner = error.__cause__ or error.__context__
        if type(error) is ews_errors.TransportError and inner is not None:
            # e.g. the server version guess wraps a connection error: report the real cause
            return self._map_error(inner)
        if isinstance(error, ews_errors.UnauthorizedError):
            return AuthenticationError(
                "The Exchange server rejected the user name or password.",
                detail=detail,
            )
        if isinstance(error, oauth_errors.OAuth2Error):
            return AuthenticationError(
                f"The token endpoint refused the client ID or secret ({error.error}).",
                detail=detail,
            )
        if isinstance(
            error, ews_errors.ErrorImpersonateUserDenied | ews_errors.ErrorImpersonationDenied
        ):
            return AuthenticationError(
                f"The service account is not allowed to impersonate {mailbox}.",
                detail=detail,
            )
        if isinstance(error, ews_errors.ErrorAccessDenied):
            return AuthenticationError(
                f"Access to the mailbox {mailbox} was denied.", detail=detail
            )
        if isinstance(error, ews_errors.ErrorNonExistentMailbox):
            return BackendError(
                f"The mailbox {mailbox} does not exist on the Exchange server.", detail=detail
            )
        if isinstance(error, ews_errors.ErrorServerBusy):
            return ServerBusyError(
                "The Exchange server is busy and asks to try again later.",
                retry_after=error.back_off,
                detail=detail,
            )
        if isinstance(error, ews_errors.RateLimitError):
            return ServerBusyError(
                "The Exchange server is busy and asks to try again later.",
                retry_after=error.wait,
                detail=detail,
            )
        if isinstance(
            error,
            ews_errors.ErrorInternalServerTransientError
            | ews_errors.ErrorTooManyObjectsOpened
            | ews_errors.ErrorMailboxStoreUnavailable
            | ews_errors.ErrorMailboxMoveInProgress
            | ews_errors.ErrorConnectionFailedTransientError
            | ews_errors.ErrorExceededConnectionCount,
        ):
            return ServerBusyError(
                "The Exchange server is temporarily unavailable.",
                retry_after=DEFAULT_BUSY_BACK_OFF,
                detail=detail,
            )
        if isinstance(
            error, ews_errors.ErrorInvalidSyncStateData | ews_errors.ErrorInvalidSubscription
        ):
            return SyncStateInvalidError(
                "The Exchange server no longer accepts the stored synchronisation state; "
                "a full synchronisation is needed.",
                detail=detail,
            )
        if isinstance(error, ews_errors.ErrorIrresolvableConflict | ews_errors.ErrorStaleObject):
            return ConflictError("The item was changed in Exchange in the meantime.", detail=detail)
        if isinstance(error, ews_errors.ErrorInvalidChangeKey):
            return ConflictError("The item's change key is no longer valid.", detail=detail)
        if isinstance(
            error,
            ews_errors.ErrorItemNotFound
            | ews_errors.ErrorInvalidIdMalformed
            | ews_errors.ErrorInvalidIdNotAnItemAttachmentId,
        ):
            return ItemNotFoundError("The item no longer exists in Exchange.", detail=detail)
        if isinstance(error, ews_errors.AutoDiscoverError):
            address = self.settings.autodiscover_email or mailbox
            return ConnectionFailedError(
                f"Autodiscover found no Exchange server for {address}.",
                detail=detail,
            )
        if isinstance(error, ews_errors.ErrorTimeoutExpired | ews_errors.ErrorConnectionFailed):
            return ConnectionFailedError(
                f"The Exchange server {endpoint} did not answer or closed the connection.",
                detail=detail,
            )
        if isinstance(error, requests.exceptions.SSLError):
            return ConnectionFailedError(
                f"The TLS certificate of {endpoint} could not be verified.",
                detail=detail,
            )
        if isinstance(
            error,
            requests.exceptions.ConnectionError
            | requests.exceptions.Timeout
            | socket.timeout
            | OSError,
        ):
            return ConnectionFailedError(
                f"The Exchange server {endpoint} could not be reached.", detail=detail
            )
        if isinstance(error, ews_errors.RedirectError):
            return ConnectionFailedError(
                f"The server redirected the request to {error.url}; check the EWS address.",
                detail=detail,
            )
        if isinstance(error, ews_errors.CASError):
            return BackendError(
                f"The Exchange front end refused the request ({error.cas_error}).", detail=detail
            )
        if isinstance(error, ews_errors.MalformedResponseError | ews_errors.SOAPError):
            return BackendError(
                f"{endpoint} did not answer like an Exchange server; check the EWS address.",
                detail=detail,
            )
        if isinstance(error, ews_errors.TransportError):
            return ConnectionFailedError(
                f"The connection to {endpoint} failed: {error}", detail=detail
            )
        if isinstance(error, ews_errors.ResponseMessageError | ews_errors.EWSError):
            return BackendError(
                f"The Exchange server answered: {error.__class__.__name__} ({error}).",
                detail=detail,
            )
        if isinstance(error, ValueError | TypeError):
            return BackendError(f"A value cannot be sent to Exchange: {error}", detail=detail)
        _logger.warning("Unexpected error talking to Exchange", exc_info=error)
        return BackendError(f"Unexpected error talking to Exchange: {error}", detail=detail)
