"""Catalogue health per department, from real datasets, resources, DataStore loads and requests."""
from __future__ import annotations

import datetime

import pytest

import ckan.model as model
from ckan.logic import NotFound, ValidationError
from ckan.tests import factories, helpers

from ckanext.govopen.model import Request
from tests.scorecard.conftest import ADMIN

pytestmark = pytest.mark.usefixtures("with_plugins", "clean_db", "clean_index")

AS_OF = datetime.date(2025, 7, 1)


def _health(**params):
    found = helpers.call_action("govopen_catalogue_health", as_of=AS_OF.isoformat(), **params)
    return {d["name"]: d for d in found["departments"]}


def test_figures_per_department(world):
    tidy, messy = _health()["tidy"], _health()["messy"]
    assert tidy["entries"] == 3  # the private one is left out
    # fresh: declared 06-20 (monthly); loaded: DataStore load 06-28 within a week although declared
    # in January; gated: quarterly, never updated
    assert tidy["freshness"] == {"fresh": 2, "assessed": 3, "not_assessed": 0, "ratio": 2 / 3}
    assert tidy["stale"] == [world["gated"]["id"]]
    # 8 fields x 3 entries + 2 for the on-application one + the contact = 27; only the legal basis missing
    assert (tidy["completeness"]["present"], tidy["completeness"]["required"]) == (26, 27)
    assert tidy["completeness"]["missing"] == {"open_legal_basis": 1}
    assert tidy["openness"]["on_application"] == 1 and tidy["openness"]["applied_ratio"] == 1.0
    assert tidy["openness"]["machine_readable_ratio"] == 1.0
    assert messy["freshness"]["not_assessed"] == 1 and messy["freshness"]["ratio"] is None
    assert messy["completeness"]["missing"]["contact"] == 1


def test_private_entries_for_the_data_authority_only(world, app):
    assert _health(include_private=True)["tidy"]["entries"] == 4
    stranger = factories.UserWithToken()
    got = app.get("/api/3/action/govopen_catalogue_health", params={"include_private": "true"},
                  headers={"Authorization": stranger["token"]})
    assert got.status_code == 403
    public = app.get("/api/3/action/govopen_catalogue_health", params={"organization": "tidy"})
    assert public.status_code == 200 and public.json["result"]["departments"][0]["entries"] == 3


def test_bad_input(world):
    with pytest.raises(ValidationError) as e:
        helpers.call_action("govopen_catalogue_health", as_of="2025-13-01")
    assert list(e.value.error_dict) == ["as_of"]
    with pytest.raises(ValidationError) as e:
        helpers.call_action("govopen_catalogue_health", include_private="9999-12-31")
    assert list(e.value.error_dict) == ["include_private"]
    with pytest.raises(NotFound):
        helpers.call_action("govopen_catalogue_health", organization="no-such-department")


def _request(world, created, status="submitted", due=None, closed=None):
    user = model.User.get(ADMIN["user"])
    model.Session.add(Request(kind="open_application", status=status, package_id=world["fresh"]["id"],
                              owner_org=world["tidy"]["id"], user_id=user.id, policy="chaohu", created=created,
                              modified=created, due=due, closed=closed))


def test_the_scorecard_of_a_quarter(world, app):
    utc = datetime.datetime
    _request(world, utc(2025, 4, 1, 2), "approved", due=datetime.date(2025, 4, 15), closed=utc(2025, 4, 10, 2))
    _request(world, utc(2025, 5, 6, 2), "submitted", due=datetime.date(2025, 5, 20))  # overdue at 06-30
    _request(world, utc(2025, 4, 1, 2), "withdrawn", due=datetime.date(2025, 4, 15))  # received, not assessed
    _request(world, utc(2025, 6, 30, 17), "submitted", due=datetime.date(2025, 7, 14))  # 07-01 in Beijing: Q3
    model.Session.commit()
    card = helpers.call_action("govopen_scorecard", period="2025q2")
    assert (card["period"], card["start"], card["end"], card["as_of"]) == ("2025Q2", "2025-04-01", "2025-06-30",
                                                                            "2025-06-30")
    tidy, messy = card["departments"]
    assert (tidy["name"], tidy["rank"], messy["name"], messy["rank"]) == ("tidy", 1, "messy", 2)
    # the application on the gated entry was received today: outside the quarter
    assert (tidy["requests"]["received"], tidy["requests"]["answered"], tidy["requests"]["on_time"]) == (3, 1, 1)
    assert tidy["requests"]["on_time_ratio"] == 0.5
    # freshness 3/4 (the private entry is counted for the authority), completeness 34/35, requests 0.5,
    # machine-readable 4/4; upkeep not recorded: left out. (30*.75 + 20*34/35 + 25*.5 + 10*1) / 85
    assert tidy["ratios"] == {"freshness": 0.75, "completeness": 34 / 35, "upkeep": None, "requests_on_time": 0.5,
                              "openness": 1.0}
    assert tidy["score"] == 75.8
    assert messy["ratios"]["requests_on_time"] is None and messy["score"] < tidy["score"]
    stranger = factories.UserWithToken()
    assert app.get("/api/3/action/govopen_scorecard", headers={"Authorization": stranger["token"]}).status_code == 403
    with pytest.raises(ValidationError) as e:
        helpers.call_action("govopen_scorecard", period="2025Q5")
    assert list(e.value.error_dict) == ["period"]


def test_request_figures_counted_in_sql_follow_the_pure_rule(world):
    """request_summary (PostgreSQL) against figures.request_figures (the rule) on the same 400
    requests: every kind and status, answers early, late and never, across the National Day
    holiday and into the next quarter."""
    import random

    from ckanext.govopen.deadlines import sla
    from ckanext.govopen.scorecard import collect, figures

    rng = random.Random(18)
    user = model.User.get(ADMIN["user"])
    statuses = ("submitted", "accepted", "approved", "rejected", "withdrawn", "deemed_approved", "upheld", "dismissed")
    for i in range(400):
        created = datetime.datetime(2025, 9, 1, rng.randrange(24)) + datetime.timedelta(days=rng.randrange(45))
        status = rng.choice(statuses)
        closed = created + datetime.timedelta(days=rng.randrange(25), hours=rng.randrange(24)) \
            if status not in ("submitted", "accepted") and rng.random() < 0.9 else None
        model.Session.add(Request(
            kind=rng.choice(("open_application", "share_application", "objection", "correction")), status=status,
            package_id=world["fresh"]["id"], owner_org=rng.choice((world["tidy"]["id"], world["messy"]["id"])),
            user_id=user.id, policy="chaohu", created=created, modified=created, closed=closed,
            escalated=rng.random() < 0.1, due=(created + datetime.timedelta(days=rng.randrange(5, 20))).date()))
    model.Session.commit()
    ids = [world["tidy"]["id"], world["messy"]["id"]]
    for period, as_of in (("2025Q3", datetime.date(2025, 9, 30)), ("2025Q4", datetime.date(2025, 10, 20)),
                          ("2025", datetime.date(2025, 12, 31))):
        start, end = figures.period_range(period)
        facts = collect.request_facts(start, end, ids)
        expected = {org: figures.request_figures(facts[org], as_of, sla.calendar()) for org in ids}
        got = collect.request_summary(start, end, as_of, ids)
        assert got == expected, period
        assert sum(d["received"] for d in got.values()) > 0
