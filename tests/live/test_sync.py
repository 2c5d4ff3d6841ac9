"""Upward sync between real portals on loopback: a city (the demo catalogue), its province's
open portal, the nation's, and a provincial sharing platform, each a `ckan run` with its own
database and Solr core, harvesting with `ckan govopen sync` and the queue consumers.

The tests run in order and build on each other (one catalogue travelling up the tiers)."""
from __future__ import annotations

import http.server
import json
import os
import pathlib
import re
import signal
import subprocess
import threading
import time
import urllib.error
import urllib.request

import pytest
import sqlalchemy as sa

from tests.catalog_support import zh
from tests.live.conftest import ROOT, Portal, up_together
from tests.live.sync_support import DB, every, leaks, restricted_urls

BASE = int(os.environ.get("GOVOPEN_SYNC_PORT", "5071"))
PUBLISHED = ("unconditional", "on_application")
CODES = {"province": "11340000MB0000001Q", "nation": "11100000MB0000001T", "sharing": "11340000MB0000002U"}


def _stop(portal: Portal) -> None:
    subprocess.run(["bash", str(ROOT / "scripts/portal.sh"), "stop", portal.name], check=False)


@pytest.fixture(scope="module")
def tiers():
    names = ("province", "nation", "sharing")
    city, *others = up_together(("sync_city", BASE, "--fresh", "--demo"),
                                *((f"sync_{tier}", BASE + n, "--fresh", "--title", f"{tier} (sync tests)")
                                  for n, tier in enumerate(names, 1)))
    uppers = dict(zip(names, others))
    for tier, portal in uppers.items():
        portal.token = portal.sysadmin_token()
        portal.api("organization_create", portal.token, name="data-authority", title=f"{tier} data authority",
                   department_code=CODES[tier], region_code="340000" if tier != "nation" else "110000",
                   department_type="data_authority")
    city.token = city.sysadmin_token()
    yield {"city": city, **uppers}
    for portal in (city, *uppers.values()):
        _stop(portal)


def sync(portal: Portal, *args: str, ini: pathlib.Path | None = None, check: bool = True):
    out = subprocess.run([str(ROOT / ".venv/bin/ckan"), "-c", str(ini or portal.ini), "govopen", "sync", *args],
                         capture_output=True, text=True, timeout=600)
    if check and out.returncode:
        raise AssertionError(f"sync {args} failed:\n{out.stdout}\n{out.stderr[-3000:]}")
    return out


def figures(out) -> dict[str, int]:
    m = re.search(r"(\d+) added, (\d+) updated, (\d+) withdrawn, (\d+) with errors", out.stdout)
    assert m, out.stdout + out.stderr[-2000:]
    return dict(zip(("added", "updated", "withdrawn", "errored"), map(int, m.groups())))


def city_entry(tiers, name: str, **fields) -> dict:
    """A new entry at the city, open to all, with a linked CSV."""
    city = tiers["city"]
    org = city.api("organization_show", id="data-bureau")
    data = {"name": name, "title": f"同步测试 {name}", "owner_org": org["id"], "notes": "同步测试数据",
            "resource_class": "base", "classification_code": "107001", "catalogue_code": None,
            "update_frequency": "monthly", "format_class": "02", "format_type": "csv", "region_code": "340181",
            "open_category": "unconditional", "share_category": "unconditional",
            "resources": [{"name": f"{name}.csv", "format": "CSV", "url": f"https://data.example.gov.cn/{name}.csv"}]}
    data.update(fields)
    if data["catalogue_code"] is None:
        data["catalogue_code"] = f"107001340181/{900000 + sum(map(ord, name)) % 99999:06d}"
    return city.api("package_create", city.token, **data)


def province_copy(tiers, origin_id: str, portal: str = "province") -> dict | None:
    found = tiers[portal].api("package_search", tiers[portal].token, fq=f'origin_dataset_id:"{origin_id}"',
                              include_deleted=True)["results"]
    return found[0] if found else None


# --- city -> province ----------------------------------------------------------------------

def test_the_province_harvests_what_the_city_publishes(tiers):
    city, province = tiers["city"], tiers["province"]
    sync(province, "add", "city", city.url, "--target", "open_portal", "--region-code", "340181")
    assert "govopen" in {h["name"] for h in province.api("harvesters_info_show")}
    result = figures(sync(province, "run", "city"))

    published = [d for d in every(city, city.token) if d.get("open_category") in PUBLISHED
                 and not d.get("classified") and not d.get("private")]
    assert result == {"added": len(published), "updated": 0, "withdrawn": 0, "errored": 0}
    copies = {d["origin_dataset_id"]: d for d in every(province) if d.get("origin_dataset_id")}
    assert set(copies) == {d["id"] for d in published}

    for entry in published:
        copy = copies[entry["id"]]
        for field in ("title", "notes", "open_category", "share_category", "open_legal_basis", "open_conditions",
                      "catalogue_code", "update_frequency", "themes", "data_items", "resource_class"):
            assert copy.get(field) == entry.get(field), field
        assert copy["origin_portal"] == city.url and copy["origin_url"] == f"{city.url}/dataset/{entry['name']}"
        assert copy["origin_department"]["department_code"] == entry["organization"]["department_code"] \
            if "department_code" in entry["organization"] else copy["origin_department"]["department_code"]
        assert [hop["portal"] for hop in copy["harvest_chain"]] == [city.url]
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z", copy["acquired_at"])
        assert copy["id"] != entry["id"] and len(copy["resources"]) == len(entry["resources"])
        if entry["open_category"] == "on_application":
            assert all(r["url"] == "" for r in copy["resources"])
            assert copy["origin_apply_url"] == f"{city.url}/dataset/{entry['name']}/request/open_application"
        else:
            assert [r["url"] for r in copy["resources"]] == [r["url"] for r in entry["resources"]]

    # Departments: one organization per department code, with its region.
    orgs = province.api("organization_list", all_fields=True, include_extras=True)
    codes = [o.get("department_code") for o in orgs]
    assert len(codes) == len(set(codes))
    travelled = {copies[e["id"]]["origin_department"]["department_code"] for e in published}
    assert travelled <= set(codes)


def test_a_rerun_with_nothing_changed_writes_nothing(tiers):
    province = tiers["province"]
    before = {d["id"]: d["metadata_modified"] for d in every(province)}
    assert figures(sync(province, "run", "city")) == {"added": 0, "updated": 0, "withdrawn": 0, "errored": 0}
    assert {d["id"]: d["metadata_modified"] for d in every(province)} == before


def test_no_restricted_address_reaches_the_province(tiers):
    assert leaks(tiers["province"], restricted_urls(tiers["city"])) == []


def test_the_province_scores_the_citys_departments(tiers):
    """The city's public scorecard figures, read by the province (govopen_scorecard_tiers) and
    scored there: the same departments and counts, and nothing about a request or a person."""
    city, province = tiers["city"], tiers["province"]
    public = city.api("govopen_scorecard_public")
    found = province.api("govopen_scorecard_tiers", province.token, period=public["period"])
    portal = next(p for p in found["portals"] if p["url"] == city.url)
    assert portal["error"] is None and portal["departments"]
    assert {d["name"]: (d["entries"], d["requests"]["received"]) for d in portal["departments"]} == \
        {d["name"]: (d["entries"], d["requests"]["received"]) for d in public["departments"]}
    assert any(d["requests"]["received"] for d in portal["departments"])  # the demo's requests counted
    assert all(d["score"] is not None and d["rank"] for d in portal["departments"] if d["entries"])
    requests = city.api("govopen_request_list", city.token, limit=100)["results"]
    secrets = [r["id"] for r in requests] + [r["user_id"] for r in requests if r.get("user_id")]
    text = json.dumps(found, ensure_ascii=False)
    assert requests and not [s for s in secrets if s in text]
    page = urllib.request.urlopen(urllib.request.Request(
        f"{province.url}/scorecard/tiers?period={public['period']}", headers={"Authorization": province.token}))
    body = page.read().decode("utf-8")
    assert portal["departments"][0]["title"] in body and "govopen-tier-table" in body


def test_a_sharing_platform_read_with_an_entitled_token_gets_metadata_only(tiers):
    city, sharing = tiers["city"], tiers["sharing"]
    # The city's sysadmin token sees every address: the worst credential a source can be read with.
    (sharing.ini.parent / "sync-tokens.json").write_text(json.dumps({city.url: city.token}))
    sync(sharing, "add", "city", city.url, "--target", "sharing_platform")
    result = figures(sync(sharing, "run", "city"))
    everything = every(city, city.token)
    shared = [d for d in everything if not d.get("classified") and not d.get("private")]
    assert result["added"] == len(shared) and result["errored"] == 0
    categories = {d["open_category"] for d in every(sharing) if d.get("origin_dataset_id")}
    assert "not_open" in categories  # the sharing catalogue and negative list take them, as metadata
    assert leaks(sharing, restricted_urls(tiers["city"])) == []
    classified = [d["id"] for d in everything if d.get("classified")]
    assert all(province_copy(tiers, i, "sharing") is None for i in classified)


# --- changes at the source -----------------------------------------------------------------

def test_deletion_downgrade_and_return_travel(tiers):
    city, province = tiers["city"], tiers["province"]
    gone, closed, restricted = (city_entry(tiers, n) for n in ("sync-gone", "sync-closed", "sync-restricted"))
    assert figures(sync(province, "run", "city"))["added"] == 3
    assert province_copy(tiers, restricted["id"])["resources"][0]["url"].startswith("https://data.example.gov.cn/")

    city.api("package_delete", city.token, id=gone["id"])
    city.api("package_patch", city.token, id=closed["id"], open_category="not_open",
             open_legal_basis="《巢湖市政务数据共享开放管理办法》第十二条", category_change_reason="涉及个人信息")
    city.api("package_patch", city.token, id=restricted["id"], open_category="on_application",
             open_legal_basis="《巢湖市政务数据共享开放管理办法》第十七条", open_conditions="仅用于科研",
             category_change_reason="需申请使用")
    result = figures(sync(province, "run", "city"))
    assert (result["withdrawn"], result["updated"], result["errored"]) == (2, 1, 0)

    for entry, why in ((gone, "No longer listed at the source"),
                       (closed, "Its open category is not published on this target")):
        copy = province_copy(tiers, entry["id"])
        assert copy is None or copy["state"] == "deleted"
        shown = province.api("package_show", province.token, id=f"{mapping_id(city, entry)}")
        assert shown["state"] == "deleted" and shown["withdrawn_reason"] == why and shown["withdrawn_at"]
    copy = province_copy(tiers, restricted["id"])
    assert copy["open_category"] == "on_application" and copy["resources"][0]["url"] == ""
    assert leaks(province, ["https://data.example.gov.cn/sync-restricted.csv"]) == []

    # Back at the source: the same upstream dataset returns, with its address.
    city.api("package_patch", city.token, id=closed["id"], open_category="unconditional",
             category_change_reason="已脱敏，重新开放")
    result = figures(sync(province, "run", "city"))
    assert result["errored"] == 0 and result["updated"] == 1
    back = province.api("package_show", province.token, id=mapping_id(city, closed))
    assert back["state"] == "active" and back["withdrawn_reason"] in ("", None)
    assert back["resources"][0]["url"] == "https://data.example.gov.cn/sync-closed.csv"


def mapping_id(city: Portal, entry: dict) -> str:
    from ckanext.govopen.sync.mapping import upstream_id

    return upstream_id((city.url, entry["id"]))


def test_copies_are_read_only_upstream_and_take_no_requests(tiers):
    province = tiers["province"]
    copy = next(d for d in every(province) if d.get("open_category") == "on_application")
    for action, data in (("package_patch", {"id": copy["id"], "title": "改"}),
                         ("package_update", {"name": copy["name"], "title": "改"}),
                         ("resource_patch", {"id": copy["resources"][0]["id"], "name": "改"}),
                         ("package_delete", {"id": copy["id"]})):
        with pytest.raises(urllib.error.HTTPError) as err:
            province.api(action, province.token, **data)
        assert err.value.code == 403
        assert tiers["city"].url in json.load(err.value)["error"]["message"]
    with pytest.raises(urllib.error.HTTPError) as err:
        province.api("govopen_request_create", province.token, dataset_id=copy["id"], kind="correction",
                     details="数据有误")
    assert err.value.code == 409 and "dataset_id" in json.load(err.value)["error"]
    page = urllib.request.urlopen(f"{province.url}/dataset/{copy['name']}").read().decode()
    assert 'id="govopen-provenance"' in page and copy["origin_apply_url"] in page
    assert "来源" in page and f"/dataset/edit/{copy['name']}" not in page


# --- a misbehaving source ------------------------------------------------------------------

class _BadSource(http.server.BaseHTTPRequestHandler):
    mode = "500"

    def do_POST(self):  # noqa: N802
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        if self.mode == "hang":
            time.sleep(4)
        body, status = {
            "500": (b"oops", 500),
            "malformed": (b"{\"success\": true, \"result\": {\"count\": 3, \"results\": [", 200),
            "hang": (b"{}", 200),
            "empty": (json.dumps({"success": True, "result": {"count": 0, "results": []}}).encode(), 200),
            "truncated": (json.dumps({"success": True, "result": {"count": 40, "results": []}}).encode(), 200),
        }[self.mode]
        if self.mode in ("empty", "truncated") and "organization_list" in self.path:
            body = json.dumps({"success": True, "result": []}).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.mark.parametrize("mode, says", [
    ("500", "Could not list the source {url}: {error}"), ("malformed", "Could not list the source {url}: {error}"),
    ("hang", "Could not list the source {url}: {error}"), ("truncated", "Could not list the source {url}: {error}"),
    ("empty", "the listing is empty")])
def test_a_broken_source_withdraws_nothing(tiers, tmp_path, mode, says):
    province = tiers["province"]
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), type("Bad", (_BadSource,), {"mode": mode}))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    ini = tmp_path / "fast.ini"  # short timeouts, so a hanging source fails within seconds
    ini.write_text(f"[app:main]\nuse = config:{province.ini}\nckanext.govopen.sync.timeout = 2\n"
                   "ckanext.govopen.sync.retries = 1\nckanext.govopen.sync.backoff = 0.1\n")
    before = sorted(d["id"] for d in every(province))
    try:
        province.api("harvest_source_patch", province.token, id="city",
                     url=f"http://127.0.0.1:{server.server_address[1]}")
        out = sync(province, "run", "city", ini=ini, check=False)
    finally:
        province.api("harvest_source_patch", province.token, id="city", url=tiers["city"].url)
        server.shutdown()
    # Job errors are stored in the portal's language (Chinese), for its administrators.
    assert out.returncode == 1 and zh(says).split("{")[0].strip("：: ") in out.stderr, out.stderr[-2000:]
    assert sorted(d["id"] for d in every(province)) == before
    # The source back in order: the next run finds nothing to do.
    assert figures(sync(province, "run", "city")) == {"added": 0, "updated": 0, "withdrawn": 0, "errored": 0}


# --- two hops, two paths, concurrency, kills, consumers -------------------------------------

def test_the_nation_keeps_the_city_as_origin_and_meets_it_by_two_paths(tiers):
    city, province, nation = tiers["city"], tiers["province"], tiers["nation"]
    sync(nation, "add", "province", province.url, "--target", "open_portal", "--region-code", "340000")
    result = figures(sync(nation, "run", "province"))
    at_province = [d for d in every(province) if d.get("origin_dataset_id")]
    assert result["added"] == len(at_province) and result["errored"] == 0
    for copy in every(nation):
        if not copy.get("origin_dataset_id"):
            continue
        assert copy["origin_portal"] == city.url
        assert [hop["portal"] for hop in copy["harvest_chain"]] == [city.url, province.url]
        assert copy["id"] == mapping_id(city, {"id": copy["origin_dataset_id"]})

    # The nation also harvests the city directly: the same datasets, no duplicates.
    sync(nation, "add", "city-direct", city.url, "--target", "open_portal", "--region-code", "340181")
    assert figures(sync(nation, "run", "city-direct"))["errored"] == 0
    ids = [d["origin_dataset_id"] for d in every(nation) if d.get("origin_dataset_id")]
    assert len(ids) == len(set(ids)) == len(at_province)
    assert leaks(nation, restricted_urls(tiers["city"])) == []


def test_concurrent_jobs_give_no_duplicates(tiers):
    city, nation = tiers["city"], tiers["nation"]
    city_entry(tiers, "sync-concurrent")
    cmd = [str(ROOT / ".venv/bin/ckan"), "-c", str(nation.ini), "govopen", "sync", "run"]
    runs = [subprocess.Popen([*cmd, name, "--force-withdrawals"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             text=True) for name in ("province", "city-direct")]
    outs = [r.communicate(timeout=600) for r in runs]
    assert [r.returncode for r in runs] == [0, 0], outs
    figures(sync(nation, "run", "province"))

    # The same source twice at once: the second run is refused while the first holds the source.
    from ckanext.govopen.sync.store import _key

    source = nation.api("harvest_source_show", nation.token, id="city-direct")
    engine = sa.create_engine(DB.format(nation.name))
    with engine.connect() as held:
        assert held.execute(sa.text("SELECT pg_try_advisory_lock(:k)"), {"k": _key("source", source["id"])}).scalar()
        out = sync(nation, "run", "city-direct", check=False)
    engine.dispose()
    assert out.returncode == 1 and "under way" in out.stderr
    ids = [d["origin_dataset_id"] for d in every(nation) if d.get("origin_dataset_id")]
    assert len(ids) == len(set(ids))
    published = [d for d in every(city) if d.get("open_category") in PUBLISHED and not d.get("classified")]
    assert set(ids) == {d["id"] for d in published}


def test_a_killed_job_is_completed_by_the_next_run(tiers):
    city, sharing = tiers["city"], tiers["sharing"]
    sync(sharing, "add", "city-again", city.url, "--target", "sharing_platform", "--max-withdrawal-share", "0.5")
    run = subprocess.Popen([str(ROOT / ".venv/bin/ckan"), "-c", str(sharing.ini), "govopen", "sync", "run",
                            "city-again", "--force-withdrawals"], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                           text=True)
    for line in run.stdout:
        if "entries to write or withdraw" in line:  # listed, objects committed, importing
            run.send_signal(signal.SIGKILL)
            break
    run.wait(timeout=60)
    out = sync(sharing, "run", "city-again")
    assert "completing job" in out.stdout and figures(out)["errored"] == 0
    ids = [d["origin_dataset_id"] for d in every(sharing) if d.get("origin_dataset_id")]
    assert len(ids) == len(set(ids))
    shared = [d for d in every(city, city.token) if not d.get("classified") and not d.get("private")]
    assert set(ids) == {d["id"] for d in shared}


def test_a_large_job_is_imported_by_workers(tiers):
    province = tiers["province"]
    sync(province, "run", "city")  # catch up with the earlier tests' entries
    made = [city_entry(tiers, f"sync-bulk-{i:03d}", catalogue_code=f"107001340181/{800000 + i:06d}")["id"]
            for i in range(210)]
    out = sync(province, "run", "city")
    assert "(2 workers)" in out.stdout and figures(out) == {"added": 210, "updated": 0, "withdrawn": 0, "errored": 0}
    copies = [d["origin_dataset_id"] for d in every(province) if d.get("origin_dataset_id")]
    assert set(made) <= set(copies) and len(copies) == len(set(copies))


def test_the_queue_consumers_survive_idle_queues_and_run_a_job(tiers):
    province = tiers["province"]
    consumers = [subprocess.Popen([str(ROOT / ".venv/bin/ckan"), "-c", str(province.ini), "govopen", "sync",
                                   "consume", stage], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                 for stage in ("gather", "fetch")]
    try:
        time.sleep(8)  # longer than redis-py 8's socket timeout on an empty queue
        assert [c.poll() for c in consumers] == [None, None]
        entry = city_entry(tiers, "sync-queued")
        source = province.api("harvest_source_show", id="city")
        province.api("harvest_job_create", province.token, source_id=source["id"])
        deadline = time.time() + 120
        while time.time() < deadline and province_copy(tiers, entry["id"]) is None:
            time.sleep(1)
        assert province_copy(tiers, entry["id"]) is not None
        subprocess.run([str(ROOT / ".venv/bin/ckan"), "-c", str(province.ini), "harvester", "run"],
                       check=True, capture_output=True)
        jobs = province.api("harvest_job_list", province.token, source_id=source["id"])
        assert all(j["status"] == "Finished" for j in jobs)
        assert [c.poll() for c in consumers] == [None, None]
    finally:
        for c in consumers:
            c.terminate()
            c.wait(timeout=30)
