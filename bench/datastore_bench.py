"""DataStore load of a BENCH_DATASTORE_ROWS (1,000,000) row GBK CSV of eight columns (Chinese text,
codes, dates, numbers), the way a department's registry export looks: rows per second and the
loading process's peak memory, through the loader the jobs worker runs (encoding check, staging
table, COPY with CKAN's full-text trigger, indexes, swap). Baseline in the same run: PostgreSQL's
own `COPY ... FROM` of the same file into a table of the same columns (no full-text column, no
indexes), the floor any loader can reach. The load runs twice: with the full-text column off
(`ckanext.govopen.datastore.full_text = false`) and on (the default); the search runs on the second. Then `datastore_search` with a filter, p50 and p95 of
BENCH_DATASTORE_QUERIES (200) calls: a selective filter (one credit code) and a broad one (a
district, about 1/10 of the rows, first page of 100 with the total).
Usage: `make bench`, or with the services running:
`BENCH_DATASTORE_ROWS=100000 .venv/bin/python bench/datastore_bench.py`.
"""
from __future__ import annotations

import os
import pathlib
import random
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(__file__))
from sync_bench import ROOT, timed  # noqa: E402

N = int(os.environ.get("BENCH_DATASTORE_ROWS", "1000000"))
QUERIES = int(os.environ.get("BENCH_DATASTORE_QUERIES", "200"))
INI = ROOT / "bench" / "bench.ini"
PYTHON = str(ROOT / ".venv" / "bin" / "python")
DISTRICTS = ["巢湖市", "庐江县", "肥东县", "肥西县", "长丰县", "瑶海区", "庐阳区", "蜀山区", "包河区", "高新区"]
HEADERS = ["序号", "统一社会信用代码", "企业名称", "所属区县", "行业门类", "成立日期", "注册资本（万元）", "住所"]

SETUP = r'''
import sys
from ckan.cli import load_config
from ckan.config.middleware import make_app
conf = load_config(sys.argv[1])
conf["ckan.plugins"] = conf["ckan.plugins"] + " datastore"
app = make_app(conf)
'''

BASELINE = SETUP + r'''
import time
from ckanext.datastore.backend.postgres import get_write_engine
path = sys.argv[2]
columns = ", ".join(f'"{h}" text' for h in sys.argv[3].split(","))
engine = get_write_engine()
with engine.begin() as conn:
    conn.exec_driver_sql('DROP TABLE IF EXISTS "bench_copy_baseline"')
    conn.exec_driver_sql(f'CREATE TABLE "bench_copy_baseline" ({columns})')
    start = time.perf_counter()
    with conn.connection.cursor() as cur, open(path, "rb") as f:
        cur.copy_expert("COPY \"bench_copy_baseline\" FROM STDIN WITH (FORMAT csv, HEADER, ENCODING 'GBK')", f)
    print(f"SECONDS={time.perf_counter() - start:.3f}")
    conn.exec_driver_sql('DROP TABLE "bench_copy_baseline"')
'''

LOAD = SETUP.replace('app = make_app(conf)', 'conf["ckanext.govopen.datastore.full_text"] = sys.argv[3]\napp = make_app(conf)') + r'''
import shutil, time
import ckan.plugins.toolkit as tk
from ckan.lib.uploader import get_resource_uploader
from ckanext.govopen.datastore import loader
from ckanext.govopen.catalogue.codes import credit_code_check_char
path = sys.argv[2]
import random
run_id = random.randrange(10**6)
with app._wsgi_app.test_request_context():
    user = tk.get_action("get_site_user")({"ignore_auth": True}, {})["name"]
    ctx = lambda: {"user": user}
    body = f"11340181MB{run_id:07d}"
    org = tk.get_action("organization_create")(ctx(), {"name": f"bench-ds-dept-{run_id}", "title": "巢湖市市场监督管理局",
        "department_code": body + credit_code_check_char(body), "region_code": "340181", "department_type": "ordinary"})
    pkg = tk.get_action("package_create")(ctx(), {"name": f"bench-ds-{run_id}", "title": "企业登记信息",
        "owner_org": org["id"], "resource_class": "department", "catalogue_code": f"307002/{run_id:06d}", "update_frequency": "monthly",
        "open_category": "unconditional", "share_category": "unconditional"})
    res = tk.get_action("resource_create")(ctx(), {"package_id": pkg["id"], "name": "企业名录.csv", "format": "CSV",
                                                   "url": "enterprises.csv", "url_type": "upload"})
    target = get_resource_uploader(res).get_path(res["id"])
    import os; os.makedirs(os.path.dirname(target), exist_ok=True)
    shutil.copyfile(path, target)
    loader.queue(res, force=True)
    start = time.perf_counter()
    loader.run(res["id"], loader.source_of(res))
    seconds = time.perf_counter() - start
    status = loader.status(res["id"])
    assert status["status"] == "done", status
    print(f"SECONDS={seconds:.3f}")
    print(f"ROWS={status['rows']}")
    print(f"RESOURCE={res['id']}")
'''

SEARCH = SETUP + r'''
import json, random, statistics, time
import ckan.plugins.toolkit as tk
resource_id, codes, n = sys.argv[2], json.loads(sys.argv[3]), int(sys.argv[4])
districts = json.loads(sys.argv[5])
with app._wsgi_app.test_request_context():
    search = tk.get_action("datastore_search")
    for label, filters, total in (
            ("one credit code", lambda i: {"统一社会信用代码": codes[i % len(codes)]}, True),
            ("one district (1/10 of rows)", lambda i: {"所属区县": districts[i % len(districts)]}, True),
            ("one district, include_total=false", lambda i: {"所属区县": districts[i % len(districts)]}, False)):
        times = []
        for i in range(n):
            start = time.perf_counter()
            found = search({"ignore_auth": True}, {"resource_id": resource_id, "filters": filters(i), "limit": 100,
                                                   "include_total": total})
            times.append((time.perf_counter() - start) * 1000)
            assert found["records"], filters(i)
        times.sort()
        print(f"datastore_search, {label}: p50 {statistics.median(times):.1f} ms, "
              f"p95 {times[int(len(times) * 0.95) - 1]:.1f} ms over {n} calls "
              f"(total {found.get('total', 'not asked')})", flush=True)
'''


def write_csv(path: pathlib.Path, n: int) -> list[str]:
    from ckanext.govopen.catalogue.codes import credit_code_check_char

    rng = random.Random(2026)
    sample = []
    with open(path, "w", encoding="gbk", newline="") as f:
        f.write(",".join(HEADERS) + "\r\n")
        for i in range(1, n + 1):
            body = f"91340181MA{i:07d}"
            code = body + credit_code_check_char(body)
            if i % max(1, n // QUERIES) == 0:
                sample.append(code)
            f.write(f"{i},{code},安徽巢湖第{i}号商贸有限公司,{DISTRICTS[i % 10]},批发和零售业,"
                    f"20{rng.randint(0, 25):02d}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d},"
                    f"{rng.randint(10, 100000)},\"{DISTRICTS[i % 10]}健康路{i % 997}号，{i % 30}幢\"\r\n")
    return sample


def run(script: str, *args: str) -> tuple[float, int, dict[str, str]]:
    seconds, peak, out = timed([PYTHON, "-c", script, str(INI), *args])
    values = dict(line.split("=", 1) for line in out.splitlines() if "=" in line and line.split("=")[0].isupper())
    return seconds, peak, values


def main() -> int:
    import json

    print(f"DataStore bench: {N} rows, GBK CSV, {len(HEADERS)} columns", flush=True)
    subprocess.run(["bash", str(ROOT / "scripts/pg.sh"), "datastore", "govopen_bench_datastore", "govopen_bench"],
                   check=True, stdout=subprocess.DEVNULL)
    subprocess.run([str(ROOT / ".venv/bin/ckan"), "-c", str(INI), "db", "upgrade"], check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    with tempfile.TemporaryDirectory() as tmp:
        path = pathlib.Path(tmp) / "enterprises.csv"
        codes = write_csv(path, N)
        print(f"file: {path.stat().st_size / 1024 / 1024:.1f} MiB", flush=True)
        _, copy_peak, base = run(BASELINE, str(path), ",".join(HEADERS))
        copy_seconds = float(base["SECONDS"])
        print(f"baseline COPY: {copy_seconds:.1f} s = {N / copy_seconds:,.0f} rows/s "
              f"(process peak {copy_peak} MiB)", flush=True)
        for full_text in ("false", "true"):
            _, peak, loaded = run(LOAD, str(path), full_text)
            seconds = float(loaded["SECONDS"])
            assert int(loaded["ROWS"]) == N, loaded
            print(f"loader, full text {'on (the default)' if full_text == 'true' else 'off'}: {seconds:.1f} s = "
                  f"{N / seconds:,.0f} rows/s, peak {peak} MiB; {seconds / copy_seconds:.2f}x the time of the "
                  "plain COPY", flush=True)
        run_search = [PYTHON, "-c", SEARCH, str(INI), loaded["RESOURCE"], json.dumps(codes), str(QUERIES),
                      json.dumps(DISTRICTS, ensure_ascii=False)]
        out = subprocess.run(run_search, capture_output=True, text=True)
        if out.returncode:
            raise SystemExit(out.stderr[-3000:])
        print(out.stdout.strip(), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
