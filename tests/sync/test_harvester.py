"""The govopen harvester's stages in-process, on the real database and index: what a source that
is not a govopen portal needs, and what an entry that cannot be valid leaves behind (nothing
but an object error naming the field). Between real portals: tests/live/test_sync.py."""
import json
import uuid

import pytest

import ckan.model as model
import ckan.plugins as p
import ckan.plugins.toolkit as tk
from ckan.tests import factories, helpers
from ckanext.harvest.model import HarvestJob, HarvestObject, HarvestObjectError

from tests.catalog_support import department_code as _code
from ckanext.govopen.sync import mapping

pytestmark = pytest.mark.usefixtures("with_plugins", "clean_db")

SOURCE = "http://county.example.gov.cn"


@pytest.fixture
def harvest():
    sysadmin = factories.Sysadmin()
    context = {"user": sysadmin["name"]}
    org = helpers.call_action("organization_create", context=context, name="bureau", title="数据资源局",
                              department_code=_code(1), region_code="340181", department_type="data_authority")

    def source(config):
        return helpers.call_action("harvest_source_create", context=context, name=f"s-{uuid.uuid4().hex[:8]}",
                                   url=f"{SOURCE}/{uuid.uuid4().hex[:6]}", source_type="govopen",
                                   config=json.dumps(config), owner_org=org["id"])

    def run_import(src, entry):
        job = HarvestJob.get(helpers.call_action("harvest_job_create", context=context,
                                                 source_id=src["id"], run=False)["id"])
        obj = HarvestObject(guid=entry["id"], job=job, content=json.dumps(entry))
        obj.save()
        result = p.get_plugin("govopen_harvester").import_stage(obj)
        job.status = "Finished"
        job.save()
        return obj, result

    return source, run_import, sysadmin


def stock_entry(**kw):
    entry = {"id": "c-1", "name": "roads", "title": "县道路名录", "notes": "县内道路",
             "organization": {"id": "o-1", "name": "transport", "title": "县交通运输局"},
             "extras": [{"key": "update_frequency", "value": "Monthly"}, {"key": "legacy_system", "value": "道路库"}],
             "resources": [{"id": "r-1", "name": "roads.csv", "format": "CSV", "url": "https://county.example/roads.csv"}]}
    entry.update(kw)
    return entry


def test_a_stock_ckan_entry_comes_in_through_the_source_mapping(harvest):
    source, run_import, _admin = harvest
    src = source({"target": "open_portal", "region_code": "340181", "mapping": {
        "default_open_category": "unconditional", "default_share_category": "unconditional",
        "default_resource_class": "base", "frequency": {"Monthly": "monthly"},
        "rename_extras": {"legacy_system": "source_system"}, "department_codes": {"transport": _code(2)}}})
    entry = stock_entry(classification_code="107001", catalogue_code="107001340181/000101")
    obj, ok = run_import(src, entry)
    assert ok is True, [e.message for e in model.Session.query(HarvestObjectError)]
    pkg = helpers.call_action("package_show", id=mapping.upstream_id((src["url"], "c-1")))
    assert (pkg["open_category"], pkg["update_frequency"], pkg["source_system"]) == ("unconditional", "monthly", "道路库")
    assert pkg["origin_portal"] == src["url"] and pkg["origin_dataset_id"] == "c-1"
    assert pkg["resources"][0]["url"] == "https://county.example/roads.csv"
    org = helpers.call_action("organization_show", id=pkg["owner_org"])
    assert (org["department_code"], org["title"], org["region_code"]) == (_code(2), "县交通运输局", "340181")
    model.Session.rollback()  # the outcome was committed with the dataset
    stored = model.Session.query(HarvestObject).get(obj.id)
    assert (stored.current, stored.state, stored.report_status) == (True, "COMPLETE", "added")
    assert stored.import_finished is not None

    again, ok = run_import(src, {**entry, "title": "县道路名录（修订）"})
    assert ok is True
    model.Session.rollback()
    assert helpers.call_action("package_show", id=pkg["id"])["title"] == "县道路名录（修订）"
    column = lambda col, o: model.Session.query(col).filter(HarvestObject.id == o.id).scalar()
    assert (column(HarvestObject.report_status, again), column(HarvestObject.current, obj)) == ("updated", False)


def test_an_entry_that_cannot_be_valid_is_an_object_error_naming_the_field(harvest):
    source, run_import, _admin = harvest
    src = source({"target": "open_portal", "mapping": {"department_codes": {"transport": _code(2)}}})
    obj, ok = run_import(src, stock_entry(open_category="unconditional", share_category="unconditional"))
    assert ok is False  # the county's department has no region: the organization cannot be made
    errors = [e.message for e in model.Session.query(HarvestObjectError).filter_by(harvest_object_id=obj.id)]
    assert len(errors) == 1 and "organization.region_code" in errors[0]

    src = source({"target": "open_portal", "region_code": "340181",
                  "mapping": {"department_codes": {"transport": _code(2)}}})
    obj, ok = run_import(src, stock_entry(open_category="unconditional", share_category="unconditional"))
    assert ok is False
    errors = [e.message for e in model.Session.query(HarvestObjectError).filter_by(harvest_object_id=obj.id)]
    assert len(errors) == 1 and "catalogue_code" in errors[0] and "update_frequency" in errors[0]
    assert model.Package.get(mapping.upstream_id((src["url"], "c-1"))) is None
    model.Session.rollback()  # the outcome was committed with the error
    stored = model.Session.query(HarvestObject).get(obj.id)
    assert (stored.current, stored.state, stored.report_status) == (False, "ERROR", "errored")


def test_a_department_without_a_code_is_named(harvest):
    source, run_import, _admin = harvest
    src = source({"target": "open_portal"})
    obj, ok = run_import(src, stock_entry())
    assert ok is False
    [error] = model.Session.query(HarvestObjectError).filter_by(harvest_object_id=obj.id).all()
    assert "mapping.department_codes" in error.message


@pytest.mark.parametrize("config, field", [
    ({}, "target"), ({"target": "everywhere"}, "target"),
    ({"target": "open_portal", "api_token": "abc"}, "api_token"),
    ({"target": "open_portal", "mapping": {"headers": {"Authorization": "x"}}}, "mapping.headers.Authorization"),
    ({"target": "open_portal", "max_withdrawal_share": 2}, "max_withdrawal_share")])
def test_source_configs_are_checked_and_secrets_refused(harvest, config, field):
    source, _run, _admin = harvest
    with pytest.raises(tk.ValidationError) as err:
        source(config)
    assert field in json.dumps(err.value.error_dict, ensure_ascii=False)


def test_a_job_is_gathered_once(harvest):
    source, _run, _admin = harvest
    src = source({"target": "open_portal"})
    job = HarvestJob.get(helpers.call_action("harvest_job_create", context={"ignore_auth": True},
                                             source_id=src["id"], run=False)["id"])
    import datetime
    job.gather_finished = datetime.datetime.utcnow()
    job.save()
    # Gathered already (by `harvester run-test`, or a consumer): a second gather reads nothing.
    assert p.get_plugin("govopen_harvester").gather_stage(job) == []


def test_harvest_sources_show_and_patch_from_the_index(harvest):
    source, _run, admin = harvest
    src = source({"target": "sharing_platform"})
    for _ in range(2):  # the second answer comes from the search index's copy
        shown = helpers.call_action("harvest_source_show", id=src["id"])
        assert shown["source_type"] == "govopen"
    patched = helpers.call_action("harvest_source_patch", context={"user": admin["name"]}, id=src["id"],
                                  title="县级平台")
    assert patched["title"] == "县级平台" and patched["source_type"] == "govopen"


@pytest.mark.ckan_config("ckanext.govopen.sync.retries", 0)
def test_a_run_takes_over_requested_jobs_and_closes_interrupted_ones(harvest):
    """A job requested and never started is taken over; one killed during its listing (objects
    written, listing not finished) is closed and its objects removed. The new job then fails
    cleanly on a source that does not answer."""
    import datetime

    from ckanext.harvest.model import HarvestObjectExtra

    from ckanext.govopen.sync import runner

    source, _run, _admin = harvest
    src = source({"target": "open_portal"})
    requested = HarvestJob.get(helpers.call_action("harvest_job_create", context={"ignore_auth": True},
                                                   source_id=src["id"], run=False)["id"])
    requested_id = requested.id
    killed = HarvestJob(source_id=src["id"], status="Running", gather_started=datetime.datetime.utcnow())
    killed.save()
    killed_id = killed.id
    obj = HarvestObject(guid="x", job=killed, content="{}")
    obj.extras = [HarvestObjectExtra(key="govopen_content_hash", value="h")]
    obj.save()
    lines = []
    with pytest.raises(runner.RunError) as err:
        runner.run(src["name"], progress=lines.append)
    assert "Could not" in str(err.value) or "无法" in str(err.value)
    assert HarvestJob.get(requested_id).status == "Finished" and not HarvestJob.get(requested_id).gather_errors
    closed = HarvestJob.get(killed_id)
    assert closed.status == "Finished" and closed.gather_errors
    assert model.Session.query(HarvestObject).filter_by(harvest_job_id=killed_id).count() == 0
    assert any("taking over" in line for line in lines) and any("closing job" in line for line in lines)
