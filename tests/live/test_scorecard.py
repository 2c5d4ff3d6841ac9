"""The scorecard in a real Chromium against the demo portal: the data authority's page draws
its charts (Chart.js from the portal, no outside request) and passes the accessibility audit;
the printable report prints to a PDF."""
from __future__ import annotations

import re
import secrets

from tests.live.conftest import browser_login
from tests.live.test_browser import serious_violations

PASSWORD = "Scorecard-Pw-2026"


def _authority_member(portal) -> str:
    admin = portal.sysadmin_token()
    orgs = portal.api("organization_list", all_fields=True, include_extras=True)
    authority = next(o for o in orgs if o.get("department_type") == "data_authority")
    name = f"score_{secrets.token_hex(3)}"
    portal.api("user_create", admin, name=name, email=f"{name}@example.gov.cn", password=PASSWORD)
    portal.api("organization_member_create", admin, id=authority["id"], username=name, role="member")
    return name


def test_the_scorecard_page_draws_its_charts(demo_portal, browser, artifacts):
    page = browser_login(browser, demo_portal, _authority_member(demo_portal), PASSWORD)
    outside, refused = [], []
    page.on("request", lambda r: outside.append(r.url) if not r.url.startswith(demo_portal.url) else None)
    page.on("console", lambda m: refused.append(m.text) if "Content Security Policy" in m.text else None)
    year = demo_portal.api("govopen_scorecard_public")["period"]
    page.goto(f"{demo_portal.url}/scorecard/?period={year}")
    page.wait_for_selector("html[data-govopen-charts=drawn]", timeout=15_000)
    assert page.locator("#govopen-scorecard-table tbody tr").count() >= 2
    # the canvas holds a drawing: some pixels are not blank
    painted = page.evaluate("""() => { const c = document.getElementById('govopen-score-chart');
        const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
        let n = 0; for (let i = 3; i < d.length; i += 4) { if (d[i]) n++; } return n; }""")
    assert painted > 1000
    page.screenshot(path=str(artifacts / "scorecard.png"), full_page=True)
    assert outside == [] and refused == []  # the charts run under the portal's script policy
    assert serious_violations(page) == []
    page.context.close()


def test_the_report_prints_to_pdf(demo_portal, browser, artifacts):
    page = browser_login(browser, demo_portal, _authority_member(demo_portal), PASSWORD)
    year = demo_portal.api("govopen_scorecard_public")["period"]
    page.goto(f"{demo_portal.url}/scorecard/report?period={year}")
    assert page.locator("tbody tr").count() >= 2
    page.emulate_media(media="print")
    assert page.locator(".toolbar").is_hidden()  # the print button is not printed
    pdf = page.pdf(path=str(artifacts / "scorecard-report.pdf"), prefer_css_page_size=True)
    assert pdf[:4] == b"%PDF" and len(pdf) > 10_000
    assert len(re.findall(rb"/Type\s*/Page[^s]", pdf)) >= 1
    # A4 landscape, as the page's @page rule asks: 842 x 595 points
    box = re.search(rb"/MediaBox\s*\[\s*0 0 ([\d.]+) ([\d.]+)\s*\]", pdf)
    assert box and round(float(box.group(1))) == 842 and round(float(box.group(2))) == 595
    page.context.close()
