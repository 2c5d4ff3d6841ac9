"""The gate's decision function on its own (pure: no CKAN)."""
from datetime import datetime, timedelta

import pytest

from ckanext.govopen.access.decision import ANONYMOUS, Dataset, Grant, Subject, is_public, may_access

NOW = datetime(2026, 11, 22, 12, 0)
OWNER, OTHER = "org-owner", "org-other"


def ds(open_cat="unconditional", share_cat="unconditional", **kw):
    return Dataset(id="pkg", owner_org=OWNER, open_category=open_cat, share_category=share_cat, **kw)


citizen = Subject(user_id="u1")
official = Subject(user_id="u2", org_ids=frozenset({OTHER}), government_org_ids=frozenset({OTHER}))
# A member of an organization that is not a government department (e.g. a public enterprise).
enterprise_member = Subject(user_id="u5", org_ids=frozenset({"org-enterprise"}))
owner = Subject(user_id="u3", org_ids=frozenset({OWNER}))
admin = Subject(user_id="u4", sysadmin=True)


@pytest.mark.parametrize("open_cat", ["unconditional", "on_application", "not_open", None, "bogus"])
@pytest.mark.parametrize("share_cat", ["unconditional", "conditional", "not_shared", None, "bogus"])
def test_owner_and_sysadmin_always(open_cat, share_cat):
    assert may_access(owner, ds(open_cat, share_cat), "r1", NOW)
    assert may_access(admin, ds(open_cat, share_cat), "r1", NOW)


@pytest.mark.parametrize("share_cat", ["unconditional", "conditional", "not_shared", None])
def test_unconditional_open_is_for_everyone(share_cat):
    for who in (ANONYMOUS, citizen, official):
        assert may_access(who, ds("unconditional", share_cat), "r1", NOW)
    assert is_public(ds("unconditional", share_cat))


@pytest.mark.parametrize("open_cat", ["on_application", "not_open", None, "bogus"])
def test_restricted_is_closed_to_citizens(open_cat):
    for who in (ANONYMOUS, citizen):
        assert not may_access(who, ds(open_cat, "unconditional"), "r1", NOW)
    assert not is_public(ds(open_cat, "unconditional"))


def test_share_categories_for_other_departments():
    assert may_access(official, ds("not_open", "unconditional"), "r1", NOW)
    assert not may_access(official, ds("not_open", "conditional"), "r1", NOW)
    assert not may_access(official, ds("not_open", "not_shared"), "r1", NOW)
    assert not may_access(official, ds("not_open", None), "r1", NOW)  # fail closed
    assert not may_access(official, ds("not_open", "Unconditional"), "r1", NOW)


def test_only_government_departments_count_as_government():
    """Issue #11 (12): any organization membership used to count as government."""
    assert official.is_government
    assert not enterprise_member.is_government
    assert not may_access(enterprise_member, ds("not_open", "unconditional"), "r1", NOW)
    # a type listed as government, but the user is not a member of that department: not government
    assert not Subject(user_id="u6", government_org_ids=frozenset({OTHER})).is_government


def test_classified_and_private_close_to_outsiders():
    assert not may_access(citizen, ds(classified=True), "r1", NOW)
    assert not may_access(official, ds(private=True), "r1", NOW)
    assert may_access(owner, ds(classified=True), "r1", NOW)


class TestGrants:
    def test_user_grant_opens_on_application_data_until_expiry(self):
        grant = Grant("pkg", expires=NOW + timedelta(days=1))
        holder = Subject(user_id="u1", user_grants_given=(grant,))
        assert may_access(holder, ds("on_application"), "r1", NOW)
        assert not may_access(holder, ds("on_application"), "r1", NOW + timedelta(days=1))
        assert not may_access(holder, ds("not_open"), "r1", NOW)  # a grant cannot open not_open data

    def test_revoked_and_other_dataset_grants_do_nothing(self):
        holder = Subject(user_id="u1", user_grants_given=(Grant("pkg", revoked=True), Grant("other-pkg")))
        assert not may_access(holder, ds("on_application"), "r1", NOW)

    def test_grant_scoped_to_resources(self):
        holder = Subject(user_id="u1", user_grants_given=(Grant("pkg", resource_ids=frozenset({"r1"})),))
        assert may_access(holder, ds("on_application"), "r1", NOW)
        assert not may_access(holder, ds("on_application"), "r2", NOW)
        assert not may_access(holder, ds("on_application"), None, NOW)

    def test_department_grant_opens_conditional_share_to_its_members(self):
        member = Subject(user_id="u2", org_ids=frozenset({OTHER}), government_org_ids=frozenset({OTHER}),
                         department_grants_given=(Grant("pkg"),))
        assert may_access(member, ds("not_open", "conditional"), "r1", NOW)
        assert not may_access(member, ds("not_open", "not_shared"), "r1", NOW)
        # a department grant does not open data to the public side
        assert not may_access(Subject(user_id="u9", department_grants_given=(Grant("pkg"),)),
                              ds("not_open", "conditional"), "r1", NOW)


def test_grants_are_loaded_only_when_a_decision_needs_them():
    calls = []

    def loader():
        calls.append(1)
        return (Grant("pkg"),), ()

    member = Subject(user_id="u3", org_ids=frozenset({OWNER}), load_grants=loader)
    assert may_access(member, ds("not_open"), "r1", NOW)
    assert may_access(Subject(user_id="u1", load_grants=loader), ds("unconditional"), "r1", NOW)
    assert calls == []
    holder = Subject(user_id="u1", load_grants=loader)
    assert may_access(holder, ds("on_application"), "r1", NOW)
    assert may_access(holder, ds("on_application"), "r2", NOW)
    assert calls == [1]  # once per subject


def test_privacy_objection_closes_to_all_but_owner_and_is_asked_only_when_it_matters():
    asked = []

    def disputed():
        asked.append(1)
        return True

    hidden = Dataset(id="pkg", owner_org=OWNER, open_category="unconditional", share_category="unconditional",
                     load_disputed=disputed)
    assert may_access(owner, hidden, "r1", NOW) and may_access(admin, hidden, "r1", NOW)
    assert asked == []
    assert not may_access(citizen, hidden, "r1", NOW)
    assert not may_access(official, hidden, "r1", NOW)
    closed = Dataset(id="pkg", owner_org=OWNER, open_category="not_open", share_category="not_shared",
                     load_disputed=disputed)
    assert not may_access(citizen, closed, "r1", NOW)
    assert asked == [1]  # once for `hidden` (cached); never for data closed anyway
