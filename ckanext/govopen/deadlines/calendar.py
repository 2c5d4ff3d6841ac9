"""PRC working-day calendar.

The official schedule (weekends, statutory holidays, make-up working days 调休) comes from
``chinese_calendar``, which covers 2004-2026 in version 1.11.0 and raises
NotImplementedError for any other year. The State Council publishes each year's schedule
only in the preceding November, so later years are supplied as data: a holiday table,
normally written in the compact text form read by :func:`parse_holiday_table`.

A year present in the holiday table replaces ``chinese_calendar`` for that whole year, so a
portal can also correct a year the package knows. A year nobody knows falls back to
"Saturday and Sunday off" and is reported as unknown; callers decide what to tell users.

Holiday table text form (one entry per year; entries separated by newlines or ``|``)::

    2027: holidays 2027-01-01..2027-01-03, 2027-02-06..2027-02-12; workdays 2027-02-14
    2028: holidays 2028-01-01, 2028-01-24..2028-01-30; workdays 2028-01-22 | 2029: ...

- ``YEAR:`` then up to two sections separated by ``;``: ``holidays`` (days off, weekend
  days inside a holiday block may be listed or not) and ``workdays`` (make-up working
  days, which must fall on a Saturday or Sunday). At least one section per year.
- A section is the keyword, optionally followed by ``:``, then comma-separated items; an
  item is a date ``YYYY-MM-DD`` or an inclusive range ``YYYY-MM-DD..YYYY-MM-DD``.
- Every date must lie in the entry's year; a day cannot be both holiday and workday; a
  year may appear once. Keywords are case-insensitive; ``#`` starts a comment to the end
  of the line; blank lines and empty sections are ignored.
"""
from __future__ import annotations

import functools

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from types import MappingProxyType
from typing import Literal

import chinese_calendar

Unit = Literal["calendar_days", "working_days"]
UNITS: tuple[Unit, ...] = ("calendar_days", "working_days")


@dataclass(frozen=True)
class YearTable:
    """One year's official schedule: statutory days off and make-up working days."""

    year: int
    holidays: frozenset[date] = frozenset()
    workdays: frozenset[date] = frozenset()

    def __post_init__(self) -> None:
        # Accept any iterable so callers can pass lists or sets; store frozensets so the
        # table stays immutable and hashable.
        object.__setattr__(self, "holidays", frozenset(self.holidays))
        object.__setattr__(self, "workdays", frozenset(self.workdays))
        for label, days in (("holiday", self.holidays), ("workday", self.workdays)):
            for day in sorted(days):
                if day.year != self.year:
                    raise ValueError(f"{label} {day} is not in {self.year}")
        clash = self.holidays & self.workdays
        if clash:
            raise ValueError(f"{min(clash)} is listed both as holiday and as workday")
        for day in sorted(self.workdays):
            if day.weekday() < 5:
                # A make-up working day on a weekday changes nothing, so it is almost
                # certainly a typo for a neighbouring date.
                raise ValueError(
                    f"workday {day} is a {day:%A}; only a Saturday or Sunday can be a "
                    "make-up working day"
                )

    def is_working_day(self, day: date) -> bool:
        if day in self.workdays:
            return True
        return day.weekday() < 5 and day not in self.holidays


@dataclass(frozen=True, eq=False)
class WorkCalendar:
    """Working days per the official PRC calendar, extended by configured year tables."""

    tables: Mapping[int, YearTable] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for year, table in self.tables.items():
            if year != table.year:
                raise ValueError(f"holiday table for {table.year} filed under {year}")
        object.__setattr__(self, "tables", MappingProxyType(dict(self.tables)))

    def status(self, day: date) -> tuple[bool, bool]:
        """Return ``(is_working_day, is_known)``; unknown years count weekends only."""
        table = self.tables.get(day.year)
        if table is not None:
            return table.is_working_day(day), True
        return _official_status(day)

    def is_working_day(self, day: date) -> bool:
        return self.status(day)[0]

    def is_known(self, day: date) -> bool:
        return self.status(day)[1]


@functools.lru_cache(maxsize=8192)
def _official_status(day: date) -> tuple[bool, bool]:
    # chinese_calendar validates and looks up each date anew; counting a deadline asks for the
    # same days over and over (every row of a queue page), so remember the answers.
    try:
        return chinese_calendar.is_workday(day), True
    except NotImplementedError:
        return day.weekday() < 5, False


DEFAULT_CALENDAR = WorkCalendar()

_DATE = r"\d{4}-\d{2}-\d{2}"
_ITEM = re.compile(rf"({_DATE})(?:\s*\.\.\s*({_DATE}))?")
_ENTRY = re.compile(r"(\d{4})\s*:(.*)", re.DOTALL)
_SECTION = re.compile(r"(holidays|workdays)\b\s*:?\s*(.*)", re.IGNORECASE | re.DOTALL)


def parse_holiday_table(text: str) -> dict[int, YearTable]:
    """Parse the compact holiday-table text (see module docstring) into year tables.

    Raises ValueError naming the year and the offending text.
    """
    tables: dict[int, YearTable] = {}
    lines = (line.split("#", 1)[0] for line in text.splitlines())
    entries = [e.strip() for line in lines for e in line.split("|")]
    for entry in filter(None, entries):
        match = _ENTRY.fullmatch(entry)
        if not match:
            raise ValueError(
                f"holiday table: cannot read {entry!r}; expected "
                "'YEAR: holidays DATE[..DATE], ...; workdays DATE, ...'"
            )
        year = int(match.group(1))
        if year in tables:
            raise ValueError(f"holiday table: year {year} appears twice")
        days = _parse_sections(year, match.group(2))
        try:
            tables[year] = YearTable(year, days["holidays"], days["workdays"])
        except ValueError as err:
            raise ValueError(f"holiday table, year {year}: {err}") from None
    return tables


def _parse_sections(year: int, body: str) -> dict[str, set[date]]:
    days: dict[str, set[date]] = {}
    for section in filter(None, (s.strip() for s in body.split(";"))):
        match = _SECTION.fullmatch(section)
        if not match:
            raise ValueError(
                f"holiday table, year {year}: section {section!r} must start with "
                "'holidays' or 'workdays'"
            )
        keyword = match.group(1).lower()
        if keyword in days:
            raise ValueError(f"holiday table, year {year}: '{keyword}' given twice")
        items = [i.strip() for i in match.group(2).split(",")]
        if not any(items):
            raise ValueError(f"holiday table, year {year}: '{keyword}' lists no dates")
        days[keyword] = {d for item in items for d in _parse_item(year, item)}
    if not days:
        raise ValueError(f"holiday table, year {year}: no holidays or workdays given")
    days.setdefault("holidays", set())
    days.setdefault("workdays", set())
    return days


def _parse_item(year: int, item: str) -> Iterable[date]:
    match = _ITEM.fullmatch(item)
    if not match:
        raise ValueError(
            f"holiday table, year {year}: {item!r} is not a date YYYY-MM-DD or a range "
            "YYYY-MM-DD..YYYY-MM-DD"
        )
    first = _parse_date(year, match.group(1))
    last = _parse_date(year, match.group(2)) if match.group(2) else first
    if last < first:
        raise ValueError(f"holiday table, year {year}: range {item!r} ends before it starts")
    return (first + timedelta(days=n) for n in range((last - first).days + 1))


def _parse_date(year: int, text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ValueError(f"holiday table, year {year}: {text!r} is not a valid date") from None
