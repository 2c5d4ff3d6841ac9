"""Deadline arithmetic on the PRC working-day calendar.

Counting rules (Civil Code arts. 201, 203 and the regulations' own wording):

- The start day is not counted; a deadline of N days ends on the N-th day after it.
- ``working_days`` count only working days: weekends and statutory holidays are off,
  make-up working days (调休) are on.
- ``calendar_days`` count every day, but a last day that is not a working day moves to the
  next working day (art. 203: a period ending on a statutory rest day ends on the day
  after the rest ends).
- A deadline ends at 24:00 Asia/Shanghai on its due day (:func:`deadline_end`).
- A pause (information requested from the applicant on day P, received on day R) moves the
  due date on by the units in the half-open interval (P, R], counted in the deadline's
  unit: the request day was a day the department had, and like the start day the day the
  answer arrives is not counted. Days before the start are not counted; a pause that
  begins after the due date (already overdue) is ignored with a warning.
- A day in a year no calendar knows counts Saturday and Sunday as the only days off; the
  result then has ``calendar_known=False`` and a warning, never an exception.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from ckanext.govopen.text import Message, N_

from .calendar import DEFAULT_CALENDAR, UNITS, Unit, WorkCalendar
from .policies import KindPolicy


def _shanghai() -> tzinfo:
    try:
        return ZoneInfo("Asia/Shanghai")
    except ZoneInfoNotFoundError:
        # Slim containers may lack tzdata; China has kept UTC+8 without DST since 1991.
        return timezone(timedelta(hours=8), "Asia/Shanghai")


SHANGHAI = _shanghai()


@dataclass(frozen=True)
class Deadline:
    """A computed deadline; ``due`` is fully determined by the other inputs and the calendar."""

    start: date
    length: int
    unit: Unit
    due: date
    pauses: tuple[tuple[date, date], ...] = ()
    calendar_known: bool = True
    warnings: tuple[str, ...] = ()

    @property
    def ends_at(self) -> datetime:
        return deadline_end(self.due)


def deadline_end(due: date) -> datetime:
    """The instant a deadline expires: 24:00 on ``due``, i.e. the next day 00:00 Shanghai."""
    return datetime.combine(due + timedelta(days=1), time(0), tzinfo=SHANGHAI)


def compute_deadline(
    start: date,
    length: int,
    unit: Unit,
    calendar: WorkCalendar | None = None,
    pauses: Iterable[tuple[date, date]] = (),
) -> Deadline:
    """The due date ``length`` units after ``start``, extended by ``pauses``.

    ``pauses`` are ``(paused_on, resumed_on)`` pairs; they must not overlap.
    """
    if unit not in UNITS:
        raise ValueError(f"unit {unit!r} is not one of {', '.join(UNITS)}")
    if length < 1:
        raise ValueError(f"deadline length must be >= 1, got {length}")
    ordered = tuple(sorted(pauses))
    for paused_on, resumed_on in ordered:
        if resumed_on < paused_on:
            raise ValueError(f"pause resumed on {resumed_on}, before it began on {paused_on}")
    for (_, previous_end), (next_start, _) in zip(ordered, ordered[1:]):
        if next_start < previous_end:
            raise ValueError(f"pause from {next_start} overlaps one ending {previous_end}")

    counter = _Counter(calendar or DEFAULT_CALENDAR)
    working = unit == "working_days"
    nominal = counter.advance(start, length) if working else start + timedelta(days=length)
    due = counter.roll(nominal)
    warnings: list[str] = []
    for paused_on, resumed_on in ordered:
        if paused_on > due:
            warnings.append(Message(N_("pause from {paused_on} ignored: it began after the due date {due}"),
                                    paused_on=paused_on.isoformat(), due=due.isoformat()))
            continue
        after = max(paused_on, start)
        if working:
            nominal = counter.advance(nominal, counter.count(after, resumed_on))
        else:
            nominal += timedelta(days=max(0, (resumed_on - after).days))
        due = counter.roll(nominal)

    unknown = sorted(counter.unknown_years)
    warnings[:0] = [_unknown_year_warning(year) for year in unknown]
    return Deadline(start, length, unit, due, ordered, not unknown, tuple(warnings))


def deadline_for(
    rule: KindPolicy,
    submitted: date,
    accepted: date | None = None,
    calendar: WorkCalendar | None = None,
    pauses: Iterable[tuple[date, date]] = (),
) -> Deadline:
    """The decision deadline for a request under ``rule``; pauses count only if the rule
    pauses while information is requested.

    Raises ValueError when the rule's clock starts at acceptance and ``accepted`` is None.
    """
    if accepted is not None and accepted < submitted:
        raise ValueError(f"accepted on {accepted}, before submission on {submitted}")
    if rule.clock_start == "acceptance":
        if accepted is None:
            raise ValueError(f"{rule.kind}: the clock starts at acceptance; pass 'accepted'")
        start = accepted
    else:
        start = submitted
    return compute_deadline(
        start, rule.length, rule.unit, calendar, pauses if rule.pause_on_info else ()
    )


def resume(
    deadline: Deadline,
    paused_on: date,
    resumed_on: date,
    calendar: WorkCalendar | None = None,
) -> Deadline:
    """``deadline`` with one more pause; use the same calendar that computed it."""
    return compute_deadline(
        deadline.start,
        deadline.length,
        deadline.unit,
        calendar,
        (*deadline.pauses, (paused_on, resumed_on)),
    )


def working_days_remaining(
    today: date, due: date, calendar: WorkCalendar | None = None
) -> int:
    """Working days in (today, due] for a countdown; 0 means due today (or no working day
    is left before the due day), negative counts working days overdue. Unknown years count
    weekends only; check ``calendar.is_known`` when that matters."""
    counter = _Counter(calendar or DEFAULT_CALENDAR)
    return counter.count(today, due) if due >= today else -counter.count(due, today)


def reminder_dates(
    deadline: Deadline, days_before: Iterable[int], calendar: WorkCalendar | None = None
) -> tuple[date, ...]:
    """Reminder days ``days_before`` the due date in the deadline's unit, ascending;
    points on or before the start day are dropped since nobody can act on them."""
    counter = _Counter(calendar or DEFAULT_CALENDAR)
    days = set()
    for n in days_before:
        if deadline.unit == "working_days":
            day = counter.retreat(deadline.due, n)
        else:
            day = deadline.due - timedelta(days=n)
        if day > deadline.start:
            days.add(day)
    return tuple(sorted(days))


def _unknown_year_warning(year: int) -> Message:
    return Message(N_("no official holiday schedule for {year}; counted with only Saturdays and Sundays off"),
                   year=year)


class _Counter:
    """Steps through the calendar, remembering which unknown years were consulted."""

    def __init__(self, calendar: WorkCalendar) -> None:
        self._calendar = calendar
        self.unknown_years: set[int] = set()

    def is_working(self, day: date) -> bool:
        working, known = self._calendar.status(day)
        if not known:
            self.unknown_years.add(day.year)
        return working

    def advance(self, day: date, n: int) -> date:
        """The n-th working day after ``day`` (``day`` itself when n is 0)."""
        while n > 0:
            day += timedelta(days=1)
            n -= self.is_working(day)
        return day

    def retreat(self, day: date, n: int) -> date:
        """The n-th working day before ``day`` (``day`` itself when n is 0)."""
        while n > 0:
            day -= timedelta(days=1)
            n -= self.is_working(day)
        return day

    def roll(self, day: date) -> date:
        while not self.is_working(day):
            day += timedelta(days=1)
        return day

    def count(self, after: date, until: date) -> int:
        """Working days in (after, until]."""
        return sum(
            self.is_working(after + timedelta(days=n)) for n in range(1, (until - after).days + 1)
        )
