"""The audit trail outlives its dataset, and the database refuses to erase it (migration e5a6)."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

import ckan.model as model
from ckan.tests import factories

from ckanext.govopen.model import CategoryChange, Grant, Request, RequestEvent
from tests.requests_support import application, approve, call

pytestmark = pytest.mark.usefixtures("with_plugins")


def decided_request(p):
    """An approved application (its events and one grant) and a category change on the dataset."""
    req = approve(p, call("govopen_request_create", p["citizen"], **application(p)))
    call("package_patch", p["admin"], id=p["ds"]["id"], share_category="unconditional",
         category_change_reason="脱敏后无条件共享")
    return req


def counts(req, package_id):
    return {"requests": model.Session.query(Request).filter(Request.package_id == package_id).count(),
            "events": model.Session.query(RequestEvent).filter(RequestEvent.request_id == req["id"]).count(),
            "grants": model.Session.query(Grant).filter(Grant.package_id == package_id).count(),
            "category_changes": len(CategoryChange.for_package(package_id))}


class TestPurge:
    def test_purging_the_dataset_keeps_requests_events_grants_and_category_history(self, portal):
        p = portal
        req = decided_request(p)
        before = counts(req, p["ds"]["id"])
        assert before["requests"] == 1 and before["events"] >= 2 and before["grants"] == 1
        assert before["category_changes"] == 1

        call("dataset_purge", p["admin"], id=p["ds"]["id"])
        model.Session.remove()
        assert model.Package.get(p["ds"]["id"]) is None
        assert counts(req, p["ds"]["id"]) == before  # the purged dataset's id stays in the record

    def test_the_record_of_a_purged_dataset_still_shows(self, portal):
        p = portal
        req = decided_request(p)
        call("dataset_purge", p["admin"], id=p["ds"]["id"])
        model.Session.remove()

        shown = call("govopen_request_show", p["citizen"], id=req["id"])
        assert shown["dataset_id"] == p["ds"]["id"] and shown["dataset_name"] is None
        assert [e["to"] for e in shown["events"]] == [e["to"] for e in req["events"]]
        listed = call("govopen_request_list", p["editor"], dataset_id=p["ds"]["id"])
        assert [r["id"] for r in listed["results"]] == [req["id"]]
        grants = call("govopen_grant_list", p["editor"], dataset_id=p["ds"]["id"], include_inactive=True)
        assert [g["request_id"] for g in grants["results"]] == [req["id"]]

    def test_the_request_pages_of_a_purged_dataset_render(self, app, portal):
        p = portal
        req = decided_request(p)
        call("dataset_purge", p["admin"], id=p["ds"]["id"])
        model.Session.remove()
        for name in ("citizen", "editor"):
            headers = {"Authorization": factories.APIToken(user=p[name]["name"])["token"]}
            for url in (f"/requests/{req['id']}", f"/requests/{req['id']}/letter", "/requests",
                        "/requests/queue?organization=health&tab=grants"):
                if name == "citizen" and "queue" in url:
                    continue
                res = app.get(url, headers=headers)
                assert res.status_code == 200, (name, url, res.status_code)


class TestDatabaseRefusesDeletion:
    @pytest.mark.parametrize("statement", [
        "DELETE FROM govopen_request_event",
        "DELETE FROM govopen_request",
        "DELETE FROM govopen_grant",
        "TRUNCATE govopen_request_event",
        "TRUNCATE govopen_request_event, govopen_grant, govopen_notification, govopen_request",
    ])
    def test_audit_rows_cannot_be_erased(self, portal, statement):
        p = portal
        req = decided_request(p)
        before = counts(req, p["ds"]["id"])
        with pytest.raises(sa.exc.DBAPIError, match="is an audit record"):
            model.Session.execute(sa.text(statement))
        model.Session.rollback()
        assert counts(req, p["ds"]["id"]) == before

    def test_a_deliberate_deletion_says_so_first(self, portal):
        """Tests' resets (tests/conftest.py) and the bench's undo delete this way."""
        p = portal
        req = decided_request(p)
        with pytest.raises(sa.exc.DBAPIError, match="is an audit record"):
            model.Session.execute(sa.text("DELETE FROM govopen_request WHERE id = :id"), {"id": req["id"]})
        model.Session.rollback()
        model.Session.execute(sa.text("SET LOCAL govopen.allow_delete = 'on'"))
        model.Session.execute(sa.text("DELETE FROM govopen_request WHERE id = :id"), {"id": req["id"]})
        model.Session.commit()
        assert counts(req, p["ds"]["id"])["events"] == counts(req, p["ds"]["id"])["grants"] == 0
        # The setting lasted only for that transaction.
        call("govopen_request_create", p["citizen"], **application(p))
        with pytest.raises(sa.exc.DBAPIError, match="is an audit record"):
            model.Session.execute(sa.text("DELETE FROM govopen_request"))
        model.Session.rollback()
