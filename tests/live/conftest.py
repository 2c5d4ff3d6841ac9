"""Live portals started by the project's own scripts, for browser and multi-portal tests.

These tests talk to real `ckan run` processes over loopback, each with its own
database, Solr core and port, exactly as `make run` serves them.
"""
from __future__ import annotations

import io
import json
import os
import pathlib
import subprocess
import urllib.error
import urllib.request

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"


class Portal:
    def __init__(self, name: str, port: int):
        self.name, self.port = name, port
        self.url = f"http://127.0.0.1:{port}"
        self.ini = ROOT / ".local" / "portals" / name / "ckan.ini"

    def api(self, action: str, token: str | None = None, **data):
        req = urllib.request.Request(
            f"{self.url}/api/3/action/{action}",
            data=json.dumps(data).encode(),
            headers={"Content-Type": "application/json", **({"Authorization": token} if token else {})},
        )
        try:
            with urllib.request.urlopen(req, timeout=60) as res:
                return json.load(res)["result"]
        except urllib.error.HTTPError as err:  # the answer's body in the message, and readable again
            body = err.read()
            raise urllib.error.HTTPError(err.url, err.code, f"{err.reason}: {body[:2000].decode(errors='replace')}",
                                         err.headers, io.BytesIO(body)) from None

    def ckan(self, *args: str) -> str:
        return subprocess.run([str(ROOT / ".venv/bin/ckan"), "-c", str(self.ini), *args],
                              check=True, capture_output=True, text=True).stdout

    def sysadmin_token(self) -> str:
        """An API token of a sysadmin made for the live tests (created on first use)."""
        user = "live_tests_admin"
        if self.ckan("user", "show", user).strip().endswith("User: None"):
            self.ckan("user", "add", user, f"email={user}@example.gov.cn", "password=live-tests-Pw-2026")
        self.ckan("sysadmin", "add", user)
        out = self.ckan("user", "token", "add", user, "live-tests")
        return out.strip().splitlines()[-1].strip()


def _up(name: str, port: int, *flags: str) -> Portal:
    subprocess.run(["bash", str(ROOT / "scripts/portal.sh"), "up", name, str(port), *flags],
                   check=True, env={**os.environ, "CKAN_INI": ""})
    return Portal(name, port)


def up_together(*portals: tuple) -> list[Portal]:
    """Start several portals at once, each (name, port, *flags) as `_up` takes them: each has its
    own database, Solr core and directory, and a fresh empty portal starts in about 10 s."""
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(len(portals)) as pool:
        return list(pool.map(lambda spec: _up(*spec), portals))


@pytest.fixture(scope="session")
def demo_portal():
    """A portal with the demo catalogue, like `make run`, on its own port."""
    portal = _up("e2e", int(os.environ.get("GOVOPEN_E2E_PORT", "5051")), "--demo")
    yield portal
    subprocess.run(["bash", str(ROOT / "scripts/portal.sh"), "stop", portal.name], check=False)


@pytest.fixture(scope="session")
def second_portal():
    """A second, empty portal beside the first (the provincial tier, later)."""
    portal = _up("e2e_province", int(os.environ.get("GOVOPEN_E2E_PORT2", "5052")),
                 "--title", "省政府数据共享开放平台（测试）")
    yield portal
    subprocess.run(["bash", str(ROOT / "scripts/portal.sh"), "stop", portal.name], check=False)


CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path="/usr/bin/chromium", headless=True, args=CHROMIUM_FLAGS)
        yield b
        b.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    pg = context.new_page()
    yield pg
    context.close()


def browser_login(browser, portal: Portal, name: str, password: str):
    """A Chinese-language browser page logged in to PORTAL through its login form."""
    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900}, accept_downloads=True)
    page = context.new_page()
    page.goto(portal.url + "/user/login")
    page.fill("#field-login", name)
    page.fill("#field-password", password)
    page.press("#field-password", "Enter")
    page.wait_for_load_state()
    assert "/user/login" not in page.url, page.url
    return page


@pytest.fixture(scope="session")
def artifacts() -> pathlib.Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS
