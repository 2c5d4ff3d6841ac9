"""Dates and times in govopen's API output, pure (stdlib only).

The database keeps instants as naive UTC (CKAN's convention). The API never hands out a naive
timestamp: an instant goes out in ISO 8601 with its offset, as UTC with ``Z``
(``2026-12-04T08:30:00.123456Z``). A day a person chose or a rule computed (a due date, "access
until 2027-06-30") goes out as that date (``2027-06-30``), never as the instant it ends at.
"""
from __future__ import annotations

import datetime

__all__ = ["api_time", "last_day"]

_UTC = datetime.timezone.utc


def api_time(value: datetime.datetime | None) -> str | None:
    """VALUE (naive means UTC) as ISO 8601 in UTC with ``Z``; None stays None."""
    if value is None:
        return None
    aware = value.replace(tzinfo=_UTC) if value.tzinfo is None else value.astimezone(_UTC)
    return aware.isoformat().replace("+00:00", "Z")


def last_day(ends: datetime.datetime, zone: datetime.tzinfo) -> datetime.date:
    """The last day, in ZONE, of a period that ENDS (naive means UTC) at the midnight after it:
    a grant "until 2027-06-30" ends at 2027-07-01 00:00 Beijing time."""
    aware = ends.replace(tzinfo=_UTC) if ends.tzinfo is None else ends
    return (aware.astimezone(zone) - datetime.timedelta(microseconds=1)).date()
