"""The request workflow's pure rules: every transition, roles, masking, field checks."""
import datetime
import itertools

import pytest
from hypothesis import given, strategies as st

from tests.catalog_support import placeholders, zh
from ckanext.govopen.requests import rules as rr
from ckanext.govopen.catalogue.codes import citizen_id_check_char, credit_code_check_char

TODAY = datetime.date(2026, 11, 23)
KINDS = ("open_application", "share_application", "objection", "correction")
ACTIONS = ("accept", "ask_info", "respond", "withdraw", "deem_approve")

# The expected table, written out by hand from the issue: (action, from) -> to.
EXPECTED = {
    ("accept", "submitted"): "accepted",
    ("ask_info", "submitted"): "info_requested",
    ("ask_info", "accepted"): "info_requested",
    ("ask_info", "resubmitted"): "info_requested",
    ("respond", "info_requested"): "resubmitted",
    ("withdraw", "submitted"): "withdrawn",
    ("withdraw", "accepted"): "withdrawn",
    ("withdraw", "info_requested"): "withdrawn",
    ("withdraw", "resubmitted"): "withdrawn",
    ("deem_approve", "submitted"): "deemed_approved",
    ("deem_approve", "accepted"): "deemed_approved",
    ("deem_approve", "resubmitted"): "deemed_approved",
}
DECIDABLE = {"submitted", "accepted", "resubmitted"}


@pytest.mark.parametrize("kind, status, action", itertools.product(KINDS, rr.STATUSES, ACTIONS))
def test_every_transition(kind, status, action):
    expected = EXPECTED.get((action, status))
    if action == "deem_approve" and kind != "share_application":
        expected = None
    if expected is None:
        with pytest.raises(rr.TransitionError):
            rr.next_status(kind, status, action)
    else:
        assert rr.next_status(kind, status, action) == expected


@pytest.mark.parametrize("kind, status", itertools.product(KINDS, rr.STATUSES))
def test_decisions(kind, status):
    applications = kind in ("open_application", "share_application")
    good = {"approve": "approved", "reject": "rejected"} if applications else \
        {"uphold": "upheld", "dismiss": "dismissed"}
    bad = ("uphold", "dismiss") if applications else ("approve", "reject")
    for decision, result in good.items():
        if status in DECIDABLE:
            assert rr.next_status(kind, status, "decide", decision) == result
        else:
            with pytest.raises(rr.TransitionError) as err:
                rr.next_status(kind, status, "decide", decision)
            assert err.value.problem.params == {"status": status}
    if status in DECIDABLE:
        for decision in bad:
            with pytest.raises(rr.TransitionError):
                rr.next_status(kind, status, "decide", decision)


@given(st.sampled_from(KINDS), st.sampled_from(rr.END_STATUSES),
       st.sampled_from([*ACTIONS, "decide", "escalate"]), st.sampled_from(["approve", "reject", "uphold", "dismiss"]))
def test_nothing_leaves_an_end_status(kind, status, action, decision):
    with pytest.raises(rr.TransitionError):
        rr.next_status(kind, status, action, decision)


def test_escalation_keeps_the_status():
    assert rr.next_status("open_application", "accepted", "escalate") == "accepted"


@pytest.mark.parametrize("action, roles, kind, two_step, allowed", [
    ("decide", {"decider"}, "open_application", False, True),
    ("decide", {"sysadmin"}, "open_application", False, True),
    ("decide", {"owner_member"}, "open_application", False, False),
    ("decide", {"applicant"}, "open_application", False, False),
    ("decide", {"authority"}, "share_application", False, False),
    ("decide", {"authority"}, "share_application", True, True),
    ("ask_info", {"authority"}, "open_application", False, True),
    ("accept", {"decider"}, "correction", False, True),
    ("respond", {"applicant"}, "open_application", False, True),
    ("respond", {"decider"}, "open_application", False, False),
    ("withdraw", {"applicant_department_member"}, "share_application", False, True),
    ("withdraw", {"applicant_department_member"}, "open_application", False, False),
    ("deem_approve", {"sysadmin"}, "share_application", False, False),
    ("deem_approve", {"system"}, "share_application", False, True),
    ("escalate", {"decider"}, "open_application", False, False),
])
def test_may_act(action, roles, kind, two_step, allowed):
    assert rr.may_act(action, roles, kind, two_step=two_step) is allowed


ID = "34018119900307123" + citizen_id_check_char("34018119900307123")
CODE = "91340181MA2U00001" + credit_code_check_char("91340181MA2U00001")


@pytest.mark.parametrize("roles, masked", [
    ({"applicant"}, False), ({"decider"}, False), ({"authority"}, False), ({"sysadmin"}, False),
    ({"owner_member"}, True), ({"applicant_department_member"}, True),
])
def test_masking(roles, masked):
    out = rr.mask_request({"id_number": ID, "credit_code": CODE, "purpose": "x"}, roles)
    assert (out["id_number"] != ID) is masked and (out["credit_code"] != CODE) is masked
    if masked:
        assert out["id_number"] == ID[:4] + "*" * 10 + ID[-4:]
    assert out["purpose"] == "x"


def test_who_may_view():
    assert not rr.may_view(set())
    assert all(rr.may_view({r}) for r in ("applicant", "decider", "owner_member", "authority", "sysadmin"))


def person(**kw):
    data = {"applicant_type": "person", "applicant_name": "李", "id_number": ID, "purpose": "p",
            "scenario": "s", "usage_type": "research", "security_measures": "m",
            "requested_until": "2027-01-31"}
    data.update(kw)
    return data


def fields(problems):
    return sorted({p.field for p in problems})


class TestApplications:
    ON_APPLICATION = ("on_application", "not_shared")

    def test_valid(self):
        assert rr.application_problems("open_application", person(), TODAY, self.ON_APPLICATION) == []

    def test_kind_must_fit_the_category(self):
        assert fields(rr.application_problems("open_application", person(), TODAY,
                                              ("unconditional", "unconditional"))) == ["kind"]
        assert "kind" in fields(rr.application_problems("share_application", person(applicant_type="department"),
                                                        TODAY, ("not_open", "not_shared")))

    def test_research_use_carries_the_public_interest_undertaking_where_the_policy_says_so(self):
        research = person(usage_type="research")
        # Nanjing 27 limits research use to public-interest research: the applicant undertakes it.
        assert fields(rr.application_problems("open_application", research, TODAY, self.ON_APPLICATION,
                                              True)) == ["public_interest_undertaking"]
        assert rr.application_problems("open_application", {**research, "public_interest_undertaking": "true"},
                                       TODAY, self.ON_APPLICATION, True) == []
        # Other uses, and policies without the rule, ask nothing.
        assert rr.application_problems("open_application", person(usage_type="other"), TODAY, self.ON_APPLICATION,
                                       True) == []
        assert rr.application_problems("open_application", research, TODAY, self.ON_APPLICATION) == []
        assert rr.undertook_public_interest({"usage_type": "research", "public_interest_undertaking": True})
        assert not rr.undertook_public_interest({"usage_type": "other", "public_interest_undertaking": True})

    def test_the_undertaking_belongs_to_open_applications_only(self):
        report = {"details": "错", "public_interest_undertaking": True}
        assert fields(rr.application_problems("correction", report, TODAY, (None, None))) == \
            ["public_interest_undertaking"]

    def test_identifiers_checked(self):
        bad_id = ID[:-1] + ("0" if ID[-1] != "0" else "1")
        assert fields(rr.application_problems("open_application", person(id_number=bad_id), TODAY,
                                              self.ON_APPLICATION)) == ["id_number"]
        bad_code = CODE[:-1] + ("0" if CODE[-1] != "0" else "1")
        company = person(applicant_type="company", credit_code=bad_code, id_number=None)
        assert fields(rr.application_problems("open_application", company, TODAY,
                                              self.ON_APPLICATION)) == ["credit_code"]

    @pytest.mark.parametrize("field", ["applicant_type", "applicant_name", "purpose", "scenario",
                                       "usage_type", "security_measures", "requested_until"])
    def test_required(self, field):
        assert field in fields(rr.application_problems("open_application", person(**{field: ""}), TODAY,
                                                       self.ON_APPLICATION))

    @pytest.mark.parametrize("value, msgid", [("31/01/2027", rr.BAD_DATE), ("2026-11-23", rr.DATE_NOT_FUTURE)])
    def test_requested_until(self, value, msgid):
        problems = rr.application_problems("open_application", person(requested_until=value), TODAY,
                                           self.ON_APPLICATION)
        assert [p.msgid for p in problems] == [msgid]

    def test_too_long(self):
        problems = rr.application_problems("open_application", person(purpose="长" * 2001), TODAY,
                                           self.ON_APPLICATION)
        assert [(p.field, p.msgid) for p in problems] == [("purpose", rr.TOO_LONG)]

    def test_share_requests_are_made_by_departments(self):
        assert "applicant_type" in fields(rr.application_problems(
            "share_application", person(), TODAY, ("not_open", "conditional")))
        dept = person(applicant_type="department", id_number=None)
        assert rr.application_problems("share_application", dept, TODAY, ("not_open", "conditional")) == []

    def test_objections_need_type_and_details(self):
        assert fields(rr.application_problems("objection", {}, TODAY, ("unconditional", None))) == \
            ["details", "objection_type"]
        assert rr.application_problems("correction", {"details": "错"}, TODAY, (None, None)) == []


class TestDecisions:
    def test_reject_needs_reason_and_basis(self):
        assert fields(rr.decision_problems("open_application", {"decision": "reject"}, ["r1"], 365, TODAY)) == ["legal_basis", "reason"]
        assert fields(rr.decision_problems("objection", {"decision": "dismiss"}, [], None, TODAY)) == \
            ["reason"]

    def test_expiry_cap_names_the_latest_date(self):
        problems = rr.decision_problems("open_application", {"decision": "approve", "expires": "2027-12-01"},
                                        ["r1"], 365, TODAY)
        assert [(p.field, p.params) for p in problems] == [("expires", {"latest": "2027-11-23"})]

    def test_resources_must_have_been_requested(self):
        problems = rr.decision_problems("open_application", {"decision": "approve", "expires": "2027-01-01",
                                                             "resource_ids": ["r1", "r9"]},
                                        ["r1", "r2"], 365, TODAY)
        assert [(p.field, p.params) for p in problems] == [("resource_ids", {"ids": "r9"})]

    def test_approving_research_needs_no_extra_field(self):
        # The public-interest undertaking is the applicant's, on the application (Nanjing 27).
        data = {"decision": "approve", "expires": "2027-01-01"}
        assert rr.decision_problems("open_application", data, [], 365, TODAY) == []

    def test_commercial_use_needs_licensing(self):
        assert rr.licensing_required("commercial") and not rr.licensing_required("research")


@pytest.mark.parametrize("requested, cap, expected", [
    (datetime.date(2027, 3, 1), 365, datetime.date(2027, 3, 1)),
    (datetime.date(2029, 1, 1), 365, datetime.date(2027, 11, 23)),
    (None, 30, datetime.date(2026, 12, 23)),
    (datetime.date(2029, 1, 1), None, datetime.date(2029, 1, 1)),
    (None, None, datetime.date(2027, 11, 23)),
])
def test_deemed_grant_expiry(requested, cap, expected):
    assert rr.grant_expiry_for_deemed(requested, cap, TODAY) == expected


def test_every_message_is_translated_with_the_same_placeholders():
    for msgid in rr.MESSAGES:
        assert zh(msgid) != msgid and placeholders(msgid) == placeholders(zh(msgid)), msgid


class TestSteps:
    def test_current_step(self):
        steps = ("data_centre", "supervisor")
        assert rr.current_step(steps, []) == ("data_centre", False)
        assert rr.current_step(steps, [{"step": "data_centre"}]) == ("supervisor", True)
        assert rr.current_step(("department",), []) == ("department", True)

    @pytest.mark.parametrize("step, roles, ok", [
        ("department", {"decider"}, True), ("department", {"authority"}, False),
        ("data_centre", {"authority"}, True), ("data_centre", {"decider"}, True),
        ("supervisor", {"decider"}, False), ("supervisor", {"authority"}, True),
        ("supervisor", {"sysadmin"}, True), ("supervisor", {"owner_member"}, False),
    ])
    def test_who_takes_a_step(self, step, roles, ok):
        assert (rr.step_problems(step, roles, "u1", []) == []) is ok

    def test_consecutive_steps_need_two_people(self):
        done = [{"step": "data_centre", "by": "u1"}]
        assert [p.msgid for p in rr.step_problems("supervisor", {"authority"}, "u1", done)] == \
            [rr.STEP_SAME_PERSON]
        assert rr.step_problems("supervisor", {"authority"}, "u2", done) == []


@pytest.mark.parametrize("categories, logged_in, others, expected", [
    (("on_application", "conditional"), True, 1,
     ["open_application", "share_application", "objection", "correction"]),
    (("on_application", "conditional"), True, 0, ["open_application", "objection", "correction"]),
    (("unconditional", "unconditional"), True, 2, ["objection", "correction"]),
    (("not_open", "conditional"), True, 1, ["share_application", "objection", "correction"]),
    (("on_application", "conditional"), False, 1, []),
])
def test_offered_kinds(categories, logged_in, others, expected):
    assert rr.offered_kinds(*categories, logged_in, others) == expected


@pytest.mark.parametrize("kind, status, roles, two_step, expected", [
    ("open_application", "submitted", {"decider"}, False, ["accept", "ask_info", "decide"]),
    ("open_application", "accepted", {"decider"}, False, ["ask_info", "decide"]),
    ("open_application", "info_requested", {"decider"}, False, []),
    ("open_application", "info_requested", {"applicant"}, False, ["respond", "withdraw"]),
    ("open_application", "submitted", {"applicant"}, False, ["withdraw"]),
    ("open_application", "approved", {"applicant", "decider"}, False, []),
    ("share_application", "accepted", {"authority"}, False, ["ask_info"]),
    ("share_application", "accepted", {"authority"}, True, ["ask_info", "decide"]),
    ("share_application", "submitted", {"applicant_department_member"}, False, ["withdraw"]),
    ("objection", "submitted", {"owner_member"}, False, []),
])
def test_available_actions(kind, status, roles, two_step, expected):
    assert rr.available_actions(kind, status, roles, two_step) == expected
