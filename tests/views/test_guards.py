"""Guards every web request passes (ckanext/govopen/web.py), on CKAN's own paths as well as
govopen's: issue #11 items 4 (uploaded files run no script), 5 (a failed request leaves the
session usable), 6 (CSRF on every cookie-session post) and 9 (unstorable input refused at the
door)."""
from __future__ import annotations

import io
import re

import pytest
import sqlalchemy as sa
from werkzeug.datastructures import FileStorage

import ckan.model as model
from ckan.tests import factories, helpers

from tests.requests_support import _code

pytestmark = pytest.mark.usefixtures("with_plugins")

PASSWORD = "correct-horse-2026"


def _token_from(app, url: str) -> str:
    body = app.get(url).get_data(as_text=True)
    found = re.search(r'<meta name="_csrf_token" content="([^"]+)"', body)
    return found.group(1)


def session_login(app, name: str) -> None:
    token = _token_from(app, "/user/login")
    res = app.post("/user/login", data={"login": name, "password": PASSWORD, "_csrf_token": token},
                   follow_redirects=False)
    assert res.status_code == 302 and "/user/login" not in res.headers["Location"]


@pytest.fixture
def dept_dataset(clean_db, clean_index):
    org = factories.Organization(name="uploads-dept", department_code=_code("11340181MB0000401"),
                                 region_code="340181", department_type="ordinary")
    admin = factories.Sysadmin(password=PASSWORD)
    ds = helpers.call_action("package_create", context={"user": admin["name"]}, name="uploads",
                             title="上传文件", owner_org=org["id"], resource_class="department",
                             catalogue_code="307001/000401", update_frequency="monthly",
                             open_category="unconditional", share_category="unconditional")
    return {"org": org, "admin": admin, "ds": ds}


def _upload(world, filename: str, content: bytes, **extra) -> dict:
    return helpers.call_action("resource_create", context={"user": world["admin"]["name"]},
                               package_id=world["ds"]["id"], name=filename,
                               upload=FileStorage(io.BytesIO(content), filename=filename), **extra)


class TestUploadedFilesRunNoScript:
    ACTIVE = [("page.html", b"<script>document.title='pwned'</script>"),
              ("page.htm", b"<script>1</script>"),
              ("logo.svg", b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>'),
              ("doc.xhtml", b'<html xmlns="http://www.w3.org/1999/xhtml"><script>1</script></html>'),
              ("feed.xml", b"<?xml version='1.0'?><x/>"),
              ("report.pdf", b"%PDF-1.4 /JS (app.alert(1))"),
              ("app.js", b"alert(1)")]

    @pytest.mark.parametrize("filename,content", ACTIVE, ids=[a[0] for a in ACTIVE])
    def test_active_types_are_downloads_in_a_sandbox(self, app, dept_dataset, filename, content):
        res = _upload(dept_dataset, filename, content)
        got = app.get(f"/dataset/uploads/resource/{res['id']}/download/{filename}")
        assert got.status_code == 200 and got.data == content
        assert got.headers["Content-Disposition"].startswith("attachment")
        assert filename in got.headers["Content-Disposition"]
        assert "sandbox" in got.headers["Content-Security-Policy"]
        assert got.headers["X-Content-Type-Options"] == "nosniff"

    def test_a_csv_edited_to_claim_html_is_a_download_too(self, app, dept_dataset):
        res = _upload(dept_dataset, "data.csv", b"a,b\n1,2\n", mimetype="text/html")
        got = app.get(f"/dataset/uploads/resource/{res['id']}/download/data.csv")
        assert got.headers["Content-Disposition"].startswith("attachment")

    def test_passive_types_show_inline_but_sandboxed(self, app, dept_dataset):
        png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 16
        res = _upload(dept_dataset, "chart.png", png)
        got = app.get(f"/dataset/uploads/resource/{res['id']}/download/chart.png")
        assert not got.headers.get("Content-Disposition", "").startswith("attachment")
        assert "sandbox" in got.headers["Content-Security-Policy"]
        assert got.headers["X-Content-Type-Options"] == "nosniff"

    def test_pages_are_not_sandboxed(self, app, dept_dataset):
        page = app.get("/dataset/uploads")
        # the portal's own policy (security/headers.py), not the sandbox of served files
        assert "sandbox" not in page.headers["Content-Security-Policy"]
        assert "script-src 'self'" in page.headers["Content-Security-Policy"]
        assert page.headers["X-Content-Type-Options"] == "nosniff"


class TestAFailedRequestLeavesTheSessionUsable:
    def test_the_next_page_works_after_a_database_error(self, app, dept_dataset):
        """A database error in a view (the huge page number did this) used to leave the thread's
        session in an aborted transaction: every later logged-in page failed."""

        def broken():
            model.Session.execute(sa.text("SELECT 1 OFFSET 100000000000000000000"))
            return "unreachable"

        app.flask_app.add_url_rule("/_govopen_test/db-error", "govopen_test_db_error", broken)
        user = factories.User(password=PASSWORD)
        session_login(app, user["name"])
        with pytest.raises(sa.exc.DBAPIError):  # testing mode propagates the exception
            app.get("/_govopen_test/db-error")
        assert app.get("/requests", follow_redirects=False).status_code == 200
        assert app.get("/dataset/uploads").status_code == 200


class TestCsrfOnEveryForm:
    def test_ckans_own_dataset_form_after_a_token_request(self, app, dept_dataset):
        """CKAN exempts a view from CSRF for good once an API-token request reaches it; the same-
        origin session post then changed open_category (issue #11, 6)."""
        admin = dept_dataset["admin"]
        token = factories.APIToken(user=admin["name"])["token"]
        app.post("/dataset/edit/uploads", headers={"Authorization": token}, data={"title": "令牌"})
        session_login(app, admin["name"])
        res = app.post("/dataset/edit/uploads", data={"open_category": "not_open", "title": "伪造",
                                                      "category_change_reason": "伪造请求"},
                       follow_redirects=False)
        assert res.status_code == 400
        assert model.Package.get("uploads").extras["open_category"] == "unconditional"
        # with the token, CKAN's forms work as before
        token = _token_from(app, "/dataset/uploads")
        assert app.post("/dataset/follow/uploads", data={"_csrf_token": token},
                        follow_redirects=False).status_code in (200, 302)

    def test_login_form_after_a_token_request(self, app, dept_dataset):
        token = factories.APIToken(user=dept_dataset["admin"]["name"])["token"]
        app.post("/user/login", headers={"Authorization": token}, data={})
        user = factories.User(password=PASSWORD)
        res = app.post("/user/login", data={"login": user["name"], "password": PASSWORD}, follow_redirects=False)
        assert res.status_code == 400  # a forged login (login CSRF) is refused

    def test_token_clients_and_anonymous_api_calls_need_no_csrf_token(self, app, dept_dataset):
        token = factories.APIToken(user=dept_dataset["admin"]["name"])["token"]
        res = app.post("/api/3/action/package_patch", headers={"Authorization": token},
                       json={"id": "uploads", "title": "令牌修改"})
        assert res.status_code == 200
        assert app.post("/api/3/action/package_search", json={"q": "上传"}).status_code == 200

    def test_a_session_api_post_needs_the_header(self, app, dept_dataset):
        session_login(app, dept_dataset["admin"]["name"])
        res = app.post("/api/3/action/package_patch", json={"id": "uploads", "title": "会话修改"})
        assert res.status_code == 400 and res.json["success"] is False
        token = _token_from(app, "/dataset/uploads")
        res = app.post("/api/3/action/package_patch", json={"id": "uploads", "title": "会话修改"},
                       headers={"X-CSRFToken": token})
        assert res.status_code == 200


class TestUnstorableInputAtTheDoor:
    @pytest.mark.parametrize("url", ["/dataset/?q=a%00b", "/dataset/a%00b", "/requests/%00",
                                     "/api/3/action/package_search?q=%00"])
    def test_nul_in_a_url(self, app, dept_dataset, url):
        res = app.get(url, follow_redirects=False)
        assert res.status_code == 400

    @pytest.mark.parametrize("body", ['{"q": "a\\u0000b"}', '{"q": "\\ud800"}', '{"fq": ["x", {"y": "\\udfff"}]}',
                                      '{"\\u0000": 1}'])
    def test_nul_and_lone_surrogates_in_json(self, app, dept_dataset, body):
        res = app.post("/api/3/action/package_search", data=body, content_type="application/json")
        assert res.status_code == 400 and res.json["success"] is False

    def test_nul_in_a_form_field(self, app, dept_dataset):
        session_login(app, dept_dataset["admin"]["name"])
        token = _token_from(app, "/dataset/uploads")
        res = app.post("/dataset/edit/uploads", data={"title": "a\x00b", "_csrf_token": token},
                       follow_redirects=False)
        assert res.status_code == 400
        assert model.Package.get("uploads").title == "上传文件"


@pytest.mark.usefixtures("with_plugins")
def test_the_script_gets_its_chinese_translations(app):
    # CKAN's script asks /api/i18n/<page language with only its first "-" turned to "_">.
    assert app.get("/api/i18n/zh_Hans-CN").status_code == 200
    assert app.get("/api/i18n/zh_Hans_CN").status_code == 200
    assert app.get("/api/i18n/xx_Yy-ZZ").status_code == 400  # still refused when unknown
