"""Loading uploaded and linked files into the DataStore through the jobs worker (a real RQ
worker on the test Redis, forking as in production): Chinese encodings, long Chinese headers,
load status, failures that keep the previous table, and a reload that readers never see half done.
"""
from __future__ import annotations

import datetime
import http.server
import threading

import pytest
import sqlalchemy as sa

import ckan.lib.jobs as jobs
from ckan.common import config
from ckan.logic import NotFound
from ckan.tests import factories, helpers

import ckan.model as model

from ckanext.govopen.datastore import loader, table
from ckanext.govopen.model import DatastoreLoad
from tests.access.gate.test_matrix import _code
from tests.datastore.test_datastore_gate import PLUGINS, clear_datastore

pytestmark = [pytest.mark.ckan_config("ckan.plugins", PLUGINS),
              pytest.mark.ckan_config("ckan.views.default_views", "datatables_view"),
              pytest.mark.ckan_config("ckanext.govopen.datastore.fetch_private_addresses", "true"),
              pytest.mark.usefixtures("with_plugins", "clean_db", "clean_index")]

ROWS = [["序号", "单位名称", "地址"], ["1", "巢湖市交通运输局", "巢湖市健康中路"], ["2", "巢湖市数据资源局", "滁州路 8 号"]]


def _csv(rows) -> str:
    return "".join(",".join(r) + "\r\n" for r in rows)


@pytest.fixture
def site():
    clear_datastore()
    jobs.get_queue().empty()
    admin = factories.Sysadmin()
    org = factories.Organization(users=[{"name": admin["name"], "capacity": "admin"}], region_code="340181",
                                 department_code=_code("11340181MB0000901"), department_type="ordinary")
    context = {"user": admin["name"]}
    pkg = helpers.call_action("package_create", context=dict(context), name="loads", title="数据表",
                              owner_org=org["id"], resource_class="department", catalogue_code="307002/000001",
                              update_frequency="monthly", open_category="unconditional",
                              share_category="unconditional")
    yield {"context": context, "pkg": pkg, "admin": admin}
    clear_datastore()


def _work() -> None:
    """Run every queued job in a real worker (forks per job, as `ckan jobs worker` does)."""
    jobs.Worker(["default"]).work(burst=True)


def _serve(body: bytes) -> tuple[http.server.ThreadingHTTPServer, list[str]]:
    """A web server on loopback answering every GET with BODY; the paths it was asked for."""
    hits: list[str] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            hits.append(self.path)
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, hits


def _upload(site, create_with_upload, content: bytes, filename: str, **extra):
    return create_with_upload(content, filename, context=dict(site["context"]), package_id=site["pkg"]["id"],
                              name=filename, url="", **extra)


def _rows(resource_id: str, **params) -> list[dict]:
    params.setdefault("limit", 1000)
    found = helpers.call_action("datastore_search", resource_id=resource_id, sort="_id", **params)
    return [{k: v for k, v in r.items() if k != "_id"} for r in found["records"]]


def _status(resource_id: str) -> dict:
    return helpers.call_action("govopen_datastore_load_show", id=resource_id)


@pytest.mark.parametrize("encoding,expected", [("gbk", "gb18030"), ("gb18030", "gb18030"), ("utf-8-sig", "utf-8-sig"),
                                               ("utf-8", "utf-8")])
def test_chinese_files_load_through_the_worker(site, create_with_upload, encoding, expected):
    rows = ROWS + ([["3", "𠀀 扩展区汉字", "GB18030 独有"]] if encoding == "gb18030" else [])
    # with the line of empty cells Excel leaves at the end of an export
    res = _upload(site, create_with_upload, (_csv(rows) + ",,\r\n").encode(encoding), "units.csv")
    assert _status(res["id"])["status"] == "queued"
    _work()
    status = _status(res["id"])
    assert status["status"] == "done", status
    assert status["encoding"] == expected and status["rows"] == len(rows) - 1
    assert _rows(res["id"]) == [dict(zip(rows[0], r)) for r in rows[1:]]
    assert helpers.call_action("resource_show", id=res["id"])["datastore_active"] is True
    views = helpers.call_action("resource_view_list", id=res["id"])
    assert [(v["view_type"], v["title"]) for v in views] == [("datatables_view", "表格")]
    # a filter on a Chinese value, and the header kept as the column's label
    assert _rows(res["id"], filters={"单位名称": "巢湖市数据资源局"}) == [dict(zip(rows[0], rows[2]))]
    info = helpers.call_action("datastore_info", id=res["id"])
    assert [f["info"]["label"] for f in info["fields"]] == rows[0]


def test_an_undeterminable_encoding_fails_with_the_reason_and_loads_nothing(site, create_with_upload):
    res = _upload(site, create_with_upload, b"a,b\n" + bytes(range(0x81, 0xff)) + b"\x01\n", "bad.csv")
    _work()
    status = _status(res["id"])
    assert status["status"] == "failed" and status["error"] == table.ENCODING
    assert "UTF-8" in status["message"]
    assert not helpers.call_action("resource_show", id=res["id"]).get("datastore_active")
    with pytest.raises(NotFound):
        helpers.call_action("datastore_search", resource_id=res["id"])


def test_long_chinese_headers_sharing_a_prefix(site, create_with_upload):
    prefix = "各区县市场监督管理局登记的企业年度报告公示信息"
    headers = [prefix + "之注册资本", prefix + "之实缴资本", "名称"]
    res = _upload(site, create_with_upload, _csv([headers, ["100", "80", "甲"]]).encode("utf-8"), "wide.csv")
    _work()
    assert _status(res["id"])["status"] == "done", (_status(res["id"])["error"], _status(res["id"])["error_params"])
    fields = helpers.call_action("datastore_info", id=res["id"])["fields"]
    ids = [f["id"] for f in fields]
    assert len(set(ids)) == 3 and all(len(i.encode()) <= 63 for i in ids)
    assert [f["info"]["label"] for f in fields] == headers
    assert list(_rows(res["id"])[0].values()) == ["100", "80", "甲"]


def test_xlsx_and_a_linked_file(site, create_with_upload, tmp_path):
    import openpyxl

    book = openpyxl.Workbook()
    book.active.append(["日期", "数量"])
    book.active.append([__import__("datetime").date(2025, 10, 1), 2.0])
    path = tmp_path / "t.xlsx"
    book.save(path)
    res = _upload(site, create_with_upload, path.read_bytes(), "t.xlsx")

    server, _hits = _serve(_csv(ROWS).encode("gbk"))
    try:
        linked = helpers.call_action("resource_create", context=dict(site["context"]), package_id=site["pkg"]["id"],
                                     name="链接", url=f"http://127.0.0.1:{server.server_port}/units.csv", format="CSV")
        _work()
    finally:
        server.shutdown()
    assert _status(res["id"])["status"] == "done", (_status(res["id"])["error"], _status(res["id"])["error_params"])
    assert _status(linked["id"])["status"] == "done", _status(linked["id"])
    assert _rows(res["id"]) == [{"日期": "2025-10-01", "数量": "2"}]
    assert _rows(linked["id"])[0]["单位名称"] == "巢湖市交通运输局"


def test_a_link_into_the_portals_network_is_not_fetched(site, monkeypatch):
    monkeypatch.setitem(config, "ckanext.govopen.datastore.fetch_private_addresses", False)
    res = helpers.call_action("resource_create", context=dict(site["context"]), package_id=site["pkg"]["id"],
                              name="内部", url="http://127.0.0.1:6380/secret.csv", format="CSV")
    _work()
    status = _status(res["id"])
    assert status["status"] == "failed" and status["error"] == loader.ADDRESS_REFUSED


def test_a_reload_replaces_the_table_whole(site, create_with_upload, monkeypatch):
    from ckanext.datastore.backend.postgres import get_read_engine

    res = _upload(site, create_with_upload, _csv(ROWS).encode("utf-8"), "units.csv")
    _work()
    helpers.call_action("datastore_create", resource_id=res["id"], force=True,
                        fields=[{"id": "单位名称", "type": "text", "info": {"label": "单位名称", "notes": "全称"}},
                                {"id": "序号", "type": "text"}, {"id": "地址", "type": "text"}])
    # What another connection sees while the next load runs (checked at each progress report).
    seen = []

    def count():
        with get_read_engine().connect() as conn:
            seen.append(conn.execute(sa.text(f'SELECT count(*) FROM "{res["id"]}"')).scalar())

    real_set = loader._set

    def observing_set(resource_id, source, **values):
        real_set(resource_id, source, **values)
        if set(values) == {"rows", "bytes_read"}:  # a progress report, mid-load
            count()
    monkeypatch.setattr(loader, "_set", observing_set)
    monkeypatch.setattr(loader, "_PROGRESS_EVERY", 0)
    big = [ROWS[0]] + [[str(i), f"单位{i}", "巢湖"] for i in range(1, 30_001)]
    # run in this process (the monkeypatches do not reach a forked worker)
    resource = helpers.call_action("resource_show", id=res["id"])
    from ckan.lib.uploader import get_resource_uploader
    with open(get_resource_uploader(resource).get_path(res["id"]), "wb") as f:
        f.write(_csv(big).encode("gbk"))
    loader.queue(resource, force=True)
    loader.run(res["id"], loader.source_of(resource))
    assert seen and set(seen) == {2}, seen  # only ever the old table while loading
    assert _status(res["id"])["rows"] == 30_000
    assert len(_rows(res["id"], filters={"地址": "巢湖"}, limit=10)) == 10
    assert helpers.call_action("datastore_search", resource_id=res["id"], limit=0)["total"] == 30_000
    notes = {f["id"]: f.get("info", {}) for f in helpers.call_action("datastore_info", id=res["id"])["fields"]}
    assert notes["单位名称"]["notes"] == "全称"  # the data dictionary survives the reload

    # A reload that fails at its last row leaves the table as it was.
    with open(get_resource_uploader(resource).get_path(res["id"]), "wb") as f:
        f.write(_csv(big[:100] + [["x", "y", "z", "多出来的一格"]]).encode("utf-8"))
    loader.queue(resource, force=True)
    loader.run(res["id"], loader.source_of(resource))
    status = _status(res["id"])
    assert status["status"] == "failed" and status["error"] == table.ROW_TOO_WIDE and status["error_params"]["row"] == 101
    assert helpers.call_action("datastore_search", resource_id=res["id"], limit=0)["total"] == 30_000


def test_status_and_reload_follow_access(site, create_with_upload, app):
    res = _upload(site, create_with_upload, _csv(ROWS).encode("utf-8"), "units.csv")
    _work()
    stranger = factories.UserWithToken()
    headers = {"Authorization": stranger["token"]}
    shown = app.get("/api/3/action/govopen_datastore_load_show", params={"id": res["id"]}, headers=headers)
    assert shown.json["result"]["status"] == "done"
    again = app.post("/api/3/action/govopen_datastore_load", json={"id": res["id"]}, headers=headers)
    assert again.status_code == 403
    # a metadata edit queues nothing; a new file does
    helpers.call_action("resource_patch", context=dict(site["context"]), id=res["id"], description="说明")
    assert _status(res["id"])["status"] == "done"
    assert helpers.call_action("govopen_datastore_load", context=dict(site["context"]), id=res["id"])["status"] == "queued"
    # the resource page shows the load, and the button to load again to its editors only
    # the page while loading (shown as the worker writes it), then queued again
    source = model.Session.get(DatastoreLoad, res["id"]).source
    model.Session.rollback()
    loader._set(res["id"], source, status="loading", rows=1200, bytes_read=50, bytes_total=200)
    page = app.get(f"/dataset/{site['pkg']['name']}/resource/{res['id']}", headers=headers)
    assert 'data-status="loading"' in page.body and "1200" in page.body and "25%" in page.body
    assert '<meta http-equiv="refresh"' in page.body
    loader._set(res["id"], source, status="queued")
    page = app.get(f"/dataset/{site['pkg']['name']}/resource/{res['id']}", headers=headers)
    assert 'data-status="queued"' in page.body and "/datastore-load\"" not in page.body
    # a load whose worker died stays "loading" in the table; past its time limit it has failed
    loader._set(res["id"], source, status="loading", started=datetime.datetime(2020, 1, 1))
    assert _status(res["id"])["status"] == "failed" and _status(res["id"])["error"] == loader.INTERRUPTED
    loader._set(res["id"], source, status="queued")
    _work()
    admin_headers = {"Authorization": factories.APIToken(user=site["admin"]["name"])["token"]}
    page = app.get(f"/dataset/{site['pkg']['name']}/resource/{res['id']}", headers=admin_headers)
    assert 'data-status="done"' in page.body and "/datastore-load\"" in page.body
    assert app.post(f"/dataset/{site['pkg']['name']}/resource/{res['id']}/datastore-load", headers=headers).status_code == 403
    # the Data API help: this table's fields with their headers, and calls that filter on one of them
    help_page = app.get(f"/datastore/api_info/{res['id']}", headers=headers).body
    assert "<code>单位名称</code>" in help_page and "curl -G" in help_page
    assert "filters={&#34;序号&#34;: &#34;1&#34;}" in help_page


def test_full_text_and_excel_padding(site, create_with_upload):
    # Rows padded with empty cells (as Excel writes them) are refused by COPY as they are: the
    # loader reads them row by row instead. Both ways fill the full-text column.
    padded = "序号,单位名称,地址\r\n1,巢湖市交通运输局,健康中路,,\r\n2,巢湖市数据资源局,滁州路,,\r\n"
    clean = _csv(ROWS)
    loaded = {}
    for name, text in (("padded.csv", padded), ("clean.csv", clean)):
        res = _upload(site, create_with_upload, text.encode("gbk"), name)
        loaded[name] = res["id"]
    _work()
    for rid in loaded.values():
        assert _status(rid)["status"] == "done"
        assert [r["序号"] for r in _rows(rid, q="巢湖市数据资源局")] == ["2"]
    # rows written later through the DataStore API get their full text from CKAN's own trigger
    helpers.call_action("datastore_upsert", resource_id=loaded["clean.csv"], method="insert", force=True,
                        records=[{"序号": "3", "单位名称": "巢湖市统计局", "地址": "巢湖"}])
    assert [r["序号"] for r in _rows(loaded["clean.csv"], q="巢湖市统计局")] == ["3"]


@pytest.mark.ckan_config("ckanext.govopen.datastore.full_text", "false")
def test_loads_without_full_text(site, create_with_upload):
    res = _upload(site, create_with_upload, _csv(ROWS).encode("utf-8"), "units.csv")
    _work()
    assert len(_rows(res["id"])) == 2
    assert _rows(res["id"], q="巢湖市数据资源局") == []


def test_a_dataset_edit_made_from_an_older_read_keeps_the_table_on(site, create_with_upload):
    # CKAN's resource form creates the resource, then patches the dataset with what it read
    # before the load finished: the flag (and with it the preview) must survive that.
    res = _upload(site, create_with_upload, _csv(ROWS).encode("gbk"), "units.csv")
    stale = helpers.call_action("package_show", id=site["pkg"]["id"])
    assert not stale["resources"][0].get("datastore_active")
    _work()
    helpers.call_action("package_update", context=dict(site["context"]), **{**stale, "state": "active"})
    assert helpers.call_action("resource_show", id=res["id"])["datastore_active"] is True
    indexed = helpers.call_action("package_search", q=f"id:{site['pkg']['id']}")["results"][0]
    assert indexed["resources"][0]["datastore_active"] is True
    # a table deleted through the DataStore API switches it off for good
    helpers.call_action("datastore_delete", context=dict(site["context"]), resource_id=res["id"], force=True)
    helpers.call_action("package_update", context=dict(site["context"]), **{**stale, "state": "active"})
    assert helpers.call_action("resource_show", id=res["id"])["datastore_active"] is False


def test_headers_that_look_like_sql(site, create_with_upload):
    # Headers are the file's: colons (bind parameters to SQLAlchemy), percent signs, dollar
    # quotes (the full-text function's body) and quotes must stay text.
    headers = ["时间:开始", "a :b", "100%", "x$govopen$y", "$body$", "'; DROP TABLE t; --"]
    res = _upload(site, create_with_upload, _csv([headers, ["1", "2", "3", "4", "5", "6"]]).encode("utf-8"),
                  "odd.csv")
    _work()
    assert _status(res["id"])["status"] == "done", (_status(res["id"])["error"], _status(res["id"])["error_params"])
    assert [f["info"]["label"] for f in helpers.call_action("datastore_info", id=res["id"])["fields"]] == headers
    assert list(_rows(res["id"], q="4")[0].values())[:6] == ["1", "2", "3", "4", "5", "6"]  # then the rank


def test_a_name_that_rebinds_to_an_inner_address_reaches_nothing(monkeypatch):
    """DNS rebinding: the name resolves to a public address for the check, then to the portal's
    network for the connection. The loader connects to the address it checked."""
    import io
    import socket

    server, hits = _serve(_csv(ROWS).encode("utf-8"))
    real = socket.getaddrinfo
    answers = iter(["127.0.0.2"])  # the first answer (the check's), then the inner address

    def rebinding(host, *args, **kwargs):
        if host == "data.rebind.example":
            return real(next(answers, "127.0.0.1"), *args, **kwargs)
        return real(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", rebinding)
    monkeypatch.setattr(loader, "_public", lambda address: address == "127.0.0.2")  # stands for a public one
    monkeypatch.setitem(config, "ckanext.govopen.datastore.fetch_private_addresses", False)
    try:
        with pytest.raises(loader.LoadFailed) as failed:
            loader._download(f"http://data.rebind.example:{server.server_port}/units.csv", io.BytesIO(), 1 << 20)
        assert failed.value.msgid == loader.FETCH_FAILED  # 127.0.0.2: nobody listens there
        assert hits == []  # the inner server was never asked
        # a name that resolves to the same inner address throughout is refused before connecting
        answers = iter([])
        with pytest.raises(loader.LoadFailed) as refused:
            loader._download(f"http://data.rebind.example:{server.server_port}/units.csv", io.BytesIO(), 1 << 20)
        assert refused.value.msgid == loader.ADDRESS_REFUSED and hits == []
        # and a checked address is where the connection goes (the Host header keeps the name)
        monkeypatch.setattr(loader, "_public", lambda address: True)
        out = io.BytesIO()
        loader._download(f"http://data.rebind.example:{server.server_port}/units.csv", out, 1 << 20)
        assert out.getvalue().decode("utf-8").startswith("序号") and hits == ["/units.csv"]
    finally:
        server.shutdown()
