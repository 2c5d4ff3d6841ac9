"""Catalogue upkeep (change events, yearly reviews), usage and frozen snapshots in the scorecard,
from real datasets and their activity."""
from __future__ import annotations

import datetime

import pytest

import ckan.model as model
from ckan.logic import NotAuthorized, NotFound, ValidationError
from ckan.tests import factories, helpers
from ckanext.activity.model import Activity

from ckanext.govopen.model import Attestation, ChangeEvent, ScorecardSnapshot, UsageDay
from ckanext.govopen.requests import store
from tests.scorecard.conftest import ADMIN

pytestmark = pytest.mark.usefixtures("with_plugins", "clean_db", "clean_index")

D = datetime.date


def _updated_on(package_id, when):
    """An edit of the entry, dated WHEN (naive UTC), as the activity plugin records it."""
    helpers.call_action("package_patch", context=dict(ADMIN), id=package_id, notes=f"更新于 {when}")
    activity = (model.Session.query(Activity).filter(Activity.object_id == package_id)
                .order_by(Activity.timestamp.desc()).first())
    activity.timestamp = when
    model.Session.commit()


def _card(period, **params):
    found = helpers.call_action("govopen_scorecard", period=period, **params)
    return {d["name"]: d for d in found["departments"]}


def test_change_events_answered_across_the_national_day(world):
    # 10 working days after Friday 2025-09-26, with the holiday and its make-up days: due 10-16.
    tidy_event = helpers.call_action("govopen_change_event_create", context=dict(ADMIN), organization="tidy",
                                     happened="2025-09-26", reason="《条例》修订，职能调整")
    helpers.call_action("govopen_change_event_create", context=dict(ADMIN), organization=world["messy"]["id"],
                        happened="2025-09-26", reason="机构改革")
    _updated_on(world["fresh"]["id"], datetime.datetime(2025, 10, 16, 15, 30))  # 23:30 on 10-16 in Beijing
    # assessed in the period its due date falls in: Q4, not Q3
    card = _card("2025Q3")
    assert card["tidy"]["upkeep"]["events"] == 0 and card["tidy"]["ratios"]["upkeep"] is None
    card = _card("2025Q4")
    tidy, messy = card["tidy"]["upkeep"], card["messy"]["upkeep"]
    assert [(c["status"], c["due"], c["updated"]) for c in tidy["changes"]] == [("on_time", "2025-10-16", "2025-10-16")]
    assert tidy["changes"][0]["id"] == tidy_event["id"]
    assert (tidy["ratio"], messy["ratio"], messy["changes"][0]["status"]) == (1.0, 0.0, "missed")
    assert tidy["attested"] is None  # a quarter does not count the yearly review
    listed = helpers.call_action("govopen_change_event_list", context=dict(ADMIN), organization="tidy")
    assert listed["count"] == 1 and listed["results"][0]["status"] == "on_time"
    assert listed["results"][0]["due"] == "2025-10-16"


def test_an_update_a_day_late_is_late(world):
    helpers.call_action("govopen_change_event_create", context=dict(ADMIN), organization="tidy",
                        happened="2025-09-26", reason="职能调整")
    _updated_on(world["fresh"]["id"], datetime.datetime(2025, 10, 16, 16, 30))  # 00:30 on 10-17 in Beijing
    tidy = _card("2025Q4")["tidy"]["upkeep"]
    assert tidy["changes"][0]["status"] == "late" and tidy["ratio"] == 0.0


def test_the_yearly_review_counts_in_a_closed_year(world):
    model.Session.add(Attestation(owner_org=world["tidy"]["id"], year=2025, attested=D(2025, 12, 20),
                                  statement="全面复核", created_by="x"))
    model.Session.commit()
    card = _card("2025")
    assert (card["tidy"]["upkeep"]["attested"], card["tidy"]["upkeep"]["ratio"]) == (True, 1.0)
    assert (card["messy"]["upkeep"]["attested"], card["messy"]["upkeep"]["ratio"]) == (False, 0.0)
    # the running year: not yet due for anyone who has not attested
    this_year = str(store.today().year)
    assert _card(this_year)["messy"]["upkeep"]["attested"] is None


def test_attestation_by_the_departments_admins(world):
    admin, editor = factories.User(), factories.User()
    for user, capacity in ((admin, "admin"), (editor, "editor")):
        helpers.call_action("organization_member_create", context=dict(ADMIN), id="tidy", username=user["name"],
                            role=capacity)
    with pytest.raises(NotAuthorized):
        helpers.call_action("govopen_attestation_create", context={"user": editor["name"], "ignore_auth": False},
                            organization="tidy")
    got = helpers.call_action("govopen_attestation_create", context={"user": admin["name"], "ignore_auth": False},
                              organization="tidy", statement="已复核全部 3 条目录")
    assert (got["year"], got["attested"]) == (store.today().year, store.today().isoformat())
    again = helpers.call_action("govopen_attestation_create", context={"user": admin["name"], "ignore_auth": False},
                                organization="tidy", statement="更正")
    assert again["statement"] == "更正" and model.Session.query(Attestation).count() == 1
    with pytest.raises(ValidationError) as e:
        helpers.call_action("govopen_attestation_create", context={"user": admin["name"], "ignore_auth": False},
                            organization="tidy", year=store.today().year + 1)
    assert list(e.value.error_dict) == ["year"]


def test_who_registers_and_sees_change_events(world):
    member, stranger = factories.User(), factories.User()
    helpers.call_action("organization_member_create", context=dict(ADMIN), id="messy", username=member["name"],
                        role="member")
    as_member = {"user": member["name"], "ignore_auth": False}
    with pytest.raises(NotAuthorized):
        helpers.call_action("govopen_change_event_create", context=dict(as_member), organization="messy",
                            happened="2025-09-26", reason="x")
    event = helpers.call_action("govopen_change_event_create", context=dict(ADMIN), organization="messy",
                                happened="2025-09-26", reason="机构改革")
    assert helpers.call_action("govopen_change_event_list", context=dict(as_member), organization="messy")["count"] == 1
    for context, params in ((as_member, {"organization": "tidy"}), (as_member, {}),
                            ({"user": stranger["name"], "ignore_auth": False}, {"organization": "messy"})):
        with pytest.raises(NotAuthorized):
            helpers.call_action("govopen_change_event_list", context=dict(context), **params)
    helpers.call_action("govopen_change_event_delete", context=dict(ADMIN), id=event["id"])
    assert model.Session.query(ChangeEvent).count() == 0
    with pytest.raises(NotFound):
        helpers.call_action("govopen_change_event_delete", context=dict(ADMIN), id=event["id"])


def test_change_event_errors_name_their_fields(world):
    with pytest.raises(ValidationError) as e:
        helpers.call_action("govopen_change_event_create", context=dict(ADMIN), organization="nobody",
                            happened=(store.today() + datetime.timedelta(days=1)).isoformat(), reason="  ")
    assert set(e.value.error_dict) == {"organization", "happened", "reason"}
    with pytest.raises(ValidationError) as e:
        helpers.call_action("govopen_change_event_create", context=dict(ADMIN), organization="tidy",
                            happened="2025-02-30", reason="x" * 2001)
    assert set(e.value.error_dict) == {"happened", "reason"}
    assert model.Session.query(ChangeEvent).count() == 0


def test_usage_of_the_period(world):
    fresh = world["fresh"]["id"]
    model.Session.add_all([UsageDay(day=D(2025, 8, 1), package_id=fresh, kind="view", count=40),
                           UsageDay(day=D(2025, 9, 30), package_id=fresh, kind="download", count=7),
                           UsageDay(day=D(2025, 10, 1), package_id=fresh, kind="api", count=100)])
    model.Session.commit()
    assert _card("2025Q3")["tidy"]["usage"] == {"view": 40, "download": 7, "api": 0}
    assert _card("2025")["tidy"]["usage"] == {"view": 40, "download": 7, "api": 100}


def test_a_closed_period_is_frozen(world):
    first = helpers.call_action("govopen_scorecard", period="2025Q3")
    assert first["frozen"] and model.Session.query(ScorecardSnapshot).count() == 1
    helpers.call_action("govopen_change_event_create", context=dict(ADMIN), organization="tidy",
                        happened="2025-08-01", reason="后来登记")
    helpers.call_action("package_patch", context=dict(ADMIN), id=world["gated"]["id"], open_legal_basis="《办法》第十七条")
    again = helpers.call_action("govopen_scorecard", period="2025Q3")
    assert again == first
    assert helpers.call_action("govopen_scorecard", period="2025Q3", organization="messy")["departments"][0]["name"] == "messy"
    running = helpers.call_action("govopen_scorecard", period=str(store.today().year))
    assert running["frozen"] is None and model.Session.query(ScorecardSnapshot).count() == 1


def test_cli_freezes_and_exports(world, cli, tmp_path):
    from ckan.cli.cli import ckan

    result = cli.invoke(ckan, ["govopen", "scorecard", "freeze", "2025Q3"])
    assert result.exit_code == 0, result.output
    assert "2025Q3: 2 departments" in result.output
    frozen = model.Session.get(ScorecardSnapshot, "2025Q3").frozen
    assert cli.invoke(ckan, ["govopen", "scorecard", "freeze", "2025Q3"]).exit_code == 0
    model.Session.expire_all()
    assert model.Session.get(ScorecardSnapshot, "2025Q3").frozen == frozen  # kept without --replace
    assert cli.invoke(ckan, ["govopen", "scorecard", "freeze", "2025Q3", "--replace"]).exit_code == 0
    model.Session.expire_all()
    assert model.Session.get(ScorecardSnapshot, "2025Q3").frozen > frozen
    running = cli.invoke(ckan, ["govopen", "scorecard", "freeze", str(store.today().year)])
    assert running.exit_code != 0 and "closed" in running.output
    path = tmp_path / "card.csv"
    assert cli.invoke(ckan, ["govopen", "scorecard", "export", "2025Q3", str(path)]).exit_code == 0
    assert "整洁局" in path.read_text("utf-8-sig")
