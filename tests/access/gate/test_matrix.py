"""The access gate, checked as a matrix generated from its rule: every role × every open
and share category × every path that can hand out a resource URL or its file bytes.

Each case asserts that a secret URL (a link resource) and secret file bytes (an upload)
are present exactly where the rule allows, and absent everywhere else. The expectation
comes from `expected()` below, written from the issue's table, not from the code under test.
"""
from __future__ import annotations

import datetime
import io
import itertools
import re
import uuid

import pytest

import ckan.model as model
import ckan.plugins as plugins
from ckan.tests import factories, helpers

from ckanext.govopen.catalogue.codes import credit_code_check_char
from tests.conftest import reset_and_migrate

OPEN = ("unconditional", "on_application", "not_open")
SHARE = ("unconditional", "conditional", "not_shared")
CATEGORIES = list(itertools.product(OPEN, SHARE)) + [(None, None)]  # last: categories missing
ROLES = ("anonymous", "citizen", "other_department", "owner_member", "sysadmin",
         "user_grant_holder", "department_grant_holder")

CHECKED = {"cases": 0}


def expected(role: str, open_cat: str | None, share_cat: str | None) -> bool:
    """Who may have a resource (issue #4's table)."""
    if role in ("sysadmin", "owner_member"):
        return True
    if open_cat == "unconditional":
        return True
    if role in ("other_department", "department_grant_holder") and share_cat == "unconditional":
        return True
    if role == "user_grant_holder" and open_cat == "on_application":
        return True  # a live grant of an approved open application
    if role == "department_grant_holder" and share_cat == "conditional":
        return True  # a live grant of an approved share application, to the whole department
    return False  # missing categories: closed


def public(open_cat, share_cat) -> bool:
    """Search results and activity snapshots are shared by everyone: only public URLs."""
    return expected("anonymous", open_cat, share_cat)


def _code(body: str) -> str:
    return body + credit_code_check_char(body)


def _key(open_cat, share_cat) -> str:
    return f"{open_cat or 'none'}-{share_cat or 'none'}".replace("_", "")


def people(prefix: str, first_code: int = 101):
    """The matrix's departments and one user per role (each with an API token): the owner, another
    department, a department that holds share grants. Returns (owner, granted department, users)."""
    orgs = [factories.Organization(name=f"{prefix}{name}-dept", department_code=_code(f"11340181MB{first_code + i:07d}"),
                                   region_code="340181", department_type="ordinary")
            for i, name in enumerate(("owner", "other", "granted"))]
    users = {role: factories.UserWithToken() for role in ROLES if role not in ("anonymous", "sysadmin")}
    users["sysadmin"] = factories.SysadminWithToken()
    for org, role in zip(orgs, ("owner_member", "other_department", "department_grant_holder")):
        helpers.call_action("member_create", id=org["id"], object=users[role]["name"], object_type="user",
                            capacity="member")
    return orgs[0], orgs[2], users


@pytest.fixture(scope="module")
def world(reset_db, reset_index):
    """One portal for the whole matrix: built once, then only read."""
    plugins.load_all()
    reset_and_migrate(reset_db)
    reset_index()
    owner, granted_dept, users = people("")
    admin = {"user": users["sysadmin"]["name"]}
    datasets = {}
    for i, (open_cat, share_cat) in enumerate(CATEGORIES, 1):
        # Letters only, so the search analyser keeps it one word (a query on it must work
        # where the URL is public, or its absence elsewhere would prove nothing).
        secret = "".join(chr(ord("a") + int(ch, 16)) for ch in uuid.uuid4().hex)
        data = {"name": f"gate-{_key(open_cat, share_cat)}", "title": f"门禁测试 {i}",
                "owner_org": owner["id"], "resource_class": "department",
                "catalogue_code": f"307001/{i:06d}", "update_frequency": "monthly",
                "open_category": open_cat or "unconditional", "share_category": share_cat or "unconditional",
                "open_conditions": "条件", "open_legal_basis": "依据", "share_conditions": "条件",
                "share_legal_basis": "依据"}
        pkg = helpers.call_action("package_create", context=dict(admin), **data)
        link = helpers.call_action("resource_create", context=dict(admin), package_id=pkg["id"],
                                   name="link", url=f"https://intranet.example.gov.cn/{secret}/linkdata.csv")
        from werkzeug.datastructures import FileStorage
        upload = helpers.call_action("resource_create", context=dict(admin), package_id=pkg["id"],
                                     name="file", upload=FileStorage(io.BytesIO(f"FILE-BYTES-{secret}".encode()),
                                                                    filename=f"f{secret[:8]}.csv"))
        helpers.call_action("resource_view_create", context=dict(admin), resource_id=link["id"],
                            view_type="image_view", title="预览")
        if open_cat is None:
            # Categories lost (e.g. a broken import): bypass validation, then re-index.
            row = model.Package.get(pkg["id"])
            row.extras = {k: v for k, v in row.extras.items() if k not in ("open_category", "share_category")}
            model.Session.commit()
            from ckan.lib.search import rebuild
            rebuild(pkg["id"])
        _grant(pkg, "open_application", "user", users["user_grant_holder"]["id"],
               users["user_grant_holder"]["id"], owner["id"])
        _grant(pkg, "share_application", "department", granted_dept["id"],
               users["department_grant_holder"]["id"], owner["id"])
        datasets[(open_cat, share_cat)] = {"pkg": pkg, "link": link, "upload": upload, "secret": secret,
                                           "file_bytes": f"FILE-BYTES-{secret}".encode(),
                                           "filename": f"f{secret[:8]}.csv"}
    public_pkg = datasets[("unconditional", "unconditional")]["pkg"]
    yield {"users": users, "datasets": datasets, "public_pkg": public_pkg}
    plugins.unload_all()


def _grant(pkg, kind, holder_type, holder_id, applicant_id, owner_org):
    """An approved request and its live grant of every resource, as the workflow leaves them."""
    from ckanext.govopen.model import Grant, Request

    req = Request(kind=kind, status="approved", package_id=pkg["id"], owner_org=owner_org,
                  user_id=applicant_id, applicant_org=holder_id if holder_type == "department" else None,
                  policy="chaohu")
    model.Session.add(req)
    model.Session.flush()
    model.Session.add(Grant(request_id=req.id, package_id=pkg["id"], resource_ids=[],
                            holder_type=holder_type, holder_id=holder_id,
                            expires=datetime.datetime.utcnow() + datetime.timedelta(days=30)))
    model.Session.commit()


def _activity_ids(package_id):
    """Activity ids are public (package_activity_list); read them from the table so every role
    tries every snapshot."""
    from ckanext.activity.model import Activity

    return [a.id for a in model.Session.query(Activity).filter(
        Activity.object_id == package_id, Activity.activity_type.in_(("new package", "changed package")))]


def _stored_has(activity_id, secret) -> bool:
    """Does the stored snapshot itself hold the secret? Only public URLs may be stored: the
    table is read directly by CKAN's resource history page."""
    from ckanext.activity.model import Activity

    return secret in str(model.Session.get(Activity, activity_id).data)


def _headers(world, role):
    return {"Authorization": world["users"][role]["token"]} if role != "anonymous" else {}


class Case:
    """Collects the checks of one (role, category) cell; each check is one counted case."""

    def __init__(self, app, headers, secret, allowed):
        self.app, self.headers, self.secret, self.allowed = app, headers, secret, allowed
        self.failures = []

    def body(self, url, **kw):
        res = self.app.get(url, headers=self.headers, status=kw.pop("status", None), **kw)
        return res

    def never_unless(self, where: str, present: bool, allowed: bool) -> None:
        """Paths that may omit even an allowed URL (activity without details), but must
        never show one that is not allowed."""
        CHECKED["cases"] += 1
        if present and not allowed:
            self.failures.append(f"{where}: present, must be absent")

    def expect(self, where: str, present: bool, should: bool) -> None:
        CHECKED["cases"] += 1
        if present != should:
            self.failures.append(f"{where}: {'present' if present else 'absent'}, expected "
                                 f"{'present' if should else 'absent'}")


@pytest.mark.usefixtures("with_plugins")
@pytest.mark.parametrize("role", ROLES)
def test_gate(world, app, role):
    every_cell(_cell, world, app, role)


def every_cell(cell, world, app, role) -> None:
    """CELL (which returns its failures) for every category pair, in one test per role: each
    test starts the app with its plugins anew (about 1.5 s), and the cells only read. Failures
    name their cell."""
    failures = []
    for categories in CATEGORIES:
        failures += cell(world, app, role, categories)
    assert not failures, "\n".join(failures)


def _cell(world, app, role, categories) -> list[str]:
    d = world["datasets"][categories]
    allowed = expected(role, *categories)
    pub = public(*categories)
    c = Case(app, _headers(world, role), d["secret"], allowed)
    secret, pkg, link, upload = d["secret"], d["pkg"], d["link"], d["upload"]
    has = lambda text: secret in text

    # package_show, live and through the API
    shown = c.body(f"/api/3/action/package_show?id={pkg['id']}").body
    c.expect("package_show", has(shown), allowed)
    # package_search: plain, with fl on the stored fields, and a query on the URL
    for label, params in [("package_search", {"q": f"id:{pkg['id']}"}),
                          ("fl=res_url", {"q": f"id:{pkg['id']}", "fl": "id,res_url"}),
                          ("fl=validated_data_dict", {"q": f"id:{pkg['id']}", "fl": "id,validated_data_dict"}),
                          ("fl=data_dict", {"q": f"id:{pkg['id']}", "fl": "id,data_dict"}),
                          ("q=urls:", {"q": f"urls:{secret}", "fl": "id"}),
                          ("q=res_url:", {"q": f'res_url:"{link["url"]}"', "fl": "id"}),
                          ("q=text:", {"q": f"text:{secret}", "fl": "id"})]:
        body = c.body("/api/3/action/package_search", params=params).body
        found = has(body) or (label.startswith("q=") and pkg["id"] in body)
        if label == "q=text:":  # Solr does not chain copyFields: URLs never reach text
            c.never_unless(label, found, pub)
        else:
            c.expect(label, found, pub)
    # resource_show for both resources
    for res in (link, upload):
        res_body = c.body(f"/api/3/action/resource_show?id={res['id']}", status=None)
        c.expect(f"resource_show {res['name']}", res_body.status_code == 200 and
                 (has(res_body.body) or d["filename"] in res_body.body), allowed)
    # resource_search by URL: the rows, and every figure (issue #11: the count was an oracle)
    body = c.body("/api/3/action/resource_search", params={"query": f"url:{secret}"}).body
    c.expect("resource_search", link["id"] in body or has(body), allowed)
    for part in (secret, secret[:6], "intranet.example.gov.cn/" + secret[:3]):
        counted = c.body("/api/3/action/resource_search", params={"query": f"url:{part}", "limit": 0}).json
        c.expect(f"resource_search count url:{part[:8]}…", counted["result"]["count"] > 0, allowed)
        paged = c.body("/api/3/action/resource_search", params={"query": f"url:{part}", "offset": 1}).json
        c.expect("resource_search offset", paged["result"]["count"] > 0, allowed)
    # history views render the stored snapshot: never a URL the caller may not have now
    activity_ids = _activity_ids(pkg["id"])
    for activity_id in activity_ids:
        for url in (f"/dataset/{pkg['id']}/resources/{link['id']}/history/{activity_id}",
                    f"/dataset/{pkg['id']}/resources/{upload['id']}/history/{activity_id}",
                    f"/dataset/{pkg['name']}/history/{activity_id}",
                    f"/dataset/changes/{activity_id}"):
            hist = c.body(url, status=None, follow_redirects=True)
            c.never_unless(f"history {url.split('/')[3] if 'resources' in url else url.split('/')[2]}",
                           has(hist.body) or d["filename"] in hist.body, allowed)
    # what is stored holds public URLs only (the (None, None) entry lost its categories behind
    # the portal's back: its history pages healed the table above)
    c.expect("stored snapshots", any(_stored_has(a, secret) for a in activity_ids), pub)
    # pages
    page = c.body(f"/dataset/{pkg['name']}").body
    c.expect("dataset page link URL", has(page), allowed)
    c.expect("dataset page download link", d["filename"] in page, allowed)
    for res in (link, upload):
        res_page = c.body(f"/dataset/{pkg['id']}/resource/{res['id']}", status=None)
        c.expect(f"resource page {res['name']} answers", res_page.status_code == 200, True)
        c.expect(f"resource page {res['name']} URL", has(res_page.body) or d["filename"] in res_page.body,
                 allowed)
    # downloads, also through another (public) dataset's id in the URL
    for via in (pkg["id"], world["public_pkg"]["id"]):
        dl = c.body(f"/dataset/{via}/resource/{upload['id']}/download/{d['filename']}", status=None)
        c.expect(f"download via {'own' if via == pkg['id'] else 'other'} dataset",
                 d["file_bytes"] in dl.body.encode() if isinstance(dl.body, str) else d["file_bytes"] in dl.body,
                 allowed)
        link_dl = c.body(f"/dataset/{via}/resource/{link['id']}/download", status=None, follow_redirects=False)
        c.expect("link download redirect", has(link_dl.headers.get("Location", "")), allowed)
    # activity: snapshots are judged by the dataset as it is now, per user; details may be
    # left out even where allowed (CKAN shows them to editors only), never shown where not
    act = c.body(f"/api/3/action/package_activity_list?id={pkg['id']}", status=None)
    c.never_unless("package_activity_list", has(act.body), allowed)
    for item in (act.json.get("result") or []) if act.status_code == 200 else []:
        for action in ("activity_show", "activity_data_show", "activity_diff"):
            shown_act = c.body(f"/api/3/action/{action}?id={item['id']}&object_type=package", status=None)
            c.never_unless(action, has(shown_act.body) or d["filename"] in shown_act.body, allowed)
    act_page = c.body(f"/dataset/activity/{pkg['name']}", status=None)
    c.never_unless("activity page", has(act_page.body), allowed)
    # DCAT (ckanext-dcat with govopen's profile): the record in two serialisations, the whole
    # catalogue, the JSON-LD in the page. Only an entry open to all names its addresses there,
    # whoever reads: a record is shared, cached and harvested.
    for fmt in ("ttl", "jsonld"):
        rdf = c.body(f"/dataset/{pkg['id']}.{fmt}", status=None)
        c.never_unless(f"dcat .{fmt}", has(rdf.body) or d["filename"] in rdf.body, pub)
    c.never_unless("dcat catalogue", has(c.body("/catalog.ttl", status=None).body), pub)
    json_ld = re.findall(r'<script type="application/ld\+json">(.*?)</script>', page, re.S)
    c.never_unless("json-ld in the page", any(has(b) or d["filename"] in b for b in json_ld), allowed)
    # resource views embed the URL
    views = c.body(f"/api/3/action/resource_view_list?id={link['id']}", status=None)
    c.expect("resource_view_list", views.status_code == 200 and len(views.json["result"]) > 0, allowed)

    return [f"{role} × {categories}: {failure}" for failure in c.failures]


def test_zz_every_cell_checked_its_paths():
    """Runs after the matrix (module order); the count is printed by tests/gate/conftest.py."""
    assert CHECKED["cases"] >= len(ROLES) * len(CATEGORIES) * 20
