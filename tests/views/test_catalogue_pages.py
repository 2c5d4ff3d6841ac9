"""The catalogue pages over the app: the public catalogue and negative list, their export, and the
upload page with its background import (the job function run as the worker runs it)."""
from __future__ import annotations

import io

import openpyxl
import pytest

import ckan.model as model
from ckan.tests import factories, helpers

from ckanext.govopen.catalogue import jobs
from ckanext.govopen.model import CatalogueImport
from tests.catalog_support import department_code
from tests.catalogue.test_import import row, xlsx

pytestmark = pytest.mark.usefixtures("with_plugins")


@pytest.fixture
def site(clean_db, clean_index):
    editor, outsider, admin = factories.User(), factories.User(), factories.Sysadmin()
    org = factories.Organization(name="stats", title="市统计局", department_code=department_code(9), region_code="340181",
                                 department_type="ordinary", users=[{"name": editor["name"], "capacity": "editor"}])

    def entry(name, n, **extra):
        data = {"owner_org": org["id"], "resource_class": "department", "update_frequency": "monthly", "name": name,
                "title": name, "catalogue_code": f"307001/{n:06d}", "open_category": "unconditional",
                "share_category": "unconditional", **extra}
        return helpers.call_action("package_create", context={"user": admin["name"]}, **data)

    entry("roads", 1)
    entry("marriages", 2, share_category="not_shared", share_legal_basis="《婚姻登记条例》第十七条")
    entry("closed", 3, open_category="not_open", open_legal_basis="《统计法》第二十五条")
    entry("draft-plan", 4, private=True)
    tokens = {name: {"Authorization": factories.APIToken(user=user["name"])["token"]}
              for name, user in (("editor", editor), ("outsider", outsider))}
    return {"org": org, "editor": editor, "tokens": tokens}


def text(res):
    return res.get_data(as_text=True)


def test_the_public_catalogue_lists_public_entries_with_their_basis(app, site):
    body = text(app.get("/catalogue/"))
    for code in ("307001/000001", "307001/000002", "307001/000003"):
        assert f'data-code="{code}"' in body
    assert "307001/000004" not in body  # private: not for the public
    assert "《婚姻登记条例》第十七条" in body
    # A department's staff see their own private entry too.
    assert "307001/000004" in text(app.get("/catalogue/", headers=site["tokens"]["editor"]))


def test_filters_and_search(app, site):
    body = text(app.get("/catalogue/?share_category=not_shared"))
    assert 'data-code="307001/000002"' in body and 'data-code="307001/000001"' not in body
    body = text(app.get("/catalogue/?q=roads"))
    assert 'data-code="307001/000001"' in body and 'data-code="307001/000003"' not in body
    assert app.get('/catalogue/?q="unbalanced').status_code == 200


def test_the_negative_list_has_not_shared_and_not_open_entries_only(app, site):
    body = text(app.get("/catalogue/negative-list"))
    assert 'data-code="307001/000002"' in body and 'data-code="307001/000003"' in body
    assert 'data-code="307001/000001"' not in body
    assert "《统计法》第二十五条" in body


def test_export_gives_what_the_page_lists(app, site):
    res = app.get("/catalogue/export.xlsx?negative=1")
    assert res.status_code == 200 and "attachment" in res.headers["Content-Disposition"]
    book = openpyxl.load_workbook(io.BytesIO(res.data))
    codes = [c.value for c in book["信息资源目录"]["B"][1:]]
    assert sorted(codes) == ["307001/000002", "307001/000003"]
    res = app.get("/catalogue/export.csv")
    body = res.data.decode("utf-8-sig")
    assert "307001/000001" in body and "307001/000004" not in body
    assert app.get("/catalogue/export.pdf").status_code == 404


def upload(app, headers, data, **form):
    return app.post("/catalogue/import", headers=headers, follow_redirects=False,
                    data={"owner_org": "stats", "upload": (io.BytesIO(data), "目录.xlsx"), **form})


def test_upload_page_imports_in_the_background_and_reports(app, site):
    assert app.get("/catalogue/import", follow_redirects=False).status_code == 302  # log in first
    assert app.get("/catalogue/import", headers=site["tokens"]["outsider"]).status_code == 403
    bad = xlsx([row("常住人口", 11, provider=""), row("企业名录", 12, provider="", freq="每两年")])
    res = upload(app, site["tokens"]["editor"], bad)
    assert res.status_code == 302
    job = model.Session.query(CatalogueImport).one()
    assert job.status == "queued" and job.owner_org == site["org"]["id"]
    status = text(app.get(res.headers["Location"], headers=site["tokens"]["editor"]))
    assert 'http-equiv="refresh"' in status  # the page polls until the job is done
    jobs.run_import(job.id)
    model.Session.expire_all()
    body = text(app.get(res.headers["Location"], headers=site["tokens"]["editor"]))
    assert 'data-status="done"' in body and "每两年" in body and 'http-equiv="refresh"' not in body
    assert '<td data-count="failed">1</td>' in body and '<td data-count="created">0</td>' in body
    report = app.get(res.headers["Location"] + "/report.csv", headers=site["tokens"]["editor"])
    assert "每两年 is not accepted here" in report.data.decode("utf-8-sig")
    # Someone else's import is not found, page and report alike.
    assert app.get(res.headers["Location"], headers=site["tokens"]["outsider"]).status_code == 404
    assert app.get(res.headers["Location"] + "/report.csv", headers=site["tokens"]["outsider"]).status_code == 404
    assert model.Session.get(CatalogueImport, job.id).content is None  # the file is not kept

    fixed = xlsx([row("常住人口", 11, provider=""), row("企业名录", 12, provider="")])
    res = upload(app, site["tokens"]["editor"], fixed)
    new = model.Session.query(CatalogueImport).filter(CatalogueImport.id != job.id).one()
    jobs.run_import(new.id)
    body = text(app.get(res.headers["Location"], headers=site["tokens"]["editor"]))
    assert '<td data-count="created">2</td>' in body
    found = helpers.call_action("package_search", fq='catalogue_code:"3070001/000011"')["results"]
    assert found[0]["owner_org"] == site["org"]["id"] and found[0]["creator_user_id"] == site["editor"]["id"]


def test_upload_refuses_outsiders_and_bad_requests_with_field_errors(app, site):
    res = upload(app, site["tokens"]["outsider"], xlsx([row("常住人口", 11)]))
    assert res.status_code == 403
    res = app.post("/catalogue/import", headers=site["tokens"]["editor"], data={"owner_org": "stats"})
    assert res.status_code == 200 and 'id="upload-error"' in text(res)
    assert model.Session.query(CatalogueImport).count() == 0


def test_the_import_actions_over_the_api(app, site, ckan_config, monkeypatch):
    data = xlsx([row("常住人口", 11, provider="")])
    res = app.post("/api/3/action/govopen_catalogue_import", headers=site["tokens"]["editor"],
                   data={"owner_org": "stats", "upload": (io.BytesIO(data), "目录.xlsx")})
    assert res.status_code == 200, text(res)
    started = res.json["result"]
    assert started["status"] == "queued" and started["filename"] == "目录.xlsx" and "content" not in started
    res = app.post("/api/3/action/govopen_catalogue_import", headers=site["tokens"]["outsider"],
                   data={"owner_org": "stats", "upload": (io.BytesIO(data), "目录.xlsx")})
    assert res.status_code == 403
    res = app.post("/api/3/action/govopen_catalogue_import", headers=site["tokens"]["editor"],
                   data={"owner_org": "no-such-department", "upload": (io.BytesIO(data), "目录.xlsx")})
    assert res.status_code == 409 and "owner_org" in res.json["error"]
    monkeypatch.setitem(ckan_config, "ckanext.govopen.catalogue.import_max_mb", 0)
    res = app.post("/api/3/action/govopen_catalogue_import", headers=site["tokens"]["editor"],
                   data={"owner_org": "stats", "upload": (io.BytesIO(data), "目录.xlsx")})
    assert res.status_code == 409 and "upload" in res.json["error"]
    assert model.Session.query(CatalogueImport).count() == 1

    show = "/api/3/action/govopen_catalogue_import_show?id=" + started["id"]
    assert app.get(show, headers=site["tokens"]["editor"]).json["result"]["status"] == "queued"
    assert app.get(show, headers=site["tokens"]["outsider"]).status_code == 403
    assert app.get(show).status_code == 403


def test_page_links_have_names(app):
    # CKAN's previous and next page links are bare icons: the accessibility audit fails them.
    from ckan.lib.pagination import Page

    from ckanext.govopen.helpers import govopen_pager_symbols

    with app.flask_app.test_request_context("/catalogue/?page=2"):
        html = Page(collection=list(range(100)), page=2, item_count=100, items_per_page=10,
                    url=lambda page: f"/catalogue/?page={page}").pager(**govopen_pager_symbols())
    assert '<span class="visually-hidden">上一页</span>' in html and '<span class="visually-hidden">下一页</span>' in html
