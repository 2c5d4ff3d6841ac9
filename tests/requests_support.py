"""A small city for request tests: three departments (one the data authority), people in each
role, and a dataset open on application and shared on conditions, with two resources. Shared by
the workflow, page, sweep and mail tests; `portal` is a fixture of tests/conftest.py."""
from __future__ import annotations

import datetime
import threading
from typing import Any, Callable

import pytest

import ckan.model as model
import ckan.plugins.toolkit as tk
from ckan.tests import factories, helpers

from ckanext.govopen.catalogue.codes import citizen_id_check_char, credit_code_check_char

ID_BODY = "34018119900307123"
ID_NUMBER = ID_BODY + citizen_id_check_char(ID_BODY)
XSS = '<script>alert("x")</script><img src=x onerror=alert(1)>'


def _code(body):
    return body + credit_code_check_char(body)


def call(action, user=None, **data):
    return helpers.call_action(action, context={"user": user["name"] if user else ""}, **data)


@pytest.fixture
def portal(clean_db, clean_index):
    owner = factories.Organization(name="health", department_code=_code("11340181MB0000201"),
                                   region_code="340181", department_type="ordinary")
    other = factories.Organization(name="transport", department_code=_code("11340181MB0000202"),
                                   region_code="340181", department_type="ordinary")
    authority = factories.Organization(name="data-bureau", department_code=_code("11340181MB0000203"),
                                       region_code="340181", department_type="data_authority")
    people = {name: factories.User(name=name) for name in
              ("citizen", "stranger", "editor", "plain", "official", "colleague", "supervisor")}
    for org, name, cap in ((owner, "editor", "editor"), (owner, "plain", "member"),
                           (other, "official", "member"), (other, "colleague", "member"),
                           (authority, "supervisor", "member")):
        helpers.call_action("member_create", id=org["id"], object=name, object_type="user", capacity=cap)
    admin = factories.Sysadmin()
    base = {"owner_org": owner["id"], "resource_class": "department", "update_frequency": "monthly",
            "open_conditions": "用途限定", "open_legal_basis": "第十九条", "share_conditions": "履职使用",
            "share_legal_basis": "第十一条"}
    ds = helpers.call_action("package_create", context={"user": admin["name"]}, name="births",
                             title="出生人口", catalogue_code="307001/000001", open_category="on_application",
                             share_category="conditional", **base)
    r1 = helpers.call_action("resource_create", context={"user": admin["name"]}, package_id=ds["id"],
                             name="2025", url="https://intranet.example.gov.cn/births-2025.csv")
    r2 = helpers.call_action("resource_create", context={"user": admin["name"]}, package_id=ds["id"],
                             name="2024", url="https://intranet.example.gov.cn/births-2024.csv")
    return {"owner": owner, "other": other, "ds": ds, "r1": r1, "r2": r2, "admin": admin, **people}


def application(p, **kw):
    data = {"dataset_id": p["ds"]["name"], "kind": "open_application", "applicant_type": "person",
            "applicant_name": "李研究", "id_number": ID_NUMBER, "purpose": "出生率研究",
            "scenario": "高校课题", "usage_type": "public_interest", "security_measures": "内网存储",
            "requested_until": (datetime.date.today() + datetime.timedelta(days=90)).isoformat(),
            "written_reply": True}
    data.update(kw)
    return data


def can_read(p, user, resource):
    """Through the gate: with auth checked, as a real request would be."""
    try:
        helpers.call_action("resource_show", context={"user": p[user]["name"], "ignore_auth": False},
                            id=resource["id"])
        return True
    except tk.NotAuthorized:
        return False


def approve(p, req, **kw):
    data = {"id": req["id"], "decision": "approve", "resource_ids": [p["r1"]["id"]],
            "expires": (datetime.date.today() + datetime.timedelta(days=30)).isoformat(),
            "conditions": "仅限课题使用"}
    data.update(kw)
    return call("govopen_request_decide", p["editor"], **data)


def at_once(work: Callable[[], Any], times: int = 2) -> tuple[list[Any], list[BaseException]]:
    """Run WORK in TIMES threads at once, each with its own database session: (results, errors)."""
    results: list[Any] = []
    errors: list[BaseException] = []

    def run() -> None:
        try:
            results.append(work())
        except Exception as e:  # noqa: BLE001 - reported to the test
            errors.append(e)
        finally:
            model.Session.remove()

    threads = [threading.Thread(target=run) for _ in range(times)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results, errors
