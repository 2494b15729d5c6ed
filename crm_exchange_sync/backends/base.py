"""Backend interface between the sync engine and a groupware server.

Pure Python on purpose: no Odoo import, so a backend can be tested and reused
on its own.  The engine only ever talks to :class:`Backend` and handles the
exception classes below; the EWS backend (``ews.py``) is the first
implementation, a Microsoft Graph backend can follow without touching the
engine.

Neutral values exchanged through :class:`RemoteItem` (all datetimes aware UTC,
dates are ``datetime.date``):

event
    subject, body (HTML), location, start, end, all_day (bool; then
    start_date / end_date are dates, end exclusive), timezone (IANA name),
    attendees [{"email", "name", "response"}], organizer_email,
    recurrence None or {"freq": daily|weekly|monthly|yearly, "interval",
    "weekdays": ["mon", ...], "day_of_month", "count" or "until"},
    exceptions [{"original_start", "deleted": bool, "start", "end",
    "subject"}], is_private.
task
    subject, body, start_date, due_date, status (not_started|in_progress|
    completed|waiting|deferred), percent_complete, complete_date.
contact
    given_name, surname, display_name, company_name, job_title, department,
    emails [up to 3], phones {"business", "mobile", "home", "business_fax"},
    address {"street", "city", "zip", "state", "country"}.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

KINDS = ("event", "task", "contact")
AUTH_TYPES = ("ntlm", "basic", "oauth2")
ACCESS_MODES = ("impersonation", "user")


class BackendError(Exception):
    """Any failure of a backend; ``message`` holds plain English words for users.

    The Odoo side wraps the message into a translated sentence.
    """

    def __init__(self, message, *, detail=None):
        super().__init__(message)
        self.message = message
        self.detail = detail  # technical detail (server response code, ...) for logs

    def __str__(self):
        return self.message


class AuthenticationError(BackendError):
    """The server refused the credentials (or the token endpoint did)."""


class ServerBusyError(BackendError):
    """The server throttles us; retry after ``retry_after`` seconds (or None: unknown)."""

    def __init__(self, message, *, retry_after=None, detail=None):
        super().__init__(message, detail=detail)
        self.retry_after = retry_after


class ConnectionFailedError(BackendError):
    """The server is unreachable, timed out or dropped the connection."""


class SyncStateInvalidError(BackendError):
    """The stored sync state is no longer accepted; a full resync is needed."""


class ConflictError(BackendError):
    """The change key is stale: the item was changed on the server meanwhile."""


class ItemNotFoundError(BackendError):
    """The item does not exist (anymore) on the server."""


@dataclass
class RemoteItem:
    kind: str  # "event" | "task" | "contact"
    item_id: str
    change_key: str
    values: dict
    odoo_ref: str | None = None  # e.g. "calendar.event,42@<db uuid>"
    last_modified: datetime | None = None  # aware UTC


@dataclass
class ChangeBatch:
    changed: list[RemoteItem] = field(default_factory=list)  # created or updated since the state
    deleted_ids: list[str] = field(default_factory=list)
    sync_state: str = ""
    includes_last: bool = True
    # listed items the caller holds already at their current change key (not read)
    unchanged_ids: list[str] = field(default_factory=list)


@dataclass
class ConnectionSettings:
    server_url: str | None = None
    autodiscover_email: str | None = None
    auth_type: str = "basic"  # "ntlm" | "basic" | "oauth2"
    username: str | None = None
    password: str | None = None
    client_id: str | None = None
    client_secret: str | None = None
    tenant_id: str | None = None
    token_url: str | None = None
    access_mode: str = "user"  # "impersonation" (service account) | "user" (per-user credentials)
    timeout: int = 30

    def __repr__(self):
        # never show secrets in logs or tracebacks
        hidden = {"password", "client_secret"}
        shown = ", ".join(
            f"{name}={'***' if name in hidden and value else value!r}"
            for name, value in self.__dict__.items()
        )
        return f"ConnectionSettings({shown})"


class Backend:
    """Abstract backend for one mailbox."""

    name = None  # registry key, e.g. "ews"

    def __init__(self, settings: ConnectionSettings, mailbox: str):
        self.settings = settings
        self.mailbox = mailbox

    def test_connection(self) -> str:
        """Return a short description (server version, mailbox); raise BackendError."""
        raise NotImplementedError

    def sync_folder(
        self, kind, sync_state=None, max_changes=512, known_change_keys=None
    ) -> ChangeBatch:
        """Changes of the folder of ``kind`` since ``sync_state`` (None: everything).

        ``known_change_keys``: optional callable taking the ids of the items listed and returning
        ``{item_id: change_key}`` of the versions the caller holds already (e.g. the ones it has
        just written itself).  Listed items whose change key is still that one are not read from
        the server: they come back in ``ChangeBatch.unchanged_ids`` instead of ``changed``.
        """
        raise NotImplementedError

    def get_items(self, kind, item_ids) -> list[RemoteItem]:
        raise NotImplementedError

    def create_items(self, kind, entries) -> list[tuple[str, str]]:
        """``entries``: list of (odoo_ref, values); returns [(item_id, change_key)] in order."""
        raise NotImplementedError

    def update_item(self, kind, item_id, change_key, values) -> str:
        """Return the new change key; raise ConflictError when ``change_key`` is stale."""
        raise NotImplementedError

    def delete_item(self, kind, item_id, change_key=None) -> None:
        """Raise ItemNotFoundError when already gone (callers ignore it)."""
        raise NotImplementedError

    def find_by_odoo_refs(self, kind, odoo_refs) -> dict[str, RemoteItem]:
        """Items of ``kind`` carrying one of ``odoo_refs``, keyed by odoo_ref."""
        raise NotImplementedError


_REGISTRY: dict[str, type[Backend]] = {}


def register_backend(cls):
    """Class decorator registering a backend under ``cls.name``."""
    _REGISTRY[cls.name] = cls
    return cls


def get_backend_class(name="ews"):
    try:
        return _REGISTRY[name]
    except KeyError:
        raise BackendError(f"Unknown backend {name!r}.") from None
