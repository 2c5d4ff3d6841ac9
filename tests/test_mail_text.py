"""Mail texts, pure: every event in both languages, no identifiers."""
import pytest

from ckanext.govopen import mail_text

FACTS = {"recipient": "王交通", "number": "2026-000042", "dataset": "出生人口", "kind_zh": "开放申请",
         "kind_en": "application for data", "status_zh": "同意", "status_en": "Approved", "due": "2026-12-04",
         "department": "市卫生健康委员会", "applicant": "李研究", "expires": "2027-01-21"}


@pytest.mark.parametrize("event", mail_text.EVENTS)
def test_every_event_in_chinese_then_english(event):
    subject, body = mail_text.compose(event, FACTS, "巢湖市政府数据开放平台", "http://portal/requests/x")
    assert subject.startswith("【巢湖市政府数据开放平台】") and " / " in subject
    zh, en = body.split("——")
    assert "您好" in zh and "Dear 王交通" in en
    assert "http://portal/requests/x" in zh and "http://portal/requests/x" in en
    assert "{" not in body and "}" not in subject
    assert any(v in body for v in ("2026-000042", "出生人口"))


def test_identifiers_are_refused():
    with pytest.raises(ValueError):
        mail_text.compose("decided", {**FACTS, "id_number": "340181199003071238"}, "t", "l")


def test_unknown_event():
    with pytest.raises(ValueError):
        mail_text.compose("nonsense", FACTS, "t", "l")


def test_missing_facts_show_a_dash():
    _, body = mail_text.compose("reminder", {"recipient": "x"}, "t", "l")
    assert "—" in body


def test_every_event_is_a_template_file_with_both_languages():
    assert len(mail_text.EVENTS) >= 12 and "_layout" not in mail_text.EVENTS
    for event in mail_text.EVENTS:
        text = (mail_text.TEMPLATE_DIR / f"{event}.txt").read_text(encoding="utf-8")
        for block in ("subject_zh", "subject_en", "body_zh", "body_en"):
            assert f"{{% block {block} %}}" in text, (event, block)


def test_plain_text_is_not_html_escaped():
    subject, body = mail_text.compose("decided", {**FACTS, "dataset": "A & B <2025>"}, "t", "l")
    assert "「A & B <2025>」" in body and "&amp;" not in body


def test_a_portal_can_reword_one_event(tmp_path):
    (tmp_path / "reminder.txt").write_text(
        '{% extends "_layout.txt" %}{% block subject_zh %}请尽快答复 {{ number }}{% endblock %}'
        "{% block subject_en %}Please answer {{ number }}{% endblock %}"
        "{% block body_zh %}热线 12345{% endblock %}{% block body_en %}Hotline 12345{% endblock %}", encoding="utf-8")
    subject, body = mail_text.compose("reminder", FACTS, "t", "l", [str(tmp_path)])
    assert subject == "【t】请尽快答复 2026-000042 / Please answer 2026-000042"
    assert "热线 12345" in body and "Dear 王交通" in body  # the shipped layout around it
    assert "作出决定" in mail_text.compose("decided", FACTS, "t", "l", [str(tmp_path)])[1]  # others unchanged
