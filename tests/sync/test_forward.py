"""Applications forwarded between tiers, in-process on the real database: the origin files a
forwarded share request, grants it to the portal that forwarded it, and delivers a granted
resource only for that request's live grant; the upper portal shows a forward to the applicant
and the requesting department. Between real portals, with signed calls: tests/live/test_cascade.py."""
from __future__ import annotations

import datetime
import uuid

import pytest

import ckan.model as model
import ckan.plugins.toolkit as tk

from ckanext.govopen.model import Forward, Grant, Request, RequestEvent, utcnow
from ckanext.govopen.requests import store as request_store
from ckanext.govopen.requests import sweep
from ckanext.govopen.sync import forward
from tests.requests_support import ID_NUMBER, call

pytestmark = pytest.mark.usefixtures("with_plugins")
PROVINCE = "http://province.example.gov.cn"
TODAY = request_store.today()


@pytest.fixture(autouse=True)
def _today():
    """TODAY as the test starts, in Beijing: the module is imported minutes before its tests run,
    and a run that crosses Beijing's midnight (16:00 UTC) would compare yesterday with today."""
    global TODAY
    TODAY = request_store.today()


def forwarded_share(p, forward_id: str = "fwd-1", portal: str = PROVINCE) -> dict:
    """A share request as the origin files it for PORTAL (sync.forward.accept)."""
    return forward.accept(portal, {"forward_id": forward_id, "kind": "share_application", "dataset_id": p["ds"]["id"],
                                   "applicant": {"applicant_type": "department", "applicant_name": "省卫生健康委",
                                                 "purpose": "疫情研判", "scenario": "公共卫生监测",
                                                 "usage_type": "public_interest", "security_measures": "专区存储",
                                                 "requested_until": (TODAY + datetime.timedelta(days=60)).isoformat()}})


def grant_of(request_id: str) -> Grant:
    model.Session.expire_all()
    return model.Session.query(Grant).filter_by(request_id=request_id).one()


def test_a_forwarded_share_request_is_granted_to_its_portal_and_delivered_for_that_grant_only(portal):
    state = forwarded_share(portal)
    req = model.Session.get(Request, state["id"])
    assert (req.kind, req.status, req.applicant_org) == ("share_application", "submitted", None)
    assert req.applicant["forwarded_from"] == {"portal": PROVINCE, "id": "fwd-1"}
    assert forwarded_share(portal)["id"] == state["id"]  # sent again: the same request

    call("govopen_request_decide", portal["editor"], id=state["id"], decision="approve",
         resource_ids=[portal["r1"]["id"]], expires=(TODAY + datetime.timedelta(days=30)).isoformat())
    grant = grant_of(state["id"])
    proxy = model.Session.get(Request, state["id"]).user_id
    assert (grant.holder_type, grant.holder_id) == ("user", proxy)
    [told] = forward.states(PROVINCE, ["fwd-1"])
    assert told["decision"]["resources"] == [{"id": portal["r1"]["id"], "name": "2025", "format": "CSV"}]  # CKAN guesses the format
    assert told["decision"]["revoked"] is None

    closed = model.Session.get(Request, state["id"]).closed
    assert forward.resource(PROVINCE, "fwd-1", portal["r1"]["id"]) == {"url": portal["r1"]["url"]}
    model.Session.expire_all()
    row = model.Session.get(Request, state["id"])
    assert (row.status, row.closed) == ("approved", closed)  # a delivery is an event, not a transition
    assert model.Session.query(RequestEvent).filter_by(request_id=row.id, action="deliver").count() == 1

    for portal_url, forward_id, resource in ((PROVINCE, "fwd-1", portal["r2"]),  # not granted
                                             ("http://nation.example.gov.cn", "fwd-1", portal["r1"]),  # not its request
                                             (PROVINCE, "fwd-2", portal["r1"])):  # no such forward
        with pytest.raises(tk.ObjectNotFound):
            forward.resource(portal_url, forward_id, resource["id"])

    call("govopen_grant_revoke", portal["editor"], id=grant.id, reason="不再需要")
    with pytest.raises(tk.ObjectNotFound):
        forward.resource(PROVINCE, "fwd-1", portal["r1"]["id"])
    assert forward.states(PROVINCE, ["fwd-1"])[0]["decision"]["revoked"]


def test_a_silent_forwarded_share_request_is_deemed_approved_for_its_portal(portal):
    state = forwarded_share(portal)
    model.Session.get(Request, state["id"]).due = TODAY - datetime.timedelta(days=1)
    model.Session.commit()
    assert sweep.run()["deemed_approved"] == 1
    grant = grant_of(state["id"])
    assert (grant.holder_type, grant.holder_id) == ("user", model.Session.get(Request, state["id"]).user_id)
    assert forward.resource(PROVINCE, "fwd-1", portal["r1"]["id"]) == {"url": portal["r1"]["url"]}


def a_forward(p, kind: str = "share_application", **remote) -> Forward:
    fwd = Forward(id=str(uuid.uuid4()), kind=kind, user_id=p["official"]["id"], package_id=p["ds"]["id"],
                  origin_portal="http://city.example.gov.cn", origin_dataset_id=str(uuid.uuid4()),
                  applicant={"applicant_type": "person", "id_number": ID_NUMBER, "applicant_org": p["other"]["id"]}
                  if kind == "share_application" else {"applicant_type": "person", "id_number": ID_NUMBER},
                  state="answered", attempts=1, remote_status=remote.pop("status", "approved"),
                  remote_decision=remote, remote_events=[], created=utcnow(), modified=utcnow())
    model.Session.add(fwd)
    model.Session.commit()
    return fwd


def user(name: str) -> model.User:
    return model.User.get(name)


def test_who_follows_a_forward_and_what_it_still_grants(portal):
    later = (TODAY + datetime.timedelta(days=5)).isoformat()
    resources = [{"id": "r-1", "name": "2025", "format": "CSV"}]
    share = a_forward(portal, expires=later, resources=resources)
    # The applicant and every member of the requesting department; not the provider's staff.
    assert forward.may_follow(share, user("official")) and forward.may_follow(share, user("colleague"))
    assert not forward.may_follow(share, user("editor")) and not forward.may_follow(share, None)
    assert forward.granted(share) == resources
    opened = a_forward(portal, "open_application", expires=later, resources=resources)
    assert forward.may_follow(opened, user("official")) and not forward.may_follow(opened, user("colleague"))
    for ended in ({"expires": (TODAY - datetime.timedelta(days=1)).isoformat(), "resources": resources},
                  {"expires": later, "resources": resources, "revoked": "2026-12-01T00:00:00"},
                  {"expires": later, "resources": resources, "status": "rejected"}):
        assert forward.granted(a_forward(portal, **ended)) == []

    shown = call("govopen_forward_show", portal["colleague"], id=share.id)
    assert shown["granted"] == resources and shown["id_number"] != ID_NUMBER  # masked for all but the applicant
    assert call("govopen_forward_show", portal["official"], id=share.id)["id_number"] == ID_NUMBER
    with pytest.raises(tk.ObjectNotFound):
        call("govopen_forward_show", portal["citizen"], id=share.id)
    # The department's share requests are in a member's list; the applicant's own application is not.
    listed = {f["id"] for f in call("govopen_forward_list", portal["colleague"])["results"]}
    assert share.id in listed and opened.id not in listed
    assert listed == {f.id for f in model.Session.query(Forward).filter_by(kind="share_application")}


def test_a_forward_for_a_copy_held_here_is_refused_not_relayed(portal):
    from ckan.tests import helpers

    copy = model.Session.get(model.Package, portal["ds"]["id"])
    copy.extras = {**(copy.extras or {}), "origin_dataset_id": str(uuid.uuid4()),
                   "origin_portal": "http://city.example.gov.cn"}
    model.Session.commit()
    with pytest.raises(tk.ValidationError) as refused:
        forwarded_share(portal)
    assert "dataset_id" in refused.value.error_dict
    assert model.Session.query(Forward).count() == 0 and model.Session.query(Request).count() == 0
    assert helpers.call_action("package_show", id=portal["ds"]["id"])["id"]  # nothing else touched
