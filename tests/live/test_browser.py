"""Browser journeys in a real Chromium against a live demo portal."""
import re


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
    assert [a.inner_text() for a in page.locator("#main-navigation-toggle a").all()][:5] == [
        "数据目录", "部门", "开放主题", "申请办理", "统计"]
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
