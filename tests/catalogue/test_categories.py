"""Open/share category rules (ckanext.govopen.catalogue.categories): plain pytest, no CKAN needed."""
from __future__ import annotations


import pytest

from tests.catalog_support import placeholders, zh
from ckanext.govopen.catalogue import categories as cat
from ckanext.govopen.catalogue.categories import (
    OPEN_CATEGORIES,
    SHARE_CATEGORIES,
    Change,
    Problem,
    as_bool,
    category_change,
    category_problems,
)

VALID = {
    "open_category": "unconditional",
    "share_category": "unconditional",
    "classified": False,
    "contains_personal_info": False,
    "contains_trade_secret": False,
    "desensitized": False,
}


def dataset(**changes) -> dict:
    return {**VALID, **changes}


def pairs(problems: list[Problem]) -> list[tuple[str, str]]:
    return [(p.field, p.msgid) for p in problems]


def test_constants_are_the_fixed_api_values():
    assert OPEN_CATEGORIES == ("unconditional", "on_application", "not_open")
    assert SHARE_CATEGORIES == ("unconditional", "conditional", "not_shared")


def test_minimal_valid_dataset():
    assert category_problems(VALID) == []


def test_flags_may_be_absent():
    assert category_problems({"open_category": "unconditional", "share_category": "unconditional"}) == []


# --- required categories ---------------------------------------------------------------

@pytest.mark.parametrize("value", [None, "", "  "])
def test_categories_required(value):
    problems = category_problems(dataset(open_category=value, share_category=value))
    assert pairs(problems) == [("open_category", cat.OPEN_CATEGORY_REQUIRED),
                               ("share_category", cat.SHARE_CATEGORY_REQUIRED)]


def test_categories_missing_keys():
    assert pairs(category_problems({})) == [("open_category", cat.OPEN_CATEGORY_REQUIRED),
                                            ("share_category", cat.SHARE_CATEGORY_REQUIRED)]


def test_unknown_open_category():
    # "conditional" is a share value, not an open one: the two lists must not be mixed up.
    problems = category_problems(dataset(open_category="conditional"))
    assert problems == [Problem("open_category", cat.OPEN_CATEGORY_INVALID,
                                {"value": "conditional",
                                 "choices": "unconditional, on_application, not_open"})]
    assert problems[0].text() == ("conditional is not an open category: use one of "
                                  "unconditional, on_application, not_open")


def test_unknown_share_category():
    problems = category_problems(dataset(share_category="on_application"))
    assert pairs(problems) == [("share_category", cat.SHARE_CATEGORY_INVALID)]
    assert problems[0].params["value"] == "on_application"


@pytest.mark.parametrize("value", OPEN_CATEGORIES)
def test_every_open_category_accepted_when_complete(value):
    data = dataset(open_category=value, open_conditions="实名注册后申请", open_legal_basis="《某条例》第十条")
    assert category_problems(data) == []


@pytest.mark.parametrize("value", SHARE_CATEGORIES)
def test_every_share_category_accepted_when_complete(value):
    data = dataset(share_category=value, share_conditions="仅限履职使用", share_legal_basis="《某办法》第九条")
    assert category_problems(data) == []


# --- conditions and legal basis --------------------------------------------------------

def test_on_application_needs_conditions_and_basis():
    problems = category_problems(dataset(open_category="on_application"))
    assert pairs(problems) == [("open_conditions", cat.OPEN_CONDITIONS_REQUIRED),
                               ("open_legal_basis", cat.OPEN_BASIS_ON_APPLICATION)]


def test_on_application_blank_text_counts_as_missing():
    problems = category_problems(dataset(open_category="on_application", open_conditions="  ",
                                         open_legal_basis="\n"))
    assert len(problems) == 2


def test_on_application_conditions_only():
    problems = category_problems(dataset(open_category="on_application", open_conditions="须实名申请"))
    assert pairs(problems) == [("open_legal_basis", cat.OPEN_BASIS_ON_APPLICATION)]


def test_on_application_basis_only():
    problems = category_problems(dataset(open_category="on_application", open_legal_basis="依据"))
    assert pairs(problems) == [("open_conditions", cat.OPEN_CONDITIONS_REQUIRED)]


def test_not_open_needs_basis_not_conditions():
    assert pairs(category_problems(dataset(open_category="not_open"))) == [
        ("open_legal_basis", cat.OPEN_BASIS_NOT_OPEN)]
    assert category_problems(dataset(open_category="not_open", open_legal_basis="《保守国家秘密法》")) == []


def test_unconditional_open_needs_neither():
    assert category_problems(dataset(open_category="unconditional", open_conditions="",
                                     open_legal_basis="")) == []


def test_conditional_share_needs_conditions_and_basis():
    problems = category_problems(dataset(share_category="conditional"))
    assert pairs(problems) == [("share_conditions", cat.SHARE_CONDITIONS_REQUIRED),
                               ("share_legal_basis", cat.SHARE_BASIS_CONDITIONAL)]


def test_conditional_share_partial():
    assert pairs(category_problems(dataset(share_category="conditional", share_conditions="x"))) == [
        ("share_legal_basis", cat.SHARE_BASIS_CONDITIONAL)]
    assert pairs(category_problems(dataset(share_category="conditional", share_legal_basis="x"))) == [
        ("share_conditions", cat.SHARE_CONDITIONS_REQUIRED)]


def test_not_shared_needs_basis_not_conditions():
    assert pairs(category_problems(dataset(share_category="not_shared"))) == [
        ("share_legal_basis", cat.SHARE_BASIS_NOT_SHARED)]
    assert category_problems(dataset(share_category="not_shared", share_legal_basis="依据")) == []


def test_open_and_share_rules_reported_together():
    problems = category_problems(dataset(open_category="not_open", share_category="not_shared"))
    assert pairs(problems) == [("open_legal_basis", cat.OPEN_BASIS_NOT_OPEN),
                               ("share_legal_basis", cat.SHARE_BASIS_NOT_SHARED)]


def test_legal_basis_of_open_does_not_satisfy_share():
    problems = category_problems(dataset(share_category="not_shared", open_legal_basis="依据"))
    assert pairs(problems) == [("share_legal_basis", cat.SHARE_BASIS_NOT_SHARED)]


# --- personal information, trade secrets, desensitisation ------------------------------

def test_personal_info_not_unconditional():
    problems = category_problems(dataset(contains_personal_info=True))
    assert pairs(problems) == [("open_category", cat.PERSONAL_INFO_NOT_DESENSITIZED)]


def test_trade_secret_not_unconditional():
    problems = category_problems(dataset(contains_trade_secret="yes"))
    assert pairs(problems) == [("open_category", cat.TRADE_SECRET_NOT_DESENSITIZED)]


def test_both_give_one_combined_problem():
    problems = category_problems(dataset(contains_personal_info="true", contains_trade_secret="1"))
    assert pairs(problems) == [("open_category", cat.PERSONAL_INFO_AND_TRADE_SECRET_NOT_DESENSITIZED)]


@pytest.mark.parametrize("flags", [{"contains_personal_info": True}, {"contains_trade_secret": True},
                                   {"contains_personal_info": True, "contains_trade_secret": True}])
def test_desensitized_data_may_be_unconditional(flags):
    assert category_problems(dataset(desensitized="on", **flags)) == []


@pytest.mark.parametrize("open_category, extra", [
    ("on_application", {"open_conditions": "实名申请", "open_legal_basis": "依据"}),
    ("not_open", {"open_legal_basis": "依据"}),
])
def test_sensitive_data_may_be_restricted(open_category, extra):
    data = dataset(open_category=open_category, contains_personal_info=True,
                   contains_trade_secret=True, **extra)
    assert category_problems(data) == []


def test_desensitized_without_sensitive_content_is_fine():
    assert category_problems(dataset(desensitized=True)) == []


def test_sensitivity_does_not_restrict_sharing():
    # Sharing between departments is a different audience; the rule is about opening.
    data = dataset(open_category="not_open", open_legal_basis="依据", contains_personal_info=True)
    assert category_problems(data) == []


# --- classified -----------------------------------------------------------------------

@pytest.mark.parametrize("flag", [True, "true", "yes", "1", "是"])
def test_classified_refused_alone(flag):
    # Even with other problems present only the refusal is shown.
    problems = category_problems({"classified": flag, "open_category": "not_open"})
    assert problems == [Problem("classified", cat.CLASSIFIED_REFUSED)]
    assert "classified network" in problems[0].text()
    assert "涉密网络" in problems[0].text(zh)


@pytest.mark.parametrize("flag", [False, "false", "no", "0", "", None, "否", "off"])
def test_not_classified_accepted(flag):
    assert category_problems(dataset(classified=flag)) == []


# --- as_bool ---------------------------------------------------------------------------

@pytest.mark.parametrize("value", [True, 1, "true", "True", " TRUE ", "yes", "Yes", "y", "on", "1", "是"])
def test_as_bool_true(value):
    assert as_bool(value) is True


@pytest.mark.parametrize("value", [False, 0, None, "", "  ", "false", "FALSE", "no", "n", "off", "0", "否"])
def test_as_bool_false(value):
    assert as_bool(value) is False


@pytest.mark.parametrize("value", ["maybe", "2", 2, -1, 1.0, [], "truee"])
def test_as_bool_rejects_other_values(value):
    with pytest.raises(ValueError):
        as_bool(value)


def test_unreadable_flag_reported_on_its_field():
    problems = category_problems(dataset(contains_personal_info="maybe"))
    assert problems == [Problem("contains_personal_info", cat.BOOLEAN_INVALID, {"value": "maybe"})]


def test_unreadable_desensitized_flag_does_not_excuse():
    problems = category_problems(dataset(contains_personal_info=True, desensitized="perhaps"))
    assert pairs(problems) == [("desensitized", cat.BOOLEAN_INVALID),
                               ("open_category", cat.PERSONAL_INFO_NOT_DESENSITIZED)]


# --- category_change -------------------------------------------------------------------

def test_creation_is_not_a_change():
    assert category_change(None, VALID) == []


def test_no_change():
    assert category_change(VALID, dict(VALID)) == []


def test_open_category_change():
    changes = category_change(VALID, dataset(open_category="not_open"))
    assert changes == [("open_category", "unconditional", "not_open")]
    assert changes[0] == Change(field="open_category", old="unconditional", new="not_open")


def test_both_changes_in_field_order():
    changes = category_change(VALID, dataset(share_category="not_shared", open_category="on_application"))
    assert changes == [("open_category", "unconditional", "on_application"),
                       ("share_category", "unconditional", "not_shared")]


def test_first_category_on_existing_dataset_is_a_change_from_none():
    assert category_change({"open_category": ""}, VALID) == [
        ("open_category", None, "unconditional"), ("share_category", None, "unconditional")]


def test_blank_new_value_is_not_a_change():
    assert category_change(VALID, {"open_category": "", "share_category": None}) == []


def test_other_field_changes_ignored():
    assert category_change(VALID, dataset(open_legal_basis="new", classified=True)) == []


# --- messages --------------------------------------------------------------------------

def test_every_message_has_chinese_and_back():
    assert len(set(cat.MESSAGES)) == len(cat.MESSAGES)
    assert all(zh(msgid) != msgid for msgid in cat.MESSAGES)  # each one is in the Chinese catalog


@pytest.mark.parametrize("msgid", cat.MESSAGES)
def test_chinese_placeholders_match(msgid):
    assert placeholders(zh(msgid)) == placeholders(msgid)
    assert zh(msgid).strip()


def test_every_msgid_constant_is_in_messages():
    constants = {getattr(cat, name) for name in cat.__all__
                 if name.isupper() and isinstance(getattr(cat, name), str)}
    assert constants == set(cat.MESSAGES)
    assert cat.CHANGE_REASON_REQUIRED in cat.MESSAGES


def test_all_names_exist():
    for name in cat.__all__:
        assert hasattr(cat, name), name


def test_no_msgid_shared_with_codes():
    # One msgid, one translation: an overlap would make the glue's catalogue ambiguous.
    from ckanext.govopen.catalogue import codes
    assert not set(cat.MESSAGES) & set(codes.MESSAGES)


def test_modules_import_nothing_from_ckan():
    import ast
    import inspect

    from ckanext.govopen.catalogue import codes
    for module in (cat, codes):
        tree = ast.parse(inspect.getsource(module))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [node.module or ""] if node.level == 0 else []
            else:
                continue
            assert not any(name.split(".")[0] == "ckan" for name in names), names
