"""Open and share category rules of a catalogue entry.

Pure Python (stdlib only, no CKAN imports). The rules come from the municipal regulations
the portal implements (article numbers refer to each city's text):

- Open categories 无条件开放 / 依申请开放 / 不予开放 and share categories 无条件共享 /
  有条件共享 / 不予共享 are required on every entry (Chaohu 8, Liaoyang 8).
- Restricted and refused categories must cite a legal basis (Nanjing 21, 24; Chaohu 11/14;
  Liaoyang 9; Fushun 22); on-application opening and conditional sharing must also state
  their conditions (national catalogue template: 共享条件, 开放条件).
- Data with personal information or trade secrets is open to all only once desensitised
  (Nanjing 23, 24).
- Classified (涉密) catalogues do not belong on this portal at all: they are kept on the
  classified network.

:func:`category_problems` returns :class:`~ckanext.govopen.codes.Problem` objects naming
the field each belongs to, so a form can show them next to that field.
"""
from __future__ import annotations

from ckanext.govopen.text import N_

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any, NamedTuple

from ckanext.govopen.catalogue.codes import Problem

__all__ = [
    "CATEGORY_FIELDS",
    "MESSAGES",
    "OPEN_CATEGORIES",
    "SHARE_CATEGORIES",
    "Change",
    "Problem",
    "as_bool",
    "category_change",
    "category_problems",
    # msgids
    "BOOLEAN_INVALID",
    "CHANGE_REASON_REQUIRED",
    "CLASSIFIED_REFUSED",
    "OPEN_BASIS_NOT_OPEN",
    "OPEN_BASIS_ON_APPLICATION",
    "OPEN_CATEGORY_INVALID",
    "OPEN_CATEGORY_REQUIRED",
    "OPEN_CONDITIONS_REQUIRED",
    "PERSONAL_INFO_AND_TRADE_SECRET_NOT_DESENSITIZED",
    "PERSONAL_INFO_NOT_DESENSITIZED",
    "SHARE_BASIS_CONDITIONAL",
    "SHARE_BASIS_NOT_SHARED",
    "SHARE_CATEGORY_INVALID",
    "SHARE_CATEGORY_REQUIRED",
    "SHARE_CONDITIONS_REQUIRED",
    "TRADE_SECRET_NOT_DESENSITIZED",
]

# The key under which a dataset's validated data carries the category changes its validator
# approved, to the after-update hook that records them (navl hands validators a copy of the
# context). Not in __all__, whose upper-case texts are all msgids.
PENDING_CHANGES = "govopen_category_changes"

# API values are fixed (the presets' labels may change, these may not).
OPEN_CATEGORIES: tuple[str, ...] = ("unconditional", "on_application", "not_open")
SHARE_CATEGORIES: tuple[str, ...] = ("unconditional", "conditional", "not_shared")
#: Fields whose changes are recorded with a reason (see :func:`category_change`).
CATEGORY_FIELDS: tuple[str, ...] = ("open_category", "share_category")

OPEN_CATEGORY_REQUIRED = N_("Choose an open category")
OPEN_CATEGORY_INVALID = N_("{value} is not an open category: use one of {choices}")
SHARE_CATEGORY_REQUIRED = N_("Choose a share category")
SHARE_CATEGORY_INVALID = N_("{value} is not a share category: use one of {choices}")
OPEN_CONDITIONS_REQUIRED = N_("State the conditions on which this data is opened on application")
OPEN_BASIS_ON_APPLICATION = N_("Give the legal basis for opening this data only on application")
OPEN_BASIS_NOT_OPEN = N_("Give the legal basis for not opening this data")
SHARE_CONDITIONS_REQUIRED = N_("State the conditions on which this data is shared")
SHARE_BASIS_CONDITIONAL = N_("Give the legal basis for sharing this data only on conditions")
SHARE_BASIS_NOT_SHARED = N_("Give the legal basis for not sharing this data")
PERSONAL_INFO_NOT_DESENSITIZED = N_("Data containing personal information can be open to all only "
                                    "after desensitisation")
TRADE_SECRET_NOT_DESENSITIZED = N_("Data containing trade secrets can be open to all only after desensitisation")
PERSONAL_INFO_AND_TRADE_SECRET_NOT_DESENSITIZED = N_("Data containing personal information and trade "
                                                     "secrets can be open to all only after desensitisation")
CLASSIFIED_REFUSED = N_("Classified data cannot be catalogued on this portal: classified catalogues are "
                        "kept on the classified network")
BOOLEAN_INVALID = N_("Answer yes or no, not {value}")
#: For the glue: a category change saved without a reason.
CHANGE_REASON_REQUIRED = N_("Give the reason for changing the open or share category: the change and "
                            "its reason are published")

_TRUE = frozenset({"true", "yes", "y", "on", "1", "是"})
# "" is false because an unticked HTML checkbox or an empty CSV cell means "no".
_FALSE = frozenset({"false", "no", "n", "off", "0", "否", ""})

# category -> (field, msgid) of the text fields that category requires.
_OPEN_REQUIRES: Mapping[str, tuple[tuple[str, str], ...]] = MappingProxyType({
    "on_application": (("open_conditions", OPEN_CONDITIONS_REQUIRED),
                       ("open_legal_basis", OPEN_BASIS_ON_APPLICATION)),
    "not_open": (("open_legal_basis", OPEN_BASIS_NOT_OPEN),),
})
_SHARE_REQUIRES: Mapping[str, tuple[tuple[str, str], ...]] = MappingProxyType({
    "conditional": (("share_conditions", SHARE_CONDITIONS_REQUIRED),
                    ("share_legal_basis", SHARE_BASIS_CONDITIONAL)),
    "not_shared": (("share_legal_basis", SHARE_BASIS_NOT_SHARED),),
})


def as_bool(value: object) -> bool:
    """A form, API or spreadsheet flag as a bool.

    Accepts bools, ``None`` (false), the integers 0 and 1, and the strings true/false,
    yes/no, y/n, on/off, 1/0 and 是/否 in any case with surrounding blanks; an empty string
    is false. Raises ValueError for anything else, so a typo is reported rather than
    silently read as "no".
    """
    if isinstance(value, bool):
        return value
    if value is None:
        return False
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    if isinstance(value, str):
        text = value.strip().lower()
        if text in _TRUE:
            return True
        if text in _FALSE:
            return False
    raise ValueError(f"not a yes/no value: {value!r}")


class Change(NamedTuple):
    """One category change: ``(field, old, new)``; ``old`` is None if it was unset."""

    field: str
    old: str | None
    new: str


def category_problems(data: Mapping[str, Any]) -> list[Problem]:
    """What is wrong with the open/share categories of a dataset dict; empty when valid.

    Reads open_category, open_conditions, open_legal_basis, share_category,
    share_conditions, share_legal_basis, classified, contains_personal_info,
    contains_trade_secret and desensitized; missing keys count as blank or false.
    """
    flags, problems = _flags(data)
    if flags.get("classified"):
        # A classified entry must not be here at all; asking for its legal basis or
        # conditions would suggest it could be fixed and kept.
        return [Problem("classified", CLASSIFIED_REFUSED)]

    open_category = _text(data.get("open_category"))
    share_category = _text(data.get("share_category"))
    problems += _choice_problems("open_category", open_category, OPEN_CATEGORIES,
                                 OPEN_CATEGORY_REQUIRED, OPEN_CATEGORY_INVALID)
    problems += _choice_problems("share_category", share_category, SHARE_CATEGORIES,
                                 SHARE_CATEGORY_REQUIRED, SHARE_CATEGORY_INVALID)
    problems += _required_text(data, _OPEN_REQUIRES.get(open_category, ()))
    problems += _required_text(data, _SHARE_REQUIRES.get(share_category, ()))

    if open_category == "unconditional" and not flags.get("desensitized"):
        personal = flags.get("contains_personal_info")
        secret = flags.get("contains_trade_secret")
        if personal and secret:
            problems.append(Problem("open_category", PERSONAL_INFO_AND_TRADE_SECRET_NOT_DESENSITIZED))
        elif personal:
            problems.append(Problem("open_category", PERSONAL_INFO_NOT_DESENSITIZED))
        elif secret:
            problems.append(Problem("open_category", TRADE_SECRET_NOT_DESENSITIZED))
    return problems


def category_change(old: Mapping[str, Any] | None, new: Mapping[str, Any]) -> list[Change]:
    """The open/share category changes from ``old`` to ``new``, in :data:`CATEGORY_FIELDS` order.

    ``old`` None means the dataset is being created: setting the first categories is not a
    change and needs no reason. An existing dataset without a category (e.g. harvested)
    that gets one is a change from None, because the history is public and the first
    classification of existing data is exactly what it should show. A blank new value is
    not reported: the dataset cannot be saved that way (:func:`category_problems`).
    """
    if old is None:
        return []
    changes = []
    for field in CATEGORY_FIELDS:
        before = _text(old.get(field)) or None
        after = _text(new.get(field))
        if after and after != before:
            changes.append(Change(field, before, after))
    return changes


def _text(value: object) -> str:
    return "" if value is None else str(value).strip()


def _flags(data: Mapping[str, Any]) -> tuple[dict[str, bool], list[Problem]]:
    flags: dict[str, bool] = {}
    problems = []
    for field in ("classified", "contains_personal_info", "contains_trade_secret", "desensitized"):
        value = data.get(field)
        try:
            flags[field] = as_bool(value)
        except ValueError:
            problems.append(Problem(field, BOOLEAN_INVALID, {"value": str(value)}))
    return flags, problems


def _choice_problems(field: str, value: str, choices: tuple[str, ...],
                     required_msgid: str, invalid_msgid: str) -> list[Problem]:
    if not value:
        return [Problem(field, required_msgid)]
    if value not in choices:
        return [Problem(field, invalid_msgid, {"value": value, "choices": ", ".join(choices)})]
    return []


def _required_text(data: Mapping[str, Any], required: tuple[tuple[str, str], ...]) -> list[Problem]:
    return [Problem(field, msgid) for field, msgid in required if not _text(data.get(field))]



MESSAGES: tuple[str, ...] = (
    OPEN_CATEGORY_REQUIRED,
    OPEN_CATEGORY_INVALID,
    SHARE_CATEGORY_REQUIRED,
    SHARE_CATEGORY_INVALID,
    OPEN_CONDITIONS_REQUIRED,
    OPEN_BASIS_ON_APPLICATION,
    OPEN_BASIS_NOT_OPEN,
    SHARE_CONDITIONS_REQUIRED,
    SHARE_BASIS_CONDITIONAL,
    SHARE_BASIS_NOT_SHARED,
    PERSONAL_INFO_NOT_DESENSITIZED,
    TRADE_SECRET_NOT_DESENSITIZED,
    PERSONAL_INFO_AND_TRADE_SECRET_NOT_DESENSITIZED,
    CLASSIFIED_REFUSED,
    BOOLEAN_INVALID,
    CHANGE_REASON_REQUIRED,
)
