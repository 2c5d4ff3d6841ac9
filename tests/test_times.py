"""Dates and times in API output: instants carry their offset, chosen days stay days."""
import datetime

from ckanext.govopen.times import api_time, last_day

UTC = datetime.timezone.utc
SHANGHAI = datetime.timezone(datetime.timedelta(hours=8))


def test_naive_means_utc_and_goes_out_with_z():
    assert api_time(datetime.datetime(2026, 12, 4, 8, 30, 0, 123456)) == "2026-12-04T08:30:00.123456Z"
    assert api_time(None) is None


def test_aware_instants_are_given_in_utc():
    beijing = datetime.datetime(2026, 12, 5, 0, 30, tzinfo=SHANGHAI)
    assert api_time(beijing) == "2026-12-04T16:30:00Z"
    parsed = datetime.datetime.fromisoformat(api_time(beijing))
    assert parsed.tzinfo is not None and parsed == beijing


def test_a_period_ending_at_beijing_midnight_has_its_chosen_last_day():
    # "until 2027-06-30" ends at 2027-07-01 00:00 Beijing time = 2027-06-30 16:00 UTC.
    ends = datetime.datetime(2027, 6, 30, 16, 0)
    assert last_day(ends, SHANGHAI) == datetime.date(2027, 6, 30)
    assert last_day(ends.replace(tzinfo=UTC), SHANGHAI) == datetime.date(2027, 6, 30)
    assert last_day(ends, UTC) == datetime.date(2027, 6, 30)  # 16:00 UTC is still that day in UTC
