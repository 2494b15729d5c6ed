"""A fake Microsoft Exchange Web Services (EWS) server for tests: HTTP on 127.0.0.1, Basic auth,
OAuth2 client credentials, ExchangeImpersonation, an in-memory store and fault injection.

    server = FakeExchangeServer()
    server.start()
    server.add_mailbox("anna@example.com", password="secret", name="Anna Example")
    ... exchangelib Configuration(service_endpoint=server.url, credentials=..., auth_type=BASIC) ...
    server.stop()
"""

import base64
import collections
import datetime
import json
import secrets
import socket
import threading
import time
import traceback
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

from lxml import etree

from . import ntlm as ntlm_module
from .mailbox import Mailbox, Store, describe_props, occurrence_id
from .operations import OPERATIONS, error_response, resolve_item
from .soap import (
    KNOWN_REQUEST_VERSIONS,
    MNS,
    SOAPNS,
    TNS,
    EWSError,
    EWSFault,
    child,
    child_text,
    envelope,
    fault_envelope,
    local,
    parse_xml,
    to_bytes,
)
from .values import build_props

EWS_PATH = "/ews/exchange.asmx"
TOKEN_PATH_SUFFIX = "/oauth2/v2.0/token"
TOKEN_LIFETIME = 3600


class _Principal:
    """Who authenticated: a mailbox user, a service account or an OAuth2 application."""

    def __init__(self, name, kind, can_impersonate=False):
        self.name = name
        self.kind = kind  # "user" | "service" | "app"
        self.can_impersonate = can_impersonate


class RequestContext:
    def __init__(self, server, principal, operation):
        self.server = server
        self.principal = principal
        self.operation = operation
        self.impersonated = None
        self.default_mailbox = principal.name if principal.kind != "app" else None
        self.created_items = []

    @property
    def acting_as(self):
        return self.impersonated or self.principal.name

    def check_access(self, mailbox):
        actor = self.acting_as
        if self.principal.kind == "app" and not self.impersonated:
            raise EWSFault(
                "ErrorInvalidExchangeImpersonationHeaderData",
                "ExchangeImpersonation SOAP header must be present for this type of OAuth token.",
            )
        if actor == mailbox.address or actor in mailbox.delegates:
            return
        raise EWSError(
            "ErrorAccessDenied",
            f"The account {actor} does not have permission to access the mailbox "
            f"{mailbox.address}.",
        )


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "Microsoft-IIS/10.0"
    sys_version = ""

    def log_message(self, format, *args):
        pass

    def _send(self, status, body=b"", content_type="text/xml; charset=utf-8", headers=None):
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("X-FEServer", "FAKE-EWS")
        for key, value in (headers or {}).items():
            if isinstance(value, (list, tuple)):
                for v in value:
                    self.send_header(key, v)
            else:
                self.send_header(key, value)
        self.end_headers()
        if body:
            self.wfile.write(body)

    def _drop(self):
        """Close the connection without any answer (the request was processed)."""
        self.close_connection = True
        try:
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass

    def do_GET(self):
        path = urlsplit(self.path).path.lower()
        if path == EWS_PATH:
            self._send(405, b"", "text/plain")
            return
        self._send(404, b"Not Found", "text/plain")

    def do_POST(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        path = urlsplit(self.path).path
        fake = self.server.fake
        if path.lower() == EWS_PATH:
            fake._handle_ews(self, body)
        elif path.endswith(TOKEN_PATH_SUFFIX):
            fake._handle_token(self, body)
        else:
            self._send(404, b"Not Found", "text/plain")


class FakeExchangeServer:
    """The fake Exchange server. See the module docstring and tests/fake_ews/README.md."""

    def __init__(self, host="127.0.0.1", port=0, ntlm=True):
        self.host = host
        self.ntlm = ntlm and ntlm_module.AVAILABLE
        self.port = port
        self.instance_id = uuid.uuid4().hex[:12]
        self.store = Store()
        self.service_accounts = {}
        self.oauth_clients = {}
        self.tokens = {}
        self.token_lifetime = TOKEN_LIFETIME  # seconds
        self.requests = []
        self.request_details = []
        self.errors = []  # (operation, traceback) of unexpected server errors
        self._failures = collections.defaultdict(collections.deque)
        self._drops = collections.defaultdict(collections.deque)
        self._httpd = None
        self._thread = None

    # ----------------------------------------------------------------------------------------------
    # Lifecycle
    # ----------------------------------------------------------------------------------------------
    def start(self):
        self._httpd = ThreadingHTTPServer((self.host, self.port), _Handler)
        self._httpd.daemon_threads = True
        self._httpd.fake = self
        self.port = self._httpd.server_address[1]
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, name="fake-ews", daemon=True
        )
        self._thread.start()
        return self

    def stop(self):
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    @property
    def base_url(self):
        return f"http://{self.host}:{self.port}"

    @property
    def url(self):
        return f"{self.base_url}/EWS/Exchange.asmx"

    @property
    def token_url(self):
        return f"{self.base_url}/common{TOKEN_PATH_SUFFIX}"

    def token_url_for(self, tenant_id):
        return f"{self.base_url}/{tenant_id}{TOKEN_PATH_SUFFIX}"

    # ----------------------------------------------------------------------------------------------
    # Accounts
    # ----------------------------------------------------------------------------------------------
    def add_mailbox(self, address, password=None, name=None):
        """A mailbox; with a password its owner can log in (Basic auth user name = the address)."""
        with self.store.lock:
            mailbox = Mailbox(address, password=password, name=name)
            self.store.mailboxes[mailbox.address] = mailbox
            return mailbox

    def add_service_account(self, address, password):
        """An account that may impersonate every mailbox (ApplicationImpersonation role)."""
        with self.store.lock:
            self.service_accounts[address.lower()] = password

    def add_oauth_client(self, client_id, client_secret, tenant_id=None):
        """An Azure AD application (client credentials flow) with full_access_as_app: it must
        impersonate."""
        with self.store.lock:
            self.oauth_clients[client_id] = {"secret": client_secret, "tenant_id": tenant_id}

    def grant_access(self, mailbox, user):
        """Give ``user`` full (delegate) access to ``mailbox``, e.g. a shared contacts mailbox."""
        with self.store.lock:
            self.store.mailbox(mailbox).delegates.add(user.lower())

    def mailbox(self, address):
        return self.store.mailbox(address)

    def items(self, address, folder):
        with self.store.lock:
            return list(self.store.mailbox(address).folder(folder).items.values())

    def item(self, item_id):
        """A stored item by id (None when it does not exist)."""
        return self.store.items_by_id.get(item_id)

    # ----------------------------------------------------------------------------------------------
    # Fault injection and request log
    # ----------------------------------------------------------------------------------------------
    def fail_next(
        self,
        operation,
        error="ErrorServerBusy",
        count=1,
        back_off_ms=None,
        message=None,
        http_status=None,
        after=0,
    ):
        """Answer ``count`` requests of ``operation`` with ``error``; nothing of them is processed.

        ``after``: let that many requests of the operation pass first (a server failing mid-batch).
        ErrorServerBusy and the other throttling errors come as a SOAP fault (HTTP 500) as Exchange
        sends them, ErrorServerBusy with BackOffMilliseconds in the MessageXml (``back_off_ms``,
        default 1000). Other error codes come as an error response message per requested item.
        ``http_status`` (e.g. 503) answers with that bare HTTP status instead."""
        if error == "ErrorServerBusy" and back_off_ms is None:
            back_off_ms = 1000
        with self.store.lock:
            for index in range(count):
                self._failures[operation].append(
                    {
                        "error": error,
                        "back_off_ms": back_off_ms,
                        "message": message,
                        "http_status": http_status,
                        "after": after if index == 0 else 0,
                    }
                )

    def drop_connection_after_next(self, operation, count=1, after=0):
        """Process the next ``count`` requests of ``operation`` (e.g. store the created item), then
        close the connection without an answer. ``after``: let that many requests pass first."""
        with self.store.lock:
            for index in range(count):
                self._drops[operation].append({"after": after if index == 0 else 0})

    @staticmethod
    def _take(queue):
        """The next armed fault of a queue, honouring its ``after`` countdown."""
        if not queue:
            return None
        head = queue[0]
        if head["after"] > 0:
            head["after"] -= 1
            return None
        return queue.popleft()

    def clear_faults(self):
        with self.store.lock:
            self._failures.clear()
            self._drops.clear()

    def expire_sync_state(self, address, folder):
        """Every sync state issued so far for this folder becomes invalid (->
        ErrorInvalidSyncStateData)."""
        with self.store.lock:
            self.store.mailbox(address).folder(folder).epoch += 1

    def reset_requests(self):
        with self.store.lock:
            self.requests.clear()
            self.request_details.clear()

    def count_requests(self, operation, mailbox=None):
        return sum(
            1
            for op, mbx in self.requests
            if op == operation and (mailbox is None or mbx == mailbox)
        )

    # ----------------------------------------------------------------------------------------------
    # Changes "made in Outlook"
    # ----------------------------------------------------------------------------------------------
    def create_item(self, address, folder, kind=None, **values):
        """Create an item as another client would. ``values``: see fake_ews.values (subject, body,
        start, end, is_all_day, timezone/start_timezone/end_timezone (Windows ids), location,
        required_attendees, organizer, recurrence, sensitivity, status, percent_complete,
        start_date, due_date, given_name, surname, display_name, company_name, job_title,
        department, emails, phones, addresses, extended_properties, ...)."""
        with self.store.lock:
            folder_obj = self.store.mailbox(address).folder(folder)
            props = {key: value for key, value in build_props(values).items() if value is not None}
            return self.store.add_item(folder_obj, kind or folder_obj.item_kind, props)

    def modify_item(self, item_id, modified_at=None, **values):
        """Change properties of an item (a value None removes the property): new change key, a sync
        Update. ``modified_at`` (aware datetime) sets LastModifiedTime, e.g. to make an Outlook edit
        older or newer than an Odoo edit."""
        with self.store.lock:
            item = self._item(item_id)
            changes = build_props(values)
            for key, value in changes.items():
                if value is None:
                    item.props.pop(key, None)
                else:
                    item.props[key] = value
            self.store.update_item(item, set(changes))
            if modified_at is not None:
                item.last_modified = datetime.datetime.fromtimestamp(
                    int(modified_at.timestamp()), tz=datetime.timezone.utc
                )
            return item

    def delete_item(self, item_id, to_trash=False):
        """Delete an item as Outlook would; ``to_trash`` moves it to Deleted Items instead. Either
        way the folder's sync reports a Delete."""
        with self.store.lock:
            item = self._item(item_id)
            if to_trash:
                self.store.move_item(item, item.mailbox.folders["deleteditems"])
            else:
                self.store.remove_item(item)

    def _occurrence_start(self, item, occurrence):
        if isinstance(occurrence, int):
            return item.occurrence_by_index(occurrence)
        if occurrence.tzinfo is None:
            raise ValueError("pass an aware datetime (the original start of the occurrence)")
        occurrence = datetime.datetime.fromtimestamp(
            int(occurrence.timestamp()), tz=datetime.timezone.utc
        )
        if not item.is_occurrence_start(occurrence):
            raise ValueError(f"{occurrence} is not an occurrence of {item!r}")
        return occurrence

    def modify_occurrence(self, item_id, occurrence, **values):
        """Turn one occurrence (1-based index or original start) of a recurring master into an
        exception."""
        with self.store.lock:
            item = self._item(item_id)
            original_start = self._occurrence_start(item, occurrence)
            overrides = dict(item.exceptions.get(original_start, {}))
            overrides.update(build_props(values))
            item.exceptions[original_start] = overrides
            self.store.update_item(item, {"__occurrences__"})
            return occurrence_id(item.id, original_start)

    def delete_occurrence(self, item_id, occurrence):
        with self.store.lock:
            item = self._item(item_id)
            original_start = self._occurrence_start(item, occurrence)
            item.exceptions.pop(original_start, None)
            item.deleted_occurrences.add(original_start)
            self.store.update_item(item, {"__occurrences__"})

    def _item(self, item_id):
        item = self.store.items_by_id.get(getattr(item_id, "id", item_id))
        if item is None:
            raise KeyError(f"no item {item_id!r}")
        return item

    describe_props = staticmethod(describe_props)

    # ----------------------------------------------------------------------------------------------
    # HTTP handling
    # ----------------------------------------------------------------------------------------------
    def _principal_for(self, user, password):
        user = user.split("\\")[-1].lower()
        if user in self.service_accounts and secrets.compare_digest(
            self.service_accounts[user], password
        ):
            return _Principal(user, "service", can_impersonate=True)
        mailbox = self.store.mailboxes.get(user)
        if (
            mailbox is not None
            and mailbox.password is not None
            and secrets.compare_digest(mailbox.password, password)
        ):
            return _Principal(user, "user")
        return None

    def _password_for(self, user):
        user = user.lower()
        if user in self.service_accounts:
            return self.service_accounts[user]
        mailbox = self.store.mailboxes.get(user)
        return mailbox.password if mailbox is not None else None

    def _authenticate(self, handler):
        """(principal, None), or (None, the WWW-Authenticate challenge of the 401 or None)."""
        header = handler.headers.get("Authorization") or ""
        scheme, _, value = header.partition(" ")
        scheme = scheme.lower()
        if scheme == "basic":
            try:
                user, _, password = base64.b64decode(value.strip()).decode("utf-8").partition(":")
            except (ValueError, UnicodeDecodeError):
                return None, None
            return self._principal_for(user, password), None
        if scheme == "bearer":
            token = self.tokens.get(value.strip())
            if token is None or token["expires"] < datetime.datetime.now(tz=datetime.timezone.utc):
                return None, None
            return _Principal(token["client_id"], "app", can_impersonate=True), None
        if scheme in ("ntlm", "negotiate") and self.ntlm:
            kind, raw = ntlm_module.message_type(value)
            if kind == 1:
                token, handler.ntlm_challenge = ntlm_module.challenge(raw)
                return None, f"{header.partition(' ')[0]} {token}"
            if kind == 3 and getattr(handler, "ntlm_challenge", None):
                user = ntlm_module.verify(raw, handler.ntlm_challenge, self._password_for)
                handler.ntlm_challenge = None
                if user is None:
                    return None, None
                principal = self._principal_for(user, self._password_for(user))
                handler.ntlm_principal = principal  # IIS keeps an NTLM connection authenticated
                return principal, None
            return None, None
        if not header and getattr(handler, "ntlm_principal", None) is not None:
            return handler.ntlm_principal, None
        return None, None

    def _unauthorized(self, handler, challenge=None):
        if challenge:
            offers = [challenge]
        else:
            offers = ['Basic realm="127.0.0.1"']
            if self.ntlm:
                offers += ["Negotiate", "NTLM"]
            offers.append('Bearer client_id="00000002-0000-0ff1-ce00-000000000000"')
        handler._send(401, b"", "text/html", headers={"WWW-Authenticate": offers})

    def _handle_ews(self, handler, body):
        with self.store.lock:
            principal, challenge = self._authenticate(handler)
        if principal is None:
            self._unauthorized(handler, challenge)
            return
        try:
            root = parse_xml(body)
        except etree.XMLSyntaxError:
            self._answer(
                handler,
                fault_envelope(EWSFault("ErrorSchemaValidation", "The request is not valid XML.")),
                500,
            )
            return
        header = root.find(f"{{{SOAPNS}}}Header")
        soap_body = root.find(f"{{{SOAPNS}}}Body")
        request = soap_body[0] if soap_body is not None and len(soap_body) else None
        if request is None or etree.QName(request).namespace != MNS:
            self._answer(
                handler,
                fault_envelope(
                    EWSFault("ErrorSchemaValidation", "The request has no EWS operation.")
                ),
                500,
            )
            return
        operation = local(request)
        drop = False
        started = time.perf_counter()
        with self.store.lock:
            ctx = RequestContext(self, principal, operation)
            try:
                self._read_header(ctx, header)
                mailbox_name = self._request_mailbox(ctx, request)
                self.requests.append((operation, mailbox_name))
                self.request_details.append(
                    {
                        "operation": operation,
                        "mailbox": mailbox_name,
                        "user": principal.name,
                        "impersonated": ctx.impersonated,
                        "duration": 0.0,
                    }
                )
                failure = self._take(self._failures.get(operation))
                if failure is not None:
                    if failure["http_status"]:
                        status, answer = failure["http_status"], None
                    elif failure["error"] in (
                        "ErrorServerBusy",
                        "ErrorTooManyObjectsOpened",
                        "ErrorInternalServerTransientError",
                        "ErrorTimeoutExpired",
                        "ErrorSchemaValidation",
                        "ErrorInvalidServerVersion",
                    ):
                        raise EWSFault(
                            failure["error"], failure["message"], back_off_ms=failure["back_off_ms"]
                        )
                    else:
                        error = EWSError(failure["error"], failure["message"])
                        status, answer = 200, envelope(error_response(operation, request, error))
                else:
                    handler_func = OPERATIONS.get(operation)
                    if handler_func is None:
                        raise EWSFault(
                            "ErrorInvalidOperation",
                            f"The fake EWS server does not support {operation}.",
                        )
                    answer = envelope(handler_func(ctx, request))
                    status = 200
                    if self._take(self._drops.get(operation)) is not None:
                        drop = True
            except EWSFault as fault:
                status, answer = 500, fault_envelope(fault)
            except Exception as exc:  # a bug of the fake or a request it does not understand
                self.errors.append((operation, traceback.format_exc()))
                fault = EWSFault("ErrorInternalServerError", f"Fake EWS server error: {exc!r}")
                status, answer = 500, fault_envelope(fault)
            if self.request_details and self.request_details[-1].get("operation") == operation:
                self.request_details[-1]["duration"] = time.perf_counter() - started
        if drop:
            handler._drop()
            return
        if answer is None:
            handler._send(status, b"Service Unavailable", "text/html")
            return
        self._answer(handler, answer, status)

    def _answer(self, handler, env, status=200):
        handler._send(status, to_bytes(env))

    def _read_header(self, ctx, header):
        if header is None:
            return
        version = child(header, "RequestServerVersion")
        if version is not None and version.get("Version") not in KNOWN_REQUEST_VERSIONS:
            raise EWSFault("ErrorInvalidServerVersion")
        impersonation = child(header, "ExchangeImpersonation")
        if impersonation is not None:
            sid = child(impersonation, "ConnectingSID")
            address = None
            for name in ("PrimarySmtpAddress", "SmtpAddress", "PrincipalName"):
                address = child_text(sid, name)
                if address:
                    break
            if not address:
                raise EWSFault("ErrorInvalidExchangeImpersonationHeaderData")
            address = address.lower()
            if address not in self.store.mailboxes:
                raise EWSFault(
                    "ErrorNonExistentMailbox",
                    f"The SMTP address has no mailbox associated with it: {address}",
                )
            if address != ctx.principal.name and not ctx.principal.can_impersonate:
                raise EWSFault("ErrorImpersonateUserDenied")
            ctx.impersonated = address
            ctx.default_mailbox = address

    def _request_mailbox(self, ctx, request):
        """The mailbox a request is about (for the request log)."""
        for elem in request.iter(f"{{{TNS}}}DistinguishedFolderId"):
            address = child_text(child(elem, "Mailbox"), "EmailAddress")
            if address:
                return address.lower()
            break
        for elem in request.iter(
            f"{{{TNS}}}ItemId", f"{{{TNS}}}OccurrenceItemId", f"{{{TNS}}}FolderId"
        ):
            try:
                if local(elem) == "FolderId":
                    from .mailbox import decode_id

                    parts = decode_id(elem.get("Id") or "")
                    if parts and parts[0] == "fld":
                        return parts[1]
                    continue
                return resolve_item(_Unchecked(ctx), elem).item.mailbox.address
            except EWSError:
                continue
        return ctx.default_mailbox

    # ----------------------------------------------------------------------------------------------
    # OAuth2 token endpoint (client credentials grant, like login.microsoftonline.com)
    # ----------------------------------------------------------------------------------------------
    def _handle_token(self, handler, body):
        form = {key: values[0] for key, values in parse_qs(body.decode("utf-8")).items()}
        auth = handler.headers.get("Authorization") or ""
        if auth.lower().startswith("basic "):
            client_id, _, client_secret = base64.b64decode(auth[6:]).decode().partition(":")
            form.setdefault("client_id", client_id)
            form.setdefault("client_secret", client_secret)
        tenant = urlsplit(handler.path).path.split("/")[1]
        with self.store.lock:
            self.requests.append(("OAuth2Token", form.get("client_id")))

            def error(code, description, status=400):
                payload = json.dumps({"error": code, "error_description": description}).encode()
                handler._send(status, payload, "application/json")

            if form.get("grant_type") == "refresh_token" and not form.get("refresh_token"):
                # what Azure AD answers when a client-credentials client tries to "refresh"
                error(
                    "invalid_request",
                    "AADSTS900144: The request body must contain the following parameter: "
                    "'refresh_token'.",
                )
                return
            if form.get("grant_type") != "client_credentials":
                error("unsupported_grant_type", "Only the client_credentials grant is supported.")
                return
            client = self.oauth_clients.get(form.get("client_id"))
            if client is None:
                error(
                    "unauthorized_client",
                    f"AADSTS700016: Application {form.get('client_id')} was not found.",
                )
                return
            if not secrets.compare_digest(client["secret"], form.get("client_secret") or ""):
                error("invalid_client", "AADSTS7000215: Invalid client secret provided.", 401)
                return
            if client["tenant_id"] and tenant not in (
                "common",
                "organizations",
                client["tenant_id"],
            ):
                error("invalid_request", f"AADSTS90002: Tenant '{tenant}' not found.")
                return
            token = secrets.token_urlsafe(32)
            expires = datetime.datetime.now(tz=datetime.timezone.utc) + datetime.timedelta(
                seconds=self.token_lifetime
            )
            self.tokens[token] = {"client_id": form["client_id"], "expires": expires}
        payload = {
            "token_type": "Bearer",
            "expires_in": self.token_lifetime,
            "ext_expires_in": self.token_lifetime,
            "access_token": token,
        }
        handler._send(200, json.dumps(payload).encode(), "application/json")

    def expire_tokens(self):
        """Every issued OAuth2 token becomes invalid (the next EWS request gets a 401)."""
        with self.store.lock:
            self.tokens.clear()


class _Unchecked:
    """A context without access checks, to find out which mailbox a request targets."""

    def __init__(self, ctx):
        self.server = ctx.server
        self.default_mailbox = ctx.default_mailbox

    def check_access(self, mailbox):
        return None
