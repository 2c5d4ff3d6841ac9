"""Identifier checks (ckanext.govopen.catalogue.codes): plain pytest, no CKAN needed."""
from __future__ import annotations

import string
from datetime import date, datetime

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from tests.catalog_support import placeholders, zh
from ckanext.govopen.catalogue import codes
from ckanext.govopen.catalogue.codes import (
    CATALOGUE_CODE_EXAMPLE,
    CREDIT_CODE_CHARS,
    Problem,
    catalogue_code_problems,
    citizen_id_check_char,
    citizen_id_problems,
    classification_code_problems,
    classification_levels,
    credit_code_check_char,
    credit_code_problems,
    errors_by_field,
    is_catalogue_code,
    is_citizen_id,
    is_credit_code,
    is_region_code,
    mask_identifier,
    parse_catalogue_code,
    region_code_problems,
)

TODAY = date(2024, 6, 1)


def msgids(problems: list[Problem]) -> list[str]:
    return [p.msgid for p in problems]


# --- Problem ---------------------------------------------------------------------------

def test_problem_text_formats_after_translating():
    problem = Problem("credit_code", codes.CREDIT_CODE_CHECK, {"expected": "T"})
    assert problem.text() == "The check character (the last one) is wrong: expected T"
    assert problem.text(zh) == "校验码（最后一位）有误，应为T"


def test_errors_by_field_groups_in_order():
    problems = [Problem("a", "one"), Problem("b", "{x}", {"x": 2}), Problem("a", "three")]
    assert errors_by_field(problems) == {"a": ["one", "three"], "b": ["2"]}


# --- unified social credit code --------------------------------------------------------

# Published codes whose check characters (both the GB 32100 one and the GB 11714 one of the
# embedded organisation code) agree: 华为技术有限公司, 深圳市腾讯计算机系统有限公司,
# 阿里巴巴（中国）有限公司, and codes listed in python-stdnum's test suite (incl. a
# letter in the organisation code and a "92" individual business).
REAL_CREDIT_CODES = [
    "914403001922038216",
    "91440300708461136T",
    "91330100716105852F",
    "91110000600037341L",
    "121200004013590816",
    "91310115MA1K3BTP2B",
    "9144030071526726XG",
    "91620105L015101280",
    "92340602MA2PBMEM24",
]


@pytest.mark.parametrize("code", REAL_CREDIT_CODES)
def test_real_credit_codes_are_valid(code):
    assert credit_code_problems(code) == []
    assert is_credit_code(code)
    assert credit_code_check_char(code[:17]) == code[17]


def test_weights_are_powers_of_three_mod_31():
    assert codes.CREDIT_CODE_WEIGHTS == tuple(pow(3, i, 31) for i in range(17))
    assert len(CREDIT_CODE_CHARS) == 31 == len(set(CREDIT_CODE_CHARS))
    assert not set("IOSVZ") & set(CREDIT_CODE_CHARS)


def test_check_char_sum_zero_gives_zero():
    # 31 - 0 is 31, which the standard writes as 0.
    assert credit_code_check_char("0" * 17) == "0"


def test_built_credit_code_is_valid():
    body = "91340100MA2N3K4P5"
    assert is_credit_code(body + credit_code_check_char(body))


def test_wrong_check_char_names_expected():
    problems = credit_code_problems("914403001922038217")
    assert problems == [Problem("credit_code", codes.CREDIT_CODE_CHECK, {"expected": "6"})]
    assert "expected 6" in problems[0].text()


@pytest.mark.parametrize("code, length", [("91440300192203821", 17), ("9144030019220382161", 19),
                                          ("9", 1)])
def test_wrong_length(code, length):
    assert credit_code_problems(code) == [
        Problem("credit_code", codes.CREDIT_CODE_LENGTH, {"length": length})]


@pytest.mark.parametrize("code", ["", None, "   "])
def test_missing_credit_code(code):
    assert msgids(credit_code_problems(code)) == [codes.CREDIT_CODE_MISSING]
    assert not is_credit_code(code)


def test_lower_case_and_spaces_are_normalised():
    assert is_credit_code("91440300708461136t")
    assert is_credit_code(" 9144 0300 7084 6113 6T ")
    assert is_credit_code("９１４４０３００７０８４６１１３６Ｔ")  # full-width, as typed with an IME


@pytest.mark.parametrize("letter", list("IOZSV"))
def test_excluded_letters_rejected(letter):
    body = "91440300708461136"
    code = body[:10] + letter + body[11:] + "0"
    problems = credit_code_problems(code)
    assert msgids(problems) == [codes.CREDIT_CODE_BAD_CHARS]
    assert problems[0].params == {"chars": letter}
    with pytest.raises(ValueError):
        credit_code_check_char(code[:17])


def test_bad_chars_and_length_both_reported():
    problems = credit_code_problems("9144-0300")
    assert msgids(problems) == [codes.CREDIT_CODE_LENGTH, codes.CREDIT_CODE_BAD_CHARS]
    assert problems[1].params == {"chars": "-"}


def test_bad_chars_listed_once():
    problems = credit_code_problems("91440300公司公司61136T")
    assert problems[-1].params == {"chars": "公 司"}


def test_division_part_must_be_digits():
    body = "9144A300708461136"
    assert msgids(credit_code_problems(body + credit_code_check_char(body))) == [
        codes.CREDIT_CODE_DIVISION]


def test_letter_authority_code_accepted():
    # "A" (军队) and "N" (农业) registration authorities exist besides digits.
    for body in ("A1100000MA0012345", "N2110000MA0012345"):
        assert is_credit_code(body + credit_code_check_char(body))


@pytest.mark.parametrize("body", ["", "1234567890123456", "123456789012345678", "12345678901234I67"])
def test_check_char_rejects_bad_body(body):
    with pytest.raises(ValueError):
        credit_code_check_char(body)


# Built part by part rather than filtered: six random code characters are all digits only
# about once in 900 draws, which would trip hypothesis's filter health check.
_credit_bodies = st.builds(
    lambda head, division, org: head + division + org,
    st.text(alphabet=CREDIT_CODE_CHARS, min_size=2, max_size=2),
    st.text(alphabet=string.digits, min_size=6, max_size=6),
    st.text(alphabet=CREDIT_CODE_CHARS, min_size=9, max_size=9),
)


@given(_credit_bodies)
def test_any_body_with_computed_check_is_valid(body):
    assert credit_code_problems(body + credit_code_check_char(body)) == []


@given(_credit_bodies, st.sampled_from(CREDIT_CODE_CHARS))
def test_any_other_check_char_is_invalid(body, other):
    expected = credit_code_check_char(body)
    assume(other != expected)
    assert credit_code_problems(body + other) == [
        Problem("credit_code", codes.CREDIT_CODE_CHECK, {"expected": expected})]


@given(_credit_bodies, st.integers(0, 16), st.sampled_from(CREDIT_CODE_CHARS))
def test_single_substitution_detected(body, position, replacement):
    # The mod-31 check with weights prime to 31 catches every single-character error.
    code = body + credit_code_check_char(body)
    changed = code[:position] + replacement + code[position + 1:]
    if changed != code and changed[2:8].isdigit():
        assert not is_credit_code(changed)


def test_custom_field_name():
    assert credit_code_problems("1", field="provider_code")[0].field == "provider_code"


# --- citizen ID number -----------------------------------------------------------------

# Both are the examples printed in GB 11643-1999.
@pytest.mark.parametrize("number", ["11010519491231002X", "440524188001010014"])
def test_standard_examples_are_valid(number):
    assert citizen_id_problems(number, TODAY) == []
    assert is_citizen_id(number, TODAY)


def test_lower_case_x_accepted():
    assert is_citizen_id("11010519491231002x", TODAY)


def test_check_char_x():
    assert citizen_id_check_char("11010519491231002") == "X"


def test_wrong_check_digit_names_expected():
    problems = citizen_id_problems("110105194912310021", TODAY)
    assert problems == [Problem("citizen_id", codes.CITIZEN_ID_CHECK, {"expected": "X"})]


@given(st.text(alphabet=string.digits, min_size=17, max_size=17))
def test_check_makes_weighted_sum_one_mod_11(body):
    check = citizen_id_check_char(body)
    value = 10 if check == "X" else int(check)
    total = sum(int(d) * pow(2, 17 - i, 11) for i, d in enumerate(body)) + value
    assert total % 11 == 1


def _with_check(body: str) -> str:
    return body + citizen_id_check_char(body)


@pytest.mark.parametrize("birth", ["19490230", "19491301", "19490000", "07491231"])
def test_bad_birth_date(birth):
    number = _with_check("110105" + birth + "002")
    problems = citizen_id_problems(number, TODAY)
    assert problems == [Problem("citizen_id", codes.CITIZEN_ID_BIRTH_DATE, {"value": birth})]


def test_leap_day_birth_date():
    assert is_citizen_id(_with_check("11010520000229123"), TODAY)
    assert msgids(citizen_id_problems(_with_check("11010519000229123"), TODAY)) == [
        codes.CITIZEN_ID_BIRTH_DATE]


def test_future_birth_date():
    number = _with_check("11010520240602123")
    assert citizen_id_problems(number, TODAY) == [
        Problem("citizen_id", codes.CITIZEN_ID_BIRTH_FUTURE, {"date": "2024-06-02"})]
    assert is_citizen_id(number, date(2024, 6, 2))
    assert is_citizen_id(number, datetime(2024, 6, 2, 0, 30))


def test_future_birth_date_default_today():
    assert msgids(citizen_id_problems(_with_check("11010599991231123"))) == [
        codes.CITIZEN_ID_BIRTH_FUTURE]
    assert is_citizen_id("11010519491231002X")


def test_bad_date_and_bad_check_both_reported():
    assert msgids(citizen_id_problems("110105194902300021", TODAY)) == [
        codes.CITIZEN_ID_BIRTH_DATE, codes.CITIZEN_ID_CHECK]


@pytest.mark.parametrize("number", ["1101051949123100XX", "11010519491231A02X", "X10105194912310021"])
def test_citizen_id_bad_characters(number):
    assert msgids(citizen_id_problems(number, TODAY)) == [codes.CITIZEN_ID_CHARS]


def test_citizen_id_length():
    assert citizen_id_problems("1101051949123100", TODAY) == [
        Problem("citizen_id", codes.CITIZEN_ID_LENGTH, {"length": 16})]


def test_fifteen_digit_number_gets_its_own_message():
    assert msgids(citizen_id_problems("110105491231002", TODAY)) == [codes.CITIZEN_ID_OLD_FORMAT]


def test_missing_citizen_id():
    assert msgids(citizen_id_problems(None, TODAY)) == [codes.CITIZEN_ID_MISSING]


def test_citizen_id_spaces_removed():
    assert is_citizen_id("110105 19491231 002X", TODAY)


# --- masking ---------------------------------------------------------------------------

def test_mask_eighteen_characters():
    assert mask_identifier("340104199001011234") == "3401**********1234"
    assert mask_identifier("91440300708461136T") == "9144**********136T"


def test_mask_twelve_keeps_four_and_four():
    assert mask_identifier("123456789012") == "1234****9012"


@pytest.mark.parametrize("value, masked", [("12345678901", "*********01"), ("123456", "****56"),
                                           ("123", "*23"), ("12", "**"), ("1", "*"), ("", ""),
                                           (None, "")])
def test_mask_short_values(value, masked):
    assert mask_identifier(value) == masked


@given(st.text(alphabet=string.ascii_uppercase + string.digits, max_size=40))
def test_mask_keeps_length_and_hides_at_least_a_third(value):
    masked = mask_identifier(value)
    assert len(masked) == len(value)
    assert masked.count("*") * 3 >= len(value)
    assert masked != value or value == ""


# --- administrative division code ------------------------------------------------------

@pytest.mark.parametrize("code", ["110000", "340181", "320100", "710000", "810000", "820000",
                                  "650100", "150000", "460000", "540000"])
def test_valid_region_codes(code):
    assert region_code_problems(code) == []
    assert is_region_code(code)


@pytest.mark.parametrize("province", ["00", "10", "16", "20", "24", "30", "38", "40", "47", "55",
                                      "60", "66", "70", "72", "80", "83", "99"])
def test_unknown_province(province):
    assert region_code_problems(province + "0000") == [
        Problem("region_code", codes.REGION_CODE_PROVINCE, {"province": province})]


@pytest.mark.parametrize("code", ["11000", "1100000", "11000A", "11 00 0", "１１００００x"])
def test_region_code_format(code):
    assert msgids(region_code_problems(code)) == [codes.REGION_CODE_FORMAT]


def test_region_code_full_width_and_missing():
    assert is_region_code("３４０１８１")
    assert msgids(region_code_problems("")) == [codes.REGION_CODE_MISSING]


def test_province_table_matches_brief():
    expected = ({*range(11, 16), *range(21, 24), *range(31, 38), *range(41, 47), *range(50, 55),
                 *range(61, 66), 71, 81, 82})
    assert codes.PROVINCE_CODES == {str(n) for n in expected}


# --- catalogue and classification codes ------------------------------------------------

def test_standard_example_is_valid():
    assert catalogue_code_problems(CATALOGUE_CODE_EXAMPLE) == []
    assert catalogue_code_problems(CATALOGUE_CODE_EXAMPLE, "department") == []
    assert parse_catalogue_code(CATALOGUE_CODE_EXAMPLE) == ("3070211760000002004006", "000033")


@pytest.mark.parametrize("code, resource_class", [("1/000001", "base"), ("201/123456", "theme"),
                                                  ("101001/000010", None)])
def test_other_valid_catalogue_codes(code, resource_class):
    assert is_catalogue_code(code, resource_class)


def test_full_width_slash_normalised():
    assert parse_catalogue_code("3070211760000002004006／000033") == (
        "3070211760000002004006", "000033")


@pytest.mark.parametrize("code", ["3070211760000002004006-000033", "3070211760000002004006\\000033",
                                  "3070211760000002004006000033", "30702/117/000033", "/000033",
                                  "3070211760000002004006/"])
def test_wrong_separator_or_missing_part(code):
    problems = catalogue_code_problems(code)
    assert problems == [Problem("catalogue_code", codes.CATALOGUE_CODE_FORMAT,
                                {"example": CATALOGUE_CODE_EXAMPLE})]
    assert CATALOGUE_CODE_EXAMPLE in problems[0].text()
    with pytest.raises(ValueError):
        parse_catalogue_code(code)


@pytest.mark.parametrize("sequence", ["00033", "0000033", "00003A", "33"])
def test_sequence_must_be_six_digits(sequence):
    problems = catalogue_code_problems("3070211760000002004006/" + sequence)
    assert problems == [Problem("catalogue_code", codes.CATALOGUE_SEQUENCE_FORMAT, {"example": "000033"})]


def test_letters_in_classification():
    assert msgids(catalogue_code_problems("30702A/000033")) == [codes.CLASSIFICATION_DIGITS]


def test_letters_in_both_parts_reported_together():
    assert msgids(catalogue_code_problems("3A/00003B")) == [
        codes.CLASSIFICATION_DIGITS, codes.CATALOGUE_SEQUENCE_FORMAT]


@pytest.mark.parametrize("digit", ["0", "4", "9"])
def test_class_digit_must_be_1_to_3(digit):
    assert catalogue_code_problems(digit + "070211/000033") == [
        Problem("catalogue_code", codes.CLASSIFICATION_CLASS_DIGIT, {"digit": digit})]


@pytest.mark.parametrize("resource_class, expected", [("base", "1"), ("theme", "2")])
def test_class_mismatch(resource_class, expected):
    assert catalogue_code_problems(CATALOGUE_CODE_EXAMPLE, resource_class) == [
        Problem("catalogue_code", codes.CLASSIFICATION_CLASS_MISMATCH,
                {"actual": "3", "expected": expected})]


@pytest.mark.parametrize("resource_class", [None, "", "business"])
def test_unknown_or_blank_resource_class_not_compared(resource_class):
    assert catalogue_code_problems("1070211/000033", resource_class) == []


def test_missing_catalogue_code():
    assert msgids(catalogue_code_problems("  ")) == [codes.CATALOGUE_CODE_MISSING]


def test_classification_code_alone():
    assert classification_code_problems("1") == []
    assert classification_code_problems("2010203", "theme") == []
    assert classification_code_problems("2010203", "base") == [
        Problem("classification_code", codes.CLASSIFICATION_CLASS_MISMATCH,
                {"actual": "2", "expected": "1"})]
    assert msgids(classification_code_problems("")) == [codes.CLASSIFICATION_MISSING]
    assert msgids(classification_code_problems("1.01")) == [codes.CLASSIFICATION_DIGITS]


def test_unicode_digits_other_than_ascii_rejected():
    # Arabic-Indic digits are str.isdigit() but not code digits (NFKC leaves them).
    assert msgids(classification_code_problems("١٢٣")) == [codes.CLASSIFICATION_DIGITS]


def test_classification_levels():
    assert classification_levels("3070211760000002004006") == ("3", "07", "021", "1760000002004006")
    assert classification_levels("1") == ("1", "", "", "")
    assert classification_levels("10102") == ("1", "01", "02", "")


def test_resource_class_digits():
    assert dict(codes.RESOURCE_CLASS_DIGITS) == {"base": "1", "theme": "2", "department": "3"}


# --- module hygiene and messages -------------------------------------------------------

def test_every_message_has_chinese_and_back():
    assert len(set(codes.MESSAGES)) == len(codes.MESSAGES)
    assert all(zh(msgid) != msgid for msgid in codes.MESSAGES)  # each one is in the Chinese catalog


@pytest.mark.parametrize("msgid", codes.MESSAGES)
def test_chinese_placeholders_match(msgid):
    assert placeholders(zh(msgid)) == placeholders(msgid)
    assert zh(msgid).strip()


def test_every_msgid_constant_is_in_messages():
    constants = {getattr(codes, name) for name in codes.__all__
                 if name.isupper() and isinstance(getattr(codes, name), str)
                 and name not in ("CREDIT_CODE_CHARS", "CATALOGUE_CODE_EXAMPLE")}
    assert constants == set(codes.MESSAGES)


def test_all_names_exist():
    for name in codes.__all__:
        assert hasattr(codes, name), name
