"""govopen_* template helpers."""
from __future__ import annotations

import ckan.plugins.toolkit as tk

from ckanext.govopen import catalogue
from ckanext.govopen.i18n_text import t

__all__ = ["govopen_t", "govopen_category_changes", "govopen_choice_label", "govopen_item_type_label",
           "govopen_open_objections", "govopen_privacy_hides_resources", "govopen_privacy_suspended", "govopen_request_label",
           "govopen_countdown", "govopen_request_kinds_offered", "govopen_user_label", "govopen_org_title",
           "govopen_mask", "govopen_has_queue", "govopen_grant_last_day"]


def govopen_t(zh: str, en: str) -> str:
    """Chinese or English text by the page's language."""
    return t(zh, en)


def govopen_category_changes(package_id: str) -> list[dict]:
    try:
        return tk.get_action("govopen_category_change_list")({}, {"id": package_id})
    except (tk.NotAuthorized, tk.ObjectNotFound):
        return []


def govopen_choice_label(field_name: str, value: str) -> str:
    """The label of a select value of the dataset schema in the page's language."""
    return catalogue.choice_label(field_name, value) if value else ""


def govopen_item_type_label(code: str) -> str:
    """A data item's type code (C, N, …) with its name, from the schema's value list."""
    field = catalogue.schema_field("data_items") or {}
    for sub in field.get("repeating_subfields", []):
        if sub["field_name"] == "type":
            for choice in sub.get("choices", []):
                if choice["value"] == code:
                    return catalogue.label_text(choice["label"])
    return code or ""


def govopen_open_objections(package_id: str) -> dict[str, int]:
    """Open objections to a dataset by type: the page marks it disputed at once (Nanjing 35).
    Counts only, nothing about who objected."""
    import sqlalchemy as sa

    import ckan.model as model

    from ckanext.govopen.model import Request
    from ckanext.govopen.request_rules import OPEN_STATUSES

    kind = Request.applicant["objection_type"].astext
    rows = (model.Session.query(kind, sa.func.count())
            .filter(Request.package_id == package_id, Request.kind == "objection",
                    Request.status.in_(OPEN_STATUSES)).group_by(kind))
    return {k or "error": n for k, n in rows}


def govopen_privacy_hides_resources() -> bool:
    return bool(tk.config["ckanext.govopen.objections.privacy_hides_resources"])


def govopen_privacy_suspended(package_id: str) -> bool:
    """Are the dataset's resources suspended by a privacy objection now? (Nothing about who objected.)"""
    from ckanext.govopen import gate

    return package_id in gate.privacy_disputed([package_id])


# Words of the request desk: kinds, statuses, actions, choices (Chinese, English).
REQUEST_LABELS = {
    "open_application": ("开放申请", "Application for data"),
    "share_application": ("共享申请", "Share request"),
    "objection": ("异议", "Objection"),
    "correction": ("纠错", "Error report"),
    "submitted": ("已提交", "Submitted"),
    "accepted": ("已受理", "Accepted"),
    "info_requested": ("待补正", "More information requested"),
    "resubmitted": ("已补正", "Information supplied"),
    "approved": ("同意", "Approved"),
    "rejected": ("不同意", "Refused"),
    "withdrawn": ("已撤回", "Withdrawn"),
    "deemed_approved": ("逾期视为同意", "Deemed approved (no answer in time)"),
    "upheld": ("异议成立", "Upheld"),
    "dismissed": ("异议不成立", "Dismissed"),
    "create": ("提交申请", "Submitted"),
    "accept": ("受理", "Accept"),
    "ask_info": ("要求补正", "Ask for information"),
    "respond": ("补正材料", "Supply information"),
    "decide": ("作出决定", "Decide"),
    "decide_step": ("审核意见", "Approval step"),
    "withdraw": ("撤回", "Withdraw"),
    "escalate": ("超期督办", "Escalated: overdue"),
    "deem_approve": ("逾期视为同意", "Deemed approved"),
    "revoke_grant": ("撤销授权", "Access revoked"),
    "suspend": ("暂停提供数据资源", "Suspend the resources"),
    "lift": ("继续提供数据资源", "Keep the resources available"),
    "approve": ("同意", "Approve"),
    "reject": ("不同意", "Refuse"),
    "uphold": ("成立", "Uphold"),
    "dismiss": ("不成立", "Dismiss"),
    "person": ("自然人", "Person"),
    "company": ("企业", "Company"),
    "institution": ("事业单位或社会组织", "Institution or organisation"),
    "department": ("政务部门", "Government department"),
    "research": ("科学研究", "Research"),
    "commercial": ("商业利用", "Commercial use"),
    "public_interest": ("公益事业", "Public interest"),
    "other": ("其他", "Other"),
    "error": ("数据错误", "Error in the data"),
    "privacy": ("侵犯个人隐私", "Infringes personal privacy"),
    "trade_secret": ("侵犯商业秘密", "Infringes a trade secret"),
    "data_centre": ("大数据中心意见", "Data centre opinion"),
    "supervisor": ("主管部门审批", "Data authority approval"),
}


def govopen_request_label(value: str | None) -> str:
    """A request kind, status, action or choice in the page's language."""
    if not value:
        return ""
    zh, en = REQUEST_LABELS.get(value, (value, value))
    return t(zh, en)


def govopen_countdown(due: str | None) -> dict | None:
    """Days and working days left until DUE (ISO date), negative when overdue."""
    import datetime

    from ckanext.govopen import deadlines as dl
    from ckanext.govopen import request_store, sla

    if not due:
        return None
    day = datetime.date.fromisoformat(due)
    today = request_store.today()
    return {"days": (day - today).days, "working_days": dl.working_days_remaining(today, day, sla.calendar()),
            "overdue": day < today}


def govopen_request_kinds_offered(pkg: dict) -> list[str]:
    """The requests the dataset page offers the current user (see request_rules.offered_kinds)."""
    from ckanext.govopen import request_rules, request_store

    user = tk.current_user if tk.current_user.is_authenticated else None
    others = [o for o in request_store.share_departments(user) if o != pkg.get("owner_org")] if user else []
    return request_rules.offered_kinds(pkg.get("open_category"), pkg.get("share_category"),
                                       user is not None, len(others))


def govopen_user_label(user_id: str | None) -> str:
    """A user's display name (request pages show it to deciders only)."""
    import ckan.model as model

    user = model.User.get(user_id) if user_id else None
    return user.display_name if user else ""


def govopen_org_title(org_id: str | None) -> str:
    import ckan.model as model

    group = model.Group.get(org_id) if org_id else None
    return group.display_name if group else ""


def govopen_mask(value: str | None) -> str:
    """An identifier with its middle hidden, for letters and mail."""
    from ckanext.govopen.codes import mask_identifier

    return mask_identifier(value) if value else ""


def govopen_has_queue() -> bool:
    """Does the current user work in a department (or the data authority), so has a queue?"""
    from ckanext.govopen import request_store

    if not tk.current_user.is_authenticated:
        return False
    return bool(tk.current_user.sysadmin or request_store.memberships(tk.current_user))


def govopen_grant_last_day(expires: str) -> str:
    """The last day (Beijing time) a grant runs: it ends at 24:00 that day, stored as the
    next midnight in UTC."""
    import datetime

    from ckanext.govopen import deadlines as dl

    end = datetime.datetime.fromisoformat(expires).replace(tzinfo=datetime.timezone.utc).astimezone(dl.SHANGHAI)
    return (end - datetime.timedelta(microseconds=1)).date().isoformat()
