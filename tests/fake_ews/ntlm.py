"""NTLM (NTLMv2) authentication of the fake EWS server: the HTTP handshake of IIS (401 with
``WWW-Authenticate: NTLM``, NEGOTIATE -> CHALLENGE -> AUTHENTICATE on one connection) and the
NTLMv2 proof check. Uses the NTLM message and crypto helpers of pyspnego (installed with
requests_ntlm, which exchangelib uses as NTLM client); without it NTLM is not offered."""

import base64
import hmac
import os

try:
    from spnego._ntlm_raw.crypto import hmac_md5, ntowfv1, ntowfv2
    from spnego._ntlm_raw.messages import (
        Authenticate,
        AvId,
        Challenge,
        FileTime,
        Negotiate,
        NegotiateFlags,
        TargetInfo,
    )

    AVAILABLE = True
except ImportError:  # pragma: no cover - depends on the environment
    AVAILABLE = False

DOMAIN = "FAKEEWS"


def message_type(token):
    """1 (NEGOTIATE), 3 (AUTHENTICATE) or None for a base64 NTLM token."""
    try:
        raw = base64.b64decode(token.strip())
    except ValueError:
        return None, None
    if len(raw) < 12 or not raw.startswith(b"NTLMSSP\x00"):
        return None, None
    return raw[8], raw


def challenge(negotiate_raw):
    """(CHALLENGE token as base64, server challenge) for a NEGOTIATE message."""
    negotiate = Negotiate.unpack(negotiate_raw)
    flags = (
        NegotiateFlags.unicode
        | NegotiateFlags.ntlm
        | NegotiateFlags.request_target
        | NegotiateFlags.target_info
        | NegotiateFlags.target_type_domain
        | NegotiateFlags.always_sign
        | NegotiateFlags.extended_session_security
    )
    flags |= negotiate.flags & (
        NegotiateFlags.sign
        | NegotiateFlags.seal
        | NegotiateFlags.key_128
        | NegotiateFlags.key_56
        | NegotiateFlags.key_exch
    )
    target_info = TargetInfo()
    target_info[AvId.nb_domain_name] = DOMAIN
    target_info[AvId.nb_computer_name] = "EWS01"
    target_info[AvId.dns_domain_name] = "fakeews.local"
    target_info[AvId.dns_computer_name] = "ews01.fakeews.local"
    target_info[AvId.timestamp] = FileTime.now()
    server_challenge = os.urandom(8)
    message = Challenge(
        flags=flags,
        server_challenge=server_challenge,
        target_name=DOMAIN,
        target_info=target_info,
    )
    return base64.b64encode(message.pack()).decode(), server_challenge


def verify(authenticate_raw, server_challenge, password_for):
    """The user name when the AUTHENTICATE message proves the password (NTLMv2), else None.
    ``password_for(user)`` returns the password of a user or None."""
    try:
        message = Authenticate.unpack(authenticate_raw)
    except (ValueError, IndexError):
        return None
    user = message.user_name or ""
    password = password_for(user)
    response = message.nt_challenge_response or b""
    if password is None or len(response) <= 24:  # NTLMv1 is refused, as on current Exchange
        return None
    key = ntowfv2(user, ntowfv1(password), message.domain_name or "")
    proof = hmac_md5(key, server_challenge + response[16:])
    return user if hmac.compare_digest(proof, response[:16]) else None
