"""The public part of the scorecard (what the tiers above read) and the tiers page's handling
of portals it cannot read. Reading a real portal below is tested live (tests/live/test_sync.py)."""
from __future__ import annotations

import json

import pytest

import ckan.model as model
from ckan.logic import ValidationError
from ckan.tests import factories, helpers

from ckanext.govopen.model import Request
from ckanext.govopen.requests import store
from ckanext.govopen.sync import runner
from tests.scorecard.conftest import ADMIN

pytestmark = pytest.mark.usefixtures("with_plugins", "clean_db", "clean_index")


def test_public_figures_hold_counts_only(app, world):
    applicant = model.User.get(ADMIN["user"])
    got = app.get("/api/3/action/govopen_scorecard_public", params={"period": str(store.today().year)})
    assert got.status_code == 200
    found = got.json["result"]
    tidy = next(d for d in found["departments"] if d["name"] == "tidy")
    assert tidy["entries"] == 3  # the private entry is not counted
    assert tidy["department_code"] == world["tidy"]["department_code"]
    assert set(tidy["ratios"]) == {"freshness", "completeness", "upkeep", "requests_on_time", "openness"}
    received = model.Session.query(Request).filter(Request.owner_org == world["tidy"]["id"]).count()
    assert tidy["requests"]["received"] == received == 1  # the fixture's application, made today
    text = json.dumps(found, ensure_ascii=False)
    for secret in (applicant.id, applicant.name, world["gated"]["id"], "hidden", world["fresh"]["id"]):
        assert secret not in text
    with pytest.raises(ValidationError):
        helpers.call_action("govopen_scorecard_public", period="last year")


def test_portals_below_that_cannot_be_read_are_named(app, world):
    assert helpers.call_action("govopen_scorecard_tiers", period="2025")["portals"] == []
    runner.add_source("gone", "http://127.0.0.1:9", {"target": "open_portal"}, title="已关闭的市级平台", organization="tidy")
    runner.add_source("pusher", "http://127.0.0.1:8", {"target": "open_portal", "push": True}, title="报送的县级平台", organization="tidy")
    portals = {p["source"]: p for p in helpers.call_action("govopen_scorecard_tiers", period="2025")["portals"]}
    assert portals["gone"]["departments"] == [] and "govopen_scorecard_public failed" in portals["gone"]["error"]
    assert portals["pusher"]["error"] and portals["pusher"]["departments"] == []
    token = {"Authorization": factories.APIToken(user=ADMIN["user"])["token"]}
    body = app.get("/scorecard/tiers?period=2025", headers=token).get_data(as_text=True)
    assert "已关闭的市级平台" in body and "报送的县级平台" in body
