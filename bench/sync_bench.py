"""Upward sync on a city of BENCH_SYNC_DATASETS (10,000) entries, against the stock harvester.

Three portals on loopback, made fresh by scripts/portal.sh: `bench_city` (the source, filled in
bulk with valid catalogue entries, half `unconditional`, half `on_application`), `bench_prov` (a
govopen portal harvesting it with `ckan govopen sync run`) and `bench_stock` (a plain CKAN
portal harvesting it with ckanext-harvest's `ckan_harvester`, the baseline, in the same run).
Prints: cold sync datasets/s and peak memory, Solr commits per run; re-sync with 0% and 1% of
the entries changed (writes must equal changes); the stock harvester's rate and the ratio.
Goal: cold sync at least 3x the stock rate, through the same validators. Per dataset, CKAN's
package_create (validation, the package_show it indexes, the index update) and the activity it
records (another package_show) take ~90% of the import; what govopen adds (mapping, locks, the
harvest object's outcome in the same commit, departments looked up once per job) the rest. The
rate comes from import workers (ckanext.govopen.sync.import_workers) and one Solr commit per 100.
Measured 2026-12-04 on the 2-core machine, 10,000 entries: 32.1 vs 9.8 datasets/s (3.28x),
peak 346 MiB per process; re-sync 0% changed: 0 writes, 0 commits; 1%: 100 writes, 1 commit.
Usage: `make bench`, or `BENCH_SYNC_DATASETS=1000 python bench/sync_bench.py` with the services running.
"""
from __future__ import annotations

import json
import os
import pathlib
import re
import subprocess
import sys
import time
import urllib.request
import uuid

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
N = int(os.environ.get("BENCH_SYNC_DATASETS", "10000"))
BASE = int(os.environ.get("BENCH_SYNC_PORT", "5081"))
CKAN = str(ROOT / ".venv/bin/ckan")
PLAIN_PLUGINS = "harvest ckan_harvester activity"


def portal(name: str, port: int, plugins: str | None = None):
    from tests.live.conftest import Portal

    env = {**os.environ, "CKAN_INI": ""}
    if plugins:
        env["GOVOPEN_PLUGINS"] = plugins
    subprocess.run(["bash", str(ROOT / "scripts/portal.sh"), "up", name, str(port), "--fresh"], check=True,
                   env=env, stdout=subprocess.DEVNULL)
    return Portal(name, port)


FILL = r'''
import sys, uuid, json
import ckan.model as model
from ckan.cli import load_config
from ckan.config.middleware import make_app
from ckan.lib import search
from ckanext.govopen.catalogue.codes import credit_code_check_char
n = int(sys.argv[2])
app = make_app(load_config(sys.argv[1]))
with app._wsgi_app.test_request_context():
    orgs = []
    for d in range(20):
        first = f"11340181MB{9000 + d:07d}"
        org = model.Group(name=f"dept-{d:02d}", title=f"巢湖市第{d}局", type="organization", is_organization=True,
                          approval_status="approved")
        org.extras = {"department_code": first + credit_code_check_char(first), "region_code": "340181",
                      "department_type": "ordinary"}
        model.Session.add(org); model.Session.flush(); orgs.append(org.id)
    ids = []
    for i in range(n):
        open_cat = ("unconditional", "on_application")[i % 2]
        extras = {"open_category": open_cat, "share_category": "unconditional", "resource_class": "base",
                  "classification_code": "107001", "catalogue_code": f"107001340181/{i:06d}",
                  "update_frequency": "monthly", "format_class": "02", "format_type": "csv",
                  "region_code": "340181", "origin_portal": "bench_city", "themes": '["交通"]',
                  "classified": "false", "data_items": json.dumps([{"name": "名称", "type": "C", "length": "50"}])}
        if open_cat == "on_application":
            extras.update(open_conditions="仅限科研", open_legal_basis="《巢湖市政务数据共享开放管理办法》第十七条")
        pkg = model.Package(id=str(uuid.uuid4()), name=f"city-{i:05d}", title=f"城市数据集{i} 交通 人口",
                            notes="基准测试用的目录条目", owner_org=orgs[i % len(orgs)], type="dataset",
                            state="active", private=False, extras=extras, license_id="cc-by")
        model.Session.add(pkg)
        res = model.Resource(package_id=pkg.id, url=f"https://data.example.gov.cn/{uuid.uuid4().hex}.csv",
                             name=f"资源{i}", format="CSV")
        res.position = 0
        model.Session.add(res)
        ids.append(pkg.id)
        if len(ids) % 1000 == 0:
            model.Session.commit()
    model.Session.commit()
    for k, pkg_id in enumerate(ids, 1):
        search.rebuild(pkg_id, defer_commit=True)
        if k % 1000 == 0:
            search.commit(); print(f"  indexed {k}/{n}", flush=True)
    search.commit()
'''


def declared_default(key: str):
    import yaml

    declaration = yaml.safe_load((ROOT / "ckanext/govopen/config_declaration.yaml").read_text())
    return next(o["default"] for g in declaration["groups"] for o in g["options"] if o["key"] == key)


def timed(cmd: list[str]) -> tuple[float, int, str]:
    """Seconds, peak resident memory (MiB) and output of CMD."""
    t0 = time.perf_counter()
    out = subprocess.run(["/usr/bin/time", "-f", "PEAK_KB=%M", *cmd], capture_output=True, text=True)
    elapsed = time.perf_counter() - t0
    if out.returncode:
        raise SystemExit(f"{' '.join(cmd)} failed:\n{out.stdout}\n{out.stderr[-3000:]}")
    peak = int(re.search(r"PEAK_KB=(\d+)", out.stderr).group(1)) // 1024
    return elapsed, peak, out.stdout


def commits(core: str) -> int:
    """The index generation: it grows by one with every Solr commit that changed the index
    (the metrics API of the Solr assembled here reports no counts)."""
    url = f"http://127.0.0.1:8983/solr/{core}/replication?command=indexversion&wt=json"
    with urllib.request.urlopen(url) as res:
        return int(json.load(res)["generation"])


def change_one_percent(city, n: int) -> list[str]:
    """Change the notes of 1% of the city's N entries (at least one), by name; their names."""
    token = city.sysadmin_token()
    names = [d["name"] for d in city.api("package_search", rows=max(1, n // 100), sort="name asc")["results"]]
    for name in names:
        city.api("package_patch", token, id=name, notes=f"已更新 {uuid.uuid4().hex[:6]}")
    time.sleep(1)  # past the second the listing's "changed since" compares
    return names


def figures(out: str) -> dict[str, int]:
    m = re.search(r"(\d+) added, (\d+) updated, (\d+) withdrawn, (\d+) with errors", out)
    return dict(zip(("added", "updated", "withdrawn", "errored"), map(int, m.groups())))


def main() -> int:
    print(f"upward sync bench: a city of {N} entries", flush=True)
    city = portal("bench_city", BASE)
    subprocess.run([str(ROOT / ".venv/bin/python"), "-c", FILL, str(city.ini), str(N)], check=True)
    prov = portal("bench_prov", BASE + 1)
    token = prov.sysadmin_token()
    prov.api("organization_create", token, name="data-authority", title="省数据资源局",
             department_code="11340000MB0000001Q", region_code="340000", department_type="data_authority")
    # The province's config, with BENCH_SYNC_WORKERS import workers if set (else the default).
    workers = int(os.environ.get("BENCH_SYNC_WORKERS") or declared_default("ckanext.govopen.sync.import_workers"))
    ini = prov.ini.parent / "bench.ini"
    ini.write_text(f"[app:main]\nuse = config:{prov.ini}\nckanext.govopen.sync.import_workers = {workers}\n")
    run = [CKAN, "-c", str(ini), "govopen", "sync"]
    subprocess.run([*run, "add", "city", city.url, "--target", "open_portal"], check=True, capture_output=True)

    c0 = commits("govopen_bench_prov")
    cold, peak, out = timed([*run, "run", "city", "--quiet"])
    cold_figs, c1 = figures(out), commits("govopen_bench_prov")
    print(f"govopen cold sync: {cold_figs['added']} datasets in {cold:.1f}s = {cold_figs['added'] / cold:.1f} datasets/s, "
          f"{workers} import workers, peak {peak} MiB per process, {c1 - c0} Solr commits (one per 100 per worker), "
          f"{cold_figs['errored']} errors", flush=True)

    again, _peak, out = timed([*run, "run", "city", "--quiet"])
    c2 = commits("govopen_bench_prov")
    print(f"re-sync, 0% changed: {again:.1f}s, writes {figures(out)['added'] + figures(out)['updated']} "
          f"(changes 0), {c2 - c1} Solr commits", flush=True)

    names = change_one_percent(city, N)
    one, _peak, out = timed([*run, "run", "city", "--quiet"])
    c3 = commits("govopen_bench_prov")
    f = figures(out)
    print(f"re-sync, 1% changed: {one:.1f}s, writes {f['added'] + f['updated']} (changes {len(names)}), "
          f"{c3 - c2} Solr commits", flush=True)

    stock = portal("bench_stock", BASE + 2, PLAIN_PLUGINS)
    stock.api("organization_create", stock.sysadmin_token(), name="province", title="省数据资源局")
    # The stock CLI creates the source, then fails printing it (its status is None): not checked.
    subprocess.run([CKAN, "-c", str(stock.ini), "harvester", "source", "create", "city", city.url, "ckan",
                    "city", "true", "province"], check=False, capture_output=True)
    stock.api("harvest_source_show", id="city")
    base, base_peak, _out = timed([CKAN, "-c", str(stock.ini), "harvester", "run-test", "city"])
    got = stock.api("package_search", rows=0)["count"]
    print(f"stock ckan_harvester (plain CKAN): {got} datasets in {base:.1f}s = {got / base:.1f} datasets/s, "
          f"peak {base_peak} MiB", flush=True)
    ratio = (cold_figs["added"] / cold) / (got / base) if got else float("nan")
    print(f"ratio govopen/stock datasets/s: {ratio:.2f}x (goal >= 3x)", flush=True)
    for p in (city, prov, stock):
        subprocess.run(["bash", str(ROOT / "scripts/portal.sh"), "stop", p.name], check=False,
                       stdout=subprocess.DEVNULL)
    return 0


if __name__ == "__main__":
    sys.exit(main())
