"""govopen_* template helpers."""
from __future__ import annotations

import ckan.plugins.toolkit as tk

from ckanext.govopen import catalogue
from ckanext.govopen.i18n_text import t

__all__ = ["govopen_t", "govopen_category_changes", "govopen_choice_label", "govopen_item_type_label",
           "govopen_open_objections", "govopen_privacy_hides_resources"]


def govopen_t(zh: str, en: str) -> str:
    """Chinese or English text by the page's language."""
    return t(zh, en)


def govopen_category_changes(package_id: str) -> list[dict]:
    try:
        return tk.get_action("govopen_category_change_list")({}, {"id": package_id})
    except (tk.NotAuthorized, tk.ObjectNotFound):
        return []


def govopen_choice_label(field_name: str, value: str) -> str:
    """The label of a select value of the dataset schema in the page's language."""
    return catalogue.choice_label(field_name, value) if value else ""


def govopen_item_type_label(code: str) -> str:
    """A data item's type code (C, N, …) with its name, from the schema's value list."""
    field = catalogue.schema_field("data_items") or {}
    for sub in field.get("repeating_subfields", []):
        if sub["field_name"] == "type":
            for choice in sub.get("choices", []):
                if choice["value"] == code:
                    return catalogue.label_text(choice["label"])
    return code or ""


def govopen_open_objections(package_id: str) -> dict[str, int]:
    """Open objections to a dataset by type: the page marks it disputed at once (Nanjing 35).
    Counts only, nothing about who objected."""
    import sqlalchemy as sa

    import ckan.model as model

    from ckanext.govopen.model import Request
    from ckanext.govopen.request_rules import OPEN_STATUSES

    kind = Request.applicant["objection_type"].astext
    rows = (model.Session.query(kind, sa.func.count())
            .filter(Request.package_id == package_id, Request.kind == "objection",
                    Request.status.in_(OPEN_STATUSES)).group_by(kind))
    return {k or "error": n for k, n in rows}


def govopen_privacy_hides_resources() -> bool:
    return bool(tk.config["ckanext.govopen.objections.privacy_hides_resources"])
