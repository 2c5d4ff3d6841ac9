"""The request desk's pages, over HTTP in CKAN's test app against the real database."""
from __future__ import annotations

import datetime
import html
import re

import pytest

import ckan.model as model
from ckan.tests import factories, helpers

from ckanext.govopen.requests import store as request_store
from ckanext.govopen.model import Request
from tests.catalog_support import zh
from tests.requests_support import ID_NUMBER, XSS, application, approve, call

pytestmark = pytest.mark.usefixtures("with_plugins")


@pytest.fixture
def tokens(portal):  # noqa: F811
    return {name: {"Authorization": factories.APIToken(user=portal[name]["name"])["token"]}
            for name in ("citizen", "stranger", "editor", "plain", "official", "supervisor")}


def page(app, url, headers, status=200):
    res = app.get(url, headers=headers, status=status)
    return res.get_data(as_text=True) if hasattr(res, "get_data") else res.body


def post(app, url, headers, data, status=None):
    res = app.post(url, headers=headers, data=data, follow_redirects=False)
    if status is not None:
        assert res.status_code == status, res.get_data(as_text=True)[:2000]
    return res


def form_data(p, **kw):
    data = {k: v for k, v in application(p).items() if k not in ("dataset_id", "kind", "written_reply")}
    data["resource_ids"] = [p["r1"]["id"]]
    data.update(kw)
    return data


class TestDatasetPage:
    def test_buttons_follow_categories_and_membership(self, app, portal, tokens):
        body = page(app, "/dataset/births", tokens["citizen"])
        assert 'data-kind="open_application"' in body and 'data-kind="objection"' in body
        assert 'data-kind="share_application"' not in body  # not a member of another department
        body = page(app, "/dataset/births", tokens["official"])
        assert 'data-kind="share_application"' in body
        body = page(app, "/dataset/births", {})
        assert "data-kind=" not in body and "登录后申请开放" in body

    def test_form_shows_the_due_date(self, app, portal, tokens):
        rule = request_store.sla.active_policy().rule("open_application")
        _, due = request_store.initial_deadlines(rule, request_store.today())
        body = page(app, "/dataset/births/request/open_application", tokens["citizen"])
        assert due.isoformat() in body and "govopen-due-notice" in body

    def test_kinds_the_dataset_does_not_take_are_not_found(self, app, portal, tokens):
        page(app, "/dataset/births/request/share_application", tokens["citizen"], status=404)
        page(app, "/dataset/births/request/nonsense", tokens["citizen"], status=404)

    def test_anonymous_is_sent_to_log_in(self, app, portal):
        res = app.get("/dataset/births/request/open_application", follow_redirects=False)
        assert res.status_code == 302 and "/user/login" in res.headers["Location"]


class TestApplying:
    def test_bad_input_gets_field_errors_and_keeps_everything(self, app, portal, tokens):
        res = post(app, "/dataset/births/request/open_application", tokens["citizen"],
                   form_data(portal, id_number="340181199003071230", purpose="保留这段用途说明"), status=400)
        body = res.get_data(as_text=True)
        assert 'id="error-id_number"' in body
        assert "保留这段用途说明" in body and 'value="340181199003071230"' in body
        assert model.Session.query(Request).count() == 0

    @pytest.mark.ckan_config("ckanext.govopen.policy", "nanjing")
    def test_research_use_asks_the_applicant_for_the_public_interest_undertaking(self, app, portal, tokens):
        form = page(app, "/dataset/births/request/open_application", tokens["citizen"])
        assert 'name="public_interest_undertaking"' in form and "南京 第二十七条" in form
        res = post(app, "/dataset/births/request/open_application", tokens["citizen"],
                   form_data(portal, usage_type="research", purpose="保留这段用途说明"), status=400)
        body = res.get_data(as_text=True)
        assert 'id="error-public_interest_undertaking"' in body and "保留这段用途说明" in body
        assert model.Session.query(Request).count() == 0
        post(app, "/dataset/births/request/open_application", tokens["citizen"],
             form_data(portal, usage_type="research", public_interest_undertaking="true"), status=302)
        req = model.Session.query(Request).one()
        shown = page(app, f"/requests/{req.id}", tokens["editor"])
        assert "仅用于公益性科学研究（申请人承诺）" in shown
        assert 'name="public_interest_research"' not in shown  # nothing for the decider to tick

    def test_chaohu_asks_no_undertaking(self, app, portal, tokens):
        form = page(app, "/dataset/births/request/open_application", tokens["citizen"])
        assert 'name="public_interest_undertaking"' not in form

    def test_apply_then_see_it_in_my_requests(self, app, portal, tokens):
        res = post(app, "/dataset/births/request/open_application", tokens["citizen"], form_data(portal), status=302)
        req = model.Session.query(Request).one()
        assert res.headers["Location"].endswith(f"/requests/{req.id}")
        body = page(app, f"/requests/{req.id}", tokens["citizen"])
        assert req.due.isoformat() in body and "已提交" in body
        mine = page(app, "/requests", tokens["citizen"])
        assert f"/requests/{req.id}" in mine
        assert f"/requests/{req.id}" not in page(app, "/requests", tokens["stranger"])


class TestRequestPage:
    def test_outsiders_get_not_found(self, app, portal, tokens):
        req = call("govopen_request_create", portal["citizen"], **application(portal))
        page(app, f"/requests/{req['id']}", tokens["stranger"], status=404)
        page(app, f"/requests/{req['id']}/letter", tokens["stranger"], status=404)

    def test_identifiers_masked_for_plain_members_only(self, app, portal, tokens):
        req = call("govopen_request_create", portal["citizen"], **application(portal))
        assert ID_NUMBER in page(app, f"/requests/{req['id']}", tokens["editor"])
        body = page(app, f"/requests/{req['id']}", tokens["plain"])
        assert ID_NUMBER not in body and "govopen-identifier" in body

    def test_the_whole_exchange_through_the_forms(self, app, portal, tokens):
        req = call("govopen_request_create", portal["citizen"], **application(portal))
        url = f"/requests/{req['id']}"
        assert 'id="form-decide"' in page(app, url, tokens["editor"])
        assert 'id="form-decide"' not in page(app, url, tokens["citizen"])
        post(app, f"{url}/ask_info", tokens["editor"], {"note": "请补充课题立项证明"}, status=302)
        waiting = page(app, url, tokens["citizen"])
        assert 'id="form-respond"' in waiting and "暂停计时" in waiting  # the clock is paused meanwhile
        post(app, f"{url}/respond", tokens["citizen"], {"note": "已上传立项书"}, status=302)
        # Refusing without reasons: field errors, the decision form keeps what was typed.
        res = post(app, f"{url}/decide", tokens["editor"], {"decision": "reject", "conditions": "保留"}, status=400)
        body = res.get_data(as_text=True)
        assert 'id="error-reason"' in body and 'id="error-legal_basis"' in body and ">保留<" in body
        expires = (datetime.date.today() + datetime.timedelta(days=30)).isoformat()
        post(app, f"{url}/decide", tokens["editor"], {"decision": "approve", "expires": expires,
                                                       "resource_ids": [portal["r1"]["id"]]}, status=302)
        body = page(app, url, tokens["citizen"])
        assert "govopen-download" in body and portal["r1"]["id"] in body
        letter = page(app, f"{url}/letter", tokens["citizen"])
        assert "行政复议" in letter and "行政诉讼" in letter and expires in letter
        assert zh(request_store.sla.active_policy().rule("open_application").citation) in letter  # the basis, in Chinese
        assert ID_NUMBER not in letter  # the letter masks identifiers, even for the applicant

    def test_letter_only_after_a_decision(self, app, portal, tokens):
        req = call("govopen_request_create", portal["citizen"], **application(portal))
        page(app, f"/requests/{req['id']}/letter", tokens["citizen"], status=404)

    def test_another_user_cannot_act(self, app, portal, tokens):
        req = call("govopen_request_create", portal["citizen"], **application(portal))
        res = post(app, f"/requests/{req['id']}/decide", tokens["stranger"], {"decision": "approve"})
        assert res.status_code == 404
        res = post(app, f"/requests/{req['id']}/accept", tokens["citizen"], {})
        assert res.status_code == 403
        assert model.Session.get(Request, req["id"]).status == "submitted"


class TestQueue:
    def test_sorted_by_due_with_overdue_marked(self, app, portal, tokens):
        first = call("govopen_request_create", portal["citizen"], **application(portal))
        second = call("govopen_request_create", portal["citizen"], **application(portal, purpose="二"))
        late = model.Session.get(Request, second["id"])
        late.due = request_store.today() - datetime.timedelta(days=2)
        model.Session.commit()
        body = page(app, "/requests/queue", tokens["editor"])
        assert body.index(second["number"]) < body.index(first["number"])
        row = re.search(r'<tr class="([^"]*)" data-request="%s"' % second["id"], body)
        assert row and "govopen-overdue" in row.group(1)
        overdue_only = page(app, "/requests/queue?overdue=1", tokens["editor"])
        assert second["number"] in overdue_only and first["number"] not in overdue_only
        assert first["number"] not in page(app, "/requests/queue?kind=objection", tokens["editor"])

    def test_queue_is_for_department_staff(self, app, portal, tokens):
        page(app, "/requests/queue", tokens["citizen"], status=403)
        body = page(app, "/requests/queue", tokens["official"])  # another department: nothing of health's
        call("govopen_request_create", portal["citizen"], **application(portal))
        assert "暂无申请" in body

    def test_grants_tab(self, app, portal, tokens):
        req = call("govopen_request_create", portal["citizen"], **application(portal))
        approve(portal, req)
        body = page(app, "/requests/queue?organization=health&tab=grants", tokens["editor"])
        assert "govopen-grants" in body and "2025" in body
        last_day = (datetime.date.today() + datetime.timedelta(days=30)).isoformat()
        assert f'<td class="govopen-expires">{last_day}</td>' in body  # the last day, not the next midnight


class TestOverview:
    def test_authority_sees_counts_others_do_not(self, app, portal, tokens):
        req = call("govopen_request_create", portal["citizen"], **application(portal))
        row = model.Session.get(Request, req["id"])
        row.due = request_store.today() - datetime.timedelta(days=1)
        model.Session.commit()
        stats = helpers.call_action("govopen_request_overview", context={"user": portal["supervisor"]["name"]})
        health = next(d for d in stats["departments"] if d["name"] == "health")
        assert (health["total"], health["open"], health["overdue"]) == (1, 1, 1)
        body = page(app, "/requests/overview", tokens["supervisor"])
        assert req["number"] in body
        page(app, "/requests/overview", tokens["editor"], status=403)


class TestEscaping:
    FIELDS = ("applicant_name", "purpose", "scenario", "security_measures")

    def test_every_free_text_field_renders_escaped(self, app, portal, tokens):
        req = call("govopen_request_create", portal["citizen"],
                   **application(portal, **{f: f"{f}{XSS}" for f in self.FIELDS}))
        objection = call("govopen_request_create", portal["citizen"], dataset_id="births", kind="objection",
                         objection_type="error", details=f"details{XSS}")
        url = f"/requests/{req['id']}"
        post(app, f"{url}/ask_info", tokens["editor"], {"note": f"ask{XSS}"}, status=302)
        post(app, f"{url}/respond", tokens["citizen"], {"note": f"respond{XSS}"}, status=302)
        post(app, f"{url}/decide", tokens["editor"], {"decision": "reject", "reason": f"reason{XSS}",
                                                       "legal_basis": f"basis{XSS}"}, status=302)
        expect = [*self.FIELDS, "ask", "respond", "reason", "basis"]
        pages = {url: expect, f"{url}/letter": ["reason", "basis"], f"/requests/{objection['id']}": ["details"],
                 "/requests/queue": ["applicant_name"], "/requests": []}
        for target, prefixes in pages.items():
            body = page(app, target, tokens["editor"] if target == "/requests/queue" else tokens["citizen"])
            assert "<script>alert" not in body and "onerror=alert" not in body.replace("onerror=alert(1)&gt;", ""), target
            for prefix in prefixes:
                assert prefix + html.escape(XSS, quote=False).replace('"', "&#34;") in body or \
                    prefix + html.escape(XSS) in body, (target, prefix)

    def test_conditions_escaped(self, app, portal, tokens):
        req = call("govopen_request_create", portal["citizen"], **application(portal))
        approve(portal, req, conditions=f"cond{XSS}")
        for target in (f"/requests/{req['id']}", f"/requests/{req['id']}/letter", "/requests"):
            body = page(app, target, tokens["citizen"])
            assert "<script>alert" not in body and "cond&lt;script&gt;" in body, target


def csrf_token(body):
    return re.search(r'name="_csrf_token" value="([^"]+)"', body).group(1)


def session_login(app, name, password):
    """Log in through the login form, as a browser does: a session cookie, no API token."""
    token = csrf_token(app.get("/user/login").get_data(as_text=True))
    res = app.post("/user/login", data={"login": name, "password": password, "_csrf_token": token},
                   follow_redirects=False)
    assert res.status_code == 302 and "/user/login" not in res.headers["Location"]


class TestCsrf:
    def test_a_browser_session_post_needs_the_token(self, app, portal, tokens):
        # An API-token post first: CKAN then exempts the view from its CSRF check for the whole
        # process, so only the desk's own check stands between a forged post and the form.
        post(app, "/dataset/births/request/correction", tokens["stranger"], {"details": "令牌提交"}, status=302)
        user = factories.User(name="browser", password="correct-horse-2026")
        session_login(app, user["name"], "correct-horse-2026")
        assert app.get("/requests", follow_redirects=False).status_code == 200
        res = app.post("/dataset/births/request/open_application", data=form_data(portal), follow_redirects=False)
        assert res.status_code == 400
        assert model.Session.query(Request).filter(Request.kind == "open_application").count() == 0
        token = csrf_token(app.get("/dataset/births/request/open_application").get_data(as_text=True))
        res = app.post("/dataset/births/request/open_application", data={**form_data(portal), "_csrf_token": token},
                       follow_redirects=False)
        assert res.status_code == 302
        req = model.Session.query(Request).filter(Request.kind == "open_application").one()
        res = app.post(f"/requests/{req.id}/withdraw", data={"_csrf_token": "forged"}, follow_redirects=False)
        assert res.status_code == 400 and model.Session.get(Request, req.id).status == "submitted"
        res = app.post(f"/requests/{req.id}/withdraw", data={"_csrf_token": token}, follow_redirects=False)
        assert res.status_code == 302 and model.Session.get(Request, req.id).status == "withdrawn"


class TestListsAndLanguages:
    @pytest.mark.ckan_config("ckanext.govopen.requests.daily_limit", 0)
    def test_my_requests_paginate(self, app, portal, tokens):
        made = [call("govopen_request_create", portal["citizen"], **application(portal, purpose=f"用途{i}"))
                for i in range(23)]
        first = page(app, "/requests", tokens["citizen"])
        second = page(app, "/requests?page=2", tokens["citizen"])
        assert "共 23 项" in first and "第 1 / 2 页" in first and "page=2" in first
        on_first = {r["number"] for r in made if r["number"] in first}
        on_second = {r["number"] for r in made if r["number"] in second}
        assert len(on_first) == 20 and len(on_second) == 3 and not on_first & on_second
        # Issue #11 (5): a page number is a whole number in range, or a 400 that says so (a huge
        # one overflowed the SQL offset and left the session aborted for every later page).
        for bad in ("x", "0", "-1", "1e25", "99999999999999999999999999"):
            res = app.get(f"/requests?page={bad}", headers=tokens["citizen"])
            assert res.status_code == 400 and "页码" in res.get_data(as_text=True), bad
        assert "第 1 / 2 页" in page(app, "/requests", tokens["citizen"])  # and the desk still works

    def test_english_pages(self, app, portal, tokens):
        req = call("govopen_request_create", portal["citizen"], **application(portal))
        body = page(app, f"/en/requests/{req['id']}", tokens["citizen"])
        assert "Application for data" in body and "Timeline" in body and "办理过程" not in body
        form = page(app, "/en/dataset/births/request/open_application", tokens["citizen"])
        assert "Answer due within" in form or "The department must accept by" in form
