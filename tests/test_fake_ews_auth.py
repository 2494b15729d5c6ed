"""Authentication on the fake EWS server through exchangelib: service account with
ExchangeImpersonation, OAuth2 client credentials from the server's token endpoint, delegate access.
"""

import time

import pytest
import requests
from exchangelib import CalendarItem, EWSDateTime, EWSTimeZone
from exchangelib.errors import (
    ErrorAccessDenied,
    ErrorImpersonateUserDenied,
    ErrorNonExistentMailbox,
    UnauthorizedError,
)
from fake_ews import FakeExchangeServer
from fake_ews.testing import basic_account, impersonating_account, oauth_account
from oauthlib.oauth2.rfc6749.errors import InvalidClientError, InvalidClientIdError

BERLIN = EWSTimeZone("Europe/Berlin")
ANNA = "anna@example.com"
BOB = "bob@example.com"


@pytest.fixture
def server():
    srv = FakeExchangeServer().start()
    srv.add_mailbox(ANNA, password="secret", name="Anna Example")
    srv.add_mailbox(BOB, password="bobpw", name="Bob Example")
    srv.add_service_account("svc-crm@example.com", "svcpw")
    srv.add_oauth_client("0f3c-client", "client-secret", tenant_id="contoso-tenant")
    yield srv
    srv.stop()
    assert srv.errors == [], srv.errors[0][1]  # no internal error of the fake server


def create_event(account, subject):
    item = CalendarItem(
        account=account,
        folder=account.calendar,
        subject=subject,
        start=EWSDateTime(2026, 5, 4, 9, 0, tzinfo=BERLIN),
        end=EWSDateTime(2026, 5, 4, 10, 0, tzinfo=BERLIN),
    )
    item.save()
    return item


def test_service_account_impersonates_every_mailbox(server):
    for address in (ANNA, BOB):
        account = impersonating_account(server, address, "svc-crm@example.com", "svcpw")
        item = create_event(account, f"For {address}")
        assert [i.id for i in server.items(address, "calendar")] == [item.id]
    # (the version guess is a protocol-level request: exchangelib sends it without impersonation)
    item_requests = [d for d in server.request_details if d["operation"] != "ConvertId"]
    assert {d["impersonated"] for d in item_requests} == {ANNA, BOB}
    assert {d["user"] for d in server.request_details} == {"svc-crm@example.com"}
    assert ("CreateItem", BOB) in server.requests
    # the impersonated identity cannot reach other mailboxes' items by id
    anna_item = server.items(ANNA, "calendar")[0]
    as_bob = impersonating_account(server, BOB, "svc-crm@example.com", "svcpw")
    with pytest.raises(ErrorAccessDenied):
        as_bob.calendar.get(id=anna_item.id)


def test_impersonation_errors(server):
    with pytest.raises(ErrorImpersonateUserDenied):
        impersonating_account(server, ANNA, BOB, "bobpw").calendar  # noqa: B018
    with pytest.raises(ErrorNonExistentMailbox):
        impersonating_account(server, "ghost@example.com", "svc-crm@example.com", "svcpw").calendar  # noqa: B018
    with pytest.raises(UnauthorizedError):
        impersonating_account(server, ANNA, "svc-crm@example.com", "wrong").calendar  # noqa: B018
    # a user impersonating himself is fine (as in Exchange)
    assert impersonating_account(server, BOB, BOB, "bobpw").calendar.name == "Calendar"
    # without impersonation a service account has no access to user mailboxes
    with pytest.raises(ErrorAccessDenied):
        basic_account(server, ANNA, "svcpw", username="svc-crm@example.com").calendar  # noqa: B018


def test_oauth2_client_credentials(server):
    account = oauth_account(
        server, ANNA, "0f3c-client", "client-secret", tenant_id="contoso-tenant"
    )
    item = create_event(account, "Via OAuth")
    assert server.item(item.id)["subject"] == "Via OAuth"
    assert server.requests[0] == ("OAuth2Token", "0f3c-client")
    assert server.count_requests("OAuth2Token") == 1  # one token for all requests
    assert server.request_details[-1]["impersonated"] == ANNA

    with pytest.raises(InvalidClientError):
        oauth_account(server, ANNA, "0f3c-client", "wrong", tenant_id="contoso-tenant").calendar  # noqa: B018


def test_oauth2_token_refresh_and_expiry(server):
    server.token_lifetime = 2
    account = oauth_account(
        server, ANNA, "0f3c-client", "client-secret", tenant_id="contoso-tenant"
    )
    account.calendar  # noqa: B018
    time.sleep(2.5)
    # requests-oauthlib tries a refresh_token grant, which Azure AD refuses for client credentials;
    # exchangelib then replaces the session (fetching a new token) but still raises: the next call
    # works
    with pytest.raises(InvalidClientIdError, match="AADSTS900144"):
        create_event(account, "After expiry")
    create_event(account, "After expiry")
    assert server.count_requests("OAuth2Token") == 3  # first token, refused refresh, new token

    server.token_lifetime = 3600
    account = oauth_account(server, BOB, "0f3c-client", "client-secret", tenant_id="contoso-tenant")
    account.calendar  # noqa: B018
    server.expire_tokens()  # revoked on the server side -> 401
    with pytest.raises(UnauthorizedError):
        create_event(account, "Revoked")


def test_token_endpoint_errors(server):
    url = server.token_url_for("contoso-tenant")
    ok = requests.post(
        url,
        data={
            "grant_type": "client_credentials",
            "client_id": "0f3c-client",
            "client_secret": "client-secret",
            "scope": "https://outlook.office365.com/.default",
        },
        timeout=10,
    )
    assert ok.status_code == 200 and ok.json()["token_type"] == "Bearer"
    token = ok.json()["access_token"]
    bad_grant = requests.post(
        url, data={"grant_type": "password", "client_id": "0f3c-client"}, timeout=10
    )
    assert bad_grant.json()["error"] == "unsupported_grant_type"
    unknown = requests.post(
        url,
        data={"grant_type": "client_credentials", "client_id": "x", "client_secret": "y"},
        timeout=10,
    )
    assert unknown.json()["error"] == "unauthorized_client"
    wrong_tenant = requests.post(
        server.token_url_for("other"),
        data={
            "grant_type": "client_credentials",
            "client_id": "0f3c-client",
            "client_secret": "client-secret",
        },
        timeout=10,
    )
    assert wrong_tenant.status_code == 400
    # an app token without ExchangeImpersonation is refused, like Exchange Online does
    soap = (
        '<?xml version="1.0"?><s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/" '
        'xmlns:m="http://schemas.microsoft.com/exchange/services/2006/messages" '
        'xmlns:t="http://schemas.microsoft.com/exchange/services/2006/types"><s:Body><m:GetFolder>'
        "<m:FolderShape><t:BaseShape>IdOnly</t:BaseShape></m:FolderShape><m:FolderIds>"
        '<t:DistinguishedFolderId Id="calendar"><t:Mailbox>'
        "<t:EmailAddress>anna@example.com</t:EmailAddress>"
        "</t:Mailbox></t:DistinguishedFolderId></m:FolderIds></m:GetFolder></s:Body></s:Envelope>"
    )
    answer = requests.post(
        server.url, data=soap, headers={"Authorization": f"Bearer {token}"}, timeout=10
    )
    assert answer.status_code == 500
    assert b"ErrorInvalidExchangeImpersonationHeaderData" in answer.content
    assert requests.post(server.url, data=soap, timeout=10).status_code == 401
    assert requests.get(server.url, timeout=10).status_code == 405


def test_ntlm(server):
    from exchangelib import NTLM, Account, Configuration, Credentials

    def ntlm_account(user, password, auth_type=NTLM):
        config = Configuration(
            service_endpoint=server.url,
            credentials=Credentials(user, password),
            auth_type=auth_type,
        )
        return Account(ANNA, config=config, access_type="delegate", autodiscover=False)

    account = ntlm_account(ANNA, "secret")
    item = create_event(account, "Via NTLM")
    assert server.item(item.id)["subject"] == "Via NTLM"
    assert server.request_details[-1]["user"] == ANNA
    with pytest.raises(UnauthorizedError):
        ntlm_account(ANNA, "wrong").calendar  # noqa: B018
    # without an explicit auth type exchangelib probes the server and picks NTLM, as with Exchange
    probing = ntlm_account(ANNA, "secret", auth_type=None)
    assert probing.calendar.name == "Calendar"
    assert probing.protocol.auth_type == NTLM
    # a service account over NTLM with impersonation
    config = Configuration(
        service_endpoint=server.url,
        credentials=Credentials("svc-crm@example.com", "svcpw"),
        auth_type=NTLM,
    )
    as_bob = Account(BOB, config=config, access_type="impersonation", autodiscover=False)
    create_event(as_bob, "Impersonated over NTLM")
    assert [i["subject"] for i in server.items(BOB, "calendar")] == ["Impersonated over NTLM"]
