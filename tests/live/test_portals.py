"""Two portals served side by side by scripts/portal.sh, each with its own data."""
import uuid
import urllib.error
import urllib.request

import pytest

from ckanext.govopen.catalogue.codes import credit_code_check_char

PROVINCE_CODE = "11340000MB0000001" + credit_code_check_char("11340000MB0000001")


def test_each_portal_answers_on_its_own_port(demo_portal, second_portal):
    a = demo_portal.api("status_show")
    b = second_portal.api("status_show")
    assert a["site_url"].endswith(f":{demo_portal.port}")
    assert b["site_url"].endswith(f":{second_portal.port}")
    assert a["site_title"] != b["site_title"]


def test_each_portal_has_its_own_database_and_index(demo_portal, second_portal):
    assert demo_portal.api("package_search", rows=0)["count"] >= 30
    before = second_portal.api("package_search", rows=0)["count"]

    token = second_portal.sysadmin_token()
    org = f"prov-{uuid.uuid4().hex[:8]}"
    second_portal.api("organization_create", token, name=org, title="省数据资源局",
                      department_code=PROVINCE_CODE, region_code="340000", department_type="data_authority")
    name = f"only-in-province-{uuid.uuid4().hex[:8]}"
    second_portal.api("package_create", token, name=name, title="省级人口普查汇总", owner_org=org,
                      resource_class="base", catalogue_code=f"1070013400/{uuid.uuid4().int % 10**6:06d}",
                      update_frequency="annual", open_category="unconditional",
                      share_category="unconditional", themes=["人口"])

    assert second_portal.api("package_search", rows=0)["count"] == before + 1
    assert name in {d["name"] for d in second_portal.api("package_search", q="人口普查")["results"]}
    assert name not in {d["name"] for d in demo_portal.api("package_search", q="人口普查", rows=100)["results"]}
    with pytest.raises(urllib.error.HTTPError) as err:
        urllib.request.urlopen(f"{demo_portal.url}/api/3/action/package_show?id={name}")
    assert err.value.code == 404
