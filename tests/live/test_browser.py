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
