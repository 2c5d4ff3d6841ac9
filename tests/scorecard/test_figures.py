"""Scorecard figures against hand-computed fixtures (pure: no CKAN)."""
import datetime

import pytest

from ckanext.govopen.scorecard import figures as f

D = datetime.date


def test_last_update_takes_the_latest_known():
    assert f.last_update("2025-03-01", None, datetime.datetime(2025, 4, 2, 9), D(2025, 1, 1)) == D(2025, 4, 2)
    assert f.last_update(None, "") is None


@pytest.mark.parametrize("frequency,updated,expected", [
    ("monthly", D(2025, 5, 31), True),    # 31 days before 2025-07-01
    ("monthly", D(2025, 5, 30), False),   # 32 days
    ("daily", D(2025, 6, 30), True),
    ("annual", D(2024, 6, 30), True),     # 366 days
    ("quarterly", None, False),           # never updated: not fresh
    ("other", D(2020, 1, 1), None),       # irregular: not assessed
    (None, D(2025, 6, 30), None),
])
def test_freshness(frequency, updated, expected):
    assert f.freshness(frequency, updated, D(2025, 7, 1)) is expected


def test_fresh_counts():
    counts = f.fresh_counts([("monthly", D(2025, 6, 20)), ("weekly", D(2025, 6, 1)), ("other", None),
                             ("daily", None)], D(2025, 7, 1))
    assert counts == {"fresh": 1, "assessed": 3, "not_assessed": 1, "ratio": 1 / 3}


def _entry(**extra):
    base = {"title": "公交线路", "notes": "摘要", "catalogue_code": "307002/000001", "classification_code": "307002",
            "update_frequency": "monthly", "format_type": "csv", "themes": ["交通"],
            "data_items": [{"name": "线路", "type": "C", "length": 50}],
            "open_category": "unconditional", "share_category": "unconditional"}
    return {**base, **extra}


def test_completeness_counts_conditions_only_where_the_category_needs_them():
    complete = _entry()
    restricted = _entry(open_category="on_application", open_conditions="仅限科研", open_legal_basis="",
                        data_items=[{"name": "线路", "type": "C"}])  # no length
    assert f.missing_fields(complete) == []
    assert f.missing_fields(restricted) == ["data_items", "open_legal_basis"]
    found = f.completeness([complete, restricted], {"contact_name": "王科长", "contact_phone": ""})
    # required: 8 + (8 + 2) + contact 1 = 19; present: 8 + 8 + 0 (no phone or email) = 16
    assert (found["present"], found["required"]) == (16, 19)
    assert found["missing"] == {"data_items": 1, "open_legal_basis": 1, "contact": 1}


def test_upkeep_across_the_national_day_holiday_and_its_make_up_days():
    # 2025: 10-01..10-08 off; Sunday 09-28 and Saturday 10-11 are make-up working days.
    # Ten working days after Friday 09-26: 09-28, 09-29, 09-30, 10-09, 10-10, 10-11, 10-13,
    # 10-14, 10-15, 10-16 -> due 2025-10-16.
    events = [f.ChangeEvent("transport", D(2025, 9, 26)), f.ChangeEvent("health", D(2025, 9, 26)),
              f.ChangeEvent("water", D(2025, 9, 26)), f.ChangeEvent("police", D(2025, 10, 10))]
    updates = {"transport": [D(2025, 9, 1), D(2025, 10, 16)], "health": [D(2025, 10, 17)]}
    found = f.upkeep(events, updates, window=10, as_of=D(2025, 10, 20))
    assert [e["due"] for e in found][:3] == [D(2025, 10, 16)] * 3
    assert [e["status"] for e in found] == ["on_time", "late", "missed", "pending"]
    assert found[0]["updated"] == D(2025, 10, 16)


def test_request_figures():
    # Submitted Tuesday 09-30, answered Friday 10-10: working days in between are 10-09 and 10-10.
    requests = [
        f.RequestFact("open_application", D(2025, 9, 30), due=D(2025, 10, 16), answered=D(2025, 10, 10)),
        f.RequestFact("open_application", D(2025, 9, 1), due=D(2025, 9, 15), answered=D(2025, 9, 16)),  # late
        f.RequestFact("open_application", D(2025, 10, 1), due=D(2025, 10, 31)),  # open, not yet due
        f.RequestFact("share_application", D(2025, 9, 1), due=D(2025, 9, 8), deemed=True),  # silence
        f.RequestFact("objection", D(2025, 9, 1), due=D(2025, 9, 12), answered=D(2025, 9, 12), escalated=True),
        f.RequestFact("correction", D(2025, 9, 1), due=D(2025, 9, 5)),  # overdue, unanswered
    ]
    got = f.request_figures(requests, as_of=D(2025, 10, 20))
    assert (got["received"], got["answered"], got["on_time"]) == (6, 3, 2)
    # assessed: 3 answered + 2 overdue silent (the deemed share application and the correction)
    assert got["on_time_ratio"] == 2 / 5
    # working days to answer: 2 (09-30 -> 10-10), 11 (09-01 -> 09-16), 9 (09-01 -> 09-12)
    assert got["median_working_days"] == 9
    assert (got["deemed"], got["escalated"]) == (1, 1)
    assert got["by_kind"]["objection"] == {"received": 1, "on_time": 1, "late": 0}
    assert got["by_kind"]["correction"] == {"received": 1, "on_time": 0, "late": 1}


def test_openness():
    pkgs = [{"id": "a", "open_category": "unconditional", "share_category": "unconditional", "format_type": "csv"},
            {"id": "b", "open_category": "on_application", "share_category": "conditional", "format_type": "pdf"},
            {"id": "c", "open_category": "on_application", "share_category": "unconditional", "format_type": "JSON"},
            {"id": "d", "open_category": "not_open", "share_category": "not_shared", "format_type": "jpg"}]
    got = f.openness(pkgs, applied={"b", "x"})
    assert got["by_open_category"] == {"unconditional": 1, "on_application": 2, "not_open": 1}
    assert got["machine_readable_ratio"] == 0.5 and got["open_ratio"] == 0.25
    assert (got["on_application"], got["applied_ratio"]) == (2, 0.5)


def test_score_and_rank():
    assert f.score({"freshness": 1.0, "completeness": 0.5, "upkeep": None, "requests_on_time": 0.8,
                    "openness": 0.25}) == round(100 * (30 * 1 + 20 * 0.5 + 25 * 0.8 + 10 * 0.25) / 85, 1)
    assert f.score({"freshness": None}) is None
    assert f.score({"freshness": 1.0, "openness": 0.0}, {"freshness": 1, "openness": 1}) == 50.0
    assert f.rank({"b": 80.0, "a": 80.0, "c": 95.5, "d": None, "e": 10.0}) == [
        (1, "c", 95.5), (2, "a", 80.0), (2, "b", 80.0), (4, "e", 10.0), (None, "d", None)]


def test_periods_and_weights():
    assert f.period_range("2025") == (D(2025, 1, 1), D(2025, 12, 31))
    assert f.period_range("2025q4") == (D(2025, 10, 1), D(2025, 12, 31))
    assert f.period_range("2024Q1") == (D(2024, 1, 1), D(2024, 3, 31))
    for bad in ("2025Q5", "25", "2025-03", ""):
        with pytest.raises(ValueError):
            f.period_range(bad)
    assert f.parse_weights("freshness=30, openness=10\nupkeep=0") == {"freshness": 30, "openness": 10, "upkeep": 0}
    for bad in ("speed=3", "freshness=-1", "freshness=much"):
        with pytest.raises(ValueError):
            f.parse_weights(bad)


def test_upkeep_figures_count_what_was_due():
    events = [{"status": s} for s in ("on_time", "late", "missed", "pending", "on_time")]
    got = f.upkeep_figures(events, attested=True)
    assert (got["events"], got["on_time"], got["late"], got["missed"], got["pending"]) == (5, 2, 1, 1, 1)
    assert got["ratio"] == 3 / 5  # (2 on time + the review) of (4 due events + the review)
    assert f.upkeep_figures(events, attested=None)["ratio"] == 2 / 4
    assert f.upkeep_figures(events, attested=False)["ratio"] == 2 / 5
    assert f.upkeep_figures([], attested=None)["ratio"] is None
    assert f.upkeep_figures([{"status": "pending"}], attested=None)["ratio"] is None
    assert f.upkeep_figures([], attested=False)["ratio"] == 0


def test_upkeep_window_follows_the_policy():
    assert f.upkeep_window("chaohu") == 10
    assert f.upkeep_window("nanjing") == 15
    assert f.upkeep_window("custom-city") == 10
