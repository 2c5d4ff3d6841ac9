from datetime import date

import pytest

from tests.catalog_support import zh
from ckanext.govopen.deadlines import (
    DEFAULT_POLICY,
    KINDS,
    OVERRIDE_FIELDS,
    POLICIES,
    compute_deadline,
    deadline_for,
    resolve_policy,
)


def test_shipped_profiles_and_default():
    assert DEFAULT_POLICY == "chaohu"
    assert set(POLICIES) == {"chaohu", "nanjing", "fushun", "liaoyang", "huangshan"}
    assert resolve_policy() is POLICIES["chaohu"]
    for policy in POLICIES.values():
        assert [r.kind for r in policy.rules] == list(KINDS)


# profile, kind, variant, length, unit, clock start, citation must contain
ARTICLES = [
    ("chaohu", "open_application", None, 10, "calendar_days", "acceptance", "Chaohu art. 19"),
    ("chaohu", "share_application", None, 5, "working_days", "submission", "Chaohu art. 13"),
    ("chaohu", "correction", None, 7, "working_days", "submission", "Chaohu art. 10"),
    ("nanjing", "open_application", None, 15, "working_days", "submission", "Nanjing art. 27"),
    ("nanjing", "share_application", None, 15, "working_days", "submission", "Nanjing art. 22"),
    ("nanjing", "objection", None, 5, "working_days", "submission", "Nanjing art. 35"),
    ("nanjing", "objection", "forwarded", 7, "working_days", "submission", "Nanjing art. 35(2)"),
    ("fushun", "open_application", None, 5, "working_days", "submission", "Fushun art. 22"),
    ("liaoyang", "share_application", None, 10, "working_days", "submission", "Liaoyang art. 15"),
    ("huangshan", "share_application", None, 10, "working_days", "submission", "Huangshan part 4 (5)"),
    ("huangshan", "share_application", "platform_held", 3, "working_days", "submission",
     "Huangshan part 4 (5)"),
]


@pytest.mark.parametrize("profile, kind, variant, length, unit, start, citation", ARTICLES)
def test_profile_matches_article(profile, kind, variant, length, unit, start, citation):
    rule = POLICIES[profile].rule(kind, variant)
    assert (rule.length, rule.unit, rule.clock_start) == (length, unit, start)
    assert citation in rule.citation
    assert rule.variant == variant


def test_only_chaohu_share_deems_consent():
    # Chaohu 13: 超过5个工作日不答复也不说明理由的，视同提供部门同意.
    deemed = [(p.name, r.kind) for p in POLICIES.values() for r in p.rules
              if r.timeout == "deem_approved"]
    assert deemed == [("chaohu", "share_application")]


def test_nanjing_approval_steps_and_objection_marking():
    nanjing = POLICIES["nanjing"]
    assert nanjing.rule("share_application").approval_steps == ("data_centre", "supervisor")
    assert nanjing.rule("open_application").approval_steps == ("department",)
    objection = nanjing.rule("objection")
    assert (objection.mark_disputed_length, objection.mark_disputed_unit) == (1, "working_days")
    assert not objection.pause_on_info
    assert nanjing.rule("objection", "forwarded").approval_steps == ("data_centre", "department")
    # Received on the last working day before National Day: marked by the first one after.
    mark = compute_deadline(date(2026, 9, 30), objection.mark_disputed_length,
                            objection.mark_disputed_unit)
    assert mark.due == date(2026, 10, 8)


def test_fushun_written_reply_on_request():
    assert POLICIES["fushun"].rule("open_application").written_reply_on_request
    assert not POLICIES["chaohu"].rule("open_application").written_reply_on_request


def test_unregulated_kinds_cite_their_default():
    for profile, kind in [("fushun", "share_application"), ("liaoyang", "objection"),
                          ("huangshan", "open_application"), ("chaohu", "objection"),
                          ("nanjing", "correction")]:
        citation = POLICIES[profile].rule(kind).citation
        assert "default" in citation and zh(citation).startswith("默认值")  # an English msgid, translated
    for policy in POLICIES.values():
        for rule in policy.rules:
            assert " art. " in rule.citation or " part " in rule.citation


def test_grant_period_only_for_applications():
    for policy in POLICIES.values():
        assert policy.rule("open_application").max_grant_days == 365
        assert policy.rule("objection").max_grant_days is None
        assert policy.rule("correction").max_grant_days is None


def test_missing_variant_falls_back_and_unknown_kind_raises():
    chaohu = POLICIES["chaohu"]
    assert chaohu.rule("share_application", "platform_held") == chaohu.rule("share_application")
    assert POLICIES["huangshan"].variant_names("share_application") == ("platform_held",)
    with pytest.raises(ValueError, match="unknown request kind 'open'"):
        chaohu.rule("open")


def test_chaohu_share_deadline_worked_example():
    rule = POLICIES["chaohu"].rule("share_application")
    # 09-29, 09-30, 10-08, 10-09 and the make-up Saturday 10-10.
    assert deadline_for(rule, date(2026, 9, 28)).due == date(2026, 10, 10)


class TestOverrides:
    def test_every_field(self):
        policy = resolve_policy("chaohu", {
            "open_application.length": " 20 ",
            "open_application.unit": "Working_Days",
            "open_application.clock_start": "submission",
            "open_application.accept_length": "3",
            "open_application.accept_unit": "calendar_days",
            "open_application.pause_on_info": "no",
            "open_application.reminders": "1, 5 2",
            "open_application.timeout": "deem_approved",
            "open_application.approval_steps": "department, supervisor",
            "open_application.max_grant_days": "none",
            "open_application.mark_disputed_length": "2",
            "open_application.mark_disputed_unit": "calendar_days",
            "open_application.written_reply_on_request": "ON",
            "open_application.citation": "巢湖市数据局通知 / Chaohu bureau notice",
        })
        rule = policy.rule("open_application")
        assert (rule.length, rule.unit, rule.clock_start) == (20, "working_days", "submission")
        assert (rule.accept_length, rule.accept_unit) == (3, "calendar_days")
        assert rule.pause_on_info is False and rule.written_reply_on_request is True
        assert rule.reminders == (5, 2, 1)
        assert rule.timeout == "deem_approved"
        assert rule.approval_steps == ("department", "supervisor")
        assert rule.max_grant_days is None
        assert (rule.mark_disputed_length, rule.mark_disputed_unit) == (2, "calendar_days")
        assert rule.citation == "巢湖市数据局通知 / Chaohu bureau notice"
        assert set(OVERRIDE_FIELDS) == {k.split(".")[1] for k in [
            "x.length", "x.unit", "x.clock_start", "x.accept_length", "x.accept_unit",
            "x.pause_on_info", "x.reminders", "x.timeout", "x.approval_steps",
            "x.max_grant_days", "x.mark_disputed_length", "x.mark_disputed_unit",
            "x.written_reply_on_request", "x.research_public_interest_only", "x.citation"]}

    def test_changed_figures_are_flagged_in_citation(self):
        rule = resolve_policy("chaohu", {"Share_Application.Length ": "7"}).rule("share_application")
        assert rule.length == 7
        assert rule.citation.startswith("Chaohu art. 13")
        assert "overridden: length" in rule.citation
        assert rule.citation.text(zh) == "巢湖 第十三条（配置覆盖：length）"  # translated with its parts

    def test_shipped_profiles_are_not_mutated(self):
        resolve_policy("nanjing", {"open_application.length": "30"})
        assert POLICIES["nanjing"].rule("open_application").length == 15

    def test_no_reminders(self):
        rule = resolve_policy("chaohu", {"correction.reminders": "none"}).rule("correction")
        assert rule.reminders == ()

    def test_kind_override_reaches_variant_unless_variant_sets_it(self):
        policy = resolve_policy("huangshan", {
            "share_application.timeout": "deem_approved",
            "share_application.length": "12",
        })
        platform = policy.rule("share_application", "platform_held")
        assert (platform.timeout, platform.length) == ("deem_approved", 3)
        policy = resolve_policy("huangshan", {"share_application.platform_held.length": "2"})
        assert policy.rule("share_application", "platform_held").length == 2
        assert policy.rule("share_application").length == 10

    def test_new_variant(self):
        policy = resolve_policy("chaohu", {"share_application.platform_held.length": "1"})
        rule = policy.rule("share_application", "platform_held")
        assert (rule.length, rule.timeout, rule.variant) == (1, "deem_approved", "platform_held")
        assert "Chaohu art. 13" in rule.citation and "overridden" in rule.citation

    @pytest.mark.parametrize("key, value, message", [
        ("open_application.length", "ten", "open_application.length: 'ten' is not a whole number"),
        ("open_application.length", "0", "open_application.length: must be a whole number >= 1"),
        ("open_application.length", "-3", "must be a whole number >= 1"),
        ("open_application.unit", "weeks", "open_application.unit: 'weeks' is not one of"),
        ("open_application.clock_start", "receipt", "clock_start: 'receipt' is not one of"),
        ("share_application.timeout", "approve", "share_application.timeout: 'approve'"),
        ("objection.pause_on_info", "maybe", "objection.pause_on_info: 'maybe' is not a boolean"),
        ("objection.reminders", "3, x", "objection.reminders: 'x' is not a whole number"),
        ("objection.reminders", "-1", "reminders: days before due cannot be negative"),
        ("objection.approval_steps", "", "objection.approval_steps: need one or more"),
        ("objection.approval_steps", "data centre", "objection.approval_steps"),
        ("objection.max_grant_days", "0", "objection.max_grant_days: must be"),
        ("objection.citation", "  ", "objection.citation: must not be empty"),
        ("share_application.platform_held.length", "0",
         "share_application.platform_held.length: must be"),
        ("objection.lenght", "3", "unknown field 'lenght'; known: length, unit"),
        ("objections.length", "3", "unknown kind 'objections'; known: open_application"),
        ("length", "3", "must be <kind>.<field> or <kind>.<variant>.<field>"),
        ("a.b.c.d", "3", "must be <kind>.<field>"),
        ("objection.Bad-Variant.length", "3", "variant name must match"),
    ])
    def test_bad_override(self, key, value, message):
        with pytest.raises(ValueError) as err:
            resolve_policy("nanjing", {key: value})
        assert message in str(err.value)
        assert str(err.value).startswith("deadline policy 'nanjing', overrides: ")

    def test_non_string_value(self):
        with pytest.raises(ValueError, match="value must be a string"):
            resolve_policy("nanjing", {"objection.length": 3})  # type: ignore[dict-item]

    def test_unknown_policy_lists_known_names(self):
        with pytest.raises(ValueError) as err:
            resolve_policy("hefei", custom={"mine": {}})
        assert str(err.value) == (
            "unknown deadline policy 'hefei'; known: chaohu, fushun, huangshan, liaoyang, mine, nanjing"
        )


class TestCustomProfiles:
    def test_inherits_base_and_applies_overrides_on_top(self):
        custom = {"Hefei": {"base": "nanjing", "title": "合肥 / Hefei",
                            "open_application.length": "20"}}
        policy = resolve_policy("hefei", {"open_application.reminders": "5"}, custom)
        assert (policy.name, policy.title) == ("hefei", "合肥 / Hefei")
        rule = policy.rule("open_application")
        assert (rule.length, rule.unit, rule.reminders) == (20, "working_days", (5,))
        assert policy.rule("share_application") == POLICIES["nanjing"].rule("share_application")
        assert policy.rule("objection", "forwarded").length == 7

    def test_without_base_takes_defaults(self):
        policy = resolve_policy("plain", custom={"plain": {}})
        assert policy.title == "plain"
        assert policy.rule("share_application").timeout == "escalate"
        assert "default" in policy.rule("open_application").citation

    def test_chain_of_custom_profiles(self):
        custom = {"a": {"base": "fushun", "correction.length": "3"},
                  "b": {"base": "a", "correction.unit": "calendar_days"}}
        rule = resolve_policy("b", custom=custom).rule("correction")
        assert (rule.length, rule.unit) == (3, "calendar_days")
        assert resolve_policy("b", custom=custom).rule("open_application").written_reply_on_request

    @pytest.mark.parametrize("custom, name, message", [
        ({"a": {"base": "b"}, "b": {"base": "a"}}, "a", "inherit in a loop: a -> b -> a"),
        ({"a": {"base": "hefei"}}, "a", "custom profile 'a': unknown base 'hefei'; known:"),
        ({"chaohu": {"base": "nanjing"}}, "chaohu", "would hide the shipped profile"),
        ({"my-city": {}}, "my-city", "must match [a-z][a-z0-9_]*"),
        ({"a": {"objection.length": "x"}}, "a",
         "deadline policy 'a', custom profile 'a': objection.length: 'x' is not a whole number"),
    ])
    def test_bad_custom_profile(self, custom, name, message):
        with pytest.raises(ValueError) as err:
            resolve_policy(name, custom=custom)
        assert message in str(err.value)
