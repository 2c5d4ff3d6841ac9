"""The deadline sweep against the real database: each kind of change once, twice at once too."""
from __future__ import annotations

import datetime
import threading

import pytest
import sqlalchemy as sa

import ckan.model as model

from ckanext.govopen.requests import store as request_store
from ckanext.govopen.requests import sweep
from ckanext.govopen.model import Grant, Notification, Request, RequestEvent
from tests.requests_support import at_once, application, approve, call, can_read

pytestmark = pytest.mark.usefixtures("with_plugins")
TODAY = request_store.today()


@pytest.fixture(autouse=True)
def _today():
    """TODAY as the test starts, in Beijing: the module is imported minutes before its tests run,
    and a run that crosses Beijing's midnight (16:00 UTC) would compare yesterday with today."""
    global TODAY
    TODAY = request_store.today()


def share(p, **kw):
    data = {"dataset_id": p["ds"]["name"], "kind": "share_application", "applicant_type": "department",
            "applicant_name": "市交通运输局", "purpose": "路网规划", "scenario": "内部分析", "usage_type": "other",
            "security_measures": "政务外网", "resource_ids": [p["r1"]["id"]],
            "requested_until": (TODAY + datetime.timedelta(days=60)).isoformat()}
    data.update(kw)
    return call("govopen_request_create", p["official"], **data)


def set_due(request_id: str, due: datetime.date) -> None:
    model.Session.get(Request, request_id).due = due
    model.Session.commit()


def events(request_id: str, action: str) -> int:
    return model.Session.query(RequestEvent).filter_by(request_id=request_id, action=action).count()


def mails(event: str) -> int:
    return model.Session.query(Notification).filter_by(event=event).count()


def test_overdue_requests_are_escalated_once(portal):  # noqa: F811
    req = call("govopen_request_create", portal["citizen"], **application(portal))
    on_time = call("govopen_request_create", portal["citizen"], **application(portal, purpose="按时"))
    set_due(req["id"], TODAY - datetime.timedelta(days=1))
    assert sweep.run()["escalated"] == 1
    model.Session.expire_all()
    row = model.Session.get(Request, req["id"])
    assert row.escalated and row.status == "submitted" and events(req["id"], "escalate") == 1
    assert not model.Session.get(Request, on_time["id"]).escalated
    recipients = {n.recipient_id for n in model.Session.query(Notification).filter_by(event="escalated")}
    assert {portal["supervisor"]["id"], portal["editor"]["id"]} <= recipients  # the data authority and deciders
    before = mails("escalated")
    again = sweep.run()
    assert again["escalated"] == 0 and events(req["id"], "escalate") == 1 and mails("escalated") == before


def test_paused_requests_are_not_escalated(portal):  # noqa: F811
    req = call("govopen_request_create", portal["citizen"], **application(portal))
    call("govopen_request_ask_info", portal["editor"], id=req["id"], note="请补充")
    set_due(req["id"], TODAY - datetime.timedelta(days=3))
    assert sweep.run()["escalated"] == 0


def test_silent_share_requests_are_deemed_approved(portal):  # noqa: F811
    req = share(portal)
    assert not can_read(portal, "colleague", portal["r1"])
    set_due(req["id"], TODAY - datetime.timedelta(days=1))
    assert sweep.run()["deemed_approved"] == 1
    model.Session.expire_all()
    row = model.Session.get(Request, req["id"])
    assert row.status == "deemed_approved" and row.closed and not row.escalated
    grant = model.Session.query(Grant).filter_by(request_id=req["id"]).one()
    assert (grant.holder_type, grant.holder_id) == ("department", portal["other"]["id"])
    assert row.decision["grant_id"] == grant.id and row.decision["expires"] == (
        TODAY + datetime.timedelta(days=60)).isoformat()  # the requested period, within the cap
    assert grant.resource_ids == [portal["r1"]["id"]]
    # The grant opens the resource to every member of the applying department, through the gate.
    assert can_read(portal, "colleague", portal["r1"]) and not can_read(portal, "colleague", portal["r2"])
    assert not can_read(portal, "citizen", portal["r1"])
    assert mails("deemed_approved") >= 2  # the applying department and the deciders
    assert sweep.run()["deemed_approved"] == 0
    assert model.Session.query(Grant).filter_by(request_id=req["id"]).count() == 1


def test_the_grant_of_a_deemed_approval_is_capped(portal):  # noqa: F811
    req = share(portal, requested_until=(TODAY + datetime.timedelta(days=900)).isoformat())
    set_due(req["id"], TODAY - datetime.timedelta(days=1))
    sweep.run()
    model.Session.expire_all()
    cap = request_store.sla.policy_named("chaohu").rule("share_application").max_grant_days
    assert model.Session.get(Request, req["id"]).decision["expires"] == (
        TODAY + datetime.timedelta(days=cap)).isoformat()


def test_reminders_at_the_policy_points_each_once(portal):  # noqa: F811
    req = call("govopen_request_create", portal["citizen"], **application(portal))
    set_due(req["id"], TODAY + datetime.timedelta(days=10))
    assert sweep.run()["reminders"] == 0  # too early (chaohu: 3 and 1 days before, calendar days)
    set_due(req["id"], TODAY + datetime.timedelta(days=2))
    first = sweep.run()["reminders"]
    assert first >= 1 and sweep.run()["reminders"] == 0
    assert sweep.run(TODAY + datetime.timedelta(days=1))["reminders"] == first  # the 1-day point
    assert sweep.run(TODAY + datetime.timedelta(days=1))["reminders"] == 0
    keys = [n.key for n in model.Session.query(Notification).filter_by(event="reminder")]
    assert len(keys) == 2 * first and len(set(keys)) == len(keys)


def test_grant_expiry_notice_once(portal):  # noqa: F811
    req = call("govopen_request_create", portal["citizen"], **application(portal))
    approve(portal, req, expires=(TODAY + datetime.timedelta(days=3)).isoformat())
    assert sweep.run()["grant_notices"] == 1
    assert sweep.run()["grant_notices"] == 0
    note = model.Session.query(Notification).filter_by(event="grant_expiring").one()
    assert note.recipient_id == portal["citizen"]["id"]


def test_two_sweeps_at_once_do_everything_once(portal):  # noqa: F811
    late = [call("govopen_request_create", portal["citizen"], **application(portal, purpose=f"迟{i}"))
            for i in range(4)]
    shares = [share(portal, purpose=f"共享{i}") for i in range(3)]
    for r in late + shares:
        set_due(r["id"], TODAY - datetime.timedelta(days=2))
    results, errors = at_once(sweep.run)
    assert not errors, errors
    assert sorted(r["escalated"] for r in results) == [0, 4]
    assert sorted(r["deemed_approved"] for r in results) == [0, 3]
    for r in late:
        assert events(r["id"], "escalate") == 1
    for r in shares:
        assert events(r["id"], "deem_approve") == 1
        assert model.Session.query(Grant).filter_by(request_id=r["id"]).count() == 1


def test_cli(portal, cli):  # noqa: F811
    from ckan.cli.cli import ckan

    req = call("govopen_request_create", portal["citizen"], **application(portal))
    set_due(req["id"], TODAY - datetime.timedelta(days=1))
    result = cli.invoke(ckan, ["govopen", "sla-sweep"])
    assert result.exit_code == 0, result.output
    assert "escalated: 1" in result.output
    result = cli.invoke(ckan, ["govopen", "sla-sweep", "--quiet"])
    assert result.exit_code == 0 and result.output.strip() == ""
    assert cli.invoke(ckan, ["govopen", "sla-sweep", "--today", "nope"]).exit_code != 0


def test_a_sweep_waits_for_one_in_progress(portal):  # noqa: F811
    # The row guards alone already make two runs act once; the advisory lock is what makes the
    # second wait and then find nothing, instead of interleaving with the first.
    import sqlalchemy as sa

    req = call("govopen_request_create", portal["citizen"], **application(portal))
    set_due(req["id"], TODAY - datetime.timedelta(days=1))
    other = model.meta.engine.connect()
    held = other.begin()
    other.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": sweep.LOCK_KEY})
    results = []

    def work():
        try:
            results.append(sweep.run())
        finally:
            model.Session.remove()

    thread = threading.Thread(target=work)
    thread.start()
    thread.join(timeout=2)
    try:
        assert thread.is_alive() and not results  # waiting for the lock, nothing done yet
        model.Session.expire_all()
        assert not model.Session.get(Request, req["id"]).escalated
    finally:
        held.rollback()
        other.close()
        thread.join(timeout=30)
    assert results and results[0]["escalated"] == 1


def test_a_second_sweep_changes_nothing_and_queues_nothing(portal):  # noqa: F811
    late = call("govopen_request_create", portal["citizen"], **application(portal, purpose="迟"))
    soon = call("govopen_request_create", portal["citizen"], **application(portal, purpose="近"))
    silent = share(portal)
    approve(portal, call("govopen_request_create", portal["citizen"], **application(portal, purpose="授权")),
            expires=(TODAY + datetime.timedelta(days=2)).isoformat())
    set_due(late["id"], TODAY - datetime.timedelta(days=1))
    set_due(silent["id"], TODAY - datetime.timedelta(days=1))
    set_due(soon["id"], TODAY + datetime.timedelta(days=1))

    def state():
        model.Session.expire_all()
        return (sorted((r.id, r.status, r.escalated, r.modified, r.closed, str(r.decision))
                       for r in model.Session.query(Request)),
                model.Session.query(RequestEvent).count(), model.Session.query(Grant).count(),
                sorted(n.key for n in model.Session.query(Notification)))

    first = sweep.run()
    assert (first["escalated"], first["deemed_approved"]) == (1, 1)
    assert first["reminders"] >= 1 and first["grant_notices"] == 1
    before = state()
    second = sweep.run()
    assert {k: v for k, v in second.items() if k != "mail_pending"} == {
        "deemed_approved": 0, "escalated": 0, "reminders": 0, "grant_notices": 0, "suspended": 0,
        "failed_steps": [], "skipped_requests": []}
    assert state() == before


@pytest.mark.ckan_config("ckanext.govopen.policy.overrides", "share_application.max_grant_days = none")
def test_an_uncapped_policy_grants_the_requested_period(portal):  # noqa: F811
    from ckanext.govopen.requests import rules as request_rules

    long = share(portal, requested_until=(TODAY + datetime.timedelta(days=900)).isoformat())
    set_due(long["id"], TODAY - datetime.timedelta(days=1))
    sweep.run()
    model.Session.expire_all()
    expected = request_rules.grant_expiry_for_deemed(TODAY + datetime.timedelta(days=900), None, TODAY)
    assert model.Session.get(Request, long["id"]).decision["expires"] == expected.isoformat()
    assert expected == TODAY + datetime.timedelta(days=900)  # not cut to a year


def test_a_request_under_a_removed_policy_does_not_stop_the_sweep(portal, monkeypatch):  # noqa: F811
    logged = []  # test.ini's ckanext logger does not propagate, so caplog would not see it
    monkeypatch.setattr(sweep.log, "error", lambda msg, *args: logged.append(msg % args))
    orphan = call("govopen_request_create", portal["citizen"], **application(portal, purpose="旧政策"))
    late = call("govopen_request_create", portal["citizen"], **application(portal, purpose="迟"))
    for r in (orphan, late):
        set_due(r["id"], TODAY - datetime.timedelta(days=1))
    model.Session.get(Request, orphan["id"]).policy = "hefei_removed"  # a custom profile since taken out of the config
    model.Session.commit()
    assert sweep.run()["escalated"] == 1
    model.Session.expire_all()
    assert model.Session.get(Request, late["id"]).escalated and not model.Session.get(Request, orphan["id"]).escalated
    assert len(logged) == 1 and "hefei_removed" in logged[0]


class TestOneBadRowCannotStopTheSweep:
    """Issue #11 (3): `requested_until` took any string date.fromisoformat reads (ISO week dates)
    and stored it as typed; PostgreSQL refused the cast and the one-transaction sweep rolled back."""

    @pytest.mark.parametrize("odd", ["2027-W30-1", "20270726", "2027-07-26T00:00", "2027-02-30"])
    def test_dates_are_refused_unless_yyyy_mm_dd(self, portal, odd):  # noqa: F811
        import ckan.plugins.toolkit as tk

        with pytest.raises(tk.ValidationError) as e:
            share(portal, requested_until=odd)
        assert "requested_until" in e.value.error_dict

    def test_a_stored_bad_date_is_reported_and_skipped_while_the_rest_acts(self, portal):  # noqa: F811
        bad, good = share(portal), share(portal, purpose="另一项")
        late = call("govopen_request_create", portal["citizen"], **application(portal))
        # As an older portal stored it (the action refuses it now): straight into the row.
        row = model.Session.get(Request, bad["id"])
        row.applicant = {**row.applicant, "requested_until": "2027-W30-1"}
        model.Session.commit()
        for r in (bad, good, late):
            set_due(r["id"], TODAY - datetime.timedelta(days=1))
        done = sweep.run()
        assert done["deemed_approved"] == 1 and done["skipped_requests"] == [bad["id"]]
        assert done["escalated"] >= 2 and done["failed_steps"] == []
        model.Session.expire_all()
        assert model.Session.get(Request, good["id"]).status == "deemed_approved"
        assert model.Session.get(Request, bad["id"]).status == "submitted"   # left for a person
        assert model.Session.get(Request, bad["id"]).escalated               # but not forgotten
        assert model.Session.get(Request, late["id"]).escalated

    def test_a_failing_step_is_undone_and_the_others_act(self, portal, monkeypatch):  # noqa: F811
        late = call("govopen_request_create", portal["citizen"], **application(portal))
        set_due(late["id"], TODAY - datetime.timedelta(days=1))

        def broken(*args, **kwargs):
            model.Session.execute(sa.text("UPDATE govopen_request SET escalated = true"))  # then fails
            model.Session.execute(sa.text("SELECT CAST('2027-W30-1' AS date)"))

        monkeypatch.setattr(sweep, "_remind", broken)
        done = sweep.run()
        assert done["failed_steps"] and done["escalated"] == 1
        model.Session.expire_all()
        assert model.Session.get(Request, late["id"]).escalated
        assert events(late["id"], "escalate") == 1

    def test_the_cli_reports_skipped_requests(self, portal, cli):  # noqa: F811
        from ckanext.govopen.cli import govopen

        bad = share(portal)
        row = model.Session.get(Request, bad["id"])
        row.applicant = {**row.applicant, "requested_until": "2027-W30-1"}
        row.due = TODAY - datetime.timedelta(days=1)
        model.Session.commit()
        result = cli.invoke(govopen, ["sla-sweep"])
        assert bad["id"] in result.output and "skipped" in result.output
