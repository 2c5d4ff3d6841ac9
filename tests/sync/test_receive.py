"""The receiving end of the push report in-process, on the real database, index and Redis: who
may call it, what a malformed call gets, and a report's life (offer, finish, closed). Between
real portals, with signed calls: tests/live/test_cascade.py."""
import json
import uuid

import pytest

import ckan.model as model
import ckan.plugins.toolkit as tk
from ckan.tests import factories, helpers

from tests.catalog_support import department_code as _code
from ckanext.govopen.sync import receive, runner

pytestmark = pytest.mark.usefixtures("with_plugins", "clean_db")

ORIGIN = "http://city.example.gov.cn"


@pytest.fixture
def push(tmp_path):
    sysadmin = factories.Sysadmin()
    helpers.call_action("organization_create", context={"user": sysadmin["name"]}, name="bureau", title="数据资源局",
                        department_code=_code(1), region_code="340000", department_type="data_authority")
    runner.add_source("city", ORIGIN, {"target": "open_portal", "push": True})
    secrets = tmp_path / "origins.json"
    secrets.write_text(json.dumps({ORIGIN: "s3cret", "http://unregistered.example": "other"}))
    return sysadmin, str(secrets)


def receive_call(**data):
    return helpers.call_action("govopen_sync_receive", context={"govopen_origin": ORIGIN, "ignore_auth": False}, **data)


def test_nobody_calls_it_through_the_action_api(push):
    sysadmin, _secrets = push
    with pytest.raises(tk.NotAuthorized):
        helpers.call_action("govopen_sync_receive", context={"user": sysadmin["name"], "ignore_auth": False},
                            step="finish", report="x")


@pytest.mark.parametrize("data, field", [
    ({"step": "delete-everything"}, "step"),
    ({"step": "offer", "listing": ["a", "b"]}, "listing"),
    ({"step": "offer", "listing": {"a": 3}}, "listing"),
    ({"step": "entries", "report": "r", "entries": [{"title": "no id"}]}, "entries"),
    ({"step": "entries", "report": "r", "entries": [{"id": str(i)} for i in range(101)]}, "entries"),
    ({"step": "finish"}, "report"),
])
def test_a_malformed_call_gets_field_errors(push, data, field):
    with pytest.raises(tk.ValidationError) as err:
        receive_call(**data)
    assert field in err.value.error_dict


def test_a_report_is_a_harvest_job_of_the_push_source(push):
    offered = receive_call(step="offer", listing={"e-1": "a" * 64, "e-2": "b" * 64})
    assert offered["wanted"] == ["e-1", "e-2"] and offered["withdrawn"] == 0
    closed = receive_call(step="finish", report=offered["report"])
    assert closed == {"report": offered["report"], "added": 0, "updated": 0, "withdrawn": 0, "errored": 0}
    with pytest.raises(receive.ReportError) as err:  # closed: entries for it are refused
        receive_call(step="entries", report=offered["report"], entries=[{"id": "e-1"}])
    assert err.value.code == "2004"
    # a pull run of a push source is refused: there is nothing to harvest
    with pytest.raises(runner.RunError):
        runner.run("city")


def test_an_interrupted_report_is_closed_by_the_next_offer(push):
    from ckanext.harvest.model import HarvestJob

    first = receive_call(step="offer", listing={"e-1": "a" * 64})
    second = receive_call(step="offer", listing={"e-1": "a" * 64})
    assert HarvestJob.get(first["report"]).status == "Finished"
    assert [e.message for e in HarvestJob.get(first["report"]).gather_errors]
    assert HarvestJob.get(second["report"]).status == "Running"


def test_secrets_only_for_registered_push_sources(push, monkeypatch):
    _sysadmin, secrets = push
    monkeypatch.setitem(tk.config, "ckanext.govopen.sync.origins_file", secrets)
    assert receive.secret_for(ORIGIN + "/") == "s3cret"
    assert receive.secret_for("http://unregistered.example") is None  # a secret, but no push source
    source = receive.push_source(ORIGIN)
    source.active = False
    model.Session.commit()
    assert receive.secret_for(ORIGIN) is None
    monkeypatch.setitem(tk.config, "ckanext.govopen.sync.origins_file", secrets + ".missing")
    assert receive.secret_for(ORIGIN) is None


def test_a_nonce_is_accepted_once():
    nonce = uuid.uuid4().hex
    assert receive.first_use(ORIGIN, nonce) is True
    assert receive.first_use(ORIGIN, nonce) is False
    assert receive.first_use("http://other.example", nonce) is True
