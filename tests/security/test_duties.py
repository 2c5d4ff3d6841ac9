"""Separation of duties (auditor, security administrator, system administrator), what the audit
log records beyond logins (identifiers shown, grants, sysadmins' writes), lifting a lockout, and
logins while Redis is unreachable."""
from __future__ import annotations

import pytest
import redis

import ckan.model as model
from ckan.lib.redis import connect_to_redis
from ckan.logic import NotAuthorized, ValidationError
from ckan.tests import factories, helpers

from ckanext.govopen.model import SecurityEvent
from ckanext.govopen.security import duties
from ckanext.govopen.security import login as login_throttle
from ckanext.govopen.security import throttle
from tests.requests_support import ID_NUMBER, application, approve, call
from tests.security.test_login import PASSWORD, _login

pytestmark = pytest.mark.usefixtures("with_plugins", "clean_db")


@pytest.fixture(autouse=True)
def no_login_counters():
    def clear():
        for key in connect_to_redis().scan_iter("govopen:login:*"):
            connect_to_redis().delete(key)
    clear()
    yield
    clear()


def _events(kind: str) -> list[SecurityEvent]:
    return model.Session.query(SecurityEvent).filter(SecurityEvent.kind == kind).order_by(SecurityEvent.id).all()


# --- pure -----------------------------------------------------------------------------------

def test_duty_rules():
    assert duties.names(" li, wang  zhao,") == {"li", "wang", "zhao"} and duties.names(None) == frozenset()
    assert duties.holds(frozenset(), "admin", True) and not duties.holds(frozenset(), "li", False)
    assert duties.holds(frozenset({"li"}), "li", False)
    assert not duties.holds(frozenset({"li"}), "admin", True)  # named: sysadmins no longer hold it
    assert not duties.holds(frozenset({"li"}), "li", True)  # one person, one duty
    assert not duties.holds(frozenset({"li"}), None, False)
    assert duties.overlap_problem(frozenset({"li"}), frozenset({"wang"})) is None
    assert "li" in duties.overlap_problem(frozenset({"li", "x"}), frozenset({"li"}))


def test_address_counters_name_their_address():
    for address in ("10.0.0.8", "2001:db8::7", ""):
        assert throttle.address_of(throttle.address_key(address)) == (address or "unknown")
    assert throttle.address_of(throttle.account_key("li")) is None


def test_mixed_duties_refuse_to_start():
    import ckan.plugins.toolkit as tk

    from ckanext.govopen.plugin import GovopenPlugin

    with pytest.raises(RuntimeError, match="must be different people"):
        GovopenPlugin().update_config({"ckan.plugins": "activity govopen",
                                       "ckanext.govopen.identifier_keys": tk.config["ckanext.govopen.identifier_keys"],
                                       duties.AUDITORS: "li", duties.ADMINISTRATORS: "wang li"})


# --- the portal -----------------------------------------------------------------------------

@pytest.mark.ckan_config("ckanext.govopen.security.auditors", "shenji")
@pytest.mark.ckan_config("ckanext.govopen.security.administrators", "anquan")
def test_named_duties_replace_the_sysadmins(app):
    admin = factories.Sysadmin()
    auditor, security = factories.User(name="shenji"), factories.User(name="anquan")
    token = {u["name"]: {"Authorization": factories.APIToken(user=u["name"])["token"]} for u in (admin, auditor, security)}
    as_ = lambda u: {"user": u["name"], "ignore_auth": False}  # noqa: E731
    assert helpers.call_action("govopen_security_event_list", context=as_(auditor))["count"] >= 0
    for outsider in (admin, security):
        with pytest.raises(NotAuthorized):
            helpers.call_action("govopen_security_event_list", context=as_(outsider))
    current = helpers.call_action("govopen_security_settings", context=as_(security))
    assert current["auditors"] == ["shenji"] and current["administrators"] == ["anquan"]
    assert admin["name"] in current["sysadmins"] and current["identifier_keys"] == 1
    assert current["settings"]["login_failures_per_account"] == 5
    for outsider in (admin, auditor):
        with pytest.raises(NotAuthorized):
            helpers.call_action("govopen_security_settings", context=as_(outsider))
        with pytest.raises(NotAuthorized):
            helpers.call_action("govopen_login_unlock", context=as_(outsider), login=admin["name"])
    # the pages follow the actions
    assert app.get("/ckan-admin/security-events/", headers=token[auditor["name"]]).status_code == 200
    assert app.get("/ckan-admin/security-events/", headers=token[admin["name"]]).status_code == 403
    assert app.get("/ckan-admin/security/", headers=token[security["name"]]).status_code == 200
    assert app.get("/ckan-admin/security/", headers=token[admin["name"]]).status_code == 403
    assert app.get("/ckan-admin/security/", headers=token[auditor["name"]]).status_code == 403


def test_unlocking_a_locked_account(app):
    admin, user = factories.Sysadmin(), factories.User(password=PASSWORD)
    for _attempt in range(5):
        _login(app, user["name"], "wrong")
    assert _login(app, user["name"], PASSWORD).status_code == 429
    with pytest.raises(ValidationError) as e:
        helpers.call_action("govopen_login_unlock", context={"user": admin["name"]})
    assert list(e.value.error_dict) == ["login"]
    with pytest.raises(ValidationError):
        helpers.call_action("govopen_login_unlock", context={"user": admin["name"]}, login="no-such-user")
    done = helpers.call_action("govopen_login_unlock", context={"user": admin["name"]}, login=user["name"])
    assert done["cleared"] == 1
    assert _login(app, user["name"], PASSWORD).status_code == 302
    unlocked = _events("login_unlocked")
    assert [(e.user_id, e.subject) for e in unlocked] == [(admin["id"], user["id"])]


def test_the_settings_page_lifts_a_lockout(app):
    admin, user = factories.Sysadmin(password=PASSWORD), factories.User(password=PASSWORD)
    for _attempt in range(5):
        _login(app, user["name"], "wrong")
    connect_to_redis().set(throttle.address_key("2001:db8::7"), 20, ex=600)  # an address locked too (IPv6)
    assert _login(app, admin["name"], PASSWORD).status_code == 302
    page = app.get("/ckan-admin/security/").get_data(as_text=True)
    assert "ckanext.govopen.security.login_window" in page and "900" in page
    assert "被锁定的账号：1 个" in page and "<code>2001:db8::7</code>" in page
    import re

    token = re.search(r'name="_csrf_token" value="([^"]+)"', page).group(1)
    bad = app.post("/ckan-admin/security/", data={"login": "", "address": "", "_csrf_token": token})
    assert bad.status_code == 400 and 'id="error-login"' in bad.get_data(as_text=True)
    done = app.post("/ckan-admin/security/", data={"login": user["name"], "_csrf_token": token}, follow_redirects=False)
    assert done.status_code == 302
    assert [e.subject for e in _events("login_unlocked")] == [user["id"]]
    # the sysadmin's writes are in the log: the path and status, never the form
    writes = _events("sysadmin_action")
    assert [(w.details["path"], w.details["status"]) for w in writes][-2:] == [("/ckan-admin/security/", 400),
                                                                            ("/ckan-admin/security/", 302)]
    assert all(user["name"] not in str(w.details) for w in writes)


def test_sysadmin_api_writes_are_recorded_and_reads_are_not(app):
    admin = factories.Sysadmin()
    token = {"Authorization": factories.APIToken(user=admin["name"])["token"]}
    app.post("/api/3/action/package_search", json={"q": "x"}, headers=token)
    app.post("/api/3/action/organization_create", json={"name": "audit-org", "title": "审计"}, headers=token)  # refused: 409
    ordinary = factories.User()
    app.post("/api/3/action/organization_create", json={"name": "not-me"},
             headers={"Authorization": factories.APIToken(user=ordinary["name"])["token"]})
    writes = [(w.user_id, w.details["action"], w.details["status"]) for w in _events("sysadmin_action")]
    assert writes == [(admin["id"], "organization_create", 409)]  # attempts count, refused ones too


def test_identifiers_shown_to_deciders_and_grants_are_recorded(portal):
    p = portal
    req = call("govopen_request_create", p["citizen"], **application(p))
    call("govopen_request_show", p["citizen"], id=req["id"])  # the applicant: not recorded
    call("govopen_request_show", p["plain"], id=req["id"])  # masked: not recorded
    assert _events("identifier_viewed") == []
    shown = call("govopen_request_show", p["editor"], id=req["id"])
    assert shown["id_number"] == ID_NUMBER
    call("govopen_request_list", p["editor"])
    viewed = _events("identifier_viewed")
    assert [(e.user_id, e.subject, e.details["requests"]) for e in viewed] == [
        (p["editor"]["id"], req["id"], [shown["number"]]), (p["editor"]["id"], None, [shown["number"]])]
    assert all(ID_NUMBER not in str(e.details) for e in viewed)
    decided = approve(p, req)
    grant_id = decided["decision"]["grant_id"]
    created = _events("grant_created")
    assert [(e.user_id, e.subject, e.details["grant_id"]) for e in created] == [(p["editor"]["id"], p["citizen"]["id"], grant_id)]
    call("govopen_grant_revoke", p["editor"], id=grant_id, reason="用途不符")
    assert [e.details["grant_id"] for e in _events("grant_revoked")] == [grant_id]


def test_logins_are_refused_clearly_while_redis_is_down(app, monkeypatch):
    user = factories.User(password=PASSWORD)
    unreachable = redis.Redis(host="127.0.0.1", port=1, socket_connect_timeout=0.5)
    monkeypatch.setattr(login_throttle, "connect_to_redis", lambda: unreachable)
    res = _login(app, user["name"], PASSWORD)
    assert res.status_code == 503 and "请几分钟后再试" in res.get_data(as_text=True)
    assert [e.details["by"] for e in _events("login_refused")] == ["counters_unavailable"]
    assert _events("login") == []
    # the failure handler and the unlock answer without a 500 too
    login_throttle.failed(user["name"])
    assert _events("login_failed")[-1].details == {"uncounted": True}
    admin = factories.Sysadmin()
    with pytest.raises(ValidationError):
        helpers.call_action("govopen_login_unlock", context={"user": admin["name"]}, login=user["name"])
    assert helpers.call_action("govopen_security_settings", context={"user": admin["name"]})["locked"] is None


def test_the_request_page_tells_a_decider_the_view_is_recorded(app, portal):
    p = portal
    req = call("govopen_request_create", p["citizen"], **application(p))
    notice = "每次查看都会记入安全审计日志"
    for who, shown in (("editor", True), ("citizen", False), ("plain", False)):
        token = {"Authorization": factories.APIToken(user=p[who]["name"])["token"]}
        body = app.get(f"/requests/{req['id']}", headers=token).get_data(as_text=True)
        assert (notice in body) is shown, who
        assert (ID_NUMBER in body) is (who != "plain"), who
    assert [e.user_id for e in _events("identifier_viewed")] == [p["editor"]["id"]]
