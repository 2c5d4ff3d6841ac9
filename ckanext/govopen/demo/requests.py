"""Demo people and requests, so the request desk has something to show: a researcher with
applications in several states, department staff who answer them, and a data-authority
officer who watches the deadlines. All demo users share the demo sysadmin's password."""
from __future__ import annotations

import datetime
from typing import Any, Callable

import ckan.model as model
import ckan.plugins.toolkit as tk

from ckanext.govopen.catalogue.codes import citizen_id_check_char

__all__ = ["PEOPLE", "load"]

# name, full name, department, capacity
PEOPLE = (
    ("demo_researcher", "李研究（演示申请人）", None, None),
    ("demo_transport", "王交通（交通运输局审核员）", "transport-bureau", "editor"),
    ("demo_health", "陈卫健（卫生健康委工作人员）", "health-commission", "editor"),
    ("demo_market", "赵市监（市场监管局工作人员）", "market-regulation-bureau", "editor"),
    ("demo_databureau", "周督办（数据资源局）", "data-bureau", "member"),
)
_ID = "34018119900307123"


def _application(dataset: str, purpose: str, **kw: Any) -> dict[str, Any]:
    return {"dataset_id": dataset, "kind": "open_application", "applicant_type": "person",
            "applicant_name": "李研究", "id_number": _ID + citizen_id_check_char(_ID), "purpose": purpose,
            "scenario": "高校课题研究", "usage_type": "public_interest", "security_measures": "课题组内网存储，专人管理",
            "requested_until": (datetime.date.today() + datetime.timedelta(days=120)).isoformat(),
            "written_reply": True, **kw}


def _ensure_people(site_user: str, password: str) -> None:
    ctx = {"user": site_user, "ignore_auth": True}
    for name, fullname, org, capacity in PEOPLE:
        try:
            tk.get_action("user_show")(ctx, {"id": name})
        except tk.ObjectNotFound:
            tk.get_action("user_create")(ctx, {"name": name, "fullname": fullname, "password": password,
                                               "email": f"{name}@example.gov.cn"})
        if org:
            tk.get_action("member_create")(ctx, {"id": org, "object": name, "object_type": "user",
                                                 "capacity": capacity})


def load(site_user: str, password: str, progress: Callable[[str], None]) -> int:
    """Create the demo people, and their requests unless the researcher has some already.
    Returns how many requests were created."""
    _ensure_people(site_user, password)
    researcher = model.User.get("demo_researcher")
    from ckanext.govopen.model import Request

    if model.Session.query(Request).filter(Request.user_id == researcher.id).count():
        progress("demo requests already there")
        return 0

    def act(user: str, action: str, **data: Any) -> dict[str, Any]:
        return tk.get_action(action)({"user": user}, data)

    made = []
    # Fresh: waiting for the transport bureau.
    made.append(act("demo_researcher", "govopen_request_create",
                    **_application("road-freight-licences", "道路货运行业发展研究")))
    # Approved, with a grant the researcher can download with.
    req = act("demo_researcher", "govopen_request_create",
              **_application("notifiable-disease-monthly", "传染病流行趋势的公益性研究"))
    act("demo_health", "govopen_request_accept", id=req["id"])
    act("demo_health", "govopen_request_decide", id=req["id"], decision="approve", conditions="仅限课题研究，不得公开个案信息",
        expires=(datetime.date.today() + datetime.timedelta(days=90)).isoformat())
    made.append(req)
    # The department asked for more: the researcher has to answer.
    req = act("demo_researcher", "govopen_request_create",
              **_application("special-equipment-registry", "电梯安全状况分析"))
    act("demo_market", "govopen_request_ask_info", id=req["id"], note="请说明研究成果的发布方式，并补充课题立项证明。")
    made.append(req)
    # Refused, with reasons and the legal basis: the written reply can be printed.
    req = act("demo_researcher", "govopen_request_create",
              **_application("legal-entity-basic-info", "企业名录商业分析", usage_type="commercial"))
    # The data bureau owns this dataset; the demo sysadmin answers for it.
    act(tk.config["ckanext.govopen.demo.sysadmin_name"], "govopen_request_decide", id=req["id"],
        decision="reject", reason="申请用途超出依申请开放的条件：该数据集仅向公益性研究开放。",
        legal_basis="《巢湖市政务数据共享开放管理办法》第十九条")
    made.append(req)
    # An error report on open data.
    made.append(act("demo_researcher", "govopen_request_create", dataset_id="public-parking-lots", kind="correction",
                    details="“城北停车场”的收费标准已调整为每小时3元，目录仍为5元。"))
    # Overdue: filed long ago and never answered, so the queue marks it and the sweep escalates it.
    req = act("demo_researcher", "govopen_request_create",
              **_application("road-freight-licences", "货运企业分布研究（演示：已超期）"))
    row = model.Session.get(Request, req["id"])
    row.created = row.created - datetime.timedelta(days=30)
    row.due = datetime.date.today() - datetime.timedelta(days=5)
    model.repo.commit()
    made.append(req)
    progress(f"{len(made)} demo requests (researcher demo_researcher)")
    return len(made)

