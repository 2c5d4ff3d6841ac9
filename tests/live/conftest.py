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
        """An API token of a sysadmin made for the live tests: the user and the token made in one
        process on first use (four `ckan` commands took 12 s), then the same token again."""
        if getattr(self, "_admin_token", None) is None:
            self._admin_token = subprocess.run(
                [str(ROOT / ".venv/bin/python"), "-c", _ADMIN_TOKEN, str(self.ini)],
                check=True, capture_output=True, text=True).stdout.strip().splitlines()[-1]
        return self._admin_token


_ADMIN_TOKEN = """
import sys
from ckan.cli import load_config
from ckan.config.middleware import make_app
app = make_app(load_config(sys.argv[1]))
with app._wsgi_app.test_request_context():
    import ckan.model as model
    import ckan.plugins.toolkit as tk
    site = tk.get_action("get_site_user")({"ignore_auth": True}, {})["name"]
    name = "live_tests_admin"
    if model.User.get(name) is None:
        tk.get_action("user_create")({"user": site, "ignore_auth": True}, {
            "name": name, "email": name + "@example.gov.cn", "password": "live-tests-Pw-2026"})
    user = model.User.get(name)
    user.sysadmin = True
    model.Session.commit()
    print(tk.get_action("api_token_create")({"user": site, "ignore_auth": True},
                                            {"user": name, "name": "live-tests"})["token"])
"""


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
