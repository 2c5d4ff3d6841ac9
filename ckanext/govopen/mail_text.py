"""The text of the desk's mail, pure (no CKAN): a subject and a plain-text body per event,
Chinese first and English after it. Identifiers never appear: callers pass names, numbers
of requests, titles and dates only, and `compose` refuses facts that carry identifiers.
"""
from __future__ import annotations

from typing import Mapping

__all__ = ["EVENTS", "compose"]

# event: ((subject zh, subject en), (body zh, body en)); placeholders are filled from the facts.
_TEXT: dict[str, tuple[tuple[str, str], tuple[str, str]]] = {
    "submitted": (
        ("新的{kind_zh}待办理：{number}", "New request to answer: {number} ({kind_en})"),
        ("{applicant}就数据集「{dataset}」提出了{kind_zh}（编号 {number}）。请于 {due}（含当日）前答复。",
         "{applicant} filed request no. {number} ({kind_en}) about the dataset “{dataset}”. Answer by {due} (inclusive)."),
    ),
    "accepted": (
        ("您的申请已受理：{number}", "Your request has been accepted: {number}"),
        ("您就数据集「{dataset}」提出的{kind_zh}（编号 {number}）已由{department}受理，答复期限至 {due}（含当日）。",
         "Your request no. {number} ({kind_en}) about “{dataset}” has been accepted by {department}; the answer is due by {due} (inclusive)."),
    ),
    "info_requested": (
        ("请补正申请材料：{number}", "More information needed: {number}"),
        ("{department}需要您补充{kind_zh}（编号 {number}，数据集「{dataset}」）的材料。补正期间答复期限暂停计算。请登录平台查看要求并答复。",
         "{department} needs more information for your request no. {number} ({kind_en}, “{dataset}”). The deadline is paused "
         "until you answer. Log in to see what is asked and to reply."),
    ),
    "resubmitted": (
        ("申请人已补正材料：{number}", "The applicant has supplied information: {number}"),
        ("{applicant}已补正{kind_zh}（编号 {number}，数据集「{dataset}」）的材料，答复期限恢复计算，至 {due}（含当日）。",
         "{applicant} has supplied the information for request no. {number} ({kind_en}, “{dataset}”). The deadline runs again: "
         "answer by {due}."),
    ),
    "decided": (
        ("您的申请已有结果：{number}（{status_zh}）", "Decision on your request {number}: {status_en}"),
        ("{department}已对您的{kind_zh}（编号 {number}，数据集「{dataset}」）作出决定：{status_zh}。书面答复可在平台上查看和打印。",
         "{department} has decided on your request no. {number} ({kind_en}, “{dataset}”): {status_en}. The written reply can "
         "be read and printed on the portal."),
    ),
    "withdrawn": (
        ("申请已撤回：{number}", "Request withdrawn: {number}"),
        ("{applicant}已撤回{kind_zh}（编号 {number}，数据集「{dataset}」），无需再答复。",
         "{applicant} has withdrawn request no. {number} ({kind_en}, “{dataset}”); no answer is needed."),
    ),
    "deemed_approved": (
        ("共享申请逾期视为同意：{number}", "Share request deemed approved: {number}"),
        ("共享申请（编号 {number}，数据集「{dataset}」）在答复期限 {due} 内未获答复，依照规定视为同意。授权有效期至 {expires}。",
         "Share request no. {number} (“{dataset}”) was not answered by {due} and is approved by law. Access runs "
         "until {expires}."),
    ),
    "reminder": (
        ("答复期限临近：{number}，{due} 到期", "Answer due soon: {number}, by {due}"),
        ("{kind_zh}（编号 {number}，数据集「{dataset}」）的答复期限为 {due}（含当日），尚未答复。",
         "Request no. {number} ({kind_en}, “{dataset}”) must be answered by {due} (inclusive) and has not been answered yet."),
    ),
    "escalated": (
        ("超期未答复，已提请督办：{number}", "Overdue, escalated to the data authority: {number}"),
        ("{department}未在 {due} 前答复{kind_zh}（编号 {number}，数据集「{dataset}」），已提请数据主管部门督办。",
         "{department} did not answer request no. {number} ({kind_en}, “{dataset}”) by {due}; it has been escalated to "
         "the data authority."),
    ),
    "step_decided": (
        ("审核环节已完成，待您审批：{number}", "Your approval step is next: {number}"),
        ("{kind_zh}（编号 {number}，数据集「{dataset}」）已完成上一审核环节，请于 {due}（含当日）前作出决定。",
         "The previous approval step of request no. {number} ({kind_en}, “{dataset}”) is done; decide by {due} "
         "(inclusive)."),
    ),
    "grant_revoked": (
        ("数据授权已撤销：{dataset}", "Access revoked: {dataset}"),
        ("{department}已撤销您经申请（编号 {number}）获得的数据集「{dataset}」授权，自即时起不能再访问。",
         "{department} has revoked the access to “{dataset}” granted on request no. {number}; it ends now."),
    ),
    "grant_expiring": (
        ("数据授权即将到期：{dataset}", "Access ends soon: {dataset}"),
        ("您经申请（编号 {number}）获得的数据集「{dataset}」授权将于 {expires} 到期。如需继续使用，请重新申请。",
         "Your access to “{dataset}”, granted on request no. {number}, ends on {expires}. Apply again to keep using it."),
    ),
}
EVENTS = tuple(_TEXT)
_IDENTIFIER_KEYS = ("id_number", "credit_code")


class _Facts(dict):
    def __missing__(self, key: str) -> str:
        return "—"


def compose(event: str, facts: Mapping[str, str], site_title: str, link: str) -> tuple[str, str]:
    """(subject, body) of the mail for EVENT, Chinese then English."""
    if event not in _TEXT:
        raise ValueError(f"unknown mail event {event!r}; known: {', '.join(EVENTS)}")
    if any(k in facts for k in _IDENTIFIER_KEYS):
        raise ValueError("mail facts must not carry identifiers")
    (subject_zh, subject_en), (body_zh, body_en) = _TEXT[event]
    values = _Facts(facts)
    subject = f"【{site_title}】{subject_zh.format_map(values)} / {subject_en.format_map(values)}"
    body = "\n".join([
        f"{values['recipient']}，您好：", "", body_zh.format_map(values), "", f"查看：{link}", "",
        "——", "", f"Dear {values['recipient']},", "", body_en.format_map(values), "", f"View: {link}", "",
        f"此邮件由{site_title}自动发送，请勿直接回复。 / Sent automatically by {site_title}; please do not reply.",
    ])
    return subject, body
