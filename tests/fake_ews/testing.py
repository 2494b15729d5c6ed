"""Helpers for tests that drive exchangelib against the fake server (exchangelib is only imported
here)."""

import os

from exchangelib import (
    BASIC,
    DELEGATE,
    IMPERSONATION,
    OAUTH2,
    Account,
    Configuration,
    Credentials,
    EWSTimeZone,
    FailFast,
    Identity,
    OAuth2Credentials,
)


class TokenUrlOAuth2Credentials(OAuth2Credentials):
    """OAuth2 client credentials with a configurable token endpoint (exchangelib hard-codes
    login.microsoftonline.com in the ``token_url`` property)."""

    def __init__(self, *args, token_url=None, **kwargs):
        super().__init__(*args, **kwargs)
        self._custom_token_url = token_url

    @property
    def token_url(self):
        return self._custom_token_url or super().token_url


def allow_http_oauth():
    """oauthlib refuses plain-HTTP token endpoints and bearer requests unless told otherwise (test
    servers only)."""
    os.environ["OAUTHLIB_INSECURE_TRANSPORT"] = "1"


def basic_account(
    server,
    address,
    password,
    username=None,
    access_type=DELEGATE,
    timezone="Europe/Berlin",
    retry_policy=None,
    version=None,
):
    """An exchangelib Account on the fake server with Basic auth (user name = the address unless
    given)."""
    config = Configuration(
        service_endpoint=server.url,
        credentials=Credentials(username or address, password),
        auth_type=BASIC,
        retry_policy=retry_policy or FailFast(),
        version=version,
    )
    return Account(
        address,
        config=config,
        access_type=access_type,
        autodiscover=False,
        default_timezone=EWSTimeZone(timezone),
    )


def impersonating_account(
    server, address, service_user, service_password, timezone="Europe/Berlin"
):
    return basic_account(
        server,
        address,
        service_password,
        username=service_user,
        access_type=IMPERSONATION,
        timezone=timezone,
    )


def oauth_account(
    server, address, client_id, client_secret, tenant_id=None, timezone="Europe/Berlin"
):
    allow_http_oauth()
    credentials = TokenUrlOAuth2Credentials(
        client_id=client_id,
        client_secret=client_secret,
        tenant_id=tenant_id,
        identity=Identity(primary_smtp_address=address),
        token_url=server.token_url_for(tenant_id or "common"),
    )
    config = Configuration(service_endpoint=server.url, credentials=credentials, auth_type=OAUTH2)
    return Account(
        address,
        config=config,
        access_type=IMPERSONATION,
        autodiscover=False,
        default_timezone=EWSTimeZone(timezone),
    )
