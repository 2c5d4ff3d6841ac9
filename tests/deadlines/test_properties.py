from datetime import date, timedelta

from hypothesis import given
from hypothesis import strategies as st

from ckanext.govopen.deadlines import (
    DEFAULT_CALENDAR,
    UNITS,
    WorkCalendar,
    YearTable,
    compute_deadline,
    parse_holiday_table,
    reminder_dates,
    resume,
    working_days_remaining,
)

# Spans known years, the 2026/2027 edge and unknown years on both sides.
any_day = st.dates(date(2002, 1, 1), date(2032, 12, 31))
lengths = st.integers(1, 40)
units = st.sampled_from(UNITS)
CAL = DEFAULT_CALENDAR


@given(any_day, lengths, units)
def test_due_is_always_a_working_day(start, length, unit):
    assert CAL.is_working_day(compute_deadline(start, length, unit).due)


@given(any_day, lengths, units)
def test_longer_deadline_never_ends_earlier(start, length, unit):
    shorter = compute_deadline(start, length, unit).due
    longer = compute_deadline(start, length + 1, unit).due
    assert longer >= shorter
    if unit == "working_days":
        assert longer > shorter


@given(any_day, st.integers(0, 30), lengths, units)
def test_later_start_never_ends_earlier(start, delay, length, unit):
    later = start + timedelta(days=delay)
    assert compute_deadline(later, length, unit).due >= compute_deadline(start, length, unit).due


@given(any_day, lengths)
def test_working_day_countdown_from_start_equals_length(start, length):
    d = compute_deadline(start, length, "working_days")
    assert working_days_remaining(start, d.due) == length
    assert working_days_remaining(d.due, start) == -length


@given(any_day, lengths, st.integers(0, 60), st.integers(0, 30))
def test_pause_shifts_by_exactly_the_paused_working_days(start, length, offset, pause_len):
    d = compute_deadline(start, length, "working_days")
    paused_on = min(start + timedelta(days=offset), d.due)
    resumed_on = paused_on + timedelta(days=pause_len)
    paused = working_days_remaining(paused_on, resumed_on)  # working days in (P, R]
    moved = resume(d, paused_on, resumed_on)
    assert working_days_remaining(d.due, moved.due) == paused
    assert moved.due == compute_deadline(start, length + paused, "working_days").due


@given(any_day, lengths, st.integers(0, 60), st.integers(0, 30))
def test_calendar_day_pause_shifts_the_nominal_end_by_the_paused_days(
    start, length, offset, pause_len
):
    d = compute_deadline(start, length, "calendar_days")
    paused_on = min(start + timedelta(days=offset), d.due)
    moved = resume(d, paused_on, paused_on + timedelta(days=pause_len))
    assert moved.due == compute_deadline(start, length + pause_len, "calendar_days").due


@given(any_day, lengths, units, any_day, st.integers(0, 30))
def test_any_pause_is_safe_and_never_shortens(start, length, unit, paused_on, pause_len):
    d = compute_deadline(start, length, unit)
    moved = resume(d, paused_on, paused_on + timedelta(days=pause_len))
    assert moved.due >= d.due


@given(st.dates(date(2027, 1, 1), date(2099, 12, 31)), st.integers(1, 400), units)
def test_unknown_years_warn_and_never_raise(start, length, unit):
    d = compute_deadline(start, length, unit)
    assert d.calendar_known is False
    assert d.warnings and all("Saturdays and Sundays" in w for w in d.warnings)
    assert d.due.weekday() < 5


@given(st.dates(date(2004, 1, 1), date(2026, 11, 30)), st.integers(1, 20))
def test_known_years_carry_no_warning(start, length):
    d = compute_deadline(start, length, "working_days")
    assert d.calendar_known and d.warnings == ()


@given(any_day, lengths, st.lists(st.integers(0, 45), max_size=4))
def test_working_day_reminders_are_n_working_days_before_due(start, length, points):
    d = compute_deadline(start, length, "working_days")
    for day in reminder_dates(d, points):
        assert start < day <= d.due
        assert working_days_remaining(day, d.due) in points


@st.composite
def year_tables(draw):
    year = draw(st.integers(2027, 2060))
    days = [date(year, 1, 1) + timedelta(days=n) for n in range(365)]
    holidays = draw(st.sets(st.sampled_from(days), min_size=1, max_size=20))
    weekends = [d for d in days if d.weekday() >= 5 and d not in holidays]
    workdays = draw(st.sets(st.sampled_from(weekends), max_size=4))
    return YearTable(year, holidays, workdays)


@given(year_tables())
def test_holiday_table_text_round_trip(table):
    sections = [f"{name} " + ", ".join(d.isoformat() for d in sorted(days))
                for name, days in (("holidays", table.holidays), ("workdays", table.workdays))
                if days]
    text = f"{table.year}: " + "; ".join(sections)
    parsed = parse_holiday_table(text)
    assert parsed == {table.year: table}
    cal = WorkCalendar(parsed)
    for day in table.holidays:
        assert cal.status(day) == (False, True)
    for day in table.workdays:
        assert cal.status(day) == (True, True)
