"""Validation schemas of the govopen actions."""
from __future__ import annotations

from typing import Any

import ckan.plugins.toolkit as tk

from ckanext.govopen import deadlines as dl
from ckanext.govopen.requests import rules as workflow

# Paging reaches SQL: bounded far past any real list and far below what PostgreSQL refuses.
MAX_OFFSET = 10_000_000
ID_LENGTH = 100
NOTE_LENGTH = 5000


def govopen_deadline() -> dict[str, Any]:
    not_empty = tk.get_validator("not_empty")
    ignore_missing = tk.get_validator("ignore_missing")
    one_of = tk.get_validator("one_of")
    iso_date = tk.get_validator("govopen_iso_date")
    known_policy = tk.get_validator("govopen_known_policy")
    short = _v("govopen_text")(ID_LENGTH)
    return {
        "kind": [not_empty, short, one_of(list(dl.KINDS))],
        "start": [not_empty, iso_date],
        "policy": [ignore_missing, short, known_policy],
        "variant": [ignore_missing, short],
    }


def govopen_category_change_list() -> dict[str, Any]:
    return {"id": [tk.get_validator("not_empty"), _v("govopen_text")(ID_LENGTH)]}


def _v(name: str):
    return tk.get_validator(name)


def _text(limit: int, required: bool = False) -> list:
    return [_v("not_empty" if required else "ignore_missing"), _v("govopen_text")(limit)]


def _flag() -> list:
    return [_v("ignore_missing"), _v("govopen_single_value"), _v("boolean_validator")]


def govopen_request_create() -> dict[str, Any]:
    # The form's limits (requests.rules.TEXT_LIMITS); the rules check them again with a clear message.
    applicant = {field: _text(limit * 2) for field, limit in workflow.TEXT_LIMITS.items()}
    return {
        **applicant,
        "dataset_id": _text(ID_LENGTH, required=True),
        "kind": [_v("not_empty"), _v("govopen_text")(ID_LENGTH), _v("one_of")(list(dl.KINDS))],
        "resource_ids": [_v("ignore_missing"), _v("govopen_string_list")],
        "requested_until": [_v("ignore_missing"), _v("govopen_text")(20)],
        "written_reply": _flag(),
        "public_interest_undertaking": _flag(),
    }


def govopen_request_id() -> dict[str, Any]:
    return {"id": _text(ID_LENGTH, required=True)}


def govopen_request_note() -> dict[str, Any]:
    return {**govopen_request_id(), "note": _text(NOTE_LENGTH)}


def govopen_request_note_required() -> dict[str, Any]:
    return {**govopen_request_id(), "note": _text(NOTE_LENGTH, required=True)}


def govopen_request_suspend() -> dict[str, Any]:
    return {**govopen_request_note(), "suspend": [_v("not_missing"), _v("govopen_single_value"), _v("boolean_validator")]}


def govopen_request_list() -> dict[str, Any]:
    text = _text(ID_LENGTH)
    return {
        "kind": text, "status": text, "dataset_id": text, "organization_id": text,
        "mine": _flag(), "to_departments": _flag(), "overdue": _flag(),
        "limit": [_v("default")(20), _v("govopen_bounded_int")(0, 1_000_000, "ckanext.govopen.requests.page_max")],
        "offset": [_v("default")(0), _v("govopen_bounded_int")(0, MAX_OFFSET)],
    }


def govopen_forward_list() -> dict[str, Any]:
    return {
        "all": _flag(),
        "limit": [_v("default")(20), _v("govopen_bounded_int")(1, 100)],
        "offset": [_v("default")(0), _v("govopen_bounded_int")(0, MAX_OFFSET)],
    }


def govopen_request_decide() -> dict[str, Any]:
    return {
        **govopen_request_id(),
        "decision": _text(ID_LENGTH, required=True),
        "reason": _text(NOTE_LENGTH), "legal_basis": _text(NOTE_LENGTH), "conditions": _text(NOTE_LENGTH),
        "expires": _text(20),
        "resource_ids": [_v("ignore_missing"), _v("govopen_string_list")],
    }


def govopen_grant_list() -> dict[str, Any]:
    return {"dataset_id": _text(ID_LENGTH), "organization_id": _text(ID_LENGTH), "include_inactive": _flag()}


def govopen_grant_revoke() -> dict[str, Any]:
    return {"id": _text(ID_LENGTH, required=True), "reason": _text(NOTE_LENGTH, required=True)}


def govopen_portal_figures() -> dict[str, Any]:
    # Years a portal can have requests of (the desk began long after 2000).
    return {"year": [_v("ignore_missing"), _v("govopen_bounded_int")(2000, 2100)]}


def govopen_catalogue_import() -> dict[str, Any]:
    return {"owner_org": _text(ID_LENGTH, required=True), "valid_rows_only": _flag(),
            "filename": _text(255)}


def govopen_catalogue_import_show() -> dict[str, Any]:
    return {"id": _text(ID_LENGTH, required=True)}


def editable_config(schema: dict[str, Any]) -> dict[str, Any]:
    """The options a sysadmin may change at /ckan-admin/config (besides CKAN's own)."""
    schema.update({"ckanext.govopen.portal.region": _text(100),
                   "ckanext.govopen.portal.colour": [_v("ignore_missing"), _v("govopen_colour")]})
    return schema
