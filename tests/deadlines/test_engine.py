from datetime import date, datetime, timedelta

import pytest

from ckanext.govopen.deadlines import (
    POLICIES,
    WorkCalendar,
    compute_deadline,
    deadline_end,
    deadline_for,
    parse_holiday_table,
    reminder_dates,
    resume,
    working_days_remaining,
)

TABLE_2027 = "2027: holidays 2027-01-01..2027-01-03, 2027-02-06..2027-02-12; workdays 2027-02-14"


class TestWorkedExamples2026:
    def test_tenth_working_day_across_national_day(self):
        d = compute_deadline(date(2026, 9, 28), 10, "working_days")
        assert d.due == date(2026, 10, 16)
        assert d.calendar_known and d.warnings == ()

    def test_make_up_saturday_counts(self):
        # 2026-02-13 is a Friday; Saturday 02-14 is a make-up working day.
        assert compute_deadline(date(2026, 2, 13), 1, "working_days").due == date(2026, 2, 14)

    def test_spring_festival_skipped(self):
        # 02-14 is day 1, 02-15..02-23 are off, so 02-24 is day 2.
        assert compute_deadline(date(2026, 2, 13), 2, "working_days").due == date(2026, 2, 24)

    def test_calendar_days_ending_in_national_day_move_to_next_working_day(self):
        d = compute_deadline(date(2026, 9, 25), 10, "calendar_days")  # 10-05 is a holiday
        assert d.due == date(2026, 10, 8)

    def test_calendar_days_ending_on_mid_autumn(self):
        assert compute_deadline(date(2026, 9, 15), 10, "calendar_days").due == date(2026, 9, 28)

    def test_calendar_days_ending_on_ordinary_saturday(self):
        assert compute_deadline(date(2026, 3, 4), 10, "calendar_days").due == date(2026, 3, 16)

    def test_calendar_days_ending_on_make_up_saturday_stay(self):
        assert compute_deadline(date(2026, 9, 30), 10, "calendar_days").due == date(2026, 10, 10)

    def test_start_day_is_not_counted(self):
        assert compute_deadline(date(2026, 3, 2), 1, "calendar_days").due == date(2026, 3, 3)
        assert compute_deadline(date(2026, 3, 2), 1, "working_days").due == date(2026, 3, 3)


def test_deadline_end_is_midnight_shanghai_after_due_day():
    end = deadline_end(date(2026, 10, 16))
    assert end == datetime.fromisoformat("2026-10-17T00:00:00+08:00")
    assert end.utcoffset() == timedelta(hours=8)
    assert str(end.tzinfo) == "Asia/Shanghai"
    assert compute_deadline(date(2026, 9, 28), 10, "working_days").ends_at == end


class TestPauses:
    def test_shift_by_paused_working_days(self):
        d = compute_deadline(date(2026, 9, 28), 10, "working_days")
        # (10-12, 10-14] holds two working days: 10-13 and 10-14.
        paused = resume(d, date(2026, 10, 12), date(2026, 10, 14))
        assert paused.due == date(2026, 10, 20)
        assert paused.pauses == ((date(2026, 10, 12), date(2026, 10, 14)),)

    def test_pause_over_holiday_costs_only_working_days(self):
        d = compute_deadline(date(2026, 9, 28), 10, "working_days")
        # (09-30, 10-09] holds 10-08 and 10-09 only.
        assert resume(d, date(2026, 9, 30), date(2026, 10, 9)).due == date(2026, 10, 20)

    def test_calendar_day_pause_shifts_the_nominal_end_then_rolls(self):
        d = compute_deadline(date(2026, 9, 20), 10, "calendar_days")
        assert d.due == date(2026, 9, 30)
        # Three paused days put the nominal end on 10-03, inside the holiday.
        assert resume(d, date(2026, 9, 22), date(2026, 9, 25)).due == date(2026, 10, 8)

    def test_days_before_start_do_not_count(self):
        d = compute_deadline(date(2026, 3, 2), 5, "working_days")
        assert resume(d, date(2026, 2, 26), date(2026, 3, 3)).due == date(2026, 3, 10)
        assert resume(d, date(2026, 2, 24), date(2026, 2, 27)).due == d.due

    def test_pause_after_due_is_ignored_with_warning(self):
        d = compute_deadline(date(2026, 3, 2), 5, "working_days")
        late = resume(d, date(2026, 3, 20), date(2026, 3, 25))
        assert late.due == d.due
        assert late.calendar_known
        assert any("2026-03-20" in w for w in late.warnings)

    def test_successive_pauses_accumulate(self):
        d = compute_deadline(date(2026, 3, 2), 5, "working_days")  # due 03-09
        d = resume(d, date(2026, 3, 3), date(2026, 3, 4))         # +1 -> 03-10
        d = resume(d, date(2026, 3, 10), date(2026, 3, 12))        # +2 -> 03-12
        assert d.due == date(2026, 3, 12)

    def test_bad_pauses(self):
        with pytest.raises(ValueError, match="before it began"):
            compute_deadline(date(2026, 3, 2), 5, "working_days",
                             pauses=[(date(2026, 3, 4), date(2026, 3, 3))])
        with pytest.raises(ValueError, match="overlaps"):
            compute_deadline(date(2026, 3, 2), 5, "working_days",
                             pauses=[(date(2026, 3, 3), date(2026, 3, 5)),
                                     (date(2026, 3, 4), date(2026, 3, 6))])


def test_bad_length_and_unit():
    with pytest.raises(ValueError, match=">= 1"):
        compute_deadline(date(2026, 3, 2), 0, "working_days")
    with pytest.raises(ValueError, match="weeks"):
        compute_deadline(date(2026, 3, 2), 1, "weeks")  # type: ignore[arg-type]


class TestUnknownYears:
    def test_deadline_in_unknown_year(self):
        d = compute_deadline(date(2027, 3, 1), 5, "working_days")
        assert d.due == date(2027, 3, 8)
        assert not d.calendar_known
        assert len(d.warnings) == 1 and "2027" in d.warnings[0]

    def test_deadline_running_into_unknown_year(self):
        d = compute_deadline(date(2026, 12, 28), 5, "working_days")
        assert d.due == date(2027, 1, 4)
        assert not d.calendar_known

    def test_calendar_days_only_check_the_last_day(self):
        d = compute_deadline(date(2026, 12, 20), 10, "calendar_days")
        assert (d.due, d.calendar_known) == (date(2026, 12, 30), True)

    def test_configured_table_makes_2027_known(self):
        cal = WorkCalendar(parse_holiday_table(TABLE_2027))
        d = compute_deadline(date(2027, 2, 5), 3, "working_days", cal)
        # Feb 6-12 off, Sat 13 off, Sun 14 make-up (1), Mon 15 (2), Tue 16 (3).
        assert (d.due, d.calendar_known, d.warnings) == (date(2027, 2, 16), True, ())
        fallback = compute_deadline(date(2027, 2, 5), 3, "working_days")
        assert (fallback.due, fallback.calendar_known) == (date(2027, 2, 10), False)


def test_working_days_remaining():
    assert working_days_remaining(date(2026, 9, 28), date(2026, 10, 16)) == 10
    assert working_days_remaining(date(2026, 10, 16), date(2026, 10, 16)) == 0
    assert working_days_remaining(date(2026, 10, 19), date(2026, 10, 16)) == -1
    assert working_days_remaining(date(2026, 9, 30), date(2026, 10, 8)) == 1


def test_reminder_dates():
    d = compute_deadline(date(2026, 9, 28), 10, "working_days")
    assert reminder_dates(d, (3, 1)) == (date(2026, 10, 13), date(2026, 10, 15))
    c = compute_deadline(date(2026, 9, 25), 10, "calendar_days")
    assert reminder_dates(c, [1, 3, 0]) == (date(2026, 10, 5), date(2026, 10, 7), date(2026, 10, 8))
    short = compute_deadline(date(2026, 3, 2), 2, "working_days")
    assert reminder_dates(short, (3, 1)) == (date(2026, 3, 3),)


class TestDeadlineFor:
    def test_clock_from_acceptance(self):
        rule = POLICIES["chaohu"].rule("open_application")
        d = deadline_for(rule, date(2026, 9, 21), accepted=date(2026, 9, 25))
        assert (d.start, d.due) == (date(2026, 9, 25), date(2026, 10, 8))
        with pytest.raises(ValueError, match="pass 'accepted'"):
            deadline_for(rule, date(2026, 9, 21))

    def test_clock_from_submission_ignores_acceptance(self):
        rule = POLICIES["chaohu"].rule("share_application")
        d = deadline_for(rule, date(2026, 9, 28), accepted=date(2026, 9, 30))
        assert d.due == date(2026, 10, 10)  # 5th working day, a make-up Saturday

    def test_acceptance_before_submission(self):
        rule = POLICIES["chaohu"].rule("open_application")
        with pytest.raises(ValueError, match="before submission"):
            deadline_for(rule, date(2026, 9, 21), accepted=date(2026, 9, 20))

    def test_pauses_only_where_the_rule_pauses(self):
        pause = [(date(2026, 3, 3), date(2026, 3, 5))]
        share = POLICIES["liaoyang"].rule("share_application")
        correction = POLICIES["chaohu"].rule("correction")
        assert share.pause_on_info and not correction.pause_on_info
        plain = deadline_for(share, date(2026, 3, 2))
        assert deadline_for(share, date(2026, 3, 2), pauses=pause).due > plain.due
        assert deadline_for(correction, date(2026, 3, 2), pauses=pause).due == \
            deadline_for(correction, date(2026, 3, 2)).due
