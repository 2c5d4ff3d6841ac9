"""Login throttling, the security audit log and the security headers, over HTTP in CKAN's test
app against the real database and Redis."""
from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

import ckan.model as model
from ckan.lib.redis import connect_to_redis
from ckan.logic import NotAuthorized, ValidationError
from ckan.tests import factories, helpers

from ckanext.govopen.model import SecurityEvent
from tests.requests_support import _code

pytestmark = pytest.mark.usefixtures("with_plugins", "clean_db")

PASSWORD = "Correct-Horse-2026"


@pytest.fixture(autouse=True)
def no_login_counters():
    def clear():
        redis = connect_to_redis()
        for key in redis.scan_iter("govopen:login:*"):
            redis.delete(key)
    clear()
    yield
    clear()


def _login(app, login: str, password: str):
    body = app.get("/user/login").get_data(as_text=True)
    token = re.search(r'<meta name="_csrf_token" content="([^"]+)"', body).group(1)
    return app.post("/user/login", data={"login": login, "password": password, "_csrf_token": token},
                    follow_redirects=False)


def _events(kind: str) -> list[SecurityEvent]:
    return model.Session.query(SecurityEvent).filter(SecurityEvent.kind == kind).order_by(SecurityEvent.id).all()


def test_an_account_is_locked_after_five_failures(app):
    user = factories.User(password=PASSWORD, email="wang@example.gov.cn")
    for attempt in range(5):
        res = _login(app, user["name"] if attempt % 2 else "wang@example.gov.cn", "wrong")  # name or e-mail: one count
        assert res.status_code == 200
    refused = _login(app, user["name"], PASSWORD)  # the right password, too late
    body = refused.get_data(as_text=True)
    assert refused.status_code == 429 and "分钟后再试" in body
    assert [e.subject for e in _events("login_failed")] == [user["id"]] * 5
    assert [(e.subject, e.details["by"]) for e in _events("lockout")] == [(user["id"], "account")]
    assert len(_events("login_refused")) == 1 and _events("login") == []
    # another account from the same address may still log in
    other = factories.User(password=PASSWORD)
    assert _login(app, other["name"], PASSWORD).status_code == 302
    assert [e.user_id for e in _events("login")] == [other["id"]]


def test_a_success_clears_the_accounts_count(app):
    user = factories.User(password=PASSWORD)
    for _ in range(4):
        assert _login(app, user["name"], "wrong").status_code == 200
    assert _login(app, user["name"], PASSWORD).status_code == 302
    app.get("/user/_logout")
    for _ in range(4):
        assert _login(app, user["name"], "wrong").status_code == 200
    assert _login(app, user["name"], PASSWORD).status_code == 302


@pytest.mark.ckan_config("ckanext.govopen.security.login_failures_per_address", "3")
def test_an_address_trying_many_accounts_is_locked(app):
    for n in range(3):
        assert _login(app, f"nobody-{n}", "guess").status_code == 200
    user = factories.User(password=PASSWORD)
    res = _login(app, user["name"], PASSWORD)
    assert res.status_code == 429 and "地址" in res.get_data(as_text=True)
    failed = _events("login_failed")
    # unknown accounts are recorded by a hash of what was typed, never the text
    assert all(e.subject.startswith("login:") and "nobody" not in e.subject for e in failed)
    assert _events("lockout")[0].details["by"] == "address"


def test_the_log_is_append_only():
    factories.User()
    helpers.call_action("api_token_create", context={"user": factories.Sysadmin()["name"]},
                        user=model.Session.query(model.User).first().name, name="t")
    with pytest.raises(sa.exc.DBAPIError):
        model.Session.execute(sa.text("UPDATE govopen_security_event SET kind = 'x'"))
    model.Session.rollback()
    with pytest.raises(sa.exc.DBAPIError):
        model.Session.execute(sa.text("DELETE FROM govopen_security_event"))
    model.Session.rollback()
    assert model.Session.query(SecurityEvent).count() == 1


def test_tokens_created_and_revoked_are_recorded_without_the_token():
    admin, user = factories.Sysadmin(), factories.User()
    made = helpers.call_action("api_token_create", context={"user": admin["name"]}, user=user["name"], name="脚本")
    helpers.call_action("api_token_revoke", context={"user": admin["name"]}, jti=made["id"])
    created, revoked = _events("token_created")[0], _events("token_revoked")[0]
    assert (created.user_id, created.subject, created.details) == (admin["id"], user["id"],
                                                                   {"name": "脚本", "token_id": made["id"]})
    assert (revoked.subject, revoked.details["token_id"]) == (user["id"], made["id"])
    stored = model.Session.execute(sa.text("SELECT string_agg(details::text, ' ') FROM govopen_security_event")).scalar()
    assert made["token"] not in stored


def test_only_sysadmins_read_the_log(app):
    admin, user = factories.Sysadmin(), factories.User()
    _login(app, "nobody", "guess")
    found = helpers.call_action("govopen_security_event_list", context={"user": admin["name"]}, kind="login_failed")
    assert found["count"] == 1 and found["results"][0]["address"] is not None
    with pytest.raises(NotAuthorized):
        helpers.call_action("govopen_security_event_list", context={"user": user["name"], "ignore_auth": False})
    with pytest.raises(ValidationError) as e:
        helpers.call_action("govopen_security_event_list", context={"user": admin["name"]}, kind="everything",
                            since="yesterday", user="no-such-user")
    assert set(e.value.error_dict) == {"kind", "since", "user"}


@pytest.mark.usefixtures("clean_index")
def test_security_headers_on_every_kind_of_page(app):
    for url, status in (("/", 200), ("/dataset/", 200), ("/catalogue/", 200), ("/user/login", 200),
                        ("/api/3/action/status_show", 200), ("/no-such-page", 404), ("/openness", 200),
                        ("/scorecard/", 302)):
        res = app.get(url, status=status, follow_redirects=False)
        policy = res.headers.get("Content-Security-Policy", "")
        assert "script-src 'self';" in policy and "frame-ancestors 'self'" in policy, url
        assert res.headers["X-Frame-Options"] == "SAMEORIGIN" and res.headers["X-Content-Type-Options"] == "nosniff"
        assert res.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
        assert "Strict-Transport-Security" not in res.headers  # plain HTTP
    secure = app.get("/", base_url="https://localhost")
    assert secure.headers["Strict-Transport-Security"].startswith("max-age=31536000")


def test_idle_and_old_sessions_end(app, monkeypatch):
    from ckanext.govopen.security import sessions

    user = factories.User(password=PASSWORD)
    clock = {"now": 1_000_000.0}
    monkeypatch.setattr(sessions, "now", lambda: clock["now"])
    assert _login(app, user["name"], PASSWORD).status_code == 302
    assert app.get("/dashboard/datasets", follow_redirects=False).status_code == 200  # stamps the session
    for step in range(1, 30):  # active every 29 minutes: still logged in until the 12th hour
        clock["now"] = 1_000_000.0 + step * 29 * 60
        res = app.get("/dashboard/datasets", follow_redirects=False)
        if clock["now"] - 1_000_000.0 > 12 * 3600 + 60:
            break
        assert res.status_code == 200, step
    assert res.status_code == 302 and "/user/login" in res.headers["Location"]
    assert app.get("/dashboard/datasets", follow_redirects=False).status_code == 302  # logged out for good
    assert _login(app, user["name"], PASSWORD).status_code == 302
    clock["now"] += 31 * 60  # idle
    res = app.get("/dashboard/datasets", follow_redirects=False)
    assert res.status_code == 302 and "/user/login" in res.headers["Location"]
    token = factories.APIToken(user=user["name"])["token"]  # tokens are not sessions
    assert app.get("/dashboard/datasets", headers={"Authorization": token}, follow_redirects=False).status_code == 200


def test_api_tokens_expire(app):
    import datetime

    from ckan.lib import api_token

    user = factories.User()
    made = helpers.call_action("api_token_create", context={"user": user["name"]}, user=user["name"], name="默认")
    claims = api_token.decode(made["token"])
    days = (datetime.datetime.fromtimestamp(claims["exp"], datetime.timezone.utc)
            - datetime.datetime.now(datetime.timezone.utc)).days
    assert 89 <= days <= 90
    longer = helpers.call_action("api_token_create", context={"user": user["name"]}, user=user["name"], name="长期",
                                 expires_in_days=365)
    assert 364 <= (api_token.decode(longer["token"])["exp"] - claims["exp"]) // 86400 + 90 <= 365
    with pytest.raises(ValidationError):
        helpers.call_action("api_token_create", context={"user": user["name"]}, user=user["name"], name="x",
                            expires_in_days="forever")
    # a token past its time is refused as if it were no token
    past = api_token.encode({"jti": made["id"], "iat": claims["iat"], "exp": claims["iat"] - 10})
    res = app.get("/api/3/action/dashboard_activity_list", headers={"Authorization": past})
    assert res.status_code == 403
    assert app.get("/api/3/action/dashboard_activity_list", headers={"Authorization": made["token"]}).status_code == 200


def test_the_log_page_and_its_export(app):
    import csv
    import io

    admin, user = factories.Sysadmin(), factories.User(password=PASSWORD)
    _login(app, user["name"], "wrong")
    _login(app, "nobody", "wrong")
    token = {"Authorization": factories.APIToken(user=admin["name"])["token"]}
    body = app.get("/ckan-admin/security-events/?kind=login_failed", headers=token).get_data(as_text=True)
    assert body.count('<td title="login_failed">登录失败</td>') == 2
    bad = app.get("/ckan-admin/security-events/?since=someday", headers=token).get_data(as_text=True)
    assert 'id="error-since"' in bad
    rows = list(csv.reader(io.StringIO(app.get("/ckan-admin/security-events/export.csv?kind=login_failed",
                                               headers=token).get_data().decode("utf-8-sig"))))
    assert len(rows) == 3 and {r[1] for r in rows[1:]} == {"login_failed"}
    assert "nobody" not in str(rows) and user["id"] in str(rows)
    stranger = {"Authorization": factories.APIToken(user=user["name"])["token"]}
    assert app.get("/ckan-admin/security-events/", headers=stranger).status_code == 403
    assert app.get("/ckan-admin/security-events/export.csv", headers=stranger).status_code == 403


def test_weak_passwords_are_refused_on_registration():
    admin = factories.Sysadmin()
    for weak in ("woaini1314", "zhaolin-Secret-1", "short"):
        with pytest.raises(ValidationError) as e:
            helpers.call_action("user_create", context={"user": admin["name"]}, name="zhaolin",
                                email="zhao@example.gov.cn", password=weak)
        assert list(e.value.error_dict) == ["password"], weak
    assert model.User.by_name("zhaolin") is None
    made = helpers.call_action("user_create", context={"user": admin["name"]}, name="zhaolin",
                               email="zhao@example.gov.cn", password="Lake-Tai-2026")
    assert made["name"] == "zhaolin"


def test_role_changes_are_recorded():
    admin, user = factories.Sysadmin(), factories.User()
    org = factories.Organization(department_code=_code("11340181MB0000901"), region_code="340181",
                                 department_type="ordinary")
    helpers.call_action("organization_member_create", context={"user": admin["name"]}, id=org["id"],
                        username=user["name"], role="editor")
    helpers.call_action("organization_member_create", context={"user": admin["name"]}, id=org["id"],
                        username=user["name"], role="admin")
    helpers.call_action("organization_member_delete", context={"user": admin["name"]}, id=org["id"],
                        username=user["name"])
    changes = [(e.user_id, e.subject, e.details["from"], e.details["to"]) for e in _events("role_changed")
               if e.subject == user["id"]]
    assert changes == [(admin["id"], user["id"], None, "editor"), (admin["id"], user["id"], "editor", "admin"),
                       (admin["id"], user["id"], "admin", None)]
