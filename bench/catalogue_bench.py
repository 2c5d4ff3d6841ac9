"""Catalogue import of BENCH_CATALOGUE_ENTRIES (5,000) entries from one XLSX in the national template
(two data items each) with `ckan govopen catalogue import`: entries per second and the importing
process's peak memory; then the same file again (every entry unchanged), and an export of it all.
Baseline, in the same run: the same entries' plain `package_create` calls in one process
(BENCH_CATALOGUE_BASELINE, 500), the floor an import writing through CKAN's actions cannot beat.
The portal is `bench_catalogue`, made fresh by scripts/portal.sh.
Usage: `BENCH_CATALOGUE_ENTRIES=1000 python bench/catalogue_bench.py` with the services running.
"""
from __future__ import annotations

import os
import pathlib
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(__file__))
from sync_bench import CKAN, ROOT, portal, timed  # noqa: E402

N = int(os.environ.get("BENCH_CATALOGUE_ENTRIES", "5000"))
BASELINE = int(os.environ.get("BENCH_CATALOGUE_BASELINE", "500"))
PORT = int(os.environ.get("BENCH_CATALOGUE_PORT", "5087"))

BASELINE_SCRIPT = r'''
import sys, time
from ckan.cli import load_config
from ckan.config.middleware import make_app
ini, n, org = sys.argv[1], int(sys.argv[2]), sys.argv[3]
app = make_app(load_config(ini))
import ckan.plugins.toolkit as tk
with app._wsgi_app.test_request_context():
    user = tk.get_action("get_site_user")({"ignore_auth": True}, {})["name"]
    start = time.perf_counter()
    for i in range(n):
        tk.get_action("package_create")({"user": user}, {
            "name": f"baseline-{i}", "title": f"基线条目{i}", "owner_org": org, "resource_class": "department",
            "catalogue_code": f"3880001/{i:06d}", "update_frequency": "monthly", "open_category": "unconditional",
            "share_category": "unconditional", "themes": ["交通"], "notes": "基线",
            "data_items": [{"name": "线路名称", "type": "C", "length": 50}, {"name": "站点数", "type": "I", "length": 4}]})
    print(f"SECONDS={time.perf_counter() - start:.3f}")
'''


def workbook(n: int) -> bytes:
    from ckanext.govopen.catalogue import spreadsheet, template

    rows, items = [], []
    for i in range(n):
        code = f"3990001/{i:06d}"
        rows.append(template.dataset_row({
            "title": f"公交线路信息{i}", "catalogue_code": code, "classification_code": "3990001",
            "owner_org": "市交通运输局", "notes": f"第{i}条线路的首末班时间和站点。", "share_category": "unconditional",
            "open_category": "unconditional", "update_frequency": "monthly", "publish_date": "2025-03-01",
            "themes": ["交通"]}))
        items += template.item_rows(code, [{"name": "线路名称", "type": "C", "length": 50},
                                           {"name": "站点数", "type": "I", "length": 4}])
    return spreadsheet.write_xlsx(rows, items)


def main() -> int:
    from tests.catalog_support import department_code

    print(f"catalogue import bench: {N} entries, baseline {BASELINE} package_create calls", flush=True)
    site = portal("bench_catalogue", PORT)
    token = site.sysadmin_token()
    org = site.api("organization_create", token, name="transport-bureau", title="市交通运输局",
                   department_code=department_code(1), region_code="340181", department_type="ordinary")
    with tempfile.TemporaryDirectory() as tmp:
        path = pathlib.Path(tmp) / "catalogue.xlsx"
        path.write_bytes(workbook(N))
        print(f"file: {path.stat().st_size / 1024 / 1024:.1f} MiB", flush=True)
        cmd = [CKAN, "-c", str(site.ini), "govopen", "catalogue", "import", str(path)]
        seconds, peak, out = timed(cmd)
        print(f"import: {N} entries in {seconds:.1f} s = {N / seconds:.1f} entries/s, peak {peak} MiB", flush=True)
        print("  " + out.strip().splitlines()[-1], flush=True)
        again, peak_again, out = timed(cmd)
        print(f"re-import, unchanged: {again:.1f} s = {N / again:.1f} entries/s, peak {peak_again} MiB", flush=True)
        print("  " + out.strip().splitlines()[-1], flush=True)
        export_seconds, export_peak, _out = timed([CKAN, "-c", str(site.ini), "govopen", "catalogue", "export",
                                                   str(pathlib.Path(tmp) / "export.xlsx")])
        print(f"export: {N} entries in {export_seconds:.1f} s, peak {export_peak} MiB", flush=True)
    base = subprocess.run([str(ROOT / ".venv/bin/python"), "-c", BASELINE_SCRIPT, str(site.ini), str(BASELINE), org["id"]],
                          capture_output=True, text=True, check=True)
    base_seconds = float(base.stdout.split("SECONDS=")[1].split()[0])
    base_rate = BASELINE / base_seconds
    print(f"baseline: {BASELINE} package_create calls in {base_seconds:.1f} s = {base_rate:.1f} entries/s", flush=True)
    print(f"import rate / package_create rate: {N / seconds / base_rate:.2f}", flush=True)
    subprocess.run(["bash", str(ROOT / "scripts/portal.sh"), "stop", site.name], check=False, stdout=subprocess.DEVNULL)
    return 0


if __name__ == "__main__":
    sys.exit(main())
