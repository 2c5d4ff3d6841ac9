"""The front door's figures, pure: shares of the catalogue by category, the yearly request
figures a government publishes, and what an applicant prepares. No CKAN imports."""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, timedelta
from typing import Any

from ckanext.govopen.text import N_

__all__ = ["MACHINE_READABLE", "OPEN_CATEGORIES", "SHARE_CATEGORIES", "share", "openness", "request_year",
           "APPLICANT_PREPARES", "FRESH_DAYS", "fresh_since"]

# Formats a program reads without a person (GB/T 38664.3 counts these as 可机读).
MACHINE_READABLE = ("CSV", "JSON", "XML", "XLSX", "XLS", "TSV", "ODS", "RDF", "JSON-LD", "GEOJSON", "KML",
                    "SHP", "API", "WMS", "WFS")
OPEN_CATEGORIES = ("unconditional", "on_application", "not_open")
SHARE_CATEGORIES = ("unconditional", "conditional", "not_shared")

# What an applicant for data open on application prepares (the apply form's fields), as msgids.
APPLICANT_PREPARES = (
    N_("Who applies: a person (with an ID number), a company or an institution (with its unified social credit code)"),
    N_("The purpose, and where the data will be used"),
    N_("How the data will be kept safe"),
    N_("Until when the data is needed"),
)


# How many days old the data may be, by declared update frequency, and still be up to date.
# "other" (and no frequency, or no declared update) cannot be judged: not up to date.
FRESH_DAYS = {"realtime": 1, "daily": 1, "weekly": 7, "monthly": 31, "quarterly": 92, "semiannual": 183,
              "annual": 366}


def fresh_since(today: date) -> dict[str, date]:
    """{update frequency: the earliest declared update still on time on TODAY}."""
    return {freq: today - timedelta(days=days) for freq, days in FRESH_DAYS.items()}


def share(part: int, whole: int) -> float | None:
    """PART of WHOLE as a percentage with one decimal; None when there is nothing to share."""
    return round(100.0 * part / whole, 1) if whole else None


def openness(total: int, by_open: Mapping[str, int], by_share: Mapping[str, int],
             machine_readable: int, up_to_date: int = 0) -> dict[str, Any]:
    """Entries by open and share category, each with its share of all TOTAL entries, the share
    of entries with at least one machine-readable resource, and of those updated on time."""
    def rows(categories: Sequence[str], counts: Mapping[str, int]) -> list[dict[str, Any]]:
        return [{"category": c, "count": counts.get(c, 0), "share": share(counts.get(c, 0), total)}
                for c in categories]

    return {"total": total, "open": rows(OPEN_CATEGORIES, by_open), "share": rows(SHARE_CATEGORIES, by_share),
            "machine_readable": {"count": machine_readable, "share": share(machine_readable, total)},
            "up_to_date": {"count": up_to_date, "share": share(up_to_date, total)}}


def request_year(year: int, counts: Mapping[str, int], refusals: Sequence[tuple[str, int]]) -> dict[str, Any]:
    """A year's applications for data, as a government's yearly report gives them: received,
    answered (decided: granted, deemed granted or refused), on time, granted, refused (by legal
    basis, most cited first), withdrawn, still open."""
    answered = counts.get("answered", 0)
    return {"year": year, "received": counts.get("received", 0), "answered": answered,
            "on_time": counts.get("on_time", 0), "on_time_share": share(counts.get("on_time", 0), answered),
            "granted": counts.get("granted", 0), "refused": counts.get("refused", 0),
            "withdrawn": counts.get("withdrawn", 0), "open": counts.get("open", 0),
            "refused_by_basis": [{"basis": basis, "count": n}
                                 for basis, n in sorted(refusals, key=lambda r: (-r[1], r[0]))]}
