"""The compose deployment (docker/), checked offline: there is no Docker engine on these machines,
so Debian's docker-compose validates the file, for every profile, and the scripts parse."""
from __future__ import annotations

import os
import pathlib
import subprocess

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]
ENV = {**os.environ, "POSTGRES_PASSWORD": "x", "CKAN_SECRET_KEY": "x", "GOVOPEN_IDENTIFIER_KEYS": "x", "CKAN_DB_PASSWORD": "x",
       "DATASTORE_RO_PASSWORD": "x", "CKAN_SITE_URL": "https://data.example.gov.cn"}


def compose(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(["docker-compose", "-f", str(ROOT / "docker/compose.yml"), *args, "config"],
                          capture_output=True, text=True, env=env or ENV, cwd=ROOT, timeout=120)


@pytest.mark.parametrize("profile", [None, "cloud"])
def test_compose_file_is_valid(profile):
    run = compose(*(["--profile", profile] if profile else []))
    assert run.returncode == 0, run.stderr
    services = run.stdout
    for name in ("db:", "redis:", "solr:", "web:", "nginx:", "worker:", "gather:", "fetch:", "scheduler:"):
        assert f"\n  {name}" in services, name
    if profile == "cloud":
        assert "\n  zookeeper:" in services and "\n  solr-cloud:" in services


def test_production_database_keeps_fsync_on():
    run = compose()
    assert run.returncode == 0, run.stderr
    assert "fsync=on" in run.stdout and "fsync=off" not in run.stdout


@pytest.mark.parametrize("secret", ["CKAN_SECRET_KEY", "GOVOPEN_IDENTIFIER_KEYS"])
def test_a_missing_secret_is_refused(secret):
    env = {k: v for k, v in ENV.items() if k != secret}
    run = compose(env=env)
    assert run.returncode != 0 and secret in run.stderr


@pytest.mark.parametrize("script", ["entrypoint.sh", "postgres-init.sh", "solr-configset.sh"])
def test_scripts_parse(script):
    run = subprocess.run(["bash", "-n", str(ROOT / "docker" / script)], capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
