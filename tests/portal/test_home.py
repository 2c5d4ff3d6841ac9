"""The front door against the real database and index: the public figures, the home, search and
dataset pages a citizen sees, and the portal's colour edited at runtime."""
from __future__ import annotations

import datetime

import pytest

import ckan.model as model
import ckan.plugins.toolkit as tk
from ckan.tests import factories, helpers

from ckanext.govopen.model import Request
from tests.requests_support import application, approve, call

pytestmark = pytest.mark.usefixtures("with_plugins")


def entry(p, name: str, open_category: str, n: int, **extra) -> dict:
    data = {"owner_org": p["owner"]["id"], "resource_class": "department", "update_frequency": "monthly",
            "name": name, "title": name, "catalogue_code": f"307001/{n:06d}", "open_category": open_category,
            "share_category": "unconditional", **extra}
    if open_category != "unconditional":
        data.update(open_conditions="用途限定", open_legal_basis="第十九条")
    return helpers.call_action("package_create", context={"user": p["admin"]["name"]}, **data)


@pytest.fixture
def catalogue(portal):  # noqa: F811
    today = datetime.date.today()
    roads = entry(portal, "roads", "unconditional", 11, themes=["交通"], license_id="cc-by",
                  data_updated=(today - datetime.timedelta(days=3)).isoformat(),
                  resources=[{"name": "路网", "url": "https://data.example.gov.cn/roads.csv", "format": "CSV"}])
    entry(portal, "plans", "unconditional", 12, themes=["交通", "城乡建设"],
          data_updated=(today - datetime.timedelta(days=100)).isoformat(),  # monthly: late
          resources=[{"name": "规划", "url": "https://data.example.gov.cn/plans.pdf", "format": "PDF"}])
    entry(portal, "closed", "not_open", 13, license_id="cc-by")
    entry(portal, "hidden", "unconditional", 14, private=True)
    return {**portal, "roads": roads}


def licence_box(body: str) -> str:
    start = body.index('class="module module-narrow module-shallow license"')
    return body[start:body.index("</section>", start)]


def anonymous(action, **data):
    return helpers.call_action(action, context={"user": "", "ignore_auth": False}, **data)


def test_the_figures_count_what_the_public_sees(catalogue):
    got = anonymous("govopen_portal_figures")["catalogue"]
    # births (on application), roads, plans, closed; the private entry is not counted.
    assert got["total"] == 4
    assert {r["category"]: r["count"] for r in got["open"]} == {"unconditional": 2, "on_application": 1, "not_open": 1}
    assert got["open"][0]["share"] == 50.0
    assert got["themes"] == [{"name": "交通", "count": 2}, {"name": "城乡建设", "count": 1}]
    assert got["departments"] == [{"name": "health", "title": catalogue["owner"]["title"], "count": 4}]
    # roads (CSV) and births (its resources are CSV files): PDF is not machine-readable.
    assert got["machine_readable"]["count"] == 2
    # Only roads declares an update within its period (monthly); the rest are late or undeclared.
    assert got["up_to_date"] == {"count": 1, "share": 25.0}
    assert "hidden" not in {d["name"] for d in got["newest"]} and len(got["newest"]) == 4


def test_a_years_applications_are_counted_as_a_yearly_report_does(catalogue):
    p = catalogue
    granted = call("govopen_request_create", p["citizen"], **application(p))
    approve(p, granted)
    refused = call("govopen_request_create", p["stranger"], **application(p))
    call("govopen_request_decide", p["editor"], id=refused["id"], decision="reject", reason="涉及个人信息",
         legal_basis="第十七条")
    call("govopen_request_create", p["official"], **application(p, applicant_name="张三"))
    last_year = call("govopen_request_create", p["plain"], **application(p))
    year = datetime.date.today().year
    model.Session.get(Request, last_year["id"]).created = datetime.datetime(year - 1, 12, 31, 15, 59)  # 23:59 Beijing
    model.Session.commit()

    got = anonymous("govopen_portal_figures")["requests"]
    assert (got["received"], got["answered"], got["granted"], got["refused"], got["open"]) == (3, 2, 1, 1, 1)
    assert got["on_time"] == 2 and got["on_time_share"] == 100.0
    assert got["refused_by_basis"] == [{"basis": "第十七条", "count": 1}]
    assert anonymous("govopen_portal_figures", year=year - 1)["requests"]["received"] == 1
    assert "张三" not in str(got) and "applicant" not in str(got)  # counts only
    with pytest.raises(tk.ValidationError):
        anonymous("govopen_portal_figures", year="1900")


def test_the_home_page_shows_the_portal_and_no_outside_service(app, catalogue):
    body = app.get("/").get_data(as_text=True)
    assert 'data-theme="交通"' in body and "govopen-openness" in body and "govopen-apply-guide" in body
    assert 'data-figure="received"' in body and "/requests" in body and "/themes" in body
    user = factories.User()
    logged_in = app.get("/", headers={"Authorization": factories.APIToken(user=user["name"])["token"]})
    assert "gravatar" not in logged_in.get_data(as_text=True).lower()


def test_results_carry_their_category_and_restricted_entries_no_open_licence(app, catalogue):
    search = app.get("/dataset/").get_data(as_text=True)
    assert 'govopen-open-badge" data-category="on_application"' in search
    assert 'govopen-open-badge" data-category="unconditional"' in search
    assert "/dataset/births/request/open_application" in search
    restricted = app.get("/dataset/births").get_data(as_text=True)
    assert "/dataset/births/request/open_application" in licence_box(restricted)
    closed = licence_box(app.get("/dataset/closed").get_data(as_text=True))
    assert "govopen-license-restricted" in closed and "Creative Commons" not in closed and "badge" not in closed
    open_ = licence_box(app.get("/dataset/roads").get_data(as_text=True))
    assert "govopen-license-restricted" not in open_ and "Creative Commons" in open_
    assert "facebook.com" not in restricted and "twitter.com" not in restricted


def test_the_colour_is_edited_at_runtime_and_checked(app, catalogue):
    admin = {"user": catalogue["admin"]["name"]}
    with pytest.raises(tk.ValidationError) as refused:
        helpers.call_action("config_option_update", context=admin,
                            **{"ckanext.govopen.portal.colour": "red; } body { display: none"})
    assert "ckanext.govopen.portal.colour" in refused.value.error_dict
    helpers.call_action("config_option_update", context=admin,
                        **{"ckanext.govopen.portal.colour": "#0A5FB4", "ckanext.govopen.portal.region": "巢湖市"})
    try:
        body = app.get("/").get_data(as_text=True)
        assert "--govopen-colour: #0a5fb4" in body and "巢湖市" in body
    finally:
        helpers.call_action("config_option_update", context=admin,
                            **{"ckanext.govopen.portal.colour": "", "ckanext.govopen.portal.region": ""})


BROWSER = {"User-Agent": "Mozilla/5.0 (X11; Linux x86_64) Chrome/126.0 Safari/537.36"}


def uses(name: str) -> dict[str, int]:
    from ckanext.govopen.portal import count

    return count.totals(model.Package.get(name).id)


def test_pages_downloads_and_api_reads_are_counted_but_not_robots_refusals_or_the_beacon(app, catalogue):
    res = catalogue["roads"]["resources"][0]
    app.get("/dataset/roads", headers=BROWSER)
    app.get("/dataset/roads", headers=BROWSER)
    app.get("/dataset/roads", headers={"User-Agent": "Mozilla/5.0 (compatible; Baiduspider/2.0)"})
    assert app.get(f"/dataset/roads/resource/{res['id']}/download", headers=BROWSER,
                   follow_redirects=False).status_code == 302  # a linked file: the way there counts
    app.post("/api/3/action/package_show", json={"id": "roads"}, headers=BROWSER)
    app.get("/api/3/action/resource_show", query_string={"id": res["id"]}, headers=BROWSER)
    app.get("/api/3/action/package_show", query_string={"id": "no-such-entry"}, headers=BROWSER, status=404)
    app.post("/_tracking", data={"url": "/dataset/roads", "type": "page"}, headers=BROWSER)  # the beacon
    assert uses("roads") == {"view": 2, "download": 1, "api": 2}
    # A download the gate refuses is not a use.
    refused = app.get(f"/dataset/births/resource/{catalogue['r1']['id']}/download", headers=BROWSER,
                      follow_redirects=False)
    assert refused.status_code in (403, 404) and uses("births")["download"] == 0
    body = app.get("/dataset/roads", headers=BROWSER).get_data(as_text=True)  # counted once served
    assert 'data-views="2"' in body and 'data-downloads="1"' in body and 'data-api="2"' in body


def test_the_most_used_entries_are_those_the_public_may_see(app, catalogue):
    admin = {**BROWSER, "Authorization": factories.APIToken(user=catalogue["admin"]["name"])["token"]}
    for _ in range(3):
        app.get("/dataset/hidden", headers=admin)  # private: used, but never shown to the public
    app.get("/dataset/roads", headers=BROWSER)
    app.get("/dataset/roads", headers=BROWSER)
    app.get("/dataset/closed", headers=BROWSER)
    most = anonymous("govopen_portal_figures")["most_used"]
    assert [(d["name"], d["uses"]) for d in most] == [("roads", 2), ("closed", 1)]
    assert 'data-entry="roads"' in app.get("/", headers=BROWSER).get_data(as_text=True)
