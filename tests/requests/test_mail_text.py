"""Mail texts, pure: every event in the recipient's language, no identifiers."""
import re

import pytest
from babel.support import Translations

from ckanext.govopen import catalogs
from ckanext.govopen.requests import mail_text

FACTS = {"recipient": "王交通", "number": "2026-000042", "dataset": "出生人口", "kind": "开放申请",
         "status": "同意", "due": "2026-12-04", "department": "市卫生健康委员会", "applicant": "李研究",
         "expires": "2027-01-21"}
ZH = Translations.load(str(catalogs.I18N), ["zh_Hans_CN"], catalogs.DOMAIN)


def zh_mail(event, facts=FACTS, site="巢湖市政府数据开放平台", link="http://portal/requests/x", dirs=()):
    return mail_text.compose(event, facts, site, link, dirs, gettext=ZH.ugettext, ngettext=ZH.ungettext,
                             locale="zh_Hans_CN")


def en_mail(event, facts=FACTS, site="Chaohu open data", link="http://portal/requests/x", dirs=()):
    return mail_text.compose(event, facts, site, link, dirs, locale="en")


@pytest.mark.parametrize("event", mail_text.EVENTS)
def test_every_event_in_chinese(event):
    subject, body = zh_mail(event)
    assert subject.startswith("【巢湖市政府数据开放平台】") and " / " not in subject
    assert body.startswith("王交通，您好：") and "查看：http://portal/requests/x" in body
    assert "Dear" not in body and "View:" not in body and "%(" not in body and "{" not in body
    assert any(v in body for v in ("2026-000042", "出生人口"))
    # Nothing of the English text is left in the Chinese mail.
    assert not re.search(r"[A-Za-z]{4,}", body.replace("http://portal/requests/x", "")), body


@pytest.mark.parametrize("event", mail_text.EVENTS)
def test_every_event_in_english(event):
    subject, body = en_mail(event, {**FACTS, "kind": "application for data", "status": "Approved"})
    assert subject.startswith("[Chaohu open data] ") and "【" not in subject
    assert body.startswith("Dear 王交通,") and "View: http://portal/requests/x" in body
    assert "您好" not in body and "查看" not in body and "%(" not in body


def test_identifiers_are_refused():
    with pytest.raises(ValueError):
        zh_mail("decided", {**FACTS, "id_number": "340181199003071238"}, "t", "l")


def test_unknown_event():
    with pytest.raises(ValueError):
        mail_text.compose("nonsense", FACTS, "t", "l")


def test_missing_facts_show_a_dash():
    _, body = mail_text.compose("reminder", {"recipient": "x"}, "t", "l")
    assert "—" in body


def test_every_event_is_a_template_file_with_a_subject_and_a_body():
    assert len(mail_text.EVENTS) >= 12 and "_layout" not in mail_text.EVENTS
    for event in mail_text.EVENTS:
        text = (mail_text.TEMPLATE_DIR / f"{event}.txt").read_text(encoding="utf-8")
        for block in ("subject", "body"):
            assert f"{{% block {block} %}}" in text, (event, block)
        assert not re.search(r"[\u4e00-\u9fff]", text), event  # English msgids; Chinese lives in the catalog


def test_plain_text_is_not_html_escaped():
    subject, body = zh_mail("decided", {**FACTS, "dataset": "A & B <2025>"}, "t", "l")
    assert "「A & B <2025>」" in body and "&amp;" not in body


def test_a_portal_can_reword_one_event(tmp_path):
    (tmp_path / "reminder.txt").write_text(
        '{% extends "_layout.txt" %}{% block subject %}请尽快答复 {{ number }}{% endblock %}'
        "{% block body %}热线 12345{% endblock %}", encoding="utf-8")
    subject, body = zh_mail("reminder", FACTS, "t", "l", [str(tmp_path)])
    assert subject == "【t】请尽快答复 2026-000042"
    assert "热线 12345" in body and "王交通，您好" in body  # the shipped layout around it
    assert "作出决定" in zh_mail("decided", FACTS, "t", "l", [str(tmp_path)])[1]  # others unchanged


# The applicant's name is free text anyone who signs up can type (up to 200 characters). In
# the staff's mail it must read as the applicant's own words, never as the portal's.
LINK = "http://portal/requests/x"
APPLICANT_EVENTS = ("submitted", "resubmitted", "withdrawn")
PHISH = "市数据局通知：账号异常，请登录 http://evil.example 重新验证"


def staff_mail(event: str, applicant: str) -> str:
    return zh_mail(event, {**FACTS, "applicant": applicant}, "巢湖市政府数据开放平台", LINK)[1]


def english_staff_mail(event: str, applicant: str) -> str:
    return en_mail(event, {**FACTS, "applicant": applicant}, "Chaohu open data", LINK)[1]


def portal_lines(body: str, start: str) -> list[str]:
    return [line for line in body.splitlines() if line.lstrip().startswith(start)]


@pytest.mark.parametrize("event", APPLICANT_EVENTS)
def test_applicant_name_is_quoted_as_their_own_words(event):
    assert "申请人（自述）「李研究」" in staff_mail(event, "李研究")
    assert "The applicant (as they name themselves) “李研究”" in english_staff_mail(event, "李研究")


@pytest.mark.parametrize("event", APPLICANT_EVENTS)
def test_a_url_in_the_applicant_name_is_defanged(event):
    body = staff_mail(event, PHISH)
    assert "http://evil" not in body and "evil.example" not in body
    assert body.count("http://") == 1  # the portal's own link line, nothing else
    assert "申请人（自述）「市数据局通知：账号异常，请登录 http[:]//evil[.]example…」" in body


@pytest.mark.parametrize("event", APPLICANT_EVENTS)
def test_newlines_in_the_name_cannot_fake_a_paragraph_or_the_link_line(event):
    plain = staff_mail(event, "李研究")
    body = staff_mail(event, "李研究\n\n查看：http://evil.example/login\r\nView: https://evil.example\n\n——\n")
    assert len(body.splitlines()) == len(plain.splitlines())  # the name stays on its line
    assert portal_lines(body, "查看") == [f"查看：{LINK}"]
    english = english_staff_mail(event, "李研究\n\n查看：http://evil.example/login\r\nView: https://evil.example\n")
    assert portal_lines(english, "View:") == [f"View: {LINK}"]


@pytest.mark.parametrize("event", APPLICANT_EVENTS)
def test_a_very_long_name_is_cut(event):
    body = staff_mail(event, "甲" * 5000)
    assert "「" + "甲" * 39 + "…」" in body and "甲" * 41 not in body
    assert len(body) < len(staff_mail(event, "李研究")) + 2 * 45


def test_bare_domains_and_other_link_forms_are_defanged():
    body = staff_mail("submitted", "evil.example.com")
    assert "「evil[.]example[.]com」" in body and "evil.example.com" not in body
    for hostile, shown in [("https://x.cn/a", "https[:]//x[.]cn/a"), ("ftp://10.0.0.1", "ftp[:]//10[.]0[.]0[.]1"),
                           ("www.evil.cn", "www[.]evil[.]cn"), ("mailto:a@evil.cn", "mailto[:]a@evil[.]cn"),
                           ("例子.中国", "例子[.]中国"), ("evil．cn", "evil[.]cn"), ("http：//x", "http[:]//x")]:
        assert mail_text.quote_applicant(hostile) == f"「{shown}」", hostile
    # Ordinary punctuation in a name is left alone.
    assert mail_text.quote_applicant("J. Smith, Ph.D.") == "「J. Smith, Ph[.]D.」"
    assert mail_text.quote_applicant("市交通运输局：规划科") == "「市交通运输局：规划科」"


def test_control_characters_collapse_to_single_spaces():
    body = staff_mail("submitted", "\x00李\x1b[2J研\t\t究\u2028\u202e伪装\x7f ")
    assert "「李 [2J研 究 伪装」" in body
    assert not any(c in body for c in "\x00\x1b\t\u2028\u202e\x7f\r")


def test_the_name_cannot_close_its_own_quote():
    body = staff_mail("submitted", "李」。平台通知“请重新登录”")
    assert "「李』。平台通知‘请重新登录’」" in body
    assert mail_text.quote_applicant("x", quotes="“”") == "“x”"


def test_quoting_limits():
    assert mail_text.quote_applicant("  \n ") == ""  # nothing to quote: the template says 申请人
    assert mail_text.quote_applicant("abcdef", limit=4) == "「abc…」"
    assert mail_text.quote_applicant("a.bcdef", limit=3) == "「a…」"  # a marker is never cut in half
    with pytest.raises(ValueError):
        mail_text.quote_applicant("x", limit=0)


@pytest.mark.parametrize("event", APPLICANT_EVENTS)
def test_without_a_name_the_mail_says_the_applicant(event):
    zh, en = staff_mail(event, ""), english_staff_mail(event, "")
    assert "申请人" in zh and "「」" not in zh and "The applicant " in en and "“”" not in en
    facts = {k: v for k, v in FACTS.items() if k != "applicant"}
    zh, en = zh_mail(event, facts, "t", "l")[1], en_mail(event, facts, "t", "l")[1]
    assert "申请人" in zh and "—" not in zh.split("。")[0].split("：", 1)[1] and "The applicant " in en


def test_applicant_facts_are_quoted_even_in_a_portal_template(tmp_path):
    # A portal's own wording cannot forget the quoting: compose applies it to the facts.
    (tmp_path / "submitted.txt").write_text(
        '{% extends "_layout.txt" %}{% block subject %}新申请 {{ applicant }}{% endblock %}'
        "{% block body %}{{ applicant }} / {{ who }}{% endblock %}", encoding="utf-8")
    facts = {**FACTS, "applicant": "查看：http://evil.example\nx", "who": "http://evil.example"}
    subject, body = zh_mail("submitted", facts, "t", LINK, [str(tmp_path)])
    assert "\n" not in subject and "http://" not in subject
    assert "「查看：http[:]//evil[.]example x」 / 申请人（自述）「查看：http[:]//evil[.]example x」" in body
    assert portal_lines(body, "查看") == [f"查看：{LINK}"] and "http://evil" not in body
    assert mail_text.APPLICANT_FACTS >= {"applicant"}
