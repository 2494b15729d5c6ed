"""Windows (Exchange) time zone ids -> IANA zones, for expanding recurring series in the series' own
time zone."""

import datetime
import zoneinfo

UTC = datetime.timezone.utc

# The zones this suite's users live in, plus the common ones; exchangelib's complete table is used
# when available.
_MS_TO_IANA = {
    "UTC": "UTC",
    "Coordinated Universal Time": "UTC",
    "GMT Standard Time": "Europe/London",
    "Greenwich Standard Time": "Atlantic/Reykjavik",
    "W. Europe Standard Time": "Europe/Berlin",
    "Central Europe Standard Time": "Europe/Budapest",
    "Central European Standard Time": "Europe/Warsaw",
    "Romance Standard Time": "Europe/Paris",
    "E. Europe Standard Time": "Europe/Chisinau",
    "FLE Standard Time": "Europe/Kiev",
    "GTB Standard Time": "Europe/Bucharest",
    "Russian Standard Time": "Europe/Moscow",
    "Eastern Standard Time": "America/New_York",
    "Central Standard Time": "America/Chicago",
    "Mountain Standard Time": "America/Denver",
    "Pacific Standard Time": "America/Los_Angeles",
    "Tokyo Standard Time": "Asia/Tokyo",
    "China Standard Time": "Asia/Shanghai",
    "India Standard Time": "Asia/Calcutta",
    "AUS Eastern Standard Time": "Australia/Sydney",
    "Singapore Standard Time": "Asia/Singapore",
}

try:  # pragma: no cover - depends on the environment
    from exchangelib.winzone import MS_TIMEZONE_TO_IANA_MAP as _EXCHANGELIB_MAP

    _MS_TO_IANA = {**_EXCHANGELIB_MAP, **_MS_TO_IANA}
except ImportError:  # pragma: no cover
    pass


def zone_for_ms_id(ms_id):
    """The tzinfo for an Exchange time zone id, UTC when unknown or empty."""
    if not ms_id:
        return UTC
    name = _MS_TO_IANA.get(ms_id)
    if not name:
        return UTC
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return UTC
