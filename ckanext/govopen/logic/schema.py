"""Validation schemas of the govopen actions."""
from __future__ import annotations

from typing import Any

import ckan.plugins.toolkit as tk

from ckanext.govopen import deadlines as dl


def govopen_deadline() -> dict[str, Any]:
    not_empty = tk.get_validator("not_empty")
    ignore_missing = tk.get_validator("ignore_missing")
    one_of = tk.get_validator("one_of")
    unicode_safe = tk.get_validator("unicode_safe")
    iso_date = tk.get_validator("govopen_iso_date")
    known_policy = tk.get_validator("govopen_known_policy")
    return {
        "kind": [not_empty, unicode_safe, one_of(list(dl.KINDS))],
        "start": [not_empty, iso_date],
        "policy": [ignore_missing, unicode_safe, known_policy],
        "variant": [ignore_missing, unicode_safe],
    }


def govopen_category_change_list() -> dict[str, Any]:
    return {"id": [tk.get_validator("not_empty"), tk.get_validator("unicode_safe")]}
