"""Catalogue glue around CKAN's dataset life cycle: category-change history, indexing,
facet labels. Called from the plugin's hooks; pure rules live in `categories` and `codes`."""
from __future__ import annotations

import json
from typing import Any

import ckan.model as model
import ckan.plugins.toolkit as tk

from ckanext.govopen import translations
from ckanext.govopen.translations import _, current_lang
from ckanext.govopen.catalogue.categories import PENDING_CHANGES
from ckanext.govopen.model import CategoryChange

__all__ = ["record_category_changes", "index_multi_values", "facets", "label_facets",
           "choice_label", "label_text", "schema_field", "MULTI_VALUED"]

# Multi-select fields: indexed one Solr value per item (the catch-all field is multi-valued).
MULTI_VALUED = ("themes", "related_codes")
_LABELLED = ("open_category", "share_category", "themes", "resource_class", "update_frequency")


def record_category_changes(context: dict[str, Any], data: dict[str, Any]) -> None:
    """Write the changes the validator approved, in the dataset's own transaction."""
    pending = data.pop(PENDING_CHANGES, None)
    if not pending:
        return
    package_id, changes, reason = pending
    user = model.User.get(context.get("user")) if context.get("user") else None
    source = context.get("govopen_change_source", "portal")
    for change in changes:
        model.Session.add(CategoryChange(package_id=package_id, field=change.field,
                                         old_value=change.old, new_value=change.new,
                                         reason=reason, user_id=user.id if user else None,
                                         source=source))


def index_multi_values(pkg_dict: dict[str, Any]) -> dict[str, Any]:
    validated = json.loads(pkg_dict.get("validated_data_dict") or "{}")
    for field in MULTI_VALUED:
        value = validated.get(field)
        if isinstance(value, list):
            pkg_dict[field] = value
        elif field in pkg_dict and isinstance(pkg_dict[field], str) and pkg_dict[field].startswith("["):
            pkg_dict[field] = json.loads(pkg_dict[field])
    return pkg_dict


def facets(facets_dict: dict[str, Any]) -> dict[str, Any]:
    """The portal's facets, in the order a citizen looks for data."""
    ours = {
        "open_category": _('Open category'),
        "share_category": _('Share category'),
        "themes": _('Theme'),
        "organization": _('Publishing department'),
        "resource_class": _('Resource class'),
        "update_frequency": _('Update frequency'),
        "res_format": _('Format'),
    }
    facets_dict.clear()
    facets_dict.update(ours)
    return facets_dict


def schema_field(name: str) -> dict[str, Any] | None:
    schema = tk.h.scheming_get_dataset_schema("dataset") or {}
    return next((f for f in schema.get("dataset_fields", []) if f["field_name"] == name), None)


def choice_label(field_name: str, value: str) -> str:
    field = schema_field(field_name)
    for choice in (field or {}).get("choices", []):
        if choice["value"] == value:
            return label_text(choice["label"])
    return value


def label_text(label: Any) -> str:
    """A schema label in the reader's language, with or without a request: an English msgid
    through the catalogs (a {lang: text} mapping, as a portal's own schema may still have,
    by scheming's rules)."""
    if isinstance(label, str):
        return translations.text(label)
    return tk.h.scheming_language_text(label, current_lang())


def label_facets(search_results: dict[str, Any]) -> dict[str, Any]:
    for name in _LABELLED:
        facet = search_results.get("search_facets", {}).get(name)
        for item in (facet or {}).get("items", []):
            item["display_name"] = choice_label(name, item["name"])
    return search_results
