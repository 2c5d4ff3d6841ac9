"""The restore drill (scripts/backup.sh) against the native services: a portal with entries, an
uploaded file, a request and its audit trail is dumped, wiped (databases dropped, files deleted,
index cleared), restored, and serves the same catalogue, file and requests again."""
from __future__ import annotations

import datetime
import subprocess

import requests

from tests.live.conftest import ROOT, Portal, _up
from tests.requests_support import ID_NUMBER, _code

PORT = 5095


def _backup(*args: str) -> str:
    out = subprocess.run(["bash", str(ROOT / "scripts/backup.sh"), *args], capture_output=True, text=True,
                         timeout=300)
    assert out.returncode == 0, out.stdout + out.stderr[-3000:]
    return out.stdout


def _portal_sh(*args: str) -> None:
    subprocess.run(["bash", str(ROOT / "scripts/portal.sh"), *args], check=True, capture_output=True, timeout=300)


def _state(portal: Portal, token: str) -> dict:
    found = portal.api("package_search", token, q="*:*", rows=100, include_private=True)
    reqs = portal.api("govopen_request_list", token, limit=100)
    return {"datasets": sorted((d["name"], d["open_category"]) for d in found["results"]),
            "requests": sorted((r["id"], r["status"], r["number"]) for r in reqs["results"])}


def test_dump_wipe_restore(tmp_path):
    portal = _up("restore_drill", PORT, "--fresh", "--title", "restore drill")
    try:
        admin = portal.sysadmin_token()
        org = portal.api("organization_create", admin, name="drill-bureau", title="演练局", region_code="340181",
                         department_type="ordinary", department_code=_code("11340181MB0000961"))
        base = {"owner_org": org["id"], "notes": "演练数据", "resource_class": "base", "classification_code": "107001",
                "update_frequency": "monthly", "format_class": "02", "format_type": "csv", "region_code": "340181",
                "share_category": "unconditional"}
        portal.api("package_create", admin, name="drill-open", title="演练开放数据", open_category="unconditional",
                   catalogue_code="107001340181/900001", **base)
        gated = portal.api("package_create", admin, name="drill-gated", title="演练有条件开放数据",
                           open_category="on_application", open_conditions="仅限科研",
                           open_legal_basis="《办法》第十七条", catalogue_code="107001340181/900002", **base)
        content = "区县,人口\n巢湖,100\n".encode("gb18030")
        upload = requests.post(f"{portal.url}/api/3/action/resource_create", headers={"Authorization": admin},
                               data={"package_id": "drill-open", "name": "人口.csv", "format": "CSV"},
                               files={"upload": ("population.csv", content, "text/csv")}, timeout=60)
        assert upload.status_code == 200, upload.text[:500]
        file_url = upload.json()["result"]["url"]
        portal.api("user_create", admin, name="drill_citizen", email="drill@example.gov.cn", password="Drill-Pw-2026")
        citizen = portal.ckan("user", "token", "add", "drill_citizen", "drill").strip().splitlines()[-1].strip()
        portal.api("govopen_request_create", citizen, dataset_id=gated["id"], kind="open_application",
                   applicant_type="person", applicant_name="李演练", id_number=ID_NUMBER, purpose="演练",
                   scenario="恢复演练", usage_type="public_interest", security_measures="内网存储",
                   requested_until=(datetime.date.today() + datetime.timedelta(days=90)).isoformat())
        before = _state(portal, admin)
        assert len(before["datasets"]) == 2 and len(before["requests"]) == 1

        backup = tmp_path / "backup"
        _backup("dump", "restore_drill", str(backup))
        assert "datasets=2" in (backup / "manifest").read_text() and "requests=1" in (backup / "manifest").read_text()

        # the loss: portal stopped, both databases dropped, files gone, index emptied
        _portal_sh("stop", "restore_drill")
        for db in ("govopen_restore_drill", "govopen_restore_drill_datastore"):
            subprocess.run(["bash", str(ROOT / "scripts/pg.sh"), "dropdb", db], check=True, capture_output=True)
        subprocess.run(["rm", "-rf", str(ROOT / ".local/portals/restore_drill/storage")], check=True)

        _backup("restore", "restore_drill", str(backup))
        _portal_sh("up", "restore_drill", str(PORT), "--title", "restore drill")
        assert _state(portal, admin) == before  # the token's row came back with the database
        got = requests.get(file_url, headers={"Authorization": admin}, timeout=60)
        assert got.status_code == 200 and got.content == content
        found = portal.api("package_search", q="演练", rows=10)
        assert {d["name"] for d in found["results"]} == {"drill-open", "drill-gated"}
        trail = portal.api("govopen_request_list", admin, limit=1)["results"][0]
        shown = portal.api("govopen_request_show", admin, id=trail["id"])
        assert shown["events"]
        # the dump holds the ID number sealed; the portal's key (kept in its config) opens it again
        assert shown["id_number"] == ID_NUMBER
        dumped = subprocess.run(["/usr/lib/postgresql/15/bin/pg_restore", "--data-only", "-f", "-",
                                 str(backup / "main.dump")], capture_output=True, text=True, check=True)
        assert "李演练" in dumped.stdout and ID_NUMBER not in dumped.stdout  # the rows are there; the number sealed
    finally:
        _portal_sh("stop", "restore_drill")
