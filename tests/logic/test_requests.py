"""The request workflow through its actions, against the real database and the access gate."""
from __future__ import annotations

import datetime
import threading

import pytest

import ckan.model as model
import ckan.plugins.toolkit as tk
from ckan.tests import factories, helpers

from ckanext.govopen.requests import store as request_store
from ckanext.govopen.model import Grant, Request, RequestEvent
from tests.requests_support import ID_BODY, ID_NUMBER, XSS, _code, application, approve, call, can_read


class TestOpenApplication:
    def test_full_journey_opens_exactly_the_granted_resource(self, portal):
        p = portal
        assert not can_read(p, "citizen", p["r1"])
        req = call("govopen_request_create", p["citizen"], **application(p))
        assert req["status"] == "submitted" and req["policy"] == "chaohu" and req["due"]
        assert req["events"][0]["to"] == "submitted" and req["events"][0]["from"] is None
        req = call("govopen_request_accept", p["editor"], id=req["id"])
        req = call("govopen_request_ask_info", p["editor"], id=req["id"], note="请补充课题批准文件")
        assert req["status"] == "info_requested"
        req = call("govopen_request_respond", p["citizen"], id=req["id"], note="已上传批准文件")
        assert req["status"] == "resubmitted"
        req = approve(p, req)
        assert req["status"] == "approved"
        assert [e["to"] for e in req["events"]] == ["submitted", "accepted", "info_requested",
                                                    "resubmitted", "approved"]
        assert can_read(p, "citizen", p["r1"])
        assert not can_read(p, "citizen", p["r2"])      # not granted
        assert not can_read(p, "stranger", p["r1"])     # not the holder
        shown = helpers.call_action("package_show", context={"user": "citizen", "ignore_auth": False},
                                    id=p["ds"]["id"])
        urls = {r["name"]: r["url"] for r in shown["resources"]}
        assert urls == {"2025": "https://intranet.example.gov.cn/births-2025.csv", "2024": ""}

    def test_revocation_and_expiry_take_effect_at_the_next_access(self, portal):
        p = portal
        req = approve(p, call("govopen_request_create", p["citizen"], **application(p)))
        assert can_read(p, "citizen", p["r1"])
        grant = call("govopen_grant_list", p["citizen"])["results"][0]
        grant_row = model.Session.get(Grant, grant["id"])
        grant_row.expires = datetime.datetime.utcnow() - datetime.timedelta(seconds=1)
        model.Session.commit()
        assert not can_read(p, "citizen", p["r1"])
        grant_row.expires = datetime.datetime.utcnow() + datetime.timedelta(days=1)
        model.Session.commit()
        assert can_read(p, "citizen", p["r1"])
        with pytest.raises(tk.ObjectNotFound):
            call("govopen_grant_revoke", p["citizen"], id=grant["id"], reason="自己不能撤销")
        call("govopen_grant_revoke", p["editor"], id=grant["id"], reason="违反使用条件")
        assert not can_read(p, "citizen", p["r1"])
        events = call("govopen_request_show", p["citizen"], id=req["id"])["events"]
        assert events[-1]["action"] == "revoke_grant"

    def test_rejection_needs_reason_and_legal_basis(self, portal):
        p = portal
        req = call("govopen_request_create", p["citizen"], **application(p))
        with pytest.raises(tk.ValidationError) as err:
            call("govopen_request_decide", p["editor"], id=req["id"], decision="reject")
        assert {"reason", "legal_basis"} <= set(err.value.error_dict)
        req = call("govopen_request_decide", p["editor"], id=req["id"], decision="reject",
                   reason="涉及个人隐私", legal_basis="《个人信息保护法》第十三条")
        assert req["status"] == "rejected"
        assert not model.Session.query(Grant).count()

    def test_expiry_beyond_the_policy_cap_is_refused(self, portal):
        p = portal
        req = call("govopen_request_create", p["citizen"], **application(p))
        far = (datetime.date.today() + datetime.timedelta(days=400)).isoformat()
        with pytest.raises(tk.ValidationError) as err:
            approve(p, req, expires=far)
        assert "expires" in err.value.error_dict

    @pytest.mark.ckan_config("ckanext.govopen.policy", "nanjing")
    def test_research_use_carries_the_applicants_public_interest_undertaking(self, portal):
        # Nanjing 27: research use is for public-interest research only. The applicant undertakes
        # it when applying; the decider approves as usual and the grant's conditions record it.
        p = portal
        with pytest.raises(tk.ValidationError) as err:
            call("govopen_request_create", p["citizen"], **application(p, usage_type="research"))
        assert list(err.value.error_dict) == ["public_interest_undertaking"]
        assert "公益" in err.value.error_dict["public_interest_undertaking"][0]
        req = call("govopen_request_create", p["citizen"], **application(
            p, usage_type="research", public_interest_undertaking=True))
        assert req["public_interest_undertaking"] is True
        decided = approve(p, req, conditions="仅限课题组使用")
        assert decided["status"] == "approved" and decided["decision"]["undertaking"] == "public_interest_research"
        grant = call("govopen_grant_list", p["citizen"])["results"][0]
        assert grant["conditions"].startswith("仅限课题组使用\n") and "公益性科学研究" in grant["conditions"]
        assert "南京 第二十七条" in grant["conditions"]

    def test_where_the_policy_has_no_such_rule_research_is_approved_as_any_use(self, portal):
        p = portal  # the test portal runs Chaohu's policy
        req = call("govopen_request_create", p["citizen"], **application(p, usage_type="research"))
        decided = approve(p, req)
        assert decided["status"] == "approved" and "undertaking" not in decided["decision"]
        assert call("govopen_grant_list", p["citizen"])["results"][0]["conditions"] == "仅限课题使用"

    def test_a_client_sending_the_old_decider_field_is_not_refused(self, portal):
        p = portal
        req = call("govopen_request_create", p["citizen"], **application(p))
        assert approve(p, req, public_interest_research=True)["status"] == "approved"

    def test_commercial_use_is_flagged_for_licensing(self, portal):
        p = portal
        req = call("govopen_request_create", p["citizen"], **application(
            p, usage_type="commercial", applicant_type="company", applicant_name="巢湖数据科技有限公司",
            credit_code=_code("91340181MA2U00001"), id_number=""))
        assert approve(p, req)["decision"]["licensing_required"] is True


class TestRolesAndMasking:
    def test_who_sees_what(self, portal):
        p = portal
        req = call("govopen_request_create", p["citizen"], **application(p))
        assert call("govopen_request_show", p["citizen"], id=req["id"])["id_number"] == ID_NUMBER
        assert call("govopen_request_show", p["editor"], id=req["id"])["id_number"] == ID_NUMBER
        assert call("govopen_request_show", p["supervisor"], id=req["id"])["id_number"] == ID_NUMBER
        masked = call("govopen_request_show", p["plain"], id=req["id"])["id_number"]
        assert masked != ID_NUMBER and masked.startswith(ID_NUMBER[:4]) and "*" in masked
        for outsider in ("stranger", "official"):
            with pytest.raises(tk.ObjectNotFound):
                call("govopen_request_show", p[outsider], id=req["id"])
        with pytest.raises(tk.ObjectNotFound):
            call("govopen_request_show", p["citizen"], id="no-such-request")
        with pytest.raises(tk.NotAuthorized):
            helpers.call_action("govopen_request_show", context={"user": "", "ignore_auth": False},
                                id=req["id"])

    def test_lists_only_what_each_may_see(self, portal):
        p = portal
        mine = call("govopen_request_create", p["citizen"], **application(p))
        call("govopen_request_create", p["stranger"], **application(p))
        assert [r["id"] for r in call("govopen_request_list", p["citizen"])["results"]] == [mine["id"]]
        assert call("govopen_request_list", p["editor"])["count"] == 2
        assert call("govopen_request_list", p["supervisor"])["count"] == 2
        assert call("govopen_request_list", p["official"])["count"] == 0
        plain = call("govopen_request_list", p["plain"])["results"]
        assert all("*" in r["id_number"] for r in plain)

    def test_applicant_cannot_decide_and_department_cannot_respond(self, portal):
        p = portal
        req = call("govopen_request_create", p["citizen"], **application(p))
        with pytest.raises(tk.NotAuthorized):
            approve(p, req, ) if False else call("govopen_request_decide", p["citizen"], id=req["id"],
                                                 decision="approve")
        call("govopen_request_ask_info", p["editor"], id=req["id"], note="补充")
        with pytest.raises(tk.NotAuthorized):
            call("govopen_request_respond", p["editor"], id=req["id"], note="代答")
        with pytest.raises(tk.NotAuthorized):
            call("govopen_request_accept", p["plain"], id=req["id"])

    def test_refused_transitions_name_the_status(self, portal):
        p = portal
        req = call("govopen_request_create", p["citizen"], **application(p))
        call("govopen_request_withdraw", p["citizen"], id=req["id"])
        with pytest.raises(tk.ValidationError) as err:
            approve(p, req)
        assert "status" in err.value.error_dict
        with pytest.raises(tk.ValidationError):
            call("govopen_request_respond", p["citizen"], id=req["id"], note="x")


class TestShareApplication:
    def test_department_grant_opens_to_every_member(self, portal):
        p = portal
        req = call("govopen_request_create", p["official"], dataset_id="births", kind="share_application",
                   applicant_type="department", applicant_name="市交通运输局", purpose="交通规划",
                   scenario="人口分布分析", usage_type="public_interest", security_measures="政务外网",
                   requested_until=(datetime.date.today() + datetime.timedelta(days=60)).isoformat())
        assert req["applicant_org"] == p["other"]["id"]
        assert not can_read(p, "colleague", p["r1"])
        approve(p, req, resource_ids=[p["r1"]["id"], p["r2"]["id"]])
        assert can_read(p, "colleague", p["r1"]) and can_read(p, "official", p["r2"])
        assert not can_read(p, "citizen", p["r1"])

    def test_silence_is_deemed_approval(self, portal):
        p = portal
        req = call("govopen_request_create", p["official"], dataset_id="births", kind="share_application",
                   applicant_type="department", applicant_name="市交通运输局", purpose="规划",
                   scenario="分析", usage_type="other", security_measures="外网",
                   requested_until=(datetime.date.today() + datetime.timedelta(days=500)).isoformat())
        row = model.Session.get(Request, req["id"])
        grant = request_store.deem_approve(row, datetime.date.today())
        model.Session.commit()
        shown = call("govopen_request_show", p["official"], id=req["id"])
        assert shown["status"] == "deemed_approved"
        # 500 days asked, capped by the policy's longest grant
        cap = datetime.date.today() + datetime.timedelta(days=365)
        assert datetime.date.fromisoformat(shown["decision"]["expires"]) <= cap
        assert grant.holder_id == p["other"]["id"]
        assert can_read(p, "colleague", p["r2"])

    def test_open_application_for_open_data_is_refused(self, portal):
        p = portal
        with pytest.raises(tk.ValidationError) as err:
            call("govopen_request_create", p["official"], **application(p, kind="share_application",
                                                                         applicant_type="person"))
        assert err.value.error_dict


class TestObjections:
    def test_objection_upheld_or_dismissed(self, portal):
        p = portal
        req = call("govopen_request_create", p["stranger"], dataset_id="births", kind="objection",
                   objection_type="error", details="2024年数据重复")
        with pytest.raises(tk.ValidationError):
            call("govopen_request_decide", p["editor"], id=req["id"], decision="dismiss")
        done = call("govopen_request_decide", p["editor"], id=req["id"], decision="uphold", reason="已更正")
        assert done["status"] == "upheld"


class TestBadInput:
    def test_wrong_id_check_digit_and_credit_code(self, portal):
        p = portal
        wrong = ID_BODY + ("0" if ID_NUMBER[-1] != "0" else "1")
        with pytest.raises(tk.ValidationError) as err:
            call("govopen_request_create", p["citizen"], **application(p, id_number=wrong))
        assert list(err.value.error_dict) == ["id_number"]
        bad_code = _code("91340181MA2U00001")[:-1] + ("0" if _code("91340181MA2U00001")[-1] != "0" else "1")
        with pytest.raises(tk.ValidationError) as err:
            call("govopen_request_create", p["citizen"], **application(
                p, applicant_type="company", credit_code=bad_code, id_number=""))
        assert "credit_code" in err.value.error_dict
        assert model.Session.query(Request).count() == 0

    def test_unknown_resource_and_dataset(self, portal):
        p = portal
        with pytest.raises(tk.ValidationError) as err:
            call("govopen_request_create", p["citizen"], **application(p, resource_ids=["nope"]))
        assert "resource_ids" in err.value.error_dict
        with pytest.raises(tk.ValidationError) as err:
            call("govopen_request_create", p["citizen"], **application(p, dataset_id="missing"))
        assert "dataset_id" in err.value.error_dict

    def test_free_text_is_stored_as_given(self, portal):
        p = portal
        req = call("govopen_request_create", p["citizen"], **application(p, purpose=XSS))
        assert call("govopen_request_show", p["editor"], id=req["id"])["purpose"] == XSS

    @pytest.mark.ckan_config("ckanext.govopen.requests.daily_limit", 2)
    def test_daily_limit(self, portal):
        p = portal
        for _ in range(2):
            call("govopen_request_create", p["citizen"], **application(p))
        with pytest.raises(tk.ValidationError) as err:
            call("govopen_request_create", p["citizen"], **application(p))
        assert "kind" in err.value.error_dict


class TestIntegrity:
    def test_events_cannot_be_edited(self, portal):
        p = portal
        call("govopen_request_create", p["citizen"], **application(p))
        event = model.Session.query(RequestEvent).first()
        event.note = "改写历史"
        with pytest.raises(Exception, match="append-only"):
            model.Session.commit()
        model.Session.rollback()

    def test_two_simultaneous_decisions_exactly_one_wins(self, portal):
        p = portal
        req = call("govopen_request_create", p["citizen"], **application(p))
        start = threading.Barrier(2)
        outcomes = []

        def decide(decision):
            try:
                start.wait()
                kw = {"reason": "r", "legal_basis": "b"} if decision == "reject" else {}
                approve(p, req, decision=decision, **kw)
                outcomes.append(("ok", decision))
            except tk.ValidationError as e:
                outcomes.append(("conflict", e.error_dict))
            finally:
                model.Session.remove()

        threads = [threading.Thread(target=decide, args=(d,)) for d in ("approve", "reject")]
        for t in threads:
            t.start()
        for t in threads:
            t.join(30)
        assert sorted(o[0] for o in outcomes) == ["conflict", "ok"], outcomes
        assert "status" in next(o[1] for o in outcomes if o[0] == "conflict")
        model.Session.remove()
        winner = next(o[1] for o in outcomes if o[0] == "ok")
        assert model.Session.query(Grant).count() == (1 if winner == "approve" else 0)
        assert model.Session.query(RequestEvent).filter_by(request_id=req["id"], action="decide").count() == 1


class TestRetention:
    def test_purge_removes_identifiers_of_old_closed_requests_only(self, portal, cli):
        from ckanext.govopen.cli import govopen

        p = portal
        old = call("govopen_request_create", p["citizen"], **application(p))
        call("govopen_request_withdraw", p["citizen"], id=old["id"])
        still_open = call("govopen_request_create", p["citizen"], **application(p))
        row = model.Session.get(Request, old["id"])
        row.closed = datetime.datetime.utcnow() - datetime.timedelta(days=6 * 366)
        model.Session.commit()

        dry = cli.invoke(govopen, ["purge-identifiers", "--dry-run"])
        assert dry.exit_code == 0 and dry.output.startswith("1 ")
        assert call("govopen_request_show", p["editor"], id=old["id"])["id_number"] == ID_NUMBER

        result = cli.invoke(govopen, ["purge-identifiers"])
        assert result.exit_code == 0, result.output
        model.Session.remove()
        assert "id_number" not in call("govopen_request_show", p["editor"], id=old["id"])
        assert call("govopen_request_show", p["editor"], id=still_open["id"])["id_number"] == ID_NUMBER


class TestDisputes:
    @pytest.fixture
    def open_data(self, portal):
        p = portal
        ds = helpers.call_action("package_create", context={"user": p["admin"]["name"]}, name="beds",
                                 title="床位数", owner_org=p["owner"]["id"], resource_class="department",
                                 catalogue_code="307001/000002", update_frequency="annual",
                                 open_category="unconditional", share_category="unconditional")
        res = helpers.call_action("resource_create", context={"user": p["admin"]["name"]}, package_id=ds["id"],
                                  name="beds", url="https://data.example.gov.cn/beds-private-names.csv")
        return ds, res

    def _indexed_urls(self, ds):
        found = helpers.call_action("package_search", q=f"id:{ds['id']}", fl="id,res_url")["results"]
        return found[0].get("res_url") if found else None

    def test_a_privacy_objection_from_anyone_waits_for_the_department(self, portal, open_data, app):
        """Issue #11 (7): open sign-up made one objection take open data offline at once."""
        p = portal
        ds, res = open_data
        req = call("govopen_request_create", p["citizen"], dataset_id="beds", kind="objection",
                   objection_type="privacy", details="表中含有病人姓名")
        assert req["review_due"] and not req["suspended"]
        assert can_read(p, "stranger", res)                   # still open while the department looks
        assert self._indexed_urls(ds) == [res["url"]]
        page = app.get("/dataset/beds").body
        assert "有异议" in page and "照常提供" in page and res["url"] in page

        # The department confirms: the resources are suspended, also from the index.
        call("govopen_request_suspend", p["editor"], id=req["id"], suspend=True, note="含个人信息，先暂停")
        assert not can_read(p, "stranger", res)
        assert can_read(p, "editor", res)                     # the owner checks it
        assert res["url"] not in str(self._indexed_urls(ds))
        page = app.get("/dataset/beds").body
        assert "暂停提供" in page and res["url"] not in page
        # ... and may lift the suspension at any time.
        call("govopen_request_suspend", p["editor"], id=req["id"], suspend=False, note="已核实")
        assert can_read(p, "stranger", res)
        assert self._indexed_urls(ds) == [res["url"]]
        shown = call("govopen_request_show", p["editor"], id=req["id"])
        assert [e["action"] for e in shown["events"]] == ["create", "suspend", "lift"]
        assert shown["review_due"] is None

        # Deciding the objection ends a suspension.
        call("govopen_request_suspend", p["editor"], id=req["id"], suspend=True)
        call("govopen_request_decide", p["editor"], id=req["id"], decision="dismiss", reason="已核实无个人信息")
        assert can_read(p, "stranger", res)
        assert self._indexed_urls(ds) == [res["url"]]
        assert "有异议" not in app.get("/dataset/beds").body

    def test_government_staff_suspend_at_once(self, portal, open_data):
        p = portal
        ds, res = open_data
        req = call("govopen_request_create", p["official"], dataset_id="beds", kind="objection",
                   objection_type="privacy", details="含身份证号")
        assert req["suspended"] and not req["review_due"]
        assert not can_read(p, "stranger", res)
        assert res["url"] not in str(self._indexed_urls(ds))

    def test_silence_suspends_at_the_marking_deadline(self, portal, open_data):
        from ckanext.govopen.requests import sweep

        p = portal
        ds, res = open_data
        req = call("govopen_request_create", p["citizen"], dataset_id="beds", kind="objection",
                   objection_type="privacy", details="含病人姓名")
        assert sweep.run()["suspended"] == 0                  # not yet due
        assert can_read(p, "stranger", res)
        row = model.Session.get(Request, req["id"])
        row.review_due = datetime.date.today() - datetime.timedelta(days=2)
        model.Session.commit()
        assert sweep.run()["suspended"] == 1
        assert not can_read(p, "stranger", res)
        assert res["url"] not in str(self._indexed_urls(ds))
        assert [e["action"] for e in call("govopen_request_show", p["editor"], id=req["id"])["events"]][-1] == "suspend"
        assert sweep.run()["suspended"] == 0                  # once

    def test_who_may_suspend_and_how_many_a_user_may_file(self, portal, open_data):
        p = portal
        req = call("govopen_request_create", p["citizen"], dataset_id="beds", kind="objection",
                   objection_type="privacy", details="一")
        with pytest.raises(tk.NotAuthorized):                 # a plain member of the department
            call("govopen_request_suspend", p["plain"], id=req["id"], suspend=True)
        with pytest.raises(tk.ObjectNotFound):                # no role at all
            call("govopen_request_suspend", p["stranger"], id=req["id"], suspend=True)
        with pytest.raises(tk.NotAuthorized):                 # nor the objector
            call("govopen_request_suspend", p["citizen"], id=req["id"], suspend=True)
        call("govopen_request_suspend", p["supervisor"], id=req["id"], suspend=True)  # the data authority
        for n in range(2):
            call("govopen_request_create", p["citizen"], dataset_id="beds", kind="objection",
                 objection_type="privacy", details=f"第{n}项")
        with pytest.raises(tk.ValidationError) as e:          # ckanext.govopen.objections.privacy_open_per_user = 3
            call("govopen_request_create", p["citizen"], dataset_id="beds", kind="objection",
                 objection_type="privacy", details="第四项")
        assert "objection_type" in e.value.error_dict
        # an error objection is not limited this way
        call("govopen_request_create", p["citizen"], dataset_id="beds", kind="objection",
             objection_type="error", details="数字有误")

    def test_error_objection_marks_but_does_not_hide(self, portal, open_data, app):
        p = portal
        ds, res = open_data
        call("govopen_request_create", p["citizen"], dataset_id="beds", kind="objection",
             objection_type="error", details="2024年床位数有误")
        assert can_read(p, "stranger", res)
        assert "有异议" in app.get("/dataset/beds").body

    @pytest.mark.ckan_config("ckanext.govopen.objections.privacy_hides_resources", False)
    def test_hiding_can_be_switched_off(self, portal, open_data):
        p = portal
        ds, res = open_data
        call("govopen_request_create", p["citizen"], dataset_id="beds", kind="objection",
             objection_type="privacy", details="隐私")
        assert can_read(p, "stranger", res)


class TestTwoStepApproval:
    """Nanjing 22: the big-data centre (with the provider) gives its opinion, then the data
    authority decides; two different people."""

    @pytest.fixture
    def share_request(self, portal):
        p = portal
        second = factories.User(name="supervisor2")
        bureau = model.Group.get("data-bureau")
        helpers.call_action("member_create", id=bureau.id, object="supervisor2", object_type="user",
                            capacity="member")
        req = call("govopen_request_create", p["official"], dataset_id="births", kind="share_application",
                   applicant_type="department", applicant_name="市交通运输局", purpose="规划",
                   scenario="分析", usage_type="public_interest", security_measures="外网",
                   requested_until=(datetime.date.today() + datetime.timedelta(days=60)).isoformat())
        assert req["policy"] == "nanjing"
        return p, req, second

    @pytest.mark.ckan_config("ckanext.govopen.policy", "nanjing")
    def test_two_steps_by_two_people(self, share_request):
        p, req, second = share_request
        expires = (datetime.date.today() + datetime.timedelta(days=30)).isoformat()
        step1 = call("govopen_request_decide", p["editor"], id=req["id"], decision="approve",
                     reason="提供部门同意")
        assert step1["status"] == "accepted"
        assert [s["step"] for s in step1["decision"]["steps"]] == ["data_centre"]
        assert not can_read(p, "colleague", p["r1"])         # an opinion grants nothing
        with pytest.raises(tk.ValidationError) as err:        # the provider cannot take the authority's step
            call("govopen_request_decide", p["editor"], id=req["id"], decision="approve", expires=expires)
        assert "decision" in err.value.error_dict
        final = call("govopen_request_decide", p["supervisor"], id=req["id"], decision="approve",
                     expires=expires, resource_ids=[p["r1"]["id"]])
        assert final["status"] == "approved"
        assert [s["step"] for s in final["decision"]["steps"]] == ["data_centre", "supervisor"]
        assert can_read(p, "colleague", p["r1"])

    @pytest.mark.ckan_config("ckanext.govopen.policy", "nanjing")
    def test_same_person_cannot_take_both_steps(self, share_request):
        p, req, second = share_request
        call("govopen_request_decide", p["supervisor"], id=req["id"], decision="approve")
        with pytest.raises(tk.ValidationError) as err:
            call("govopen_request_decide", p["supervisor"], id=req["id"], decision="approve",
                 expires=(datetime.date.today() + datetime.timedelta(days=30)).isoformat())
        assert "decision" in err.value.error_dict
        rejected = call("govopen_request_decide", second, id=req["id"], decision="reject",
                        reason="超出履职需要", legal_basis="南京 第二十二条")
        assert rejected["status"] == "rejected"
        assert model.Session.query(Grant).count() == 0


def test_the_decision_names_its_grant(portal):
    req = call("govopen_request_create", portal["citizen"], **application(portal))
    decided = approve(portal, req)
    grant = model.Session.query(Grant).filter_by(request_id=req["id"]).one()
    assert decided["decision"]["grant_id"] == grant.id


class TestApplicantFieldsAsTheFormHasThem:
    """Issue #11 (10): through the API, 1 MB was stored, and fields of another applicant type
    or kind were accepted."""

    @pytest.mark.parametrize("field,limit", [("applicant_name", 200), ("purpose", 2000), ("scenario", 2000),
                                             ("security_measures", 2000)])
    def test_the_form_limits_hold_for_the_api(self, portal, field, limit):
        call("govopen_request_create", portal["citizen"], **application(portal, **{field: "字" * limit}))
        for size in (limit + 1, 1_000_000):
            with pytest.raises(tk.ValidationError) as e:
                call("govopen_request_create", portal["citizen"], **application(portal, **{field: "字" * size}))
            assert field in e.value.error_dict

    def test_a_megabyte_where_no_rule_looked_is_refused(self, portal):
        p = portal
        big = "9" * 1_000_000
        for extra in ({"credit_code": big}, {"applicant_org": big}):  # neither is checked for a person
            with pytest.raises(tk.ValidationError) as e:
                call("govopen_request_create", p["citizen"], **application(p, **extra))
            assert set(extra) <= set(e.value.error_dict)
        with pytest.raises(tk.ValidationError) as e:  # nor a name on an error report
            call("govopen_request_create", p["citizen"], dataset_id="births", kind="correction", details="有误",
                 applicant_name=big)
        assert "applicant_name" in e.value.error_dict
        assert model.Session.query(Request).count() == 0

    def test_fields_of_another_type_or_kind_are_refused(self, portal):
        p = portal
        with pytest.raises(tk.ValidationError) as e:   # a person has no credit code
            call("govopen_request_create", p["citizen"], **application(p, credit_code=_code("91340181MA0000001")))
        assert "credit_code" in e.value.error_dict
        with pytest.raises(tk.ValidationError) as e:   # an application has no objection type or details
            call("govopen_request_create", p["citizen"], **application(p, objection_type="privacy", details="x"))
        assert {"objection_type", "details"} <= set(e.value.error_dict)
        with pytest.raises(tk.ValidationError) as e:   # an error report is not an application
            call("govopen_request_create", p["citizen"], dataset_id="births", kind="correction", details="有误",
                 id_number=ID_NUMBER, purpose="x")
        assert {"id_number", "purpose"} <= set(e.value.error_dict)
        assert model.Session.query(Request).count() == 0

    @pytest.mark.parametrize("value", [["a"], {"a": 1}, "a\x00b", "\ud800"])
    def test_wrong_types_and_unstorable_text_are_field_errors(self, portal, value):
        with pytest.raises(tk.ValidationError) as e:
            call("govopen_request_create", portal["citizen"], **application(portal, purpose=value))
        assert "purpose" in e.value.error_dict


class TestWhoIsGovernment:
    """Issue #11 (12): any membership of any organization counted as government."""

    @pytest.fixture
    def enterprise_member(self, portal):
        water = factories.Organization(name="water-company", department_code=_code("91340181MA0000301"),
                                       region_code="340181", department_type="public_enterprise")
        user = factories.User(name="waterworker")
        helpers.call_action("member_create", id=water["id"], object="waterworker", object_type="user",
                            capacity="admin")
        return user

    def test_a_public_enterprise_is_not_government(self, portal, enterprise_member):
        p = portal
        shared = helpers.call_action("package_create", context={"user": p["admin"]["name"]}, name="roads",
                                     title="道路", owner_org=p["owner"]["id"], resource_class="department",
                                     catalogue_code="307001/000009", update_frequency="annual",
                                     open_category="not_open", share_category="unconditional",
                                     open_conditions="x", open_legal_basis="第十七条")
        res = helpers.call_action("resource_create", context={"user": p["admin"]["name"]}, package_id=shared["id"],
                                  name="roads", url="https://intranet.example.gov.cn/roads.csv")
        p["waterworker"] = enterprise_member
        assert can_read(p, "official", res)            # a member of a government department
        assert not can_read(p, "waterworker", res)     # an enterprise admin is the public here
        with pytest.raises(tk.ValidationError) as e:
            call("govopen_request_create", enterprise_member, dataset_id="births", kind="share_application",
                 applicant_type="department", applicant_name="水务公司", purpose="规划", scenario="分析",
                 usage_type="other", security_measures="内网",
                 requested_until=(datetime.date.today() + datetime.timedelta(days=30)).isoformat())
        assert "applicant_org" in e.value.error_dict

    @pytest.mark.ckan_config("ckanext.govopen.share.government_types", "data_authority ordinary public_enterprise")
    def test_which_types_count_is_the_portals_choice(self, portal, enterprise_member):
        from ckanext.govopen.access import gate

        subject = gate.subject_for({"user": enterprise_member["name"]})
        assert subject.is_government


class TestDatasetIdEverywhere:
    """Issue #12 (contract): grants said `package_id` where requests say `dataset_id`."""

    def test_grants_say_dataset_id_and_package_id_is_an_alias(self, portal):
        p = portal
        data = {k: v for k, v in application(p).items() if k != "dataset_id"}
        req = call("govopen_request_create", p["citizen"], package_id=p["ds"]["id"], **data)
        assert req["dataset_id"] == p["ds"]["id"]
        approve(p, req)
        grants = call("govopen_grant_list", p["citizen"], package_id=p["ds"]["name"])["results"]
        assert [g["dataset_id"] for g in grants] == [p["ds"]["id"]] and "package_id" not in grants[0]
        listed = call("govopen_request_list", p["citizen"], package_id=p["ds"]["id"])
        assert listed["count"] == 1


class TestDatesAndTimesInTheApi:
    """Instants carry their offset (UTC, "Z"); a day someone chose stays that day."""

    @staticmethod
    def _instant(text):
        parsed = datetime.datetime.fromisoformat(text)
        assert text.endswith("Z") and parsed.tzinfo is not None, text
        return parsed

    def test_request_instants_carry_z_and_days_stay_days(self, portal):
        p = portal
        req = call("govopen_request_create", p["citizen"], **application(p))
        shown = call("govopen_request_show", p["citizen"], id=req["id"])
        created = self._instant(shown["created"])
        assert abs(created - datetime.datetime.now(datetime.timezone.utc)) < datetime.timedelta(minutes=5)
        self._instant(shown["modified"])
        assert all(self._instant(e["created"]) for e in shown["events"])
        assert datetime.date.fromisoformat(shown["due"])  # a day, no time
        decided = approve(p, req, expires="2027-06-30")
        self._instant(decided["closed"])
        assert decided["decision"]["expires"] == "2027-06-30"

    def test_a_grant_until_a_day_is_returned_as_that_day(self, portal):
        p = portal
        approve(p, call("govopen_request_create", p["citizen"], **application(p)), expires="2027-06-30")
        grant = call("govopen_grant_list", p["citizen"])["results"][0]
        assert grant["expires"] == "2027-06-30"  # the chosen day, not 2027-06-30T16:00 shifted
        # ...and the instant it ends: 24:00 Beijing time that day.
        assert self._instant(grant["ends_at"]) == datetime.datetime(2027, 7, 1, tzinfo=datetime.timezone(
            datetime.timedelta(hours=8)))
        self._instant(grant["created"])
        assert grant["revoked"] is None
        revoked = call("govopen_grant_revoke", p["editor"], id=grant["id"], reason="违反使用条件")
        self._instant(revoked["revoked"])

    def test_category_history_instants_carry_z(self, portal):
        p = portal
        helpers.call_action("package_patch", context={"user": p["admin"]["name"]}, id=p["ds"]["id"],
                            open_category="unconditional", category_change_reason="已脱敏，转为无条件开放")
        changes = helpers.call_action("govopen_category_change_list", id=p["ds"]["id"])
        assert changes and all(self._instant(c["created"]) for c in changes)
