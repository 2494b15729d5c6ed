"""SOAP/XML helpers of the fake EWS server: namespaces, element builders, envelopes and faults."""

import datetime
import re

from lxml import etree

SOAPNS = "http://schemas.xmlsoap.org/soap/envelope/"
MNS = "http://schemas.microsoft.com/exchange/services/2006/messages"
TNS = "http://schemas.microsoft.com/exchange/services/2006/types"
ENS = "http://schemas.microsoft.com/exchange/services/2006/errors"
NSMAP = {"s": SOAPNS, "m": MNS, "t": TNS}

# What the fake server reports in every SOAP header: Exchange Server 2019 CU12 (build 15.2.1118.7).
# Like the real
# server, it reports the "V2017_07_11" schema name, which clients map to the "Exchange2016" request
# version.
SERVER_VERSION = {
    "MajorVersion": "15",
    "MinorVersion": "2",
    "MajorBuildNumber": "1118",
    "MinorBuildNumber": "7",
    "Version": "V2017_07_11",
}
KNOWN_REQUEST_VERSIONS = {
    "Exchange2007",
    "Exchange2007_SP1",
    "Exchange2009",
    "Exchange2010",
    "Exchange2010_SP1",
    "Exchange2010_SP2",
    "Exchange2013",
    "Exchange2013_SP1",
    "Exchange2015",
    "Exchange2015_SP1",
    "Exchange2016",
    "V2015_10_05",
    "V2016_01_06",
    "V2016_04_13",
    "V2016_07_13",
    "V2016_10_10",
    "V2017_04_14",
    "V2017_07_11",
}

_PARSER = etree.XMLParser(
    resolve_entities=False, no_network=True, huge_tree=True, remove_blank_text=True
)


class EWSFault(Exception):
    """A request-level error, answered as a SOAP fault (HTTP 500) like Exchange does for throttling
    and schema errors."""

    def __init__(self, code, message=None, back_off_ms=None, faultcode=None):
        super().__init__(code)
        self.code = code
        self.message = message or ERROR_MESSAGES.get(code, code)
        self.back_off_ms = back_off_ms
        self.faultcode = faultcode


class EWSError(Exception):
    """An error of one response message (ResponseClass="Error")."""

    def __init__(self, code, message=None):
        super().__init__(code)
        self.code = code
        self.message = message or ERROR_MESSAGES.get(code, code)


_IRRESOLVABLE = (
    "The send or update operation could not be performed because the change key passed in the "
    "request does not match the current change key for the item."
)
ERROR_MESSAGES = {
    "ErrorServerBusy": "The server cannot service this request right now. Try again later.",
    "ErrorItemNotFound": "The specified object was not found in the store.",
    "ErrorFolderNotFound": "The specified folder could not be found in the store.",
    "ErrorIrresolvableConflict": _IRRESOLVABLE,
    "ErrorInvalidSyncStateData": "Synchronization state data is corrupt or otherwise invalid.",
    "ErrorImpersonateUserDenied": (
        "The account does not have permission to impersonate the requested user."
    ),
    "ErrorAccessDenied": "Access is denied. Check credentials and try again.",
    "ErrorInvalidIdMalformed": "Id is malformed.",
    "ErrorInvalidChangeKey": "The change key is invalid.",
    "ErrorNonExistentMailbox": "No mailbox with such guid.",
    "ErrorInvalidRequest": "The request is invalid.",
    "ErrorSchemaValidation": "The request failed schema validation.",
    "ErrorInvalidServerVersion": "The specified server version is invalid.",
    "ErrorCalendarOccurrenceIndexIsOutOfRecurrenceRange": (
        "Occurrence index is out of recurrence range."
    ),
    "ErrorCalendarOccurrenceIsDeletedFromRecurrence": (
        "Occurrence with this index was previously deleted from the recurrence."
    ),
    "ErrorInternalServerError": "An internal server error occurred. The operation failed.",
    "ErrorNameResolutionNoResults": "No results were found.",
    "ErrorInvalidOperation": "The operation is invalid.",
    "ErrorInvalidPropertySet": "Set action is invalid for property.",
}


def t(name, text=None, **attrs):
    """A types-namespace element."""
    elem = etree.Element(f"{{{TNS}}}{name}", nsmap=NSMAP)
    for key, value in attrs.items():
        if value is not None:
            elem.set(key, str(value))
    if text is not None:
        elem.text = str(text)
    return elem


def m(name, text=None, **attrs):
    """A messages-namespace element."""
    elem = etree.Element(f"{{{MNS}}}{name}", nsmap=NSMAP)
    for key, value in attrs.items():
        if value is not None:
            elem.set(key, str(value))
    if text is not None:
        elem.text = str(text)
    return elem


def sub(parent, elem):
    parent.append(elem)
    return elem


def local(elem):
    return etree.QName(elem).localname


def child(elem, name, ns=TNS):
    if elem is None:
        return None
    return elem.find(f"{{{ns}}}{name}")


def children(elem, name, ns=TNS):
    if elem is None:
        return []
    return elem.findall(f"{{{ns}}}{name}")


def child_text(elem, name, ns=TNS, default=None):
    found = child(elem, name, ns)
    if found is None or found.text is None:
        return default
    return found.text


def parse_xml(data):
    return etree.fromstring(data, parser=_PARSER)


def to_bytes(elem):
    return etree.tostring(elem, xml_declaration=True, encoding="utf-8")


def envelope(body_elem, include_version=True):
    env = etree.Element(f"{{{SOAPNS}}}Envelope", nsmap=NSMAP)
    if include_version:
        header = etree.SubElement(env, f"{{{SOAPNS}}}Header")
        info = etree.SubElement(header, f"{{{TNS}}}ServerVersionInfo")
        for key, value in SERVER_VERSION.items():
            info.set(key, value)
    body = etree.SubElement(env, f"{{{SOAPNS}}}Body")
    if body_elem is not None:
        body.append(body_elem)
    return env


def fault_envelope(fault):
    """A SOAP fault as Exchange sends it (e.g. ErrorServerBusy with BackOffMilliseconds in
    MessageXml)."""
    env = etree.Element(f"{{{SOAPNS}}}Envelope", nsmap=NSMAP)
    body = etree.SubElement(env, f"{{{SOAPNS}}}Body")
    fault_elem = etree.SubElement(body, f"{{{SOAPNS}}}Fault")
    faultcode = etree.SubElement(fault_elem, "faultcode")
    faultcode.text = fault.faultcode or f"t:{fault.code}"
    faultstring = etree.SubElement(fault_elem, "faultstring")
    faultstring.set("{http://www.w3.org/XML/1998/namespace}lang", "en-US")
    faultstring.text = fault.message
    detail = etree.SubElement(fault_elem, "detail")
    code = etree.SubElement(detail, f"{{{ENS}}}ResponseCode", nsmap={"e": ENS})
    code.text = fault.code
    message = etree.SubElement(detail, f"{{{ENS}}}Message", nsmap={"e": ENS})
    message.text = fault.message
    if fault.back_off_ms is not None:
        msg_xml = etree.SubElement(detail, f"{{{TNS}}}MessageXml")
        value = etree.SubElement(msg_xml, f"{{{TNS}}}Value", Name="BackOffMilliseconds")
        value.text = str(int(fault.back_off_ms))
    return env


def response_message(service, error=None):
    """A <m:{service}ResponseMessage>, successful or carrying an EWSError."""
    msg = m(f"{service}ResponseMessage")
    if error is None:
        msg.set("ResponseClass", "Success")
        sub(msg, m("ResponseCode", "NoError"))
    else:
        msg.set("ResponseClass", "Error")
        sub(msg, m("MessageText", error.message))
        sub(msg, m("ResponseCode", error.code))
        sub(msg, m("DescriptiveLinkKey", "0"))
    return msg


# --------------------------------------------------------------------------------------------------
# Date/time values
# --------------------------------------------------------------------------------------------------
_DATETIME_RE = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d(\.\d+)?)?(Z|[+-]\d\d:\d\d)?$")
UTC = datetime.timezone.utc


def is_datetime_text(text):
    return bool(text) and bool(_DATETIME_RE.match(text.strip()))


def parse_datetime(text, default_tz=UTC):
    """Parse an xs:dateTime value into an aware UTC datetime (naive values are read in
    ``default_tz``)."""
    text = text.strip()
    if text.endswith("Z"):
        text = text[:-1] + "+00:00"
    value = datetime.datetime.fromisoformat(text)
    if value.tzinfo is None:
        value = value.replace(tzinfo=default_tz)
    return value.astimezone(UTC).replace(microsecond=0)


def format_datetime(value):
    """Format like Exchange: UTC with a Z suffix, second precision."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    # via a timestamp: works for datetime subclasses (exchangelib's EWSDateTime) as well
    return datetime.datetime.fromtimestamp(int(value.timestamp()), tz=UTC).strftime(
        "%Y-%m-%dT%H:%M:%SZ"
    )


def parse_date(text):
    text = text.strip()
    match = re.match(r"^(\d{4}-\d\d-\d\d)", text)
    return datetime.date.fromisoformat(match.group(1))


def bool_text(value):
    return "true" if value else "false"


def text_bool(text):
    return (text or "").strip().lower() in ("true", "1")
