"""Fixtures of the catalogue tests."""
import pytest

from ckan.tests import factories

from tests.catalog_support import department_code


@pytest.fixture
def stats(clean_db, clean_index):
    sysadmin = factories.Sysadmin()
    org = factories.Organization(name="stats", title="市统计局", department_code=department_code(9),
                                 region_code="340181", department_type="ordinary")
    factories.Organization(name="transport", title="市交通运输局", department_code=department_code(10),
                           region_code="340181", department_type="ordinary")
    return {"sysadmin": sysadmin["name"], "org": org}
