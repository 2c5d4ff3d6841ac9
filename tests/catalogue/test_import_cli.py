"""`ckan govopen catalogue import|export` in-process, and as real processes: two imports racing on one
file, and an import killed part-way then run again."""
from __future__ import annotations

import os
import pathlib
import signal
import subprocess
import sys
import time

import pytest

import ckan.model as model
from ckan.tests import helpers

from ckanext.govopen.cli import govopen
from tests.catalogue.test_import import csv_file, row, xlsx

ROOT = pathlib.Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.usefixtures("with_plugins")


def live_entries() -> int:
    return model.Session.execute(model.meta.metadata.tables["package"].select().where(
        model.Package.state == "active")).rowcount


def db_codes() -> list[str]:
    model.Session.expire_all()
    extras = model.Package.extras
    return [c for (c,) in model.Session.query(extras["catalogue_code"].astext).filter(model.Package.state == "active")]


def indexed() -> int:
    return helpers.call_action("package_search", q="*:*", rows=0, include_private=True)["count"]


def test_cli_imports_reports_and_exports(cli, stats, tmp_path):
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(xlsx([row("常住人口", 1), row("企业名录", 2, freq="每两年")]))
    result = cli.invoke(govopen, ["catalogue", "import", str(bad), "--report", str(tmp_path / "report.csv")])
    assert result.exit_code == 1
    assert "共 2 行：新增 0，更新 0，未变 0，失败 1" in result.output
    assert "--valid-rows-only" in result.output
    assert "每两年 is not accepted here" in (tmp_path / "report.csv").read_bytes().decode("utf-8-sig")
    result = cli.invoke(govopen, ["catalogue", "import", str(bad), "--valid-rows-only", "--organization", "stats"])
    assert result.exit_code == 1 and "新增 1" in result.output
    out = tmp_path / "all.xlsx"
    result = cli.invoke(govopen, ["catalogue", "export", str(out)])
    assert result.exit_code == 0, result.output
    result = cli.invoke(govopen, ["catalogue", "import", str(out)])
    assert result.exit_code == 0 and "未变 1" in result.output, result.output
    result = cli.invoke(govopen, ["catalogue", "import", str(bad), "--organization", "no-such-department"])
    assert result.exit_code == 2 and "no-such-department" in result.output


def _import(path: pathlib.Path) -> subprocess.Popen:
    return subprocess.Popen([str(ROOT / ".venv/bin/ckan"), "-c", str(ROOT / "test.ini"), "govopen", "catalogue",
                             "import", str(path)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={**os.environ}, cwd=ROOT, start_new_session=True)


def test_two_imports_racing_on_one_file_give_one_entry_each(stats, tmp_path):
    path = tmp_path / "race.csv"
    path.write_bytes(csv_file([row(f"条目{i}", i) for i in range(1, 41)]))
    first, second = _import(path), _import(path)
    outs = [p.communicate(timeout=600) for p in (first, second)]
    assert [p.returncode for p in (first, second)] == [0, 0], outs
    codes = db_codes()
    assert len(codes) == 40 and len(set(codes)) == 40
    assert indexed() == 40
    summaries = "\n".join(out for out, _err in outs)
    # Each entry counted created once, by whichever import wrote it (the other finds it unchanged).
    created = sum(int(part.split("新增 ")[1].split("，")[0]) for part in summaries.splitlines() if "新增" in part)
    assert created == 40, summaries


def test_an_import_killed_part_way_leaves_whole_entries_and_a_rerun_completes_it(stats, tmp_path):
    path = tmp_path / "big.csv"
    path.write_bytes(csv_file([row(f"条目{i}", i) for i in range(1, 121)]))
    proc = _import(path)
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline and len(db_codes()) < 15:
        time.sleep(0.05)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    done = len(db_codes())
    assert 15 <= done < 120, "the kill came too late to test anything"
    # Every entry there is whole: its fields and its data item, not a part of them.
    for found in helpers.call_action("package_search", q="*:*", rows=200, include_private=True)["results"]:
        assert found["data_items"] == [{"name": "人口数", "type": "N", "length": 10}]
        assert found["update_frequency"] == "annual" and found["themes"] == ["人口", "社会保障"]
    rerun = subprocess.run([str(ROOT / ".venv/bin/ckan"), "-c", str(ROOT / "test.ini"), "govopen", "catalogue",
                            "import", str(path)], capture_output=True, text=True, cwd=ROOT, timeout=600)
    assert rerun.returncode == 0, rerun.stderr[-2000:]
    assert f"新增 {120 - done}，更新 0，未变 {done}" in rerun.stdout, rerun.stdout
    assert len(db_codes()) == 120
    # No ghost left in the index by a kill between indexing and commit.
    assert indexed() == 120
    sys.stdout.flush()
