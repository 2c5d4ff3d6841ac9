"""The front door's pure figures and theme rules."""
from ckanext.govopen.portal import figures, theme


def test_shares_have_one_decimal_and_none_of_nothing():
    assert figures.share(1, 3) == 33.3 and figures.share(2, 3) == 66.7
    assert figures.share(0, 0) is None and figures.share(5, 5) == 100.0


def test_openness_lists_every_category_in_order_with_its_share():
    got = figures.openness(8, {"unconditional": 5, "not_open": 1}, {"conditional": 8}, 4)
    assert [(r["category"], r["count"], r["share"]) for r in got["open"]] == [
        ("unconditional", 5, 62.5), ("on_application", 0, 0.0), ("not_open", 1, 12.5)]
    assert [r["count"] for r in got["share"]] == [0, 8, 0]
    assert got["machine_readable"] == {"count": 4, "share": 50.0} and got["total"] == 8
    empty = figures.openness(0, {}, {}, 0)
    assert {r["share"] for r in empty["open"]} == {None} and empty["machine_readable"]["share"] is None


def test_a_years_requests_give_the_on_time_share_of_the_answered_and_refusals_most_cited_first():
    got = figures.request_year(2026, {"received": 10, "answered": 8, "on_time": 6, "granted": 5, "refused": 3},
                               [("第十七条", 1), ("第十九条", 2), ("第十六条", 1)])
    assert got["on_time_share"] == 75.0 and got["withdrawn"] == 0 and got["open"] == 0
    assert [r["basis"] for r in got["refused_by_basis"]] == ["第十九条", "第十七条", "第十六条"]  # ties: by text
    assert figures.request_year(2026, {}, [])["on_time_share"] is None


def test_up_to_date_means_within_the_declared_period():
    import datetime

    since = figures.fresh_since(datetime.date(2026, 3, 1))
    assert since["monthly"] == datetime.date(2026, 1, 29) and since["annual"] == datetime.date(2025, 2, 28)
    assert "other" not in since  # cannot be judged: never counted as up to date
    assert figures.openness(4, {}, {}, 0, 1)["up_to_date"] == {"count": 1, "share": 25.0}


def test_only_hex_colours_reach_a_style_sheet():
    assert theme.colour("#B3261E") == "#b3261e" and theme.colour(" #abc ") == "#abc"
    for bad in ("red", "#12", "#1234567", "#abc; } body { display:none", "", None, "url(x)", "#gggggg"):
        assert theme.colour(bad) is None
