"""The scorecard tests' world: two departments, entries fresh and stale, complete and not,
a DataStore load and an application."""
from __future__ import annotations

import datetime

import pytest

import ckan.model as model
from ckan.tests import factories, helpers

from ckanext.govopen.model import DatastoreLoad, Request
from tests.access.gate.test_matrix import _code

ADMIN = {}


def _dataset(org, name, **fields):
    base = dict(name=name, title=f"条目 {name}", owner_org=org["id"], resource_class="department",
                catalogue_code=f"307002/{abs(hash(name)) % 900000 + 10000:06d}", update_frequency="monthly",
                open_category="unconditional", share_category="unconditional")
    return helpers.call_action("package_create", context=dict(ADMIN), **{**base, **fields})


@pytest.fixture
def world():
    user = factories.User()
    ADMIN["user"] = factories.Sysadmin()["name"]
    tidy = factories.Organization(name="tidy", title="整洁局", region_code="340181", department_type="ordinary",
                                  department_code=_code("11340181MB0000801"), contact_name="王科长",
                                  contact_email="wang@example.gov.cn")
    messy = factories.Organization(name="messy", title="杂乱局", region_code="340181", department_type="ordinary",
                                   department_code=_code("11340181MB0000802"))
    full = dict(notes="摘要", classification_code="307002", format_class="02", format_type="csv", themes=["交通"],
                data_items=[{"name": "线路", "type": "C", "length": 50}])
    fresh = _dataset(tidy, "fresh", data_updated="2025-06-20", **full)
    loaded = _dataset(tidy, "loaded", update_frequency="weekly", data_updated="2025-01-01", **full)
    res = helpers.call_action("resource_create", context=dict(ADMIN), package_id=loaded["id"], url="https://example.gov.cn/t.csv",
                              format="CSV")
    model.Session.add(DatastoreLoad(resource_id=res["id"], status="done", source="x",
                                    finished=datetime.datetime(2025, 6, 28, 3)))
    gated = _dataset(tidy, "gated", update_frequency="quarterly", open_category="on_application",
                     open_conditions="仅限科研", open_legal_basis="《办法》第十七条", **full)
    _dataset(tidy, "hidden", private=True, data_updated="2025-06-30", **full)
    _dataset(messy, "irregular", update_frequency="other")
    # the legal basis lost behind the portal's back (an old import), and one application
    row = model.Package.get(gated["id"])
    row.extras = {**row.extras, "open_legal_basis": ""}
    model.Session.add(Request(kind="open_application", status="submitted", package_id=gated["id"],
                              owner_org=tidy["id"], user_id=user["id"], policy="chaohu"))
    model.Session.commit()
    return {"tidy": tidy, "messy": messy, "fresh": fresh, "loaded": loaded, "gated": gated}


