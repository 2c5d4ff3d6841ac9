"""Browser journeys in a real Chromium against a live demo portal."""
import re

from tests.live.conftest import ROOT


def test_home_search_and_dataset_page(demo_portal, page, artifacts):
    page.goto(demo_portal.url + "/")
    page.locator("form input[name=q]").first.fill("人口")
    page.locator("form input[name=q]").first.press("Enter")
    page.wait_for_url(re.compile(r"/dataset/?\?q="))
    results = page.locator(".dataset-list .dataset-heading a")
    titles = results.all_inner_texts()
    assert any("全市常住人口统计" in t for t in titles), titles
    page.screenshot(path=str(artifacts / "search-renkou.png"), full_page=True)

    page.get_by_role("link", name=re.compile("全市常住人口统计")).first.click()
    page.wait_for_url(re.compile(r"/dataset/resident-population-2025"))
    assert "全市常住人口统计" in page.locator("h1").first.inner_text()
    assert page.locator("a[href*='/resource/']").count() >= 1
    page.screenshot(path=str(artifacts / "dataset-page.png"), full_page=True)


def test_facets_restricted_dataset_basis_and_history(demo_portal, page, artifacts):
    page.goto(demo_portal.url + "/dataset/")
    page.locator("nav[aria-label*='开放类型'] a", has_text="依申请开放").first.click()
    page.wait_for_url(re.compile(r"open_category=on_application"))
    page.locator("nav[aria-label*='开放主题'] a", has_text="交通").first.click()
    page.wait_for_url(re.compile(r"themes="))
    page.wait_for_load_state("networkidle")
    titles = page.locator(".dataset-list .dataset-heading a").all_inner_texts()
    assert any("道路货运经营许可信息" in t for t in titles), titles
    assert not any("公交线路信息" in t for t in titles), titles  # open to all: filtered out
    page.screenshot(path=str(artifacts / "facets-on-application-transport.png"), full_page=True)

    page.get_by_role("link", name=re.compile("道路货运经营许可信息")).first.click()
    page.wait_for_url(re.compile(r"/dataset/road-freight-licences"))
    categories = page.locator("#govopen-categories")
    assert "依申请开放" in categories.inner_text()
    assert "第十七条" in page.locator(".govopen-open-legal-basis").inner_text()
    history = page.locator("#govopen-category-history")
    assert "无条件开放" in history.inner_text() and "依申请开放" in history.inner_text()
    assert "个人信息" in history.locator(".govopen-change-reason").first.inner_text()
    page.screenshot(path=str(artifacts / "restricted-dataset.png"), full_page=True)


def test_a_citizen_finds_a_theme_sees_what_is_open_and_applies_with_no_outside_request(demo_portal, browser,
                                                                                          artifacts):
    import secrets

    name, password = f"citizen_{secrets.token_hex(3)}", "Front-Door-Pw-2026"
    demo_portal.api("user_create", demo_portal.sysadmin_token(), name=name, email=f"{name}@example.com",
                    password=password)
    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    outside: list[str] = []  # every request a page makes that does not go to the portal itself
    page.on("request", lambda r: None if r.url.startswith((demo_portal.url, "data:", "blob:")) else outside.append(r.url))

    page.goto(demo_portal.url + "/")
    assert int(page.locator(".govopen-openness .govopen-count[data-category='on_application']").inner_text()) > 0
    assert [a.inner_text() for a in page.locator("#main-navigation-toggle a").all()][:6] == [
        "数据目录", "资源目录", "部门", "开放主题", "申请办理", "统计"]
    assert "如何申请数据" in page.locator("#govopen-apply-title").inner_text()
    page.screenshot(path=str(artifacts / "home.png"), full_page=True)

    page.locator(".govopen-theme[data-theme='交通']").click()
    page.wait_for_url(re.compile(r"themes="))
    items = page.locator(".dataset-list .dataset-item")
    assert items.count() > 0 and page.locator(".dataset-list .govopen-open-badge").count() == items.count()
    assert "依申请开放" in page.locator(".dataset-list").inner_text()
    page.screenshot(path=str(artifacts / "search-theme-transport.png"), full_page=True)

    page.get_by_role("link", name=re.compile("道路货运经营许可信息")).first.click()
    page.wait_for_url(re.compile(r"/dataset/road-freight-licences"))
    licence = page.locator("section.license").inner_text()
    assert "依申请开放" in licence and "Creative Commons" not in licence
    page.screenshot(path=str(artifacts / "dataset-on-application.png"), full_page=True)

    page.locator("#govopen-request-actions a.btn-primary").click()  # "log in to apply"
    page.fill("#field-login", name)
    page.fill("#field-password", password)
    page.press("#field-password", "Enter")
    page.wait_for_url(re.compile(r"/dataset/road-freight-licences/request/open_application"))
    assert page.locator("#govopen-request-form").count() == 1
    page.goto(demo_portal.url + "/")  # logged in: the header has no outside picture either
    assert outside == [], outside
    context.close()


AXE = ROOT / ".local/node/node_modules/axe-core/axe.min.js"  # scripts/deps.sh --browser installs it


def serious_violations(page) -> list[str]:
    """axe-core's WCAG 2.1 A/AA audit of the page as it stands: the serious and critical findings."""
    # Evaluated through the browser's protocol, not as a <script> tag: the portal's script policy
    # (no inline script) refuses injected tags, as it should.
    page.evaluate(AXE.read_text() + "\n;undefined")
    result = page.evaluate("""async () => await axe.run(document, {runOnly: {type: 'tag',
        values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}})""")
    assert len(result["passes"]) > 10, "the audit checked next to nothing"
    return [f"{v['id']} ({v['impact']}): {[n['target'] for n in v['nodes']][:3]}"
            for v in result["violations"] if v["impact"] in ("serious", "critical")]


def test_the_citizens_pages_pass_an_accessibility_audit(demo_portal, browser):
    import secrets

    name, password = f"a11y_{secrets.token_hex(3)}", "Front-Door-Pw-2026"
    demo_portal.api("user_create", demo_portal.sysadmin_token(), name=name, email=f"{name}@example.com",
                    password=password)
    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    refused = []  # the security headers' script policy must not stop any of CKAN's or govopen's scripts
    page.on("console", lambda m: refused.append(f"{page.url}: {m.text}") if "Content Security Policy" in m.text else None)
    found = {}
    for label, path in (("home", "/"), ("search", "/dataset/?themes=交通"), ("dataset", "/dataset/road-freight-licences"),
                        ("themes", "/themes"), ("statistics", "/openness"), ("catalogue", "/catalogue/"),
                        ("negative list", "/catalogue/negative-list")):
        page.goto(demo_portal.url + path)
        found[label] = serious_violations(page)
    page.goto(demo_portal.url + "/user/login")
    page.fill("#field-login", name)
    page.fill("#field-password", password)
    page.press("#field-password", "Enter")
    page.wait_for_load_state()
    for label, path in (("apply", "/dataset/road-freight-licences/request/open_application"), ("desk", "/requests")):
        page.goto(demo_portal.url + path)
        found[label] = serious_violations(page)
    context.close()
    assert {k: v for k, v in found.items() if v} == {}
    assert refused == []


def tab_to(page, selector: str, limit: int = 200) -> None:
    """Press Tab until SELECTOR has the focus, as a keyboard user would move through the page."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("s => !!document.activeElement && document.activeElement.matches(s)", selector):
            return
    raise AssertionError(f"Tab never reaches {selector}")


def test_applying_with_the_keyboard_alone(demo_portal, browser):
    import datetime
    import secrets

    from ckanext.govopen.catalogue.codes import citizen_id_check_char

    name, password = f"keys_{secrets.token_hex(3)}", "Front-Door-Pw-2026"
    demo_portal.api("user_create", demo_portal.sysadmin_token(), name=name, email=f"{name}@example.com",
                    password=password)
    page = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900}).new_page()
    keys = page.keyboard
    page.goto(demo_portal.url + "/user/login")
    tab_to(page, "#field-login")
    keys.type(name)
    tab_to(page, "#field-password")
    keys.type(password)
    with page.expect_navigation():
        keys.press("Enter")
    assert "/user/login" not in page.url, page.url

    page.goto(demo_portal.url + "/dataset/road-freight-licences")
    tab_to(page, "#govopen-request-actions a[data-kind='open_application']")
    keys.press("Enter")
    page.wait_for_url(re.compile(r"/request/open_application"))
    tab_to(page, "#field-applicant_type-person")
    keys.press("Space")
    body = "34018119900307123"
    until = (datetime.date.today() + datetime.timedelta(days=90))
    for field, text in (("#field-applicant_name", "键盘用户"), ("#field-id_number", body + citizen_id_check_char(body))):
        tab_to(page, field)
        keys.press("Control+A")
        keys.type(text)
    tab_to(page, "#field-usage_type")
    for _ in range(3):  # choose, research, commercial, public interest
        keys.press("ArrowDown")
    for field, text in (("#field-purpose", "无障碍测试"), ("#field-scenario", "读屏软件"), ("#field-security_measures", "加密存储")):
        tab_to(page, field)
        keys.type(text)
    tab_to(page, "#field-requested_until")
    # Headless Chromium's date editor takes month, day, year whatever the page's locale; each
    # part moves on by itself once full.
    keys.type(f"{until.month:02d}{until.day:02d}{until.year}")
    assert page.input_value("#field-requested_until") == until.isoformat()
    tab_to(page, "#govopen-request-form button[type=submit]")
    with page.expect_navigation():
        keys.press("Enter")
    assert re.search(r"/requests/[0-9a-f-]{36}$", page.url), page.locator(".invalid-feedback").all_inner_texts()
    assert page.locator(".govopen-status").get_attribute("data-status") == "submitted"
    assert page.locator(".govopen-note[data-field='scenario']").inner_text() == "读屏软件"
    page.context.close()


def test_uses_are_counted_over_real_http(demo_portal):
    import requests

    browser_ua = {"User-Agent": "Mozilla/5.0 (X11; Linux x86_64) Chrome/126.0 Safari/537.36"}
    page_url = demo_portal.url + "/dataset/resident-population-2025"

    def counts() -> tuple[int, int, int]:
        body = requests.get(page_url, headers=browser_ua, timeout=60).text  # counted once served
        m = re.search(r'data-views="(\d+)" data-downloads="(\d+)" data-api="(\d+)"', body)
        assert m, body[-2000:]
        return tuple(map(int, m.groups()))

    views, downloads, api = counts()
    shown = requests.post(demo_portal.url + "/api/3/action/package_show", json={"id": "resident-population-2025"},
                          headers=browser_ua, timeout=60).json()["result"]
    res = shown["resources"][0]
    got = requests.get(f"{page_url}/resource/{res['id']}/download", headers=browser_ua, allow_redirects=False,
                       timeout=60)
    assert got.status_code in (200, 302)
    requests.get(page_url, headers={"User-Agent": "Mozilla/5.0 (compatible; Baiduspider/2.0)"}, timeout=60)
    requests.post(demo_portal.url + "/_tracking", data={"url": page_url, "type": "page"}, headers=browser_ua,
                  timeout=60)
    assert counts() == (views + 1, downloads + 1, api + 1)
