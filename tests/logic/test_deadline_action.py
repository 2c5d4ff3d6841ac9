"""govopen_deadline / govopen_policy_show: the deadline engine as the portal serves it."""
import pytest

import ckan.plugins.toolkit as tk
from ckan.tests import factories, helpers

pytestmark = pytest.mark.usefixtures("with_plugins", "non_clean_db")


def test_chaohu_open_application_is_ten_days_moved_past_national_day():
    # 10 calendar days from 2026-09-25 end on 10-05, inside the National Day holiday.
    result = helpers.call_action("govopen_deadline", kind="open_application", start="2026-09-25")
    assert result["policy"] == "chaohu"
    assert (result["length"], result["unit"]) == (10, "calendar_days")
    assert result["due"] == "2026-10-08"
    assert result["calendar_known"] is True and result["warnings"] == []
    assert result["ends_at"].startswith("2026-10-09T00:00:00+08:00")


def test_working_days_follow_the_official_calendar():
    result = helpers.call_action("govopen_deadline", kind="share_application", start="2026-09-28",
                                 policy="liaoyang")
    # 10th working day after 2026-09-28, skipping the holiday and counting the 10-10 make-up day.
    assert result["due"] == "2026-10-16"


def test_unknown_year_warns_instead_of_failing():
    result = helpers.call_action("govopen_deadline", kind="share_application", start="2027-03-01")
    assert result["calendar_known"] is False
    assert result["warnings"]


@pytest.mark.ckan_config("ckanext.govopen.calendar.holidays",
                         "2027: holidays 2027-03-02..2027-03-03; workdays 2027-03-06")
def test_configured_year_is_known():
    result = helpers.call_action("govopen_deadline", kind="share_application", start="2027-03-01")
    assert result["calendar_known"] is True
    # 5 working days (chaohu share): 03-04, 03-05, 03-06 (make-up), 03-08, 03-09.
    assert result["due"] == "2027-03-09"


@pytest.mark.ckan_config("ckanext.govopen.policy.overrides",
                         "open_application.length = 15\nopen_application.unit = working_days")
def test_config_overrides_the_active_profile():
    result = helpers.call_action("govopen_deadline", kind="open_application", start="2026-09-28")
    assert (result["length"], result["unit"]) == (15, "working_days")
    # In the caller's language (Chinese by default), with the changed fields named.
    assert result["citation"] == "巢湖 第十九条（配置覆盖：length, unit）"


@pytest.mark.ckan_config("ckan.locale_default", "en")
@pytest.mark.ckan_config("ckanext.govopen.policy.overrides", "open_application.length = 15")
def test_an_english_portal_gets_the_citation_in_english():
    result = helpers.call_action("govopen_deadline", kind="open_application", start="2026-09-28")
    assert result["citation"] == "Chaohu art. 19 (overridden: length)"


@pytest.mark.ckan_config("ckanext.govopen.policy", "fushun")
def test_another_profile_can_be_active():
    result = helpers.call_action("govopen_deadline", kind="open_application", start="2026-11-02")
    assert (result["policy"], result["length"], result["unit"]) == ("fushun", 5, "working_days")
    assert result["due"] == "2026-11-09"


@pytest.mark.parametrize("data, field", [
    ({"kind": "complaint", "start": "2026-01-05"}, "kind"),
    ({"kind": "objection", "start": "5 Jan 2026"}, "start"),
    ({"kind": "objection"}, "start"),
    ({"kind": "objection", "start": "2026-01-05", "policy": "atlantis"}, "policy"),
])
def test_bad_input_gets_field_errors(data, field):
    with pytest.raises(tk.ValidationError) as err:
        helpers.call_action("govopen_deadline", **data)
    assert list(err.value.error_dict) == [field]


@pytest.mark.usefixtures("clean_db")
def test_anyone_may_ask_for_a_deadline_over_the_api(app):
    res = app.get("/api/3/action/govopen_deadline?kind=correction&start=2026-05-06")
    # 7 working days (Chaohu 10), counting Saturday 05-09, a make-up working day.
    assert res.json["result"]["due"] == "2026-05-14"


@pytest.mark.usefixtures("clean_db")
def test_policy_page_is_for_sysadmins_only(app):
    admin = factories.SysadminWithToken()
    user = factories.UserWithToken()
    page = app.get("/ckan-admin/govopen/policy", headers={"Authorization": admin["token"]})
    assert page.status_code == 200
    assert "巢湖" in page.body and "工作日历" in page.body
    assert app.get("/ckan-admin/govopen/policy", headers={"Authorization": user["token"]},
                   status=403)
    with pytest.raises(tk.NotAuthorized):
        helpers.call_action("govopen_policy_show", context={"user": user["name"], "ignore_auth": False})


@pytest.mark.freeze_time("2026-11-22")
@pytest.mark.usefixtures("clean_db")
def test_policy_show_lists_every_kind_and_warns_about_unknown_next_year():
    admin = factories.Sysadmin()
    result = helpers.call_action("govopen_policy_show", context={"user": admin["name"]})
    assert {r["kind"] for r in result["rules"]} == {"open_application", "share_application",
                                                     "objection", "correction"}
    share = next(r for r in result["rules"] if r["kind"] == "share_application")
    assert (share["length"], share["timeout"]) == (5, "deem_approved")
    assert result["known_years"]["2026"] is True
    assert result["known_years"]["2027"] is False
    assert any("2027" in w for w in result["warnings"])


def test_cli_prints_the_deadline(cli, ckan_config):
    from ckanext.govopen.cli import govopen

    result = cli.invoke(govopen, ["deadline", "--kind", "share_application", "--start", "2026-09-28",
                                  "--policy", "liaoyang"])
    assert result.exit_code == 0, result.output
    assert "due:            2026-10-16" in result.output
    bad = cli.invoke(govopen, ["deadline", "--kind", "objection", "--start", "tomorrow"])
    assert bad.exit_code == 2 and "start" in bad.output
