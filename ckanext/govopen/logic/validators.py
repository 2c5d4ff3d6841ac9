"""govopen_* validators for action schemas and the scheming dataset and organization schemas.

The rules themselves are pure (`codes`, `categories`); these wrap them for CKAN's
navl validation and translate their messages for the reader.
"""
from __future__ import annotations

import datetime
import json
from typing import Any, Iterable

import sqlalchemy as sa

import ckan.model as model
import ckan.plugins.toolkit as tk

from ckanext.govopen import categories, codes, request_rules, sla
from ckanext.govopen.i18n_text import current_lang, t

__all__ = [
    "govopen_iso_date", "govopen_known_policy", "govopen_credit_code", "govopen_region_code",
    "govopen_catalogue_code", "govopen_classification_code", "govopen_related_codes",
    "govopen_default_origin", "govopen_change_reason", "govopen_dataset_rules", "govopen_string_list",
]

_ZH = {**codes.ZH, **categories.ZH, **request_rules.ZH}


def problem_text(problem: codes.Problem) -> str:
    """A rule's message in the reader's language (Chinese by default)."""
    if current_lang().lower().startswith("zh"):
        return problem.text(lambda msgid: _ZH.get(msgid, msgid))
    return problem.text()


def _raise_problems(problems: Iterable[codes.Problem]) -> None:
    problems = list(problems)
    if problems:
        raise tk.Invalid("; ".join(problem_text(p) for p in problems))


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


def govopen_string_list(value: Any, context) -> list[str]:
    """A list of ids, given as a list or a comma-separated string."""
    if isinstance(value, str):
        value = [v for v in (part.strip() for part in value.split(",")) if v]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise tk.Invalid(t("应为标识列表", "Expected a list of ids"))
    return value


def govopen_credit_code(value: Any, context) -> str:
    _raise_problems(codes.credit_code_problems(value))
    return codes.normalise_code(value, upper=True)


def govopen_region_code(value: Any, context) -> str:
    _raise_problems(codes.region_code_problems(value))
    return codes.normalise_code(value)


def govopen_catalogue_code(value: Any, context) -> str:
    # Format only; the class digit against resource_class and uniqueness are cross-field
    # rules in govopen_dataset_rules.
    _raise_problems(codes.catalogue_code_problems(value))
    return codes.normalise_code(value)


def govopen_classification_code(value: Any, context) -> str:
    if value in (None, ""):
        return value
    _raise_problems(codes.classification_code_problems(value))
    return codes.normalise_code(value)


def govopen_related_codes(value: Any, context) -> Any:
    items = json.loads(value) if isinstance(value, str) and value.startswith("[") else value
    if isinstance(items, str):
        items = [items]
    for item in items or []:
        _raise_problems(codes.catalogue_code_problems(item, field="related_codes"))
    return value


def govopen_default_origin(key, data, errors, context) -> None:
    """Entries made here come from this portal; harvested ones keep their origin."""
    if not data.get(key):
        data[key] = tk.config["ckan.site_id"]


PENDING_CHANGES = "govopen_category_changes"
_REASON = "govopen_change_reason"


def govopen_change_reason(key, data, errors, context) -> None:
    """Hand the reason for a category change to govopen_dataset_rules; never store it on the
    dataset (it lives in the change history). Stopping here keeps scheming's extras
    conversion from running for this field."""
    value = data.pop(key, None)
    data[(_REASON,)] = value.strip() if isinstance(value, str) else ""
    raise tk.StopOnError


def _add(errors: dict, field: str, message: str) -> None:
    errors.setdefault((field,), []).append(message)


def _choice_attr(schema: dict, field_name: str, value: str, attr: str) -> Any:
    for field in schema.get("dataset_fields", []):
        if field["field_name"] == field_name:
            for choice in field.get("choices", []):
                if choice["value"] == value:
                    return choice.get(attr)
    return None


def _duplicate_code(code: str, origin: str, package_id: str | None) -> bool:
    """Is CODE already used by another live entry from the same origin portal?"""
    extras = model.Package.extras
    q = (model.Session.query(model.Package.id)
         .filter(extras["catalogue_code"].astext == code)
         .filter(sa.func.coalesce(extras["origin_portal"].astext, tk.config["ckan.site_id"]) == origin)
         .filter(model.Package.state != "deleted"))
    if package_id:
        q = q.filter(model.Package.id != package_id)
    return model.Session.query(q.exists()).scalar()


def govopen_dataset_rules(field, schema):
    """Cross-field rules of a catalogue entry, run after every field (scheming after_validators)."""

    def validator(key, data, errors, context):
        flat = {k[0]: v for k, v in data.items() if len(k) == 1}
        if any(errors.get((f,)) for f in ("open_category", "share_category")):
            return  # already told: a missing or unknown category
        for problem in categories.category_problems(flat):
            _add(errors, problem.field, problem_text(problem))

        rclass = flat.get("resource_class") or None
        for name, check in (("catalogue_code", codes.catalogue_code_problems),
                            ("classification_code", codes.classification_code_problems)):
            if flat.get(name) and not errors.get((name,)):
                for problem in check(flat[name], rclass, field=name):
                    _add(errors, name, problem_text(problem))

        ftype, fclass = flat.get("format_type"), flat.get("format_class")
        if ftype and fclass and not errors.get(("format_type",)):
            expected = _choice_attr(schema, "format_type", ftype, "format_class")
            if expected not in (None, "any", fclass):
                _add(errors, "format_type", t(f"格式类型 {ftype} 不属于所选格式分类",
                                              f"Format type {ftype} does not belong to the chosen format class"))

        pkg_id = flat.get("id") if isinstance(flat.get("id"), str) else None
        existing = model.Package.get(pkg_id) if pkg_id else None
        code = flat.get("catalogue_code")
        if code and not errors.get(("catalogue_code",)):
            origin = flat.get("origin_portal") or tk.config["ckan.site_id"]
            if _duplicate_code(code, origin, existing.id if existing else None):
                _add(errors, "catalogue_code", t(
                    f"信息资源代码 {code} 已被本平台（{origin}）的其他目录使用",
                    f"Catalogue code {code} is already used by another entry from {origin}"))

        reason = data.pop((_REASON,), "")
        if existing is None or existing.state == "draft":
            return
        changes = categories.category_change(existing.extras, flat)
        if changes and not reason:
            _add(errors, "category_change_reason", problem_text(
                codes.Problem("category_change_reason", categories.CHANGE_REASON_REQUIRED)))
        elif changes:
            # navl hands validators a copy of the context, so the approved changes travel
            # with the validated data to the after_dataset_update hook, which removes them.
            data[(PENDING_CHANGES,)] = (existing.id, changes, reason)
    # Harvesters set context["govopen_change_source"] = "harvest" and pass the origin's reason.

    return validator


# scheming passes (field, schema) to factories marked like this.
govopen_dataset_rules.is_a_scheming_validator = True  # type: ignore[attr-defined]
