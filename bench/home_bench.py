"""The front door on a portal of BENCH_HOME_DATASETS (10,000) entries: the home page and search
pages, p50/p95 over BENCH_HOME_REQUESTS (200) requests each, anonymous, one client at a time.
Targets (issue #15): home p95 < 300 ms. The portal is `bench_home`, made fresh by
scripts/portal.sh and filled in bulk like the sync bench's city (20 departments, one theme).
Usage: `BENCH_HOME_DATASETS=1000 python bench/home_bench.py` with the services running.
"""
from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
import urllib.request

sys.path.insert(0, os.path.dirname(__file__))
from sync_bench import FILL, ROOT, portal  # noqa: E402

N = int(os.environ.get("BENCH_HOME_DATASETS", "10000"))
REQUESTS = int(os.environ.get("BENCH_HOME_REQUESTS", "200"))
PORT = int(os.environ.get("BENCH_HOME_PORT", "5086"))
PAGES = {"home": "/", "search": "/dataset/", "search q=交通": "/dataset/?q=%E4%BA%A4%E9%80%9A",
         "search, two facets": "/dataset/?open_category=on_application&themes=%E4%BA%A4%E9%80%9A"}


def timings(url: str, n: int = REQUESTS) -> list[float]:
    out = []
    for _ in range(n):
        start = time.perf_counter()
        with urllib.request.urlopen(urllib.request.Request(url, headers={"User-Agent": "home-bench"})) as res:
            res.read()
        out.append((time.perf_counter() - start) * 1000)
    return out


def main() -> int:
    print(f"front door bench: {N} entries, {REQUESTS} requests per page", flush=True)
    site = portal("bench_home", PORT)
    subprocess.run([str(ROOT / ".venv/bin/python"), "-c", FILL, str(site.ini), str(N)], check=True)
    for label, path in PAGES.items():
        timings(site.url + path, 5)  # warm the caches first
        ms = sorted(timings(site.url + path))
        p95 = ms[int(len(ms) * 0.95) - 1]
        print(f"{label}: p50 {statistics.median(ms):.0f} ms, p95 {p95:.0f} ms, max {ms[-1]:.0f} ms", flush=True)
    subprocess.run(["bash", str(ROOT / "scripts/portal.sh"), "stop", site.name], check=False, stdout=subprocess.DEVNULL)
    return 0


if __name__ == "__main__":
    sys.exit(main())
