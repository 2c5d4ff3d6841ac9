"""govopen_* template helpers."""
from __future__ import annotations

import ckan.plugins.toolkit as tk

from ckanext.govopen import catalogue
from ckanext.govopen.i18n_text import t

__all__ = ["govopen_t", "govopen_category_changes", "govopen_choice_label", "govopen_item_type_label"]


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
