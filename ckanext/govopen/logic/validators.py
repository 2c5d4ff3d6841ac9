"""govopen_* validators for action schemas and the scheming dataset and organization schemas."""
from __future__ import annotations

import datetime
from typing import Any

import ckan.plugins.toolkit as tk

from ckanext.govopen import sla
from ckanext.govopen.i18n_text import t

__all__ = ["govopen_iso_date", "govopen_known_policy"]


def govopen_iso_date(value: Any, context) -> datetime.date:
    if isinstance(value, datetime.date):
        return value
    try:
        return datetime.date.fromisoformat(str(value).strip())
    except ValueError:
        raise tk.Invalid(t("日期格式应为 YYYY-MM-DD", "Date must be YYYY-MM-DD"))


def govopen_known_policy(value: Any, context) -> str:
    names = sla.known_policy_names()
    if value not in names:
        raise tk.Invalid(t("未知的时限规则：{}，可选：{}", "Unknown deadline policy {}; known: {}")
                         .format(value, ", ".join(names)))
    return value
