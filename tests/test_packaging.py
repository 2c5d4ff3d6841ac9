"""The sdist and the wheel, built from the tracked files as a release would be (with compiled
files lying around, as in any working copy): the sdist carries everything `make test` needs,
the wheel everything a pip install needs, neither carries compiled files."""
from __future__ import annotations

import pathlib
import shutil
import subprocess
import sys
import tarfile
import zipfile

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    if not (ROOT / ".git").exists():
        pytest.skip("not a git checkout (an unpacked sdist): releases are built from the repository")
    src = tmp_path_factory.mktemp("src")
    tracked = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True).stdout.decode()
    files = [f for f in tracked.split("\0") if f and (ROOT / f).is_file()]
    for name in files:
        (src / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / name, src / name)
    subprocess.run([sys.executable, "-m", "compileall", "-q", "ckanext", "tests"], cwd=src, check=True)
    out = tmp_path_factory.mktemp("dist")
    run = subprocess.run([sys.executable, "-m", "build", "--no-isolation", "-o", str(out), "."], cwd=src,
                         capture_output=True, text=True)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    sdist = next(out.glob("*.tar.gz"))
    wheel = next(out.glob("*.whl"))
    with tarfile.open(sdist) as tar:
        in_sdist = {m.name.split("/", 1)[1] for m in tar.getmembers() if "/" in m.name and m.isfile()}
    with zipfile.ZipFile(wheel) as whl:
        in_wheel = set(whl.namelist())
    return files, in_sdist, in_wheel


def test_no_compiled_files(built):
    _files, in_sdist, in_wheel = built
    assert [n for n in in_sdist | in_wheel if "__pycache__" in n or n.endswith((".pyc", ".pyo"))] == []


def test_the_sdist_carries_what_make_test_needs(built):
    files, in_sdist, _wheel = built
    missing = sorted(set(files) - in_sdist - {".gitignore"})
    assert missing == []
    for needed in ("Makefile", "test.ini", "tests/conftest.py", "scripts/deps.sh", "solr/pom.xml", ".ci/run",
                   "requirements.txt", "dev-requirements.txt", "LICENSE"):
        assert needed in in_sdist, needed


def test_the_wheel_carries_what_an_install_needs(built):
    _files, _sdist, in_wheel = built
    for needed in ("ckanext/govopen/config_declaration.yaml", "ckanext/govopen/schemas/dataset.yaml",
                   "ckanext/govopen/i18n/zh_Hans_CN/LC_MESSAGES/ckanext-govopen.mo",
                   "ckanext/govopen/solr/solrconfig.xml", "ckanext/govopen/templates/govopen/admin/security_settings.html",
                   "ckanext/govopen/migration/govopen/alembic.ini"):
        assert needed in in_wheel, needed
    assert any(n.startswith("ckanext/govopen/migration/govopen/versions/") for n in in_wheel)
    assert any(n.endswith(".dist-info/licenses/LICENSE") for n in in_wheel)
    assert not any(n.startswith("tests/") for n in in_wheel)
