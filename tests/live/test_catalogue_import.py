"""A department editor imports the catalogue spreadsheet in a real Chromium against the live demo
portal: upload, read the error report the background job wrote, fix the file, import."""
from __future__ import annotations

import re
import secrets

from tests.catalogue.test_import import xlsx
from tests.live.conftest import browser_login


def workbook(rows) -> bytes:
    return xlsx(rows, title="交通运输局政务信息资源目录")


def entry(title, code, freq="每月"):
    return [title, code, "3990001", "", f"{title}的摘要", "无条件共享", "", "", "无条件开放", "", "", freq,
            "2025-03-01", "交通", "线路名称", "字符型C", "50"]


def test_a_department_imports_its_catalogue_file(demo_portal, browser, artifacts):
    admin = demo_portal.sysadmin_token()
    name, password = f"cataloguer_{secrets.token_hex(3)}", "Catalogue-Pw-2026"
    demo_portal.api("user_create", admin, name=name, email=f"{name}@example.gov.cn", password=password)
    demo_portal.api("organization_member_create", admin, id="transport-bureau", username=name, role="editor")
    base = secrets.randbelow(900_000) + 10_000
    codes = [f"3990001/{base:06d}", f"3990001/{base + 1:06d}"]
    bad = workbook([entry("定制公交线路", codes[0]), entry("出租车营运", codes[1], freq="每两年")])
    good = workbook([entry("定制公交线路", codes[0]), entry("出租车营运", codes[1])])

    page = browser_login(browser, demo_portal, name, password)

    page.goto(demo_portal.url + "/catalogue/")
    page.get_by_role("link", name="导入目录文件").click()
    page.wait_for_url(re.compile(r"/catalogue/import$"))
    page.select_option("#field-owner_org", label="市交通运输局")
    page.set_input_files("#field-upload", files=[{"name": "交通目录.xlsx", "buffer": bad,
                                                   "mimeType": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}])
    page.get_by_role("button", name="检查并导入").click()
    page.wait_for_url(re.compile(r"/catalogue/import/[0-9a-f-]+$"))
    # The jobs worker runs the import; the page refreshes itself until it is done.
    page.wait_for_selector(".govopen-import-status[data-status='done']", timeout=120_000)
    assert "未导入任何条目" in page.locator(".govopen-import-status").inner_text()
    errors = page.locator("table.govopen-import-errors tbody tr")
    assert errors.count() == 1
    cells = [c.inner_text() for c in errors.first.locator("td").all()]
    assert cells[:3] == ["4", "更新周期（必填）", "每两年"]
    assert "每两年" in cells[3] and "is not accepted here" in cells[4]
    page.screenshot(path=str(artifacts / "catalogue-import-errors.png"), full_page=True)
    with page.expect_download() as download:
        page.get_by_role("link", name="下载报告（CSV）").click()
    report = download.value.path().read_bytes().decode("utf-8-sig")
    assert "更新周期（必填）" in report and "每两年" in report

    page.get_by_role("link", name="再导入一个文件").click()
    page.set_input_files("#field-upload", files=[{"name": "交通目录.xlsx", "buffer": good,
                                                   "mimeType": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}])
    page.get_by_role("button", name="检查并导入").click()
    page.wait_for_selector(".govopen-import-status[data-status='done']", timeout=120_000)
    assert page.locator("td[data-count='created']").inner_text() == "2"
    assert page.locator("td[data-count='failed']").inner_text() == "0"
    page.screenshot(path=str(artifacts / "catalogue-import-done.png"), full_page=True)

    page.goto(demo_portal.url + "/catalogue/?organization=transport-bureau")
    page.wait_for_selector(f"tr[data-code='{codes[0]}']")
    assert "市交通运输局" in page.locator(f"tr[data-code='{codes[1]}']").inner_text()
    page.context.close()
