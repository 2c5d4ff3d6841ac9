"""Department scorecard figures (考核), pure: freshness, completeness, catalogue upkeep, requests
answered on time, openness, and the weighted ranking. No CKAN: the glue hands in plain dicts and
dates, and the deadline arithmetic is the deadline engine's (working days, holidays and make-up
working days included).

Rules (documented in the README's scorecard section; each is what a test computes by hand):

- Freshness: an entry is fresh when its last update (the latest of the declared ``data_updated``,
  the last upload, the last DataStore load and, for a harvested copy, the origin's update) is no
  older than its ``update_frequency`` allows (``PERIOD_DAYS``). No known update counts as not
  fresh. ``other`` (irregular) entries are not assessed.
- Completeness: the named fields an entry must carry (``REQUIRED``), the conditions and legal
  basis only where its category needs them, the department's contact once per department.
- Upkeep: a change event (a law or the department's functions changed) is answered on time when
  the department updated an entry within ``window`` working days after it.
- Requests: on time when answered (decided) on or before the due date; working days to answer
  counted as the deadline engine counts them.
"""
from __future__ import annotations

import dataclasses
import datetime
import statistics
from collections.abc import Iterable, Mapping, Sequence

from ckanext.govopen.deadlines.calendar import WorkCalendar
from ckanext.govopen.deadlines.engine import compute_deadline, working_days_remaining

__all__ = ["PERIOD_DAYS", "REQUIRED", "MACHINE_READABLE", "DEFAULT_WEIGHTS", "last_update", "freshness", "fresh_counts",
           "missing_fields", "completeness", "ChangeEvent", "upkeep", "UPKEEP_WINDOWS", "upkeep_window",
           "upkeep_figures", "working_day_counts", "RequestFact", "request_figures",
           "openness", "score", "rank", "period_range", "parse_weights"]

# Calendar days an entry may go without an update, by its declared frequency.
PERIOD_DAYS = {"realtime": 1, "daily": 1, "weekly": 7, "monthly": 31, "quarterly": 92, "semiannual": 183,
               "annual": 366}

# Fields every entry carries, in the national template's terms.
REQUIRED = ("title", "notes", "catalogue_code", "classification_code", "update_frequency", "format_type",
            "themes", "data_items")
_RESTRICTED_OPEN = ("on_application", "not_open")
_RESTRICTED_SHARE = ("conditional", "not_shared")

# Structured, machine-readable formats (GB/T 39477 and the open-data rules' "可机读").
MACHINE_READABLE = frozenset({"csv", "xls", "xlsx", "et", "json", "xml", "access", "db2", "dbase", "dbf", "dm",
                              "kingbasees", "oracle", "sqlserver", "sybase", "mysql"})

DEFAULT_WEIGHTS = {"freshness": 30, "completeness": 20, "upkeep": 15, "requests_on_time": 25, "openness": 10}


def _day(value: object) -> datetime.date | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    return datetime.date.fromisoformat(str(value)[:10])


def last_update(*dates: object) -> datetime.date | None:
    """The latest of the known update dates (dates, datetimes or ISO strings; None skipped)."""
    known = [d for d in (_day(v) for v in dates) if d is not None]
    return max(known) if known else None


def freshness(frequency: str | None, updated: datetime.date | None, as_of: datetime.date) -> bool | None:
    """True (fresh), False (stale or never updated), or None (irregular: not assessed)."""
    period = PERIOD_DAYS.get(frequency or "")
    if period is None:
        return None
    return updated is not None and (as_of - updated).days <= period


def fresh_counts(entries: Iterable[tuple[str | None, datetime.date | None]], as_of: datetime.date) -> dict:
    """Of (update_frequency, last update) pairs: how many are fresh, how many assessed, the ratio."""
    verdicts = [freshness(frequency, updated, as_of) for frequency, updated in entries]
    assessed = [v for v in verdicts if v is not None]
    return {"fresh": sum(assessed), "assessed": len(assessed), "not_assessed": len(verdicts) - len(assessed),
            "ratio": sum(assessed) / len(assessed) if assessed else None}


def missing_fields(pkg: Mapping[str, object]) -> list[str]:
    """The named fields the entry lacks (data items count only with a type and a length)."""
    missing = [f for f in REQUIRED if f != "data_items" and not pkg.get(f)]
    items = pkg.get("data_items") or []
    if not items or not all(isinstance(i, Mapping) and i.get("name") and i.get("type") and i.get("length")
                            for i in items):
        missing.append("data_items")
    if pkg.get("open_category") in _RESTRICTED_OPEN:
        missing += [f for f in ("open_conditions", "open_legal_basis") if not pkg.get(f)]
    if pkg.get("share_category") in _RESTRICTED_SHARE:
        missing += [f for f in ("share_conditions", "share_legal_basis") if not pkg.get(f)]
    return missing


def completeness(pkgs: Iterable[Mapping[str, object]], department: Mapping[str, object]) -> dict:
    """Fields present over fields required, across a department's entries and its contact."""
    required = present = 0
    gaps: dict[str, int] = {}
    for pkg in pkgs:
        needed = len(REQUIRED)
        needed += 2 if pkg.get("open_category") in _RESTRICTED_OPEN else 0
        needed += 2 if pkg.get("share_category") in _RESTRICTED_SHARE else 0
        missing = missing_fields(pkg)
        required += needed
        present += needed - len(missing)
        for name in missing:
            gaps[name] = gaps.get(name, 0) + 1
    contact = bool(department.get("contact_name")) and bool(department.get("contact_phone")
                                                              or department.get("contact_email"))
    required += 1
    present += contact
    if not contact:
        gaps["contact"] = 1
    return {"present": present, "required": required, "ratio": present / required, "missing": gaps}


@dataclasses.dataclass(frozen=True)
class ChangeEvent:
    """A dated change the department's catalogue must follow (a law, its functions)."""

    department: str
    happened: datetime.date
    reason: str = ""


def upkeep(events: Sequence[ChangeEvent], updates: Mapping[str, Sequence[datetime.date]], window: int,
           as_of: datetime.date, calendar: WorkCalendar | None = None) -> list[dict]:
    """Each event with its due date (``window`` working days later), the first catalogue update
    of the department after it, and a status: on_time, late, missed (due passed, no update) or
    pending (due not yet passed, no update)."""
    found = []
    for event in events:
        due = compute_deadline(event.happened, window, "working_days", calendar).due
        after = sorted(d for d in updates.get(event.department, ()) if d > event.happened)
        first = after[0] if after else None
        if first is not None:
            state = "on_time" if first <= due else "late"
        else:
            state = "missed" if as_of > due else "pending"
        found.append({"department": event.department, "happened": event.happened, "due": due,
                      "updated": first, "status": state})
    return found


# Working days a department has to update its catalogue after a change in law or function, by
# policy profile: Chaohu art. 10 (10), Liaoyang art. 10 and Nanjing art. 18 (15). Others: 10.
UPKEEP_WINDOWS = {"chaohu": 10, "liaoyang": 15, "nanjing": 15}


def upkeep_window(policy: str) -> int:
    return UPKEEP_WINDOWS.get(policy, 10)


def upkeep_figures(events: Sequence[Mapping[str, object]], attested: bool | None) -> dict:
    """A department's upkeep from its events' statuses (``upkeep``) and its yearly review:
    ATTESTED is True or False when the review counts in the period (a closed year, or one
    attested already), None when it does not (a quarter, a year still running unattested).
    The ratio is what was done on time over what was due: events on time, plus the review;
    pending events are not yet due and not counted."""
    counts = {state: sum(e["status"] == state for e in events) for state in ("on_time", "late", "missed", "pending")}
    due = counts["on_time"] + counts["late"] + counts["missed"] + (attested is not None)
    done = counts["on_time"] + bool(attested)
    return {"events": len(events), **counts, "attested": attested, "ratio": done / due if due else None}


@dataclasses.dataclass(frozen=True)
class RequestFact:
    """What the scorecard needs of one request: its kind, when it came and was due, when (and
    how) it was answered."""

    kind: str  # open_application, share_application, objection, correction
    submitted: datetime.date
    due: datetime.date | None
    answered: datetime.date | None = None
    deemed: bool = False  # approved on silence (share applications)
    escalated: bool = False
    count: int = 1  # how many requests share all of the above (the glue groups them)


def request_figures(requests: Iterable[RequestFact], as_of: datetime.date,
                    calendar: WorkCalendar | None = None) -> dict:
    """Received, answered, on time (and its share of those answered or overdue), median working
    days to answer, deemed approvals, escalations; and on-time counts for objections and
    corrections on their own clocks."""
    received = answered = on_time = overdue_open = deemed = escalated = 0
    days: list[int] = []
    by_kind: dict[str, dict[str, int]] = {}
    spans: dict[tuple[datetime.date, datetime.date], int] = {}  # working days, counted once per pair
    for r in requests:
        n = r.count
        kind = by_kind.setdefault(r.kind, {"received": 0, "on_time": 0, "late": 0})
        received += n
        kind["received"] += n
        deemed += n * r.deemed
        escalated += n * r.escalated
        if r.answered is not None and not r.deemed:
            answered += n
            span = spans.get((r.submitted, r.answered))
            if span is None:
                span = spans[r.submitted, r.answered] = max(0, working_days_remaining(r.submitted, r.answered, calendar))
            days.extend([span] * n)
            if r.due is None or r.answered <= r.due:
                on_time += n
                kind["on_time"] += n
            else:
                kind["late"] += n
        elif r.due is not None and as_of > r.due:
            overdue_open += n  # silence past the due date is late too (deemed approvals included)
            kind["late"] += n
    assessed = answered + overdue_open
    return {"received": received, "answered": answered, "on_time": on_time,
            "on_time_ratio": on_time / assessed if assessed else None,
            "median_working_days": statistics.median(days) if days else None,
            "deemed": deemed, "escalated": escalated, "by_kind": by_kind}


def working_day_counts(first: datetime.date, last: datetime.date, calendar: WorkCalendar | None = None) -> list[int]:
    """For each day from FIRST to LAST, the working days in (FIRST, day]: the working days in
    (a, b] are then ``counts[(b - first).days] - counts[(a - first).days]``, as
    ``working_days_remaining(a, b)`` counts them. For counting in SQL, one array lookup a row."""
    counts, total = [], 0
    for n in range((last - first).days + 1):
        if n:
            total += working_days_remaining(first + datetime.timedelta(days=n - 1), first + datetime.timedelta(days=n),
                                            calendar)
        counts.append(total)
    return counts


def openness(pkgs: Iterable[Mapping[str, object]], applied: Iterable[str] = ()) -> dict:
    """Entries by open and share category, the share in machine-readable formats, and the share
    of on-application entries someone applied for."""
    applied = set(applied)
    by_open: dict[str, int] = {}
    by_share: dict[str, int] = {}
    total = machine = on_application = asked = 0
    for pkg in pkgs:
        total += 1
        by_open[str(pkg.get("open_category"))] = by_open.get(str(pkg.get("open_category")), 0) + 1
        by_share[str(pkg.get("share_category"))] = by_share.get(str(pkg.get("share_category")), 0) + 1
        machine += str(pkg.get("format_type") or "").lower() in MACHINE_READABLE
        if pkg.get("open_category") == "on_application":
            on_application += 1
            asked += pkg.get("id") in applied
    return {"entries": total, "by_open_category": by_open, "by_share_category": by_share,
            "machine_readable_ratio": machine / total if total else None,
            "open_ratio": by_open.get("unconditional", 0) / total if total else None,
            "on_application": on_application,
            "applied_ratio": asked / on_application if on_application else None}


def score(ratios: Mapping[str, float | None], weights: Mapping[str, float] = DEFAULT_WEIGHTS) -> float | None:
    """The weighted mean (0-100) of the ratios a department has; a figure it has none of (no
    requests received, say) is left out rather than counted as zero."""
    used = {k: w for k, w in weights.items() if w > 0 and ratios.get(k) is not None}
    total = sum(used.values())
    if not total:
        return None
    return round(100 * sum(w * ratios[k] for k, w in used.items()) / total, 1)


def rank(scores: Mapping[str, float | None]) -> list[tuple[int | None, str, float | None]]:
    """(rank, department, score), best first; equal scores share a rank (1, 2, 2, 4); departments
    without a score come last, unranked. Ties and the unranked are ordered by name."""
    scored = sorted(((s, d) for d, s in scores.items() if s is not None), key=lambda x: (-x[0], x[1]))
    ranked: list[tuple[int | None, str, float | None]] = []
    for position, (value, dept) in enumerate(scored, start=1):
        place = ranked[-1][0] if ranked and ranked[-1][2] == value else position
        ranked.append((place, dept, value))
    ranked += [(None, d, None) for d in sorted(d for d, s in scores.items() if s is None)]
    return ranked


def period_range(period: str) -> tuple[datetime.date, datetime.date]:
    """The first and last day of a period written ``2025`` (a year) or ``2025Q3`` (a quarter).
    ValueError for anything else."""
    text = period.strip().upper()
    if len(text) == 4 and text.isdigit():
        year = int(text)
        return datetime.date(year, 1, 1), datetime.date(year, 12, 31)
    if len(text) == 6 and text[:4].isdigit() and text[4] == "Q" and text[5] in "1234":
        year, quarter = int(text[:4]), int(text[5])
        start = datetime.date(year, 3 * quarter - 2, 1)
        end = (datetime.date(year + (quarter == 4), (3 * quarter) % 12 + 1, 1) - datetime.timedelta(days=1))
        return start, end
    raise ValueError(period)


def parse_weights(text: str) -> dict[str, float]:
    """``freshness=30 completeness=20 …`` (spaces, commas or new lines between) as a dict; names
    outside DEFAULT_WEIGHTS and negative or non-numeric weights are a ValueError."""
    weights: dict[str, float] = {}
    for item in text.replace(",", " ").split():
        name, _, value = item.partition("=")
        if name not in DEFAULT_WEIGHTS:
            raise ValueError(f"unknown figure {name!r}: one of {', '.join(DEFAULT_WEIGHTS)}")
        weights[name] = float(value)
        if weights[name] < 0:
            raise ValueError(f"negative weight for {name}")
    return weights
