"""The cascade's push report between real portals on loopback: a city (the demo catalogue) that
reports to its province, which reports to the nation (`ckan govopen report`), each a `ckan run`
with its own database and Solr core. The upper tiers cannot reach the tier below: nothing is
harvested, everything arrives in signed calls.

The tests run in order and build on each other."""
from __future__ import annotations

import http.server
import json
import os
import pathlib
import re
import subprocess
import threading
import time
import urllib.error
import urllib.request

import datetime

import pytest
import requests

from ckanext.govopen.sync import mapping, signing
from tests.catalog_support import department_code
from tests.live.conftest import ROOT, Portal, up_together
from tests.live.sync_support import every, leaks, restricted_urls
from tests.requests_support import ID_NUMBER

BASE = int(os.environ.get("GOVOPEN_CASCADE_PORT", "5075"))
PUBLISHED = ("unconditional", "on_application")
CODES = {"province": "11340000MB0000001Q", "nation": "11100000MB0000001T"}
SECRETS = {"city": "city-to-province-3f9a", "province": "province-to-nation-81c2", "county": "county-to-province-77d0"}
COUNTY = "http://127.0.0.1:9"  # a registered origin that never answers: only its signed calls matter


def _write(portal: Portal, name: str, value) -> None:
    path = portal.ini.parent / name
    path.write_text(json.dumps(value))
    path.chmod(0o600)


@pytest.fixture(scope="module")
def tiers():
    city, province, nation = up_together(("casc_city", BASE, "--fresh", "--demo"),
                                         ("casc_province", BASE + 1, "--fresh", "--title", "province (cascade tests)"),
                                         ("casc_nation", BASE + 2, "--fresh", "--title", "nation (cascade tests)"))
    for tier, portal in (("province", province), ("nation", nation)):
        portal.token = portal.sysadmin_token()
        portal.api("organization_create", portal.token, name="data-authority", title=f"{tier} data authority",
                   department_code=CODES[tier], region_code="340000" if tier == "province" else "110000",
                   department_type="data_authority")
    city.token = city.sysadmin_token()
    # Who may report to whom, and with which secret: files beside each portal's ckan.ini.
    ckan(province, "sync", "add", "city", city.url, "--target", "open_portal", "--region-code", "340181", "--push")
    ckan(province, "sync", "add", "county", COUNTY, "--target", "open_portal", "--region-code", "340181", "--push")
    _write(province, "sync-origins.json", {city.url: SECRETS["city"], COUNTY: SECRETS["county"]})
    ckan(nation, "sync", "add", "province", province.url, "--target", "open_portal", "--region-code", "340000",
         "--push")
    _write(nation, "sync-origins.json", {province.url: SECRETS["province"]})
    _write(city, "sync-targets.json", {"province": {"url": province.url, "secret": SECRETS["city"],
                                                    "target": "open_portal"}})
    _write(province, "sync-targets.json", {"nation": {"url": nation.url, "secret": SECRETS["province"],
                                                      "target": "open_portal"}})
    yield {"city": city, "province": province, "nation": nation}
    for portal in (city, province, nation):
        subprocess.run(["bash", str(ROOT / "scripts/portal.sh"), "stop", portal.name], check=False)


def ckan(portal: Portal, *args: str, ini=None, check: bool = True):
    out = subprocess.run([str(ROOT / ".venv/bin/ckan"), "-c", str(ini or portal.ini), "govopen", *args],
                         capture_output=True, text=True, timeout=600)
    if check and out.returncode:
        raise AssertionError(f"{args} failed:\n{out.stdout}\n{out.stderr[-3000:]}")
    return out


def report(portal: Portal, target: str, ini=None, check: bool = True):
    return ckan(portal, "report", "--target", target, ini=ini, check=check)


def figures(out) -> dict[str, int]:
    m = re.search(r"(\d+) listed, (\d+) sent; (\d+) added, (\d+) updated, (\d+) withdrawn, (\d+) with errors", out.stdout)
    assert m, out.stdout + out.stderr[-2000:]
    return dict(zip(("listed", "sent", "added", "updated", "withdrawn", "errored"), map(int, m.groups())))


def published(city: Portal) -> list[dict]:
    return [d for d in every(city, city.token) if d.get("open_category") in PUBLISHED
            and not d.get("classified") and not d.get("private")]


def copies(portal: Portal, **params) -> dict[str, dict]:
    return {d["origin_dataset_id"]: d for d in every(portal, portal.token, **params) if d.get("origin_dataset_id")}


def city_entry(city: Portal, name: str, **fields) -> dict:
    org = city.api("organization_show", id="data-bureau")
    data = {"name": name, "title": f"级联测试 {name}", "owner_org": org["id"], "notes": "级联上报测试",
            "resource_class": "base", "classification_code": "107001",
            "catalogue_code": f"107001340181/{700000 + sum(map(ord, name)) % 99999:06d}",
            "update_frequency": "monthly", "format_class": "02", "format_type": "csv", "region_code": "340181",
            "open_category": "unconditional", "share_category": "unconditional",
            "resources": [{"name": f"{name}.csv", "format": "CSV", "url": f"https://data.example.gov.cn/{name}.csv"}]}
    data.update(fields)
    return city.api("package_create", city.token, **data)


def signed_call(portal: Portal, origin: str, secret: str, step: str, payload, *, when: int | None = None,
                body: bytes | None = None, headers: dict | None = None, flow: str = "report"):
    """One report (or forward) call as a portal would make it (or a forger): (HTTP status, answer)."""
    path = f"/api/govopen/{flow}/{step}"
    raw = json.dumps(payload, ensure_ascii=False).encode()
    sent = signing.signed_headers(origin, secret, "POST", path, raw, when or int(time.time()))
    req = urllib.request.Request(portal.url + path, data=raw if body is None else body, method="POST",
                                 headers={"Content-Type": "application/json", **sent, **(headers or {})})
    try:
        with urllib.request.urlopen(req, timeout=60) as res:
            return res.status, json.load(res)
    except urllib.error.HTTPError as err:
        return err.code, json.load(err)


# --- city -> province ----------------------------------------------------------------------

def test_the_city_reports_its_catalogue_to_the_province(tiers):
    city, province = tiers["city"], tiers["province"]
    result = figures(report(city, "province"))
    expected = published(city)
    assert result == {"listed": len(expected), "sent": len(expected), "added": len(expected), "updated": 0,
                      "withdrawn": 0, "errored": 0}
    got = copies(province)
    assert set(got) == {d["id"] for d in expected}
    for entry in expected:
        copy = got[entry["id"]]
        for field in ("title", "notes", "open_category", "share_category", "open_legal_basis", "catalogue_code",
                      "update_frequency", "themes", "data_items"):
            assert copy.get(field) == entry.get(field), field
        assert copy["origin_portal"] == city.url and [h["portal"] for h in copy["harvest_chain"]] == [city.url]
        if entry["open_category"] == "on_application":
            assert all(r["url"] == "" for r in copy["resources"])
            assert copy["origin_apply_url"] == f"{city.url}/dataset/{entry['name']}/request/open_application"
    assert leaks(province, restricted_urls(city)) == []
    # The report is a harvest job of the push source: its figures show like a pulled job's.
    source = province.api("harvest_source_show", province.token, id="city")
    job = province.api("harvest_job_list", province.token, source_id=source["id"])[0]
    assert (job["status"], job["stats"].get("added")) == ("Finished", len(expected))


def test_a_report_again_sends_only_what_changed(tiers):
    city, province = tiers["city"], tiers["province"]
    before = {d["id"]: d["metadata_modified"] for d in every(province)}
    assert figures(report(city, "province"))["sent"] == 0
    assert {d["id"]: d["metadata_modified"] for d in every(province)} == before

    entry = published(city)[0]
    city.api("package_patch", city.token, id=entry["id"], notes="上报后修改的说明")
    result = figures(report(city, "province"))
    assert (result["sent"], result["added"], result["updated"], result["withdrawn"]) == (1, 0, 1, 0)
    assert copies(province)[entry["id"]]["notes"] == "上报后修改的说明"


def test_the_province_reports_on_to_the_nation_and_a_revocation_travels_two_hops(tiers):
    city, province, nation = tiers["city"], tiers["province"], tiers["nation"]
    gone = city_entry(city, "casc-gone")
    assert figures(report(city, "province"))["added"] == 1
    result = figures(report(province, "nation"))
    at_province = copies(province)
    assert result["added"] == len(at_province) and result["errored"] == 0
    at_nation = copies(nation)
    assert set(at_nation) == set(at_province)
    one = at_nation[gone["id"]]
    # The same dataset id as the province's: one identity on every path.
    assert one["id"] == at_province[gone["id"]]["id"] == mapping.upstream_id((city.url, gone["id"]))
    assert [h["portal"] for h in one["harvest_chain"]] == [city.url, province.url]
    assert leaks(nation, restricted_urls(city)) == []

    city.api("package_delete", city.token, id=gone["id"])
    assert figures(report(city, "province"))["withdrawn"] == 1
    assert figures(report(province, "nation"))["withdrawn"] == 1
    tomb = nation.api("package_show", nation.token, id=one["id"])
    assert tomb["state"] == "deleted" and tomb["withdrawn_reason"] and tomb["withdrawn_at"]
    assert gone["id"] not in copies(nation)


class CutAfter(http.server.ThreadingHTTPServer):
    """A link to the province that carries CALLS report calls, then is cut (connections dropped)."""

    def __init__(self, upstream: str, calls: int):
        self.upstream, self.left = upstream, calls

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(handler):  # noqa: N805
                body = handler.rfile.read(int(handler.headers.get("Content-Length") or 0))
                if self.left <= 0:
                    handler.connection.close()  # the cable is cut: no answer at all
                    return
                self.left -= 1
                req = urllib.request.Request(self.upstream + handler.path, data=body, method="POST",
                                             headers={k: v for k, v in handler.headers.items() if k.lower() != "host"})
                try:
                    with urllib.request.urlopen(req, timeout=120) as res:
                        status, answer = res.status, res.read()
                except urllib.error.HTTPError as err:
                    status, answer = err.code, err.read()
                handler.send_response(status)
                handler.send_header("Content-Type", "application/json")
                handler.send_header("Content-Length", str(len(answer)))
                handler.end_headers()
                handler.wfile.write(answer)

            def log_message(handler, *args):  # noqa: N805
                pass

        super().__init__(("127.0.0.1", 0), Handler)


def test_a_report_cut_half_way_and_repeated_ends_as_one_complete_report(tiers):
    city, province = tiers["city"], tiers["province"]
    made = [city_entry(city, f"casc-batch-{i:02d}", catalogue_code=f"107001340181/{760000 + i:06d}")["id"]
            for i in range(70)]  # two calls of entries
    link = CutAfter(province.url, calls=2)  # the offer and the first 50 entries get through
    threading.Thread(target=link.serve_forever, daemon=True).start()
    try:
        _write(city, "sync-targets-cut.json", {"province": {"url": f"http://127.0.0.1:{link.server_address[1]}",
                                                           "secret": SECRETS["city"], "target": "open_portal"}})
        ini = city.ini.parent / "cut.ini"
        ini.write_text(f"[app:main]\nuse = config:{city.ini}\n"
                       f"ckanext.govopen.sync.targets_file = {city.ini.parent / 'sync-targets-cut.json'}\n"
                       "ckanext.govopen.sync.retries = 1\nckanext.govopen.sync.backoff = 0.1\n"
                       "ckanext.govopen.sync.timeout = 5\n")
        out = report(city, "province", ini=ini, check=False)
    finally:
        link.shutdown()
    assert out.returncode == 1 and f"127.0.0.1:{link.server_address[1]}" in out.stderr.splitlines()[-1]
    assert 0 < len(set(made) & set(copies(province))) < len(made)  # half-way
    [shown] = city.api("govopen_report_list", city.token)
    assert shown["last"]["status"] == "failed" and str(link.server_address[1]) in shown["last"]["error"]

    result = figures(report(city, "province"))  # the link is back: the same command again
    assert result["errored"] == 0 and result["added"] == len(made) - 50
    got = copies(province)
    assert set(got) == {d["id"] for d in published(city)}
    # exactly as one complete report: every copy says what its entry says now
    assert figures(report(city, "province"))["sent"] == 0


def test_the_data_authority_sees_each_target_its_last_reports_and_what_waits(tiers):
    city = tiers["city"]
    [shown] = city.api("govopen_report_list", city.token)
    assert (shown["name"], shown["url"], shown["target"]) == ("province", tiers["province"].url, "open_portal")
    assert shown["last"]["status"] == "done" and shown["last"]["figures"]["wanted"] == 0
    assert shown["waiting"] == 0 and SECRETS["city"] not in json.dumps(shown)
    entry = published(city)[1]
    city.api("package_patch", city.token, id=entry["id"], notes="等待下次上报")
    assert city.api("govopen_report_list", city.token)[0]["waiting"] == 1

    page = urllib.request.urlopen(urllib.request.Request(f"{city.url}/cascade/reports",
                                                         headers={"Authorization": city.token}), timeout=60)
    html = page.read().decode()
    assert "province" in html and tiers["province"].url in html and SECRETS["city"] not in html
    assert "上报" in html  # Chinese first
    anonymous = urllib.request.urlopen(f"{city.url}/cascade/reports", timeout=60)  # sent to log in
    assert "/user/login" in anonymous.url and tiers["province"].url not in anonymous.read().decode()
    assert figures(report(city, "province"))["updated"] == 1
    assert city.api("govopen_report_list", city.token)[0]["waiting"] == 0


# --- who may write what --------------------------------------------------------------------

def test_calls_that_are_forged_replayed_stale_or_unsigned_are_refused(tiers):
    city, province = tiers["city"], tiers["province"]
    listing = {"x-1": "0" * 64}
    assert signed_call(province, city.url, "wrong-secret", "offer", {"listing": listing})[1]["code"] == "1003"
    # the county's secret does not make a call from the city
    assert signed_call(province, city.url, SECRETS["county"], "offer", {"listing": listing})[1]["code"] == "1003"
    assert signed_call(province, "http://127.0.0.1:1", "any", "offer", {"listing": listing})[1]["code"] == "1002"
    status, answer = signed_call(province, city.url, SECRETS["city"], "offer", {"listing": listing},
                                 when=int(time.time()) - 3600)
    assert (status, answer["code"]) == (401, "1004")
    # altered on the way: the body no longer matches its signature
    assert signed_call(province, city.url, SECRETS["city"], "offer", {"listing": listing},
                       body=json.dumps({"listing": {}}).encode())[1]["code"] == "1003"
    status, answer = signed_call(province, city.url, SECRETS["city"], "finish", {"report": "no-such-report"})
    assert (status, answer["code"]) == (409, "2004")
    status, answer = signed_call(province, city.url, SECRETS["city"], "entries", {"report": "r", "entries": "x"})
    assert (status, answer["code"]) == (400, "1006") and "entries" in answer["errors"]
    # a captured call sent again
    path = "/api/govopen/report/finish"
    raw = json.dumps({"report": "no-such-report"}).encode()
    headers = signing.signed_headers(city.url, SECRETS["city"], "POST", path, raw, int(time.time()))
    for expected in ("2004", "1005"):
        req = urllib.request.Request(province.url + path, data=raw, method="POST",
                                     headers={"Content-Type": "application/json", **headers})
        try:
            urllib.request.urlopen(req, timeout=30)
        except urllib.error.HTTPError as err:
            assert json.load(err)["code"] == expected
    # a listing that would withdraw everything is refused by the guard: nothing is withdrawn
    before = set(copies(province))
    status, answer = signed_call(province, city.url, SECRETS["city"], "offer", {"listing": {}})
    assert (status, answer["code"]) == (409, "2003") and set(copies(province)) == before
    status, answer = signed_call(province, city.url, SECRETS["city"], "offer",
                                 {"listing": {i: "0" * 64 for i in sorted(before)[: len(before) // 2]}})
    assert (status, answer["code"]) == (409, "2003") and set(copies(province)) == before
    # the action itself is not reachable through the action API, not even by a sysadmin
    with pytest.raises(urllib.error.HTTPError) as refused:
        province.api("govopen_sync_receive", province.token, step="finish", report="x")
    assert refused.value.code == 403


def test_an_origin_cannot_write_another_origins_entries(tiers):
    city, province = tiers["city"], tiers["province"]
    victim = published(city)[0]
    before = copies(province)[victim["id"]]
    forged = {**before, "title": "伪造的标题", "id": "county-1"}  # claims to be the city's entry
    status, offered = signed_call(province, COUNTY, SECRETS["county"], "offer", {"listing": {"county-1": "f" * 64}})
    assert (status, offered["code"], offered["wanted"]) == (200, "0000", ["county-1"])
    status, answer = signed_call(province, COUNTY, SECRETS["county"], "entries",
                                 {"report": offered["report"], "entries": [forged]})
    assert status == 200 and [r["code"] for r in answer["results"]] == ["2002"]
    assert city.url in answer["results"][0]["message"]
    signed_call(province, COUNTY, SECRETS["county"], "finish", {"report": offered["report"]})
    assert copies(province)[victim["id"]]["title"] == before["title"]



# --- applications forwarded to the tier that holds the data --------------------------------

PASSWORD = "live-tests-Pw-2026"


def user_token(portal: Portal, name: str) -> str:
    if portal.ckan("user", "show", name).strip().endswith("User: None"):
        portal.ckan("user", "add", name, f"email={name}@example.com", f"password={PASSWORD}")
    return portal.ckan("user", "token", "add", name, "live-tests").strip().splitlines()[-1].strip()


def an_application(copy: dict) -> dict:
    return {"dataset_id": copy["id"], "kind": "open_application", "applicant_type": "person",
            "applicant_name": "李研究", "id_number": ID_NUMBER, "purpose": "出生率研究", "scenario": "高校课题",
            "usage_type": "public_interest", "security_measures": "内网存储", "requested_until": "2027-06-30",
            "written_reply": True}


def test_an_application_made_at_the_province_is_answered_by_the_city(tiers):
    city, province = tiers["city"], tiers["province"]
    token = user_token(province, "casc_applicant")
    copy = next(d for d in copies(province).values() if d["open_category"] == "on_application")
    made = province.api("govopen_request_create", token, **an_application(copy))
    assert (made["forwarded"], made["state"], made["id_number"]) == (True, "queued", ID_NUMBER)

    assert "1 sent" in ckan(province, "forward").stdout
    [mine] = province.api("govopen_forward_list", token)["results"]
    assert mine["state"] == "forwarded" and mine["status"] == "submitted" and mine["due"] and mine["number"]
    assert mine["id_number"] != ID_NUMBER and leaks(province, [ID_NUMBER]) == []  # only the origin keeps it
    at_city = city.api("govopen_request_show", city.token, id=mine["remote_id"])
    assert at_city["id_number"] == ID_NUMBER and at_city["dataset_id"] == copy["origin_dataset_id"]
    assert at_city["forwarded_from"] == {"portal": province.url, "id": made["id"]}

    # A retry (the answer was lost) files nothing twice.
    status, again = signed_call(city, province.url, SECRETS["city"], "apply", flow="forward", payload={
        "forward_id": made["id"], "kind": "open_application", "dataset_id": copy["origin_dataset_id"],
        "applicant": {k: v for k, v in an_application(copy).items() if k not in ("dataset_id", "kind")}})
    assert (status, again["id"]) == (200, at_city["id"])
    assert ckan(province, "forward").stdout.count("0 sent") == 1

    # Decided at the city, under its policy; the applicant sees it at the province on the next run.
    city.api("govopen_request_decide", city.token, id=at_city["id"], decision="reject", reason="涉及第三方商业秘密",
             legal_basis="《巢湖市政务数据共享开放管理办法》第十七条")
    assert "1 answered" in ckan(province, "forward").stdout
    [mine] = province.api("govopen_forward_list", token)["results"]
    assert (mine["state"], mine["status"], mine["decision"]["reason"]) == ("answered", "rejected", "涉及第三方商业秘密")
    # One trail: the application here, then the city's events, each naming its portal.
    assert [e["to"] for e in mine["events"]][-1] == "rejected"
    assert [e["portal"] for e in mine["events"]] == [province.url] + [city.url] * (len(mine["events"]) - 1)
    # Nobody else follows it: another user's list is empty.
    assert province.api("govopen_forward_list", user_token(province, "casc_other"))["count"] == 0


def test_an_origin_answers_only_the_portal_that_forwarded(tiers):
    city, province, nation = tiers["city"], tiers["province"], tiers["nation"]
    [mine] = province.api("govopen_forward_list", province.token, all=True)["results"]
    # The county shares a secret with the province, not with the city: it cannot ask the city.
    assert signed_call(city, COUNTY, SECRETS["county"], "status", {"forward_ids": [mine["id"]]},
                       flow="forward")[1]["code"] == "1002"
    # The nation shares no secret with the city (its copies come through the province): it says so.
    token = user_token(nation, "casc_applicant")
    copy = next(d for d in copies(nation).values() if d["open_category"] == "on_application")
    nation.api("govopen_request_create", token, **an_application(copy))
    assert "1 failed" in ckan(nation, "forward").stdout
    [failed] = nation.api("govopen_forward_list", token)["results"]
    assert failed["state"] == "failed" and city.url in failed["last_error"]
    assert failed["id_number"] != ID_NUMBER and leaks(nation, [ID_NUMBER]) == []  # going nowhere, kept masked


CSV = "区县,人口\n巢湖,780000\n".encode()


def test_an_upper_tier_departments_share_request_is_granted_by_the_city_and_delivered(tiers, browser, artifacts):
    city, province = tiers["city"], tiers["province"]
    entry = city_entry(city, "casc-share", open_category="on_application", share_category="conditional",
                       open_conditions="限科研使用", open_legal_basis="《巢湖市政务数据共享开放管理办法》第十二条",
                       share_conditions="限履职使用", share_legal_basis="《巢湖市政务数据共享开放管理办法》第十条")
    upload = requests.post(f"{city.url}/api/3/action/resource_create", headers={"Authorization": city.token},
                           data={"package_id": entry["id"], "name": "人口.csv", "format": "CSV"},
                           files={"upload": ("population.csv", CSV, "text/csv")}, timeout=60).json()["result"]
    [link] = entry["resources"]
    report(city, "province")
    copy = copies(province)[entry["id"]]

    # A department of the province, with two members and one outsider.
    org = province.api("organization_create", province.token, name="province-health", title="省卫生健康委",
                       department_code=department_code(41, "340000"), region_code="340000",
                       department_type="ordinary")
    staff, colleague, outsider = (user_token(province, n) for n in ("casc_staff", "casc_colleague", "casc_other"))
    for name in ("casc_staff", "casc_colleague"):
        province.api("organization_member_create", province.token, id=org["id"], username=name, role="member")

    # The copy's page offers the share request here; the form says it is forwarded.
    as_staff = {"Authorization": staff}
    page = requests.get(f"{province.url}/dataset/{copy['name']}", headers=as_staff, timeout=60).text
    assert f"/dataset/{copy['name']}/request/share_application" in page
    form = requests.get(f"{province.url}/dataset/{copy['name']}/request/share_application", headers=as_staff,
                        timeout=60)
    assert form.status_code == 200 and "govopen-forward-notice" in form.text
    until = (datetime.date.today() + datetime.timedelta(days=60)).isoformat()
    made = requests.post(f"{province.url}/dataset/{copy['name']}/request/share_application", headers=as_staff,
                         data={"applicant_org": org["id"], "applicant_name": "省卫生健康委", "purpose": "疫情研判",
                               "scenario": "公共卫生监测", "usage_type": "public_interest",
                               "security_measures": "政务外网专区存储", "requested_until": until},
                         allow_redirects=False, timeout=60)
    assert made.status_code == 302 and "/requests/forwarded/" in made.headers["Location"], made.text[-2000:]
    forward_id = made.headers["Location"].rstrip("/").rsplit("/", 1)[-1]
    assert "1 sent" in ckan(province, "forward").stdout

    # At the city: an ordinary share request of its own desk, from the province's department.
    at_city = next(r for r in city.api("govopen_request_list", city.token, kind="share_application",
                                       dataset_id=entry["id"])["results"]
                   if r.get("forwarded_from", {}).get("id") == forward_id)
    assert (at_city["applicant_name"], at_city["applicant_org"], at_city["status"]) == ("省卫生健康委", None, "submitted")
    city.api("govopen_request_decide", city.token, id=at_city["id"], decision="approve",
             resource_ids=[upload["id"], link["id"]], expires=until, conditions="仅限本部门履职使用")
    assert "1 answered" in ckan(province, "forward").stdout

    # Every member of the requesting department follows it and obtains exactly what was granted.
    shown = province.api("govopen_forward_show", colleague, id=forward_id)
    assert shown["status"] == "approved" and {r["id"] for r in shown["granted"]} == {upload["id"], link["id"]}
    assert [e["portal"] for e in shown["events"]][0] == province.url and city.url in {e["portal"] for e in shown["events"]}
    with pytest.raises(urllib.error.HTTPError) as refused:
        province.api("govopen_forward_show", outsider, id=forward_id)
    assert refused.value.code == 404
    base = f"{province.url}/requests/forwarded/{forward_id}/resource"
    got = requests.get(f"{base}/{upload['id']}", headers={"Authorization": colleague}, timeout=60)
    assert got.status_code == 200 and got.content == CSV and "sandbox" in got.headers["Content-Security-Policy"]
    followed = requests.get(f"{base}/{link['id']}", headers={"Authorization": colleague}, allow_redirects=False,
                            timeout=60)
    assert followed.status_code == 302 and followed.headers["Location"] == link["url"]
    assert requests.get(f"{base}/{upload['id']}", headers={"Authorization": outsider}, timeout=60).status_code == 404
    # In Chromium, as the colleague: my requests lists it, its page shows the decision, the trail
    # of both portals and the download, which brings the file.
    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900}, accept_downloads=True)
    page = context.new_page()
    page.goto(province.url + "/user/login")
    page.fill("#field-login", "casc_colleague")
    page.fill("#field-password", PASSWORD)
    page.press("#field-password", "Enter")
    page.wait_for_load_state()
    page.goto(province.url + "/requests")
    page.click(f"tr[data-forward='{forward_id}'] a")
    assert page.inner_text(".govopen-status") == "同意" and "仅限本部门履职使用" in page.inner_text(".govopen-decision")
    assert {city.url, province.url} <= set(page.inner_text(".govopen-timeline").split())
    with page.expect_download() as download:
        page.click(".govopen-downloads li:has-text('人口.csv') a.govopen-download")
    assert pathlib.Path(download.value.path()).read_bytes() == CSV
    page.screenshot(path=str(artifacts / "cascade-forwarded-share.png"), full_page=True)
    context.close()
    # The city's trail records each delivery, naming the portal.
    events = city.api("govopen_request_show", city.token, id=at_city["id"])["events"]
    assert [e["action"] for e in events].count("deliver") == 3
    at_city_page = requests.get(f"{city.url}/requests/{at_city['id']}", headers={"Authorization": city.token},
                                timeout=60).text
    assert "govopen-forwarded-from" in at_city_page and province.url in at_city_page

    # Revoked at the city: closed at once at the province, and shown there on the next run.
    [grant] = city.api("govopen_grant_list", city.token, dataset_id=entry["id"])["results"]
    city.api("govopen_grant_revoke", city.token, id=grant["id"], reason="履职需要已消失")
    assert requests.get(f"{base}/{upload['id']}", headers={"Authorization": colleague}, timeout=60).status_code == 404
    ckan(province, "forward")
    shown = province.api("govopen_forward_show", staff, id=forward_id)
    assert shown["granted"] == [] and shown["decision"]["revoked"]
    assert requests.get(f"{base}/{upload['id']}", headers={"Authorization": colleague}, timeout=60).status_code == 404
