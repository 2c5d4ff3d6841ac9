"""Request mail through the outbox, received by a real SMTP server on loopback (aiosmtpd)."""
from __future__ import annotations

import email
import email.policy
import socket

import pytest

import ckan.model as model
from ckan.lib import jobs

from ckanext.govopen.requests import notifications
from ckanext.govopen.model import Notification, Request
from tests.requests_support import at_once, ID_NUMBER, application, approve, call

pytestmark = pytest.mark.usefixtures("with_plugins")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Inbox:
    """A real SMTP server on loopback that keeps what it receives."""

    def __init__(self, port: int):
        from aiosmtpd.controller import Controller

        self.messages: list[email.message.EmailMessage] = []
        self.recipients: list[list[str]] = []
        self.controller = Controller(self, hostname="127.0.0.1", port=port)

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(email.message_from_bytes(envelope.content, policy=email.policy.default))
        self.recipients.append(list(envelope.rcpt_tos))
        return "250 OK"

    def to(self, address: str) -> list[email.message.EmailMessage]:
        return [m for m, r in zip(self.messages, self.recipients) if address in r]


@pytest.fixture
def smtp(ckan_config, monkeypatch):
    port = free_port()
    monkeypatch.setitem(ckan_config, "smtp.server", f"127.0.0.1:{port}")
    inbox = Inbox(port)
    yield inbox
    try:
        inbox.controller.stop()
    except (AssertionError, RuntimeError):
        pass  # a test stopped it or never started it


def body_of(message) -> str:
    return message.get_body(preferencelist=("plain",)).get_content()


def test_a_decision_reaches_the_applicant_by_mail(portal, smtp):  # noqa: F811
    jobs.get_queue().empty()
    smtp.controller.start()
    req = call("govopen_request_create", portal["citizen"], **application(portal))
    assert any(j.func_name.endswith("send_pending") for j in jobs.get_queue().jobs)  # dispatched after commit
    approve(portal, req)
    assert notifications.send_pending() >= 2
    to_editor = smtp.to(portal["editor"]["email"])
    assert to_editor and "新的开放申请待办理" in to_editor[0]["Subject"] and req["number"] in to_editor[0]["Subject"]
    to_citizen = smtp.to(portal["citizen"]["email"])
    assert len(to_citizen) == 1
    decided = to_citizen[0]
    assert "您的申请已有结果" in decided["Subject"] and "Decision" not in decided["Subject"]
    text = body_of(decided)
    assert "出生人口" in text and f"/requests/{req['id']}" in text and "同意" in text and "Approved" not in text
    for message in smtp.messages:  # identifiers never go into mail, not even masked
        assert ID_NUMBER not in body_of(message) and ID_NUMBER[-4:] + "\n" not in body_of(message)
    assert notifications.send_pending() == 0  # nothing twice


def test_a_mail_failure_keeps_the_decision_and_is_retried(portal, smtp):  # noqa: F811
    req = call("govopen_request_create", portal["citizen"], **application(portal))
    approve(portal, req)  # the SMTP server is down
    with pytest.raises(RuntimeError):
        notifications.send_pending()
    model.Session.expire_all()
    assert model.Session.get(Request, req["id"]).status == "approved"
    rows = [r for r in model.Session.query(Notification).filter(Notification.request_id == req["id"])
            if model.User.get(r.recipient_id).email]  # factory users without mail are skipped for good
    assert {r.event for r in rows} == {"submitted", "decided"} and all(r.sent is None for r in rows)
    tried = [r for r in rows if r.attempts]  # the first failure stops the job: back off, keep attempts
    assert len(tried) == 1 and tried[0].attempts == 1 and "127.0.0.1" in tried[0].last_error
    smtp.controller.start()
    assert notifications.send_pending() == len(rows)
    assert notifications.send_pending() == 0
    assert len(smtp.messages) == len(rows)


def test_queuing_twice_queues_once(portal):  # noqa: F811
    req = call("govopen_request_create", portal["citizen"], **application(portal))
    first = notifications.queue("reminder", [req["id"]], tag="x")  # the department's admins and editors
    assert first >= 1 and notifications.queue("reminder", [req["id"]], tag="x") == 0
    model.Session.commit()


def test_two_workers_send_each_mail_once(portal, smtp):  # noqa: F811
    smtp.controller.start()
    for i in range(6):
        call("govopen_request_create", portal["citizen"], **application(portal, purpose=f"用途{i}"))
    results, errors = at_once(notifications.send_pending)
    assert not errors and sum(results) == len(smtp.messages) == 6  # one "submitted" mail each to the editor
    assert len({m["Subject"] for m in smtp.to(portal["editor"]["email"])}) == 6
    assert notifications.pending_count() == 0


def test_users_without_email_are_skipped_not_retried(portal, smtp):  # noqa: F811
    smtp.controller.start()
    editor = model.User.get(portal["editor"]["name"])
    editor.email = ""
    model.Session.commit()
    call("govopen_request_create", portal["citizen"], **application(portal))
    assert notifications.send_pending() == 0
    row = model.Session.query(Notification).filter(Notification.recipient_id == editor.id).one()
    assert row.sent is None and row.attempts == notifications.MAX_ATTEMPTS and row.last_error == "no email address"
    assert notifications.pending_count() == 0


def test_revoking_a_grant_tells_the_holder(portal):  # noqa: F811
    req = call("govopen_request_create", portal["citizen"], **application(portal))
    grant_id = approve(portal, req)["decision"]["grant_id"]
    call("govopen_grant_revoke", portal["editor"], id=grant_id, reason="用途超出范围")
    told = {n.recipient_id for n in model.Session.query(Notification).filter_by(event="grant_revoked")}
    assert told == {portal["citizen"]["id"]}


@pytest.mark.ckan_config("ckanext.govopen.policy", "nanjing")
def test_a_first_approval_step_tells_the_data_authority(portal):  # noqa: F811
    import datetime

    req = call("govopen_request_create", portal["official"], dataset_id=portal["ds"]["name"], kind="share_application",
               applicant_type="department", applicant_name="市交通运输局", purpose="路网规划", scenario="内部分析",
               usage_type="other", security_measures="政务外网",
               requested_until=(datetime.date.today() + datetime.timedelta(days=30)).isoformat())
    call("govopen_request_decide", portal["editor"], id=req["id"], decision="approve", reason="同意共享")
    told = {n.recipient_id for n in model.Session.query(Notification).filter_by(event="step_decided")}
    assert portal["supervisor"]["id"] in told and portal["editor"]["id"] not in told


def test_a_full_batch_hands_the_rest_to_a_new_job(portal, smtp, monkeypatch):  # noqa: F811
    smtp.controller.start()
    for i in range(3):
        call("govopen_request_create", portal["citizen"], **application(portal, purpose=f"用途{i}"))
    monkeypatch.setattr(notifications, "BATCH", 2)
    jobs.get_queue().empty()
    handled = notifications.send_pending()
    assert handled <= 2 and any(j.func_name.endswith("send_pending") for j in jobs.get_queue().jobs)
    while notifications.pending_count():
        notifications.send_pending()
    assert len(smtp.to(portal["editor"]["email"])) == 3


def test_mail_goes_out_in_the_recipients_language(portal, smtp):  # noqa: F811
    # The citizen reads English (their `locale` plugin extra); the department's staff read the
    # portal's default, Chinese. Each gets one language, whatever language the actor used.
    citizen = model.User.get(portal["citizen"]["id"])
    citizen.plugin_extras = {**(citizen.plugin_extras or {}), "locale": "en"}
    editor = model.User.get(portal["editor"]["id"])
    editor.plugin_extras = {**(editor.plugin_extras or {}), "locale": "xx_NOT_OFFERED"}
    model.Session.commit()
    smtp.controller.start()
    req = call("govopen_request_create", portal["citizen"], **application(portal))
    approve(portal, req)
    notifications.send_pending()
    decided = smtp.to(portal["citizen"]["email"])[-1]
    assert decided["Subject"].startswith("[") and f"Decision on your request {req['number']}: Approved" in decided["Subject"]
    text = body_of(decided)
    assert text.startswith("Dear ") and "View: " in text and "您好" not in text and "同意" not in text
    to_editor = smtp.to(portal["editor"]["email"])[0]  # a locale the portal does not offer: the default
    assert "新的开放申请待办理" in to_editor["Subject"] and "您好" in body_of(to_editor) and "Dear" not in body_of(to_editor)


def test_a_portal_template_rewords_one_event(portal, smtp, ckan_config, monkeypatch, tmp_path):  # noqa: F811
    emails = tmp_path / "govopen" / "emails"
    emails.mkdir(parents=True)
    (emails / "submitted.txt").write_text(
        '{% extends "_layout.txt" %}{% block subject %}新申请 {{ number }}，热线 12345{% endblock %}'
        "{% block body %}请办理。{% endblock %}", encoding="utf-8")
    monkeypatch.setitem(ckan_config, "extra_template_paths", f"{tmp_path},{ckan_config.get('extra_template_paths', '')}")
    smtp.controller.start()
    req = call("govopen_request_create", portal["citizen"], **application(portal))
    notifications.send_pending()
    subject = smtp.to(portal["editor"]["email"])[0]["Subject"]
    assert subject.endswith(f"】新申请 {req['number']}，热线 12345")


def test_share_request_audiences(portal):  # noqa: F811
    import datetime

    from ckanext.govopen.requests import sweep
    from ckanext.govopen.model import user_memberships
    from ckanext.govopen.requests.store import today

    def told(event):
        return {n.recipient_id for n in model.Session.query(Notification).filter_by(event=event)}

    ids = {name: portal[name]["id"] for name in ("official", "colleague", "editor", "plain", "citizen", "supervisor")}

    def members(org, capacities=("admin", "editor", "member")):
        return {u.id for u in model.Session.query(model.User)
                if user_memberships(u.id).get(portal[org]["id"]) in capacities}

    applying, outsiders = members("other"), {ids["plain"], ids["citizen"], ids["supervisor"]}
    assert {ids["official"], ids["colleague"]} <= applying
    req = call("govopen_request_create", portal["official"], dataset_id=portal["ds"]["name"], kind="share_application",
               applicant_type="department", applicant_name="市交通运输局", purpose="路网规划", scenario="内部分析",
               usage_type="other", security_measures="政务外网",
               requested_until=(today() + datetime.timedelta(days=5)).isoformat())
    deciders = members("owner", ("admin", "editor"))  # the factory's creator is an admin too
    assert ids["editor"] in deciders and ids["plain"] not in deciders
    assert told("submitted") == deciders
    call("govopen_request_ask_info", portal["editor"], id=req["id"], note="请说明用途")
    assert told("info_requested") == applying  # the applicant and the applying department
    assert not told("info_requested") & outsiders
    call("govopen_request_respond", portal["official"], id=req["id"], note="用于路网规划")
    assert told("resubmitted") == deciders
    row = model.Session.get(Request, req["id"])
    row.due = today() - datetime.timedelta(days=1)
    model.Session.commit()
    assert sweep.run()["deemed_approved"] == 1  # a grant to the department, ending within the notice period
    assert told("deemed_approved") == applying | deciders
    assert told("grant_expiring") == applying  # every member of the holding department
