"""govopen's fields in DCAT terms, pure: the EU authority tables DCAT-AP uses for access rights
and frequency, and where a distribution of a restricted entry points instead of its file."""
from __future__ import annotations

__all__ = ["ACCESS_RIGHT", "FREQUENCY", "access_right", "frequency", "restricted_access_url"]

ACCESS_RIGHT = "http://publications.europa.eu/resource/authority/access-right/"
FREQUENCY = "http://publications.europa.eu/resource/authority/frequency/"
_ACCESS = {"unconditional": "PUBLIC", "on_application": "RESTRICTED", "not_open": "NON_PUBLIC"}
_FREQUENCY = {"realtime": "CONT", "daily": "DAILY", "weekly": "WEEKLY", "monthly": "MONTHLY",
              "quarterly": "QUARTERLY", "semiannual": "ANNUAL_2", "annual": "ANNUAL", "other": "OTHER"}


def access_right(open_category: str | None) -> str:
    """The access-right URI of an open category; anything unknown is NON_PUBLIC (fail closed)."""
    return ACCESS_RIGHT + _ACCESS.get(open_category or "", "NON_PUBLIC")


def frequency(update_frequency: str | None) -> str | None:
    code = _FREQUENCY.get(update_frequency or "")
    return FREQUENCY + code if code else None


def restricted_access_url(open_category: str | None, site_url: str, name: str) -> str | None:
    """Where a distribution of an entry not open to all points (its only URL): the apply page of
    an entry open on application, the entry's page otherwise. None for open entries."""
    if open_category == "unconditional":
        return None
    base = f"{site_url.rstrip('/')}/dataset/{name}"
    return f"{base}/request/open_application" if open_category == "on_application" else base
