"""A department editor uploads a GBK CSV on the resource form of the live demo portal (real
Chromium, real jobs worker): the resource page shows the load's status until the table is loaded,
then previews it with the Chinese values, and the Data API help lists its columns."""
from __future__ import annotations

import re
import secrets
import time

from tests.live.conftest import browser_login

ROWS = [["序号", "线路名称", "首班时间", "途经站点（按顺序列出全部站点名称，以顿号分隔，不超过两百字）"],
        ["1", "巢湖1路", "06:00", "火车站、健康路、卧牛山"], ["2", "巢湖2路", "06:30", "汽车站、人民路、半汤"]]


def test_an_uploaded_gbk_csv_is_loaded_and_previewed(demo_portal, browser, artifacts):
    admin = demo_portal.sysadmin_token()
    name, password = f"loader_{secrets.token_hex(3)}", "Loader-Pw-2026"
    demo_portal.api("user_create", admin, name=name, email=f"{name}@example.gov.cn", password=password)
    demo_portal.api("organization_member_create", admin, id="transport-bureau", username=name, role="editor")
    dataset = f"bus-lines-{secrets.token_hex(3)}"
    demo_portal.api("package_create", admin, name=dataset, title="公交线路表", owner_org="transport-bureau",
                    resource_class="department", catalogue_code=f"307002/{secrets.randbelow(900_000) + 10_000:06d}",
                    update_frequency="monthly", open_category="unconditional", share_category="unconditional")
    content = "".join(",".join(r) + "\r\n" for r in ROWS).encode("gbk")

    page = browser_login(browser, demo_portal, name, password)
    page.goto(f"{demo_portal.url}/dataset/{dataset}/resource/new")
    page.set_input_files("input[type=file][name=upload]",
                         files=[{"name": "公交线路.csv", "buffer": content, "mimeType": "text/csv"}])
    page.fill("input[name=name]", "公交线路")
    page.locator("button[name=save]").last.click()
    page.wait_for_load_state()
    resource = demo_portal.api("package_show", admin, id=dataset)["resources"][0]

    # The worker loads it; the resource page shows the status until it is done.
    url = f"{demo_portal.url}/dataset/{dataset}/resource/{resource['id']}"
    deadline, status = time.monotonic() + 120, None
    while time.monotonic() < deadline:
        page.goto(url)
        box = page.locator(".govopen-datastore-load")
        status = box.get_attribute("data-status") if box.count() else None
        if status in ("done", "failed"):
            break
        time.sleep(2)
    page.screenshot(path=str(artifacts / "datastore-load-status.png"), full_page=True)
    assert status == "done", (status, page.locator("main").inner_text()[:2000])
    box = page.locator(".govopen-datastore-load").inner_text()
    assert "数据表已载入：共 2 行" in box
    preview = page.frame_locator("iframe").first
    preview.locator("td", has_text="巢湖2路").first.wait_for(timeout=30_000)
    assert "火车站、健康路、卧牛山" in preview.locator("body").inner_text()
    page.screenshot(path=str(artifacts / "datastore-preview.png"), full_page=True)

    # The Data API help: the column names (the long header cut to fit PostgreSQL) and its header.
    page.goto(f"{demo_portal.url}/datastore/api_info/{resource['id']}")
    fields = page.locator(".govopen-data-api table").inner_text()
    assert ROWS[0][3] in fields and "线路名称" in fields
    assert re.search(r"curl -G", page.locator(".govopen-data-api").inner_text())
