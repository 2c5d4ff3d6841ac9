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
