"""Identifier checks: credit codes, citizen ID numbers, division codes, catalogue codes.

Pure Python (stdlib only, no CKAN imports) so validators, harvesters and command-line tools
can share one set of rules. Every check returns a list of :class:`Problem` (empty when the
value is valid) rather than raising, so a form can show all problems next to the field at
once. Messages are English msgids, marked with ``N_`` for the gettext catalog (the
translations live in ``i18n/``); :data:`MESSAGES` lists them all.

Input is normalised before checking (:func:`normalise_code`): Unicode NFKC, which turns
full-width digits, letters and the full-width slash typed with a Chinese input method into
ASCII, then all whitespace removed. Credit codes and ID numbers are also upper-cased.
"""
from __future__ import annotations

from ckanext.govopen.text import N_

import dataclasses
import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping
from datetime import date, datetime, timedelta, timezone
from types import MappingProxyType
from typing import Any

__all__ = [
    "CATALOGUE_CODE_EXAMPLE",
    "CREDIT_CODE_CHARS",
    "CREDIT_CODE_WEIGHTS",
    "CITIZEN_ID_WEIGHTS",
    "MESSAGES",
    "PROVINCES",
    "PROVINCE_CODES",
    "RESOURCE_CLASS_DIGITS",
    "Problem",
    "catalogue_code_problems",
    "citizen_id_check_char",
    "citizen_id_problems",
    "classification_code_problems",
    "classification_levels",
    "credit_code_check_char",
    "credit_code_problems",
    "errors_by_field",
    "is_catalogue_code",
    "is_citizen_id",
    "is_credit_code",
    "is_region_code",
    "mask_identifier",
    "normalise_code",
    "parse_catalogue_code",
    "region_code_problems",
    # msgids
    "CATALOGUE_CODE_FORMAT",
    "CATALOGUE_CODE_MISSING",
    "CATALOGUE_SEQUENCE_FORMAT",
    "CITIZEN_ID_BIRTH_DATE",
    "CITIZEN_ID_BIRTH_FUTURE",
    "CITIZEN_ID_CHARS",
    "CITIZEN_ID_CHECK",
    "CITIZEN_ID_LENGTH",
    "CITIZEN_ID_MISSING",
    "CITIZEN_ID_OLD_FORMAT",
    "CLASSIFICATION_CLASS_DIGIT",
    "CLASSIFICATION_CLASS_MISMATCH",
    "CLASSIFICATION_DIGITS",
    "CLASSIFICATION_MISSING",
    "CREDIT_CODE_BAD_CHARS",
    "CREDIT_CODE_CHECK",
    "CREDIT_CODE_DIVISION",
    "CREDIT_CODE_LENGTH",
    "CREDIT_CODE_MISSING",
    "REGION_CODE_FORMAT",
    "REGION_CODE_MISSING",
    "REGION_CODE_PROVINCE",
]


def _identity(text: str) -> str:
    return text


@dataclasses.dataclass(frozen=True)
class Problem:
    """One thing wrong with one field.

    ``msgid`` is the untranslated English message; ``params`` fill its ``str.format``
    placeholders. They are kept apart so the glue can translate the msgid first and only
    then format, which is what a gettext catalogue needs.
    """

    field: str
    msgid: str
    params: Mapping[str, Any] = dataclasses.field(default_factory=dict)

    def text(self, gettext: Callable[[str], str] = _identity) -> str:
        """The message, translated by ``gettext`` (e.g. CKAN's ``_``) and formatted."""
        return gettext(self.msgid).format(**self.params)


def errors_by_field(problems: Iterable[Problem],
                    gettext: Callable[[str], str] = _identity) -> dict[str, list[str]]:
    """Problems as CKAN's ``{field: [message, ...]}`` error dict, in the order given."""
    errors: dict[str, list[str]] = {}
    for problem in problems:
        errors.setdefault(problem.field, []).append(problem.text(gettext))
    return errors


def normalise_code(value: object, *, upper: bool = False) -> str:
    """The value as a compact code: NFKC, no whitespace anywhere, optionally upper-case.

    Whitespace is removed inside too because codes are often copied from documents that
    group them ("9144 0300 ..."); NFKC maps the ideographic space to a plain one first.
    """
    if value is None:
        return ""
    text = "".join(unicodedata.normalize("NFKC", str(value)).split())
    return text.upper() if upper else text


# ASCII only: str.isdigit() would also accept superscripts and other scripts' digits.
_DIGITS = re.compile(r"[0-9]+")


def _all_digits(text: str) -> bool:
    return _DIGITS.fullmatch(text) is not None


# --------------------------------------------------------------------------------------
# Unified social credit code, GB 32100-2015

#: The 31 code characters in value order: digits, then capital letters without I, O, S, V
#: and Z (too easily confused with 1, 0, 5, U and 2). A character's value is its index.
CREDIT_CODE_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
#: Weight of positions 1-17: 3 ** (i - 1) mod 31.
CREDIT_CODE_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_CREDIT_VALUES = {char: value for value, char in enumerate(CREDIT_CODE_CHARS)}

CREDIT_CODE_MISSING = N_("Enter the unified social credit code")
CREDIT_CODE_LENGTH = N_("The unified social credit code must have 18 characters, not {length}")
CREDIT_CODE_BAD_CHARS = N_("The unified social credit code contains characters that are not allowed: "
                           "{chars}. Use digits and capital letters other than I, O, S, V and Z")
CREDIT_CODE_DIVISION = N_("Characters 3 to 8 of the unified social credit code are an administrative "
                          "division code and must be digits")
CREDIT_CODE_CHECK = N_("The check character (the last one) is wrong: expected {expected}")
def credit_code_check_char(first17: str) -> str:
    """The check character (position 18) of a unified social credit code, GB 32100-2015.

    Each of the first 17 characters has the value of its index in
    :data:`CREDIT_CODE_CHARS` (0-9 are 0-9, A=10 ... H=17, J=18 ... N=22, P=23, Q=24,
    R=25, T=26, U=27, W=28, X=29, Y=30). With weights W_i = 3**(i-1) mod 31
    (:data:`CREDIT_CODE_WEIGHTS`) the check value is ``C18 = 31 - (sum(C_i * W_i) mod 31)``,
    and 31 becomes 0; the check character is the character with that value.

    Raises ValueError unless ``first17`` is 17 code characters (after normalisation).
    """
    body = normalise_code(first17, upper=True)
    if len(body) != 17 or any(char not in _CREDIT_VALUES for char in body):
        raise ValueError(f"not 17 credit code characters: {first17!r}")
    total = sum(_CREDIT_VALUES[char] * weight for char, weight in zip(body, CREDIT_CODE_WEIGHTS, strict=True))
    return CREDIT_CODE_CHARS[(31 - total % 31) % 31]


def credit_code_problems(code: object, *, field: str = "credit_code") -> list[Problem]:
    """What is wrong with a unified social credit code; empty when it is valid.

    Layout: 1 registration authority, 2 organisation type, 3-8 administrative division
    code of the registering authority, 9-17 organisation code, 18 check character.
    Positions 1, 2 and 9-17 are only checked against the character set: their value lists
    have grown since 2015 (e.g. authority "A", "N") and a stale list would reject real
    codes, while the check character already catches typos.
    """
    value = normalise_code(code, upper=True)
    if not value:
        return [Problem(field, CREDIT_CODE_MISSING)]
    problems = []
    if len(value) != 18:
        problems.append(Problem(field, CREDIT_CODE_LENGTH, {"length": len(value)}))
    bad = _distinct(char for char in value if char not in _CREDIT_VALUES)
    if bad:
        problems.append(Problem(field, CREDIT_CODE_BAD_CHARS, {"chars": " ".join(bad)}))
    if problems:
        # Position-based checks are meaningless once characters are missing or foreign.
        return problems
    if not _all_digits(value[2:8]):
        return [Problem(field, CREDIT_CODE_DIVISION)]
    expected = credit_code_check_char(value[:17])
    if value[17] != expected:
        return [Problem(field, CREDIT_CODE_CHECK, {"expected": expected})]
    return []


def is_credit_code(code: object) -> bool:
    """Whether ``code`` is a valid unified social credit code (after normalisation)."""
    return not credit_code_problems(code)


def _distinct(chars: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(chars))


# --------------------------------------------------------------------------------------
# Citizen ID number, GB 11643-1999

#: Weight of positions 1-17: 2 ** (18 - i) mod 11 (ISO 7064 MOD 11-2).
CITIZEN_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
# Check character indexed by (weighted sum mod 11): the value making the total 1 mod 11,
# with 10 written as X.
_CITIZEN_ID_CHECK = "10X98765432"
# Earliest plausible birth year; rejects typos such as 0949 while keeping the standard's
# own example 440524188001010014 (born 1880).
_EARLIEST_BIRTH_YEAR = 1800
# China has kept UTC+8 without daylight saving since 1991, so a fixed offset is exact and
# needs no tz database.
_CHINA_TZ = timezone(timedelta(hours=8), "Asia/Shanghai")
_CITIZEN_ID_SHAPE = re.compile(r"[0-9]{17}[0-9X]")

CITIZEN_ID_MISSING = N_("Enter the citizen ID number")
CITIZEN_ID_OLD_FORMAT = N_("15-digit ID numbers are no longer used: enter the 18-character citizen ID number")
CITIZEN_ID_LENGTH = N_("The citizen ID number must have 18 characters, not {length}")
CITIZEN_ID_CHARS = N_("The citizen ID number must be 17 digits followed by a digit or X")
CITIZEN_ID_BIRTH_DATE = N_("Characters 7 to 14 of the citizen ID number must be a date of birth (YYYYMMDD), not {value}")
CITIZEN_ID_BIRTH_FUTURE = N_("The date of birth in the citizen ID number ({date}) is in the future")
CITIZEN_ID_CHECK = N_("The check digit (the last character) is wrong: expected {expected}")
def citizen_id_check_char(first17: str) -> str:
    """The check character of a citizen ID number, GB 11643-1999 (ISO 7064 MOD 11-2).

    ``S = sum(a_i * W_i)`` over the 17 digits with ``W_i = 2**(18-i) mod 11``
    (:data:`CITIZEN_ID_WEIGHTS`); the check value is ``(12 - S mod 11) mod 11``, with 10
    written as ``X``. Raises ValueError unless ``first17`` is 17 digits.
    """
    body = normalise_code(first17)
    if len(body) != 17 or not _all_digits(body):
        raise ValueError(f"not 17 digits: {first17!r}")
    total = sum(int(digit) * weight for digit, weight in zip(body, CITIZEN_ID_WEIGHTS, strict=True))
    return _CITIZEN_ID_CHECK[total % 11]


def citizen_id_problems(number: object, today: date | None = None, *,
                        field: str = "citizen_id") -> list[Problem]:
    """What is wrong with an 18-character citizen ID number; empty when it is valid.

    Checks the shape (17 digits and a digit or X), the date of birth at positions 7-14
    (a real date, not after ``today``, which defaults to today in China) and the check
    character. The address code (positions 1-6) is not checked: it is the division code at
    the time of first registration, and abolished divisions stay valid for life.
    """
    value = normalise_code(number, upper=True)
    if not value:
        return [Problem(field, CITIZEN_ID_MISSING)]
    if len(value) == 15 and _all_digits(value):
        return [Problem(field, CITIZEN_ID_OLD_FORMAT)]
    if len(value) != 18:
        return [Problem(field, CITIZEN_ID_LENGTH, {"length": len(value)})]
    if not _CITIZEN_ID_SHAPE.fullmatch(value):
        return [Problem(field, CITIZEN_ID_CHARS)]
    problems = []
    birth = _birth_date(value[6:14])
    if birth is None:
        problems.append(Problem(field, CITIZEN_ID_BIRTH_DATE, {"value": value[6:14]}))
    elif birth > _today(today):
        problems.append(Problem(field, CITIZEN_ID_BIRTH_FUTURE, {"date": birth.isoformat()}))
    # The check is independent of the date, so both are reported: a mistyped date digit
    # usually breaks the check character too, and the pair tells the user where to look.
    expected = citizen_id_check_char(value[:17])
    if value[17] != expected:
        problems.append(Problem(field, CITIZEN_ID_CHECK, {"expected": expected}))
    return problems


def is_citizen_id(number: object, today: date | None = None) -> bool:
    """Whether ``number`` is a valid 18-character citizen ID number."""
    return not citizen_id_problems(number, today)


def _birth_date(yyyymmdd: str) -> date | None:
    try:
        birth = date(int(yyyymmdd[:4]), int(yyyymmdd[4:6]), int(yyyymmdd[6:8]))
    except ValueError:
        return None
    return birth if birth.year >= _EARLIEST_BIRTH_YEAR else None


def _today(today: date | None) -> date:
    if today is None:
        return datetime.now(_CHINA_TZ).date()
    # A datetime is a date subclass but does not compare with a date.
    return today.date() if isinstance(today, datetime) else today


def mask_identifier(value: object) -> str:
    """The identifier with its middle replaced by ``*``, for display to other people.

    Keeps the first 4 and last 4 characters (``3401**********1234``) when at least 4
    characters remain hidden, i.e. from 12 characters on; shorter values keep only the
    last 2, and values of 2 characters or fewer are hidden entirely, so masking never
    shows a whole identifier.
    """
    text = normalise_code(value)
    if len(text) >= 12:
        return text[:4] + "*" * (len(text) - 8) + text[-4:]
    if len(text) > 2:
        return "*" * (len(text) - 2) + text[-2:]
    return "*" * len(text)


# --------------------------------------------------------------------------------------
# Administrative division code, GB/T 2260

#: Province-level divisions by the first two digits of their code.
PROVINCES: Mapping[str, str] = MappingProxyType({
    "11": "北京市", "12": "天津市", "13": "河北省", "14": "山西省", "15": "内蒙古自治区",
    "21": "辽宁省", "22": "吉林省", "23": "黑龙江省",
    "31": "上海市", "32": "江苏省", "33": "浙江省", "34": "安徽省", "35": "福建省",
    "36": "江西省", "37": "山东省",
    "41": "河南省", "42": "湖北省", "43": "湖南省", "44": "广东省", "45": "广西壮族自治区",
    "46": "海南省",
    "50": "重庆市", "51": "四川省", "52": "贵州省", "53": "云南省", "54": "西藏自治区",
    "61": "陕西省", "62": "甘肃省", "63": "青海省", "64": "宁夏回族自治区", "65": "新疆维吾尔自治区",
    "71": "台湾省", "81": "香港特别行政区", "82": "澳门特别行政区",
})
PROVINCE_CODES: frozenset[str] = frozenset(PROVINCES)

REGION_CODE_MISSING = N_("Enter the administrative division code")
REGION_CODE_FORMAT = N_("The administrative division code must be 6 digits")
REGION_CODE_PROVINCE = N_("The first two digits of the administrative division code ({province}) are not a province code")
def region_code_problems(code: object, *, field: str = "region_code") -> list[Problem]:
    """What is wrong with a 6-digit administrative division code; empty when it is valid.

    Only the province part is checked against a list: prefecture and county codes change
    every year, and the portal has no authoritative copy of the current table.
    """
    value = normalise_code(code)
    if not value:
        return [Problem(field, REGION_CODE_MISSING)]
    if len(value) != 6 or not _all_digits(value):
        return [Problem(field, REGION_CODE_FORMAT)]
    if value[:2] not in PROVINCE_CODES:
        return [Problem(field, REGION_CODE_PROVINCE, {"province": value[:2]})]
    return []


def is_region_code(code: object) -> bool:
    """Whether ``code`` is a 6-digit division code in a real province."""
    return not region_code_problems(code)


# --------------------------------------------------------------------------------------
# Catalogue code (信息资源代码) and classification code (信息资源分类)

#: First digit of the classification code for each resource class (API values).
RESOURCE_CLASS_DIGITS: Mapping[str, str] = MappingProxyType(
    {"base": "1", "theme": "2", "department": "3"})
#: The example of the national template, shown in format messages.
CATALOGUE_CODE_EXAMPLE = "3070211760000002004006/000033"
_SEQUENCE_EXAMPLE = CATALOGUE_CODE_EXAMPLE.split("/")[1]
# 类 / 项 / 目 widths; everything after them is 细目.
_LEVEL_WIDTHS = (1, 2, 3)

CLASSIFICATION_MISSING = N_("Enter the classification code")
CLASSIFICATION_DIGITS = N_("The classification code may contain digits only")
CLASSIFICATION_CLASS_DIGIT = N_("The classification code must start with 1 (base), 2 (theme) or "
                                "3 (department), not {digit}")
CLASSIFICATION_CLASS_MISMATCH = N_("The classification code starts with {actual}, but the chosen "
                                   "resource class needs {expected}")
CATALOGUE_CODE_MISSING = N_("Enter the catalogue code")
CATALOGUE_CODE_FORMAT = N_("Write the catalogue code as the classification code, a slash and a 6-digit "
                           "sequence number, e.g. {example}")
CATALOGUE_SEQUENCE_FORMAT = N_("The sequence number after the slash must be 6 digits, e.g. {example}")
def classification_code_problems(code: object, resource_class: str | None = None, *,
                                 field: str = "classification_code") -> list[Problem]:
    """What is wrong with a classification code (class path 类/项/目/细目 as one digit string).

    ``resource_class`` (``base``, ``theme`` or ``department``) must match the first digit.
    A blank or unknown ``resource_class`` skips that comparison: the resource class field
    has its own choices validator, and a second error here would only repeat it.
    """
    value = normalise_code(code)
    if not value:
        return [Problem(field, CLASSIFICATION_MISSING)]
    if not _all_digits(value):
        return [Problem(field, CLASSIFICATION_DIGITS)]
    digit = value[0]
    if digit not in RESOURCE_CLASS_DIGITS.values():
        return [Problem(field, CLASSIFICATION_CLASS_DIGIT, {"digit": digit})]
    expected = RESOURCE_CLASS_DIGITS.get(resource_class or "")
    if expected is not None and digit != expected:
        return [Problem(field, CLASSIFICATION_CLASS_MISMATCH, {"actual": digit, "expected": expected})]
    return []


def classification_levels(code: object) -> tuple[str, str, str, str]:
    """A classification code split into 类, 项, 目 and 细目; absent levels are ``""``.

    ``"3070211760000002004006"`` gives ``("3", "07", "021", "1760000002004006")``.
    Does not validate: call :func:`classification_code_problems` first.
    """
    value = normalise_code(code)
    levels = []
    start = 0
    for width in _LEVEL_WIDTHS:
        levels.append(value[start:start + width])
        start += width
    levels.append(value[start:])
    return levels[0], levels[1], levels[2], levels[3]


def catalogue_code_problems(code: object, resource_class: str | None = None, *,
                            field: str = "catalogue_code") -> list[Problem]:
    """What is wrong with a catalogue code ``分类码/顺序码``; empty when it is valid.

    The classification part follows :func:`classification_code_problems` (including the
    comparison with ``resource_class``); the sequence part is 6 digits, zero-padded.
    """
    value = normalise_code(code)
    if not value:
        return [Problem(field, CATALOGUE_CODE_MISSING)]
    parts = value.split("/")
    if len(parts) != 2 or not parts[0] or not parts[1]:
        return [Problem(field, CATALOGUE_CODE_FORMAT, {"example": CATALOGUE_CODE_EXAMPLE})]
    classification, sequence = parts
    problems = classification_code_problems(classification, resource_class, field=field)
    if len(sequence) != 6 or not _all_digits(sequence):
        problems.append(Problem(field, CATALOGUE_SEQUENCE_FORMAT, {"example": _SEQUENCE_EXAMPLE}))
    return problems


def is_catalogue_code(code: object, resource_class: str | None = None) -> bool:
    """Whether ``code`` is a well-formed catalogue code (of ``resource_class`` if given)."""
    return not catalogue_code_problems(code, resource_class)


def parse_catalogue_code(code: object) -> tuple[str, str]:
    """``(classification, sequence)`` of a catalogue code, normalised.

    Raises ValueError, with the first problem's English text, if the code is malformed.
    """
    problems = catalogue_code_problems(code)
    if problems:
        raise ValueError(problems[0].text())
    classification, sequence = normalise_code(code).split("/")
    return classification, sequence


# --------------------------------------------------------------------------------------
# Messages


MESSAGES: tuple[str, ...] = (
    CREDIT_CODE_MISSING,
    CREDIT_CODE_LENGTH,
    CREDIT_CODE_BAD_CHARS,
    CREDIT_CODE_DIVISION,
    CREDIT_CODE_CHECK,
    CITIZEN_ID_MISSING,
    CITIZEN_ID_OLD_FORMAT,
    CITIZEN_ID_LENGTH,
    CITIZEN_ID_CHARS,
    CITIZEN_ID_BIRTH_DATE,
    CITIZEN_ID_BIRTH_FUTURE,
    CITIZEN_ID_CHECK,
    REGION_CODE_MISSING,
    REGION_CODE_FORMAT,
    REGION_CODE_PROVINCE,
    CLASSIFICATION_MISSING,
    CLASSIFICATION_DIGITS,
    CLASSIFICATION_CLASS_DIGIT,
    CLASSIFICATION_CLASS_MISMATCH,
    CATALOGUE_CODE_MISSING,
    CATALOGUE_CODE_FORMAT,
    CATALOGUE_SEQUENCE_FORMAT,
)
