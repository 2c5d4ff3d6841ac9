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


def _v(name: str):
    return tk.get_validator(name)


def govopen_request_create() -> dict[str, Any]:
    text = [_v("ignore_missing"), _v("unicode_safe")]
    return {
        "dataset_id": [_v("not_empty"), _v("unicode_safe")],
        "kind": [_v("not_empty"), _v("unicode_safe"), _v("one_of")(list(dl.KINDS))],
        "resource_ids": [_v("ignore_missing"), _v("govopen_string_list")],
        "applicant_type": text, "applicant_name": text, "credit_code": text, "id_number": text,
        "purpose": text, "scenario": text, "usage_type": text, "security_measures": text,
        "requested_until": text, "written_reply": [_v("ignore_missing"), _v("boolean_validator")],
        "objection_type": text, "details": text, "applicant_org": text,
    }


def govopen_request_id() -> dict[str, Any]:
    return {"id": [_v("not_empty"), _v("unicode_safe")]}


def govopen_request_note() -> dict[str, Any]:
    return {**govopen_request_id(), "note": [_v("ignore_missing"), _v("unicode_safe")]}


def govopen_request_note_required() -> dict[str, Any]:
    return {**govopen_request_id(), "note": [_v("not_empty"), _v("unicode_safe")]}


def govopen_request_list() -> dict[str, Any]:
    text = [_v("ignore_missing"), _v("unicode_safe")]
    return {
        "kind": text, "status": text, "dataset_id": text, "organization_id": text,
        "mine": [_v("ignore_missing"), _v("boolean_validator")],
        "to_departments": [_v("ignore_missing"), _v("boolean_validator")],
        "overdue": [_v("ignore_missing"), _v("boolean_validator")],
        "limit": [_v("default")(20), _v("natural_number_validator"), _v("limit_to_configured_maximum")(
            "ckanext.govopen.requests.page_max", 100)],
        "offset": [_v("default")(0), _v("natural_number_validator")],
    }


def govopen_request_decide() -> dict[str, Any]:
    text = [_v("ignore_missing"), _v("unicode_safe")]
    return {
        **govopen_request_id(),
        "decision": [_v("not_empty"), _v("unicode_safe")],
        "reason": text, "legal_basis": text, "conditions": text, "expires": text,
        "resource_ids": [_v("ignore_missing"), _v("govopen_string_list")],
        "public_interest_research": [_v("ignore_missing"), _v("boolean_validator")],
    }


def govopen_grant_list() -> dict[str, Any]:
    return {"dataset_id": [_v("ignore_missing"), _v("unicode_safe")],
            "organization_id": [_v("ignore_missing"), _v("unicode_safe")],
            "include_inactive": [_v("ignore_missing"), _v("boolean_validator")]}


def govopen_grant_revoke() -> dict[str, Any]:
    return {"id": [_v("not_empty"), _v("unicode_safe")], "reason": [_v("not_empty"), _v("unicode_safe")]}
