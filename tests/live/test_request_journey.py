"""The request desk in a real Chromium against a live demo portal (`make run`'s portal).

A researcher applies for on-application data and sees the due date; the department asks
for information; the researcher answers; the department approves; the researcher downloads;
another user cannot; the written reply prints.
"""
from __future__ import annotations

import datetime
import email
import email.policy
import re
import secrets
import time

import pytest

from ckanext.govopen.catalogue.codes import citizen_id_check_char
from tests.live.conftest import ROOT, browser_login

DATASET = "road-freight-licences"  # demo: open on application, transport bureau's
PASSWORD = "Journey-Pw-2026!"


@pytest.fixture(scope="module")
def people(demo_portal):
    """Fresh users for each run (the demo portal keeps its data between runs)."""
    admin = demo_portal.sysadmin_token()
    run = secrets.token_hex(3)
    names = {role: f"{role}_{run}" for role in ("researcher", "officer", "nosy")}
    for name in names.values():
        demo_portal.api("user_create", admin, name=name, email=f"{name}@example.gov.cn", password=PASSWORD)
    demo_portal.api("member_create", admin, id="transport-bureau", object=names["officer"],
                    object_type="user", capacity="editor")
    return names


def login(browser, portal, name):
    return browser_login(browser, portal, name, PASSWORD)


def mail_to(portal, address: str, subject_part: str, wait: float = 60) -> email.message.EmailMessage:
    """The portal's mail as its mail catcher (scripts/scheduler.sh) keeps it: sent by the jobs
    worker from the outbox, over SMTP on loopback."""
    maildir = ROOT / ".local" / "mail" / portal.name / "new"
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        for path in sorted(maildir.glob("*")) if maildir.exists() else []:
            message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
            if address in str(message["To"]) and subject_part in str(message["Subject"]):
                return message
        time.sleep(1)
    raise AssertionError(f"no mail to {address} with {subject_part!r} in {maildir}")


def status_of(page) -> str:
    return page.locator(".govopen-status").get_attribute("data-status")


def test_apply_ask_answer_approve_download_and_print(demo_portal, browser, people, artifacts):
    researcher = login(browser, demo_portal, people["researcher"])
    researcher.goto(f"{demo_portal.url}/dataset/{DATASET}")
    researcher.locator("a[data-kind=open_application]").click()
    notice = researcher.locator(".govopen-due-notice").inner_text()
    assert re.search(r"\d{4}-\d{2}-\d{2}", notice) and "答复" in notice, notice
    researcher.screenshot(path=str(artifacts / "journey-1-apply-form.png"), full_page=True)

    body = "34018119900307123"
    researcher.check("#field-applicant_type-person")
    researcher.fill("#field-applicant_name", "李研究")
    researcher.fill("#field-id_number", body + citizen_id_check_char(body))
    researcher.select_option("#field-usage_type", "public_interest")
    researcher.fill("#field-purpose", "道路货运行业发展研究")
    researcher.fill("#field-scenario", "市交通发展规划课题")
    researcher.fill("#field-security_measures", "数据仅存放于课题组内网服务器")
    researcher.fill("#field-requested_until", (datetime.date.today() + datetime.timedelta(days=90)).isoformat())
    researcher.check("#field-written_reply")
    researcher.locator("#govopen-request-form button[type=submit]").click()
    researcher.wait_for_url(re.compile(r"/requests/[0-9a-f-]{36}$"))
    request_url = researcher.url
    assert status_of(researcher) == "submitted"
    due = researcher.locator(".govopen-due").first.inner_text()
    assert due in notice  # the due date the form promised is the one the request carries

    officer = login(browser, demo_portal, people["officer"])
    officer.goto(demo_portal.url + "/requests/queue")
    officer.locator(f"a[href$='{request_url.rsplit('/', 1)[1]}']").first.click()
    assert "34018119900307123" in officer.locator(".govopen-applicant").inner_text()  # deciders see it in full
    officer.fill("#field-note-ask_info", "请补充课题立项证明材料。")
    officer.locator("#form-ask_info button[type=submit]").click()
    officer.wait_for_load_state()
    assert status_of(officer) == "info_requested"
    officer.screenshot(path=str(artifacts / "journey-2-asked.png"), full_page=True)

    researcher.goto(request_url)
    assert "请补充课题立项证明材料" in researcher.locator(".govopen-timeline").inner_text()
    researcher.fill("#field-note-respond", "立项书编号 2026-JT-017，已发送至部门邮箱。")
    researcher.locator("#form-respond button[type=submit]").click()
    researcher.wait_for_load_state()
    assert status_of(researcher) == "resubmitted"

    officer.goto(request_url)
    officer.check("#decision-approve")
    officer.fill("#field-conditions", "仅限课题研究使用")
    officer.fill("#field-expires", (datetime.date.today() + datetime.timedelta(days=60)).isoformat())
    officer.locator("#form-decide button[type=submit]").click()
    officer.wait_for_load_state()
    assert status_of(officer) == "approved"
    # The decision reaches the researcher by mail: outbox, Redis queue, jobs worker, SMTP.
    decided = mail_to(demo_portal, f"{people['researcher']}@example.gov.cn", "您的申请已有结果")
    assert request_url.rsplit("/", 1)[1] in decided.get_body(("plain",)).get_content()
    assert "34018119900307123" not in decided.get_body(("plain",)).get_content()

    researcher.goto(request_url)
    researcher.screenshot(path=str(artifacts / "journey-3-approved.png"), full_page=True)
    link = researcher.locator("a.govopen-download").first
    href = demo_portal.url + link.get_attribute("href") if link.get_attribute("href").startswith("/") else link.get_attribute("href")
    got = researcher.context.request.get(href)
    assert got.status == 200 and "许可证号" in got.text()

    nosy = login(browser, demo_portal, people["nosy"])
    assert nosy.context.request.get(href).status in (403, 404)
    assert nosy.context.request.get(request_url).status == 404

    researcher.locator("a.govopen-letter-link").click()
    researcher.wait_for_load_state()
    assert "行政复议" in researcher.content() and "道路货运经营许可信息" in researcher.content()
    assert researcher.locator("#print-letter").is_visible()
    researcher.emulate_media(media="print")
    assert not researcher.locator("#print-letter").is_visible()  # the print styles hide the toolbar
    pdf = researcher.pdf(path=str(artifacts / "journey-4-letter.pdf"), format="A4")
    assert pdf[:4] == b"%PDF" and len(pdf) > 10_000
    researcher.screenshot(path=str(artifacts / "journey-4-letter.png"), full_page=True)


def test_forms_refuse_a_post_without_the_token(demo_portal, browser, people):
    researcher = login(browser, demo_portal, people["researcher"])
    url = f"{demo_portal.url}/dataset/{DATASET}/request/correction"
    researcher.goto(url)
    forged = researcher.context.request.post(url, form={"details": "无令牌提交"}, max_redirects=0)
    assert forged.status == 400
    researcher.fill("#field-details", "第3行经营范围有误")
    researcher.locator("#govopen-request-form button[type=submit]").click()
    researcher.wait_for_url(re.compile(r"/requests/[0-9a-f-]{36}$"))
    assert status_of(researcher) == "submitted"
