"""Uploaded files in a real Chromium (issue #11, item 4): an uploaded HTML file used to run as the
viewer in the portal's origin and read their CSRF token. Now it is a download, and even opened in
a frame it runs in a sandbox with an opaque origin."""
from __future__ import annotations

import secrets

import requests

from tests.live.test_request_journey import PASSWORD, login

DATASET = "public-parking-lots"  # demo: unconditionally open
PAYLOAD = (b"<!doctype html><title>upload</title><script>"
           b"document.title = 'RAN:' + (document.cookie.length > 0) + ':' + "
           b"(parent !== window ? String(!!parent.document.querySelector('meta[name=_csrf_token]')) : 'top');"
           b"</script>")


def _upload(portal, name: str, filename: str, content: bytes) -> dict:
    res = requests.post(f"{portal.url}/api/3/action/resource_create",
                        headers={"Authorization": portal.sysadmin_token()},
                        data={"package_id": DATASET, "name": name},
                        files={"upload": (filename, content, "text/html")}, timeout=60)
    res.raise_for_status()
    return res.json()["result"]


def test_an_uploaded_html_file_runs_no_script_in_the_portal(demo_portal, browser):
    resource = _upload(demo_portal, f"live-upload-{secrets.token_hex(3)}", "page.html", PAYLOAD)
    url = f"{demo_portal.url}/dataset/{DATASET}/resource/{resource['id']}/download/page.html"
    name = f"viewer_{secrets.token_hex(3)}"
    admin = demo_portal.sysadmin_token()
    demo_portal.api("user_create", admin, name=name, email=f"{name}@example.gov.cn", password=PASSWORD)
    viewer = login(browser, demo_portal, name)

    # Opened directly: a download, not a page of the portal.
    with viewer.expect_download() as download:
        try:
            viewer.goto(url)
        except Exception:  # noqa: BLE001 - Chromium aborts the navigation when a download starts
            pass
    assert download.value.suggested_filename == "page.html"

    # Framed by a portal page (as a resource view would): the script cannot reach the portal.
    viewer.goto(f"{demo_portal.url}/dataset/{DATASET}")
    viewer.evaluate("""url => { const f = document.createElement('iframe'); f.id = 'probe';
                                f.src = url; document.body.appendChild(f); }""", url)
    viewer.wait_for_timeout(1500)
    titles = [f.title() for f in viewer.frames if f != viewer.main_frame]
    assert not any(t.startswith("RAN:") and t != "RAN:false:false" for t in titles), titles
    headers = viewer.request.get(url).headers
    assert "sandbox" in headers["content-security-policy"] and headers["x-content-type-options"] == "nosniff"
