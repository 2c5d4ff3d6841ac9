from datetime import date

import chinese_calendar
import pytest

from ckanext.govopen.deadlines import WorkCalendar, YearTable, parse_holiday_table

CAL = WorkCalendar()
MAKE_UP_2026 = [date(2026, 1, 4), date(2026, 2, 14), date(2026, 2, 28),
                date(2026, 5, 9), date(2026, 9, 20), date(2026, 10, 10)]
EXAMPLE_2027 = "2027: holidays 2027-01-01..2027-01-03, 2027-02-06..2027-02-12; workdays 2027-02-14"


def test_chinese_calendar_covers_2004_to_2026_only():
    # The fallback design rests on this: the package raises rather than guessing.
    assert chinese_calendar.is_workday(date(2004, 1, 5))
    assert chinese_calendar.is_workday(date(2026, 12, 31))
    for day in (date(2003, 12, 31), date(2027, 1, 4)):
        with pytest.raises(NotImplementedError):
            chinese_calendar.is_workday(day)


def test_2026_make_up_working_days():
    in_package = sorted(d for d in chinese_calendar.constants.workdays if d.year == 2026)
    assert in_package == MAKE_UP_2026
    for day in MAKE_UP_2026:
        assert day.weekday() >= 5
        assert CAL.status(day) == (True, True)


@pytest.mark.parametrize("day", [date(2026, 1, 1), date(2026, 2, 16), date(2026, 10, 1),
                                 date(2026, 10, 7), date(2026, 9, 25)])
def test_2026_statutory_holidays_are_off(day):
    assert not CAL.is_working_day(day)
    assert CAL.is_known(day)


def test_unknown_year_counts_weekends_only():
    assert CAL.status(date(2027, 1, 1)) == (True, False)   # a Friday, New Year unknown
    assert CAL.status(date(2027, 1, 2)) == (False, False)  # Saturday
    assert CAL.status(date(2003, 6, 2)) == (True, False)


def test_configured_year_extends_calendar():
    cal = WorkCalendar(parse_holiday_table(EXAMPLE_2027))
    assert cal.status(date(2027, 1, 1)) == (False, True)
    assert cal.status(date(2027, 2, 14)) == (True, True)   # Sunday, make-up day
    assert cal.status(date(2027, 2, 13)) == (False, True)  # ordinary Saturday
    assert cal.status(date(2027, 3, 1)) == (True, True)
    assert cal.status(date(2028, 1, 3)) == (True, False)


def test_configured_year_replaces_chinese_calendar():
    cal = WorkCalendar({2026: YearTable(2026, holidays=[date(2026, 10, 1)])})
    assert cal.is_working_day(date(2026, 10, 2))
    assert not cal.is_working_day(date(2026, 10, 10))  # make-up day no longer listed
    assert not cal.is_working_day(date(2026, 10, 1))


def test_calendar_rejects_misfiled_table():
    with pytest.raises(ValueError, match="filed under 2028"):
        WorkCalendar({2028: YearTable(2027)})


class TestParseHolidayTable:
    def test_example(self):
        table = parse_holiday_table(EXAMPLE_2027)[2027]
        assert len(table.holidays) == 10
        assert date(2027, 2, 6) in table.holidays and date(2027, 2, 12) in table.holidays
        assert table.workdays == {date(2027, 2, 14)}

    def test_several_years_comments_and_spelling(self):
        text = """
            # published 2026-11
            2027: Holidays: 2027-01-01 ; WORKDAYS 2027-02-14;   | 2028: holidays 2028-10-02
            2029: workdays 2029-09-29   # only a make-up day known so far
        """
        tables = parse_holiday_table(text)
        assert sorted(tables) == [2027, 2028, 2029]
        assert tables[2027] == YearTable(2027, {date(2027, 1, 1)}, {date(2027, 2, 14)})
        assert tables[2029].holidays == frozenset()

    def test_empty(self):
        assert parse_holiday_table("  \n# nothing yet\n") == {}

    @pytest.mark.parametrize("text, message", [
        ("2027 holidays 2027-01-01", "cannot read"),
        ("27: holidays 2027-01-01", "cannot read"),
        ("2027: vacation 2027-01-01", "must start with 'holidays' or 'workdays'"),
        ("2027: holidays 2027/01/01", "is not a date YYYY-MM-DD"),
        ("2027: holidays 2027-01-01,,2027-01-02", "'' is not a date"),
        ("2027: holidays 2027-02-30", "'2027-02-30' is not a valid date"),
        ("2027: holidays 2027-01-03..2027-01-01", "ends before it starts"),
        ("2027: holidays 2028-01-01", "holiday 2028-01-01 is not in 2027"),
        ("2027: holidays 2027-02-14; workdays 2027-02-14", "both as holiday and as workday"),
        ("2027: workdays 2027-02-15", "2027-02-15 is a Monday"),
        ("2027: holidays 2027-01-01\n2027: holidays 2027-01-02", "year 2027 appears twice"),
        ("2027: holidays 2027-01-01; holidays 2027-01-02", "'holidays' given twice"),
        ("2027:", "no holidays or workdays"),
        ("2027: holidays", "'holidays' lists no dates"),
    ])
    def test_bad_input(self, text, message):
        with pytest.raises(ValueError, match=message) as err:
            parse_holiday_table(text)
        assert "holiday table" in str(err.value)
