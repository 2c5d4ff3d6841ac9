"""ckanext-harvest's harvest objects (raw fetched content) are readable by sysadmins only; the
stock extension lets anyone read them."""
import uuid

import pytest

import ckan.plugins.toolkit as tk
from ckan.tests import factories, helpers

pytestmark = pytest.mark.usefixtures("with_plugins", "clean_db")


@pytest.mark.parametrize("action", ["harvest_object_show", "harvest_object_list"])
def test_only_sysadmins_may_read_harvest_objects(action):
    user = factories.User()
    for context in ({"user": ""}, {"user": user["name"]}):
        with pytest.raises(tk.NotAuthorized):
            helpers.call_auth(action, context, id=str(uuid.uuid4()))
    sysadmin = factories.Sysadmin()
    assert helpers.call_auth(action, {"user": sysadmin["name"]}, id=str(uuid.uuid4()))


def test_over_http_anonymous_gets_403_not_the_object(app):
    res = app.get(f"/api/3/action/harvest_object_show?id={uuid.uuid4()}", status=403)
    assert res.json["success"] is False
    sysadmin = factories.Sysadmin()
    token = factories.APIToken(user=sysadmin["name"])["token"]
    app.get(f"/api/3/action/harvest_object_show?id={uuid.uuid4()}", headers={"Authorization": token}, status=404)
