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

from ckanext.govopen.catalogue import categories
from ckanext.govopen.catalogue.categories import PENDING_CHANGES
from ckanext.govopen.catalogue import codes
from ckanext.govopen.requests import rules as request_rules
from ckanext.govopen.deadlines import sla
from ckanext.govopen.translations import _, gettext
from ckanext.govopen.text import unstorable

__all__ = [
    "govopen_iso_date", "govopen_known_policy", "govopen_credit_code", "govopen_region_code",
    "govopen_catalogue_code", "govopen_classification_code", "govopen_related_codes",
    "govopen_default_origin", "govopen_sync_only", "govopen_sync_json", "govopen_change_reason", "govopen_dataset_rules", "govopen_string_list",
    "govopen_text", "govopen_bounded_int", "govopen_single_value", "govopen_dataset_input_guard",
    "govopen_colour", "user_password_validator",
]

# The widest date the deadline arithmetic and PostgreSQL's date type both handle with room to
# count a year of working days past it.
EARLIEST_DATE = datetime.date(1949, 10, 1)
LATEST_DATE = datetime.date(2199, 12, 31)

def problem_text(problem: codes.Problem) -> str:
    """A rule's message in the reader's language (Chinese by default)."""
    return problem.text(gettext)


def _raise_problems(problems: Iterable[codes.Problem]) -> None:
    problems = list(problems)
    if problems:
        raise tk.Invalid("; ".join(problem_text(p) for p in problems))


def govopen_iso_date(value: Any, context) -> datetime.date:
    """A calendar date written YYYY-MM-DD (nothing else date.fromisoformat takes, such as ISO
    week dates), between EARLIEST_DATE and LATEST_DATE."""
    day = value if isinstance(value, datetime.date) else (
        request_rules.parse_date(value) if isinstance(value, str) else None)
    if day is None:
        raise tk.Invalid(_('Date must be YYYY-MM-DD'))
    if not EARLIEST_DATE <= day <= LATEST_DATE:
        raise tk.Invalid(_('The date must lie between {earliest_date} and {latest_date}').format(earliest_date=EARLIEST_DATE, latest_date=LATEST_DATE))
    return day


def _text_problem(value: str, limit: int | None) -> str | None:
    why = unstorable(value)
    if why == "nul":
        return _('Must not contain NUL characters')
    if why == "surrogate":
        return _('Contains characters that cannot be stored (lone surrogates)')
    if limit is not None and len(value) > limit:
        return _('At most {limit} characters').format(limit=limit)
    return None


def govopen_text(limit: int | None = 2000):
    """Text: a string (numbers are taken as written), storable, at most LIMIT characters.
    Lists, dicts and other types are refused with a field error instead of failing later."""

    def validator(value: Any, context) -> Any:
        if value is tk.missing or value is None:
            return value
        if isinstance(value, bool) or not isinstance(value, (str, int, float)):
            raise tk.Invalid(_('Expected text'))
        value = str(value)
        problem = _text_problem(value, limit)
        if problem:
            raise tk.Invalid(problem)
        return value

    return validator


def govopen_single_value(value: Any, context) -> Any:
    """A field that holds one value: a list or dict is refused (it would be stored as its repr)."""
    if isinstance(value, (list, dict)):
        raise tk.Invalid(_('Expected a single value'))
    return value


def govopen_bounded_int(low: int, high: int, cap_option: str | None = None):
    """A whole number from LOW to HIGH (and at most the config option CAP_OPTION, which lowers
    it silently, as CKAN's limit_to_configured_maximum does), given as a number or digits.
    Blanks, lists, dicts and fractions get a field error and stop the field's validation, so no
    later validator meets them (paging parameters reach SQL)."""

    def validator(key, data, errors, context) -> None:
        value = data.get(key)
        number = None
        if isinstance(value, int) and not isinstance(value, bool):
            number = value
        elif isinstance(value, str) and value.strip().isdecimal() and value.strip().isascii() \
                and len(value.strip()) <= 18:
            number = int(value.strip())
        if number is None:
            errors[key].append(_('Expected a whole number'))
            raise tk.StopOnError
        if not low <= number <= high:
            errors[key].append(_('Must be between {low} and {high}').format(low=low, high=high))
            raise tk.StopOnError
        if cap_option:
            number = min(number, int(tk.config.get(cap_option) or high))
        data[key] = number

    return validator


def govopen_known_policy(value: Any, context) -> str:
    names = sla.known_policy_names()
    if value not in names:
        raise tk.Invalid(_('Unknown deadline policy {}; known: {}')
                         .format(value, ", ".join(names)))
    return value


def govopen_string_list(value: Any, context) -> list[str]:
    """A list of ids, given as a list or a comma-separated string."""
    if isinstance(value, str):
        value = [v for v in (part.strip() for part in value.split(",")) if v]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value) or len(value) > 1000:
        raise tk.Invalid(_('Expected a list of ids'))
    for item in value:
        if _text_problem(item, 200):
            raise tk.Invalid(_('Expected a list of ids'))
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
    """Entries made here come from this portal, whatever a form or API call says; only upward
    sync (context ``govopen_sync``) writes another origin, the one its source reported."""
    if not context.get("govopen_sync") or not data.get(key):
        data[key] = tk.config["ckan.site_id"]


def govopen_sync_only(key, data, errors, context) -> None:
    """Provenance and withdrawal fields are written by upward sync only: from anyone else the
    value is dropped (no entry can claim another portal's data as its origin)."""
    if not context.get("govopen_sync"):
        data.pop(key, None)
        raise tk.StopOnError


def govopen_sync_json(value: Any, context) -> Any:
    """A JSON object or list (provenance: the origin department, the harvest chain), stored as
    JSON text; shown parsed (output: scheming_load_json)."""
    if value in (None, "") or value is tk.missing:
        return value
    if isinstance(value, str):
        try:
            parsed = json.loads(value)
        except ValueError:
            raise tk.Invalid(_('Expected JSON'))
    else:
        parsed = value
    if not isinstance(parsed, (dict, list)):
        raise tk.Invalid(_('Expected a JSON object or list'))
    return json.dumps(parsed, ensure_ascii=False, sort_keys=True)


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
                _add(errors, "format_type", _('Format type {ftype} does not belong to the chosen format class').format(ftype=ftype))

        pkg_id = flat.get("id") if isinstance(flat.get("id"), str) else None
        existing = model.Package.get(pkg_id) if pkg_id else None
        code = flat.get("catalogue_code")
        if code and not errors.get(("catalogue_code",)):
            origin = flat.get("origin_portal") or tk.config["ckan.site_id"]
            if _duplicate_code(code, origin, existing.id if existing else None):
                _add(errors, "catalogue_code", _('Catalogue code {code} is already used by another entry from {origin}').format(code=code, origin=origin))

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


# Solr refuses a single term over 32,766 bytes, and custom fields are also indexed untokenised:
# a longer value failed the whole save with a 500. Long prose fields are tokenised only.
_MAX_BYTES = 30_000
_LONG_TEXT_FIELDS = {"notes", "description"}
_LONG_TEXT_CHARS = 100_000
_NESTED = {"resources", "tags", "extras", "groups"}


def _is_multi(field: dict) -> bool:
    described = " ".join(str(field.get(k) or "") for k in ("preset", "validators"))
    return "multiple" in described or field["field_name"] == "tag_string"


def govopen_dataset_input_guard(field, schema):
    """Before any field validator runs: every value has the shape its field takes (one value,
    or a list of texts for multi-valued fields), storable characters, a length Solr can index,
    and dates that are dates. A wrong value gets a field error and is set aside, so no later
    validator or the index meets it and fails with a 500."""
    dataset_fields = schema.get("dataset_fields", [])
    resource_fields = schema.get("resource_fields", [])
    known = {f["field_name"] for f in dataset_fields} | _NESTED
    as_json = {f["field_name"] for f in dataset_fields if "govopen_sync_json" in str(f.get("validators") or "")}
    multi = {f["field_name"] for f in dataset_fields if _is_multi(f)}
    multi_res = {f["field_name"] for f in resource_fields if _is_multi(f)}
    dates = {f["field_name"] for f in (*dataset_fields, *resource_fields) if f.get("preset") in ("date", "datetime")}

    def text_problem(name: str | None, value: str) -> str | None:
        if name in _LONG_TEXT_FIELDS:
            return _text_problem(value, _LONG_TEXT_CHARS)
        problem = _text_problem(value, None)
        if problem is None and len(value.encode("utf-8", "surrogatepass")) > _MAX_BYTES:
            problem = _('Too long: at most {max_bytes} bytes').format(max_bytes=_MAX_BYTES)
        if problem is None and name in dates and value.strip():
            day = request_rules.parse_date(value.strip()[:10])
            if day is None or not EARLIEST_DATE <= day <= LATEST_DATE:
                problem = _('Expected a date YYYY-MM-DD between {earliest_date} and {latest_date}').format(earliest_date=EARLIEST_DATE, latest_date=LATEST_DATE)
        return problem

    def validator(key, data, errors, context):
        for k in list(data):
            if not isinstance(k, tuple) or not k or k[0] not in known or k[0] in as_json \
                    or any(isinstance(part, str) and part.startswith("__") for part in k):
                continue  # navl's own entries (__extras, __junk) are not input fields
            value = data[k]
            name = k[-1] if isinstance(k[-1], str) else None
            takes_list = (len(k) == 1 and k[0] in multi) or (len(k) == 3 and k[0] == "resources" and name in multi_res)
            problem = None
            if isinstance(value, str):
                problem = text_problem(name, value)
            elif isinstance(value, list) and takes_list:
                bad = [v for v in value if not isinstance(v, str) or text_problem(name, v)]
                problem = _('Expected a list of texts') if bad else None
            elif isinstance(value, (list, dict)):
                problem = _('Expected a single value')
            if problem:
                errors.setdefault(k, []).append(problem)
                data[k] = tk.missing

    return validator


govopen_dataset_input_guard.is_a_scheming_validator = True  # type: ignore[attr-defined]


def govopen_colour(value: Any, context) -> Any:
    """A CSS hex colour, #rgb or #rrggbb (an empty value keeps the default)."""
    from ckanext.govopen.portal import theme

    if value is tk.missing or value in (None, ""):
        return value
    checked = theme.colour(value)
    if checked is None:
        raise tk.Invalid(_('A colour as #rgb or #rrggbb, such as #b3261e'))
    return checked


def user_password_validator(key, data, errors, context) -> None:
    """CKAN's password check, replaced (same name) by the portal's policy
    (``security.passwords``): length ``ckanext.govopen.security.password_min_length``, not a
    common password, not the user name, two kinds of characters."""
    from ckan.lib.navl.dictization_functions import Missing

    from ckanext.govopen.security import passwords

    value = data[key]
    if isinstance(value, Missing) or value == "":
        return
    if not isinstance(value, str):
        errors[("password",)].append(_("Passwords must be strings"))
        return
    name = data.get(("name",))
    if not isinstance(name, str):
        user = context.get("user_obj") or model.User.get(context.get("user") or "")
        name = user.name if user is not None else ""
    min_length = tk.config.get("ckanext.govopen.security.password_min_length")
    for problem in passwords.problems(value, name, min_length):
        errors[("password",)].append(gettext(problem).format(min_length=min_length))
