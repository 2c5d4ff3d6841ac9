"""govopen_* actions: check access, validate, act."""
from __future__ import annotations

from typing import Any

import sqlalchemy.exc

import ckan.model as model
import ckan.plugins.toolkit as tk

from ckanext.govopen import deadlines as dl
from ckanext.govopen import translations
from ckanext.govopen.translations import _
from ckanext.govopen.access import gate
from ckanext.govopen.deadlines import sla
from ckanext.govopen.logic import schema
from ckanext.govopen.model import CategoryChange
from ckanext.govopen.text import Message, N_

_ACTIVITY_ACTIONS = ("package_activity_list", "activity_show", "activity_data_show",
                     "dashboard_activity_list", "user_activity_list", "organization_activity_list",
                     "group_activity_list", "recently_changed_packages_activity_list")

__all__ = ["govopen_deadline", "govopen_policy_show", "govopen_category_change_list", "govopen_catalogue_import",
           "govopen_catalogue_import_show",
           "resource_view_list", "resource_search", "activity_diff", "activity_create", "package_create",
           "package_update", *_ACTIVITY_ACTIONS]


@tk.side_effect_free
@tk.validate(schema.govopen_deadline)
def govopen_deadline(context, data_dict) -> dict[str, Any]:
    """When a request of KIND whose clock starts on START must be answered.

    :param kind: open_application, share_application, objection or correction
    :type kind: string
    :param start: the day the clock starts (submission or acceptance, see ``clock_start``), ISO date
    :type start: string
    :param policy: a policy profile name (optional, default: the portal's)
    :type policy: string
    :param variant: a variant of the kind's rule, e.g. ``platform_held`` (optional)
    :type variant: string
    :returns: ``due`` (ISO date, the answer is due by 24:00 Asia/Shanghai that day), ``ends_at``,
        ``unit``, ``length``, ``calendar_known`` (false when a counted day lies in a year with no
        known calendar), ``warnings``, ``clock_start``, ``policy``, ``citation``
    :rtype: dictionary
    """
    tk.check_access("govopen_deadline", context, data_dict)
    policy = sla.policy_named(data_dict.get("policy"))
    rule = policy.rule(data_dict["kind"], data_dict.get("variant"))
    result = dl.compute_deadline(data_dict["start"], rule.length, rule.unit, sla.calendar())
    return {
        "kind": rule.kind,
        "start": result.start.isoformat(),
        "due": result.due.isoformat(),
        "ends_at": result.ends_at.isoformat(),
        "unit": result.unit,
        "length": result.length,
        "calendar_known": result.calendar_known,
        "warnings": [translations.text(w) for w in result.warnings],
        "clock_start": rule.clock_start,
        "policy": policy.name,
        "citation": translations.text(rule.citation),
    }


@tk.side_effect_free
def govopen_policy_show(context, data_dict) -> dict[str, Any]:
    """The active deadline policy per request kind, and which calendar years are known.

    Sysadmins only.

    :returns: ``policy``, ``title``, ``rules`` (one per kind and variant), ``known_years``
        ({year: bool} for last, this and next year), ``warnings``
    :rtype: dictionary
    """
    tk.check_access("govopen_policy_show", context, data_dict)
    policy = sla.active_policy()
    rules = []
    for kind in dl.KINDS:
        for variant in (None, *policy.variant_names(kind)):
            rule = policy.rule(kind, variant)
            rules.append({
                "kind": kind, "variant": variant, "length": rule.length, "unit": rule.unit,
                "clock_start": rule.clock_start, "accept_length": rule.accept_length,
                "accept_unit": rule.accept_unit, "pause_on_info": rule.pause_on_info,
                "reminders": list(rule.reminders), "timeout": rule.timeout,
                "approval_steps": list(rule.approval_steps), "max_grant_days": rule.max_grant_days,
                "mark_disputed_length": rule.mark_disputed_length,
                "written_reply_on_request": rule.written_reply_on_request,
                "citation": translations.text(rule.citation),
            })
    years = sla.known_years()
    this_year = min(years) + 1
    warnings = [
        translations.text(Message(N_("The {year} working-day calendar is unknown: configure its holidays and "
                                     "make-up working days in ckanext.govopen.calendar.holidays."), year=y))
        for y in (this_year, this_year + 1) if not years[y]
    ]
    return {"policy": policy.name, "title": translations.text(policy.title), "rules": rules,
            "known_years": {str(y): known for y, known in years.items()}, "warnings": warnings}


@tk.side_effect_free
@tk.validate(schema.govopen_category_change_list)
def govopen_category_change_list(context, data_dict) -> list[dict[str, Any]]:
    """The public history of a dataset's open and share categories, newest first.

    Everyone who may see the dataset may see it (the change, not CKAN's activity details).

    :param id: the dataset's id or name
    :type id: string
    :returns: ``field``, ``old_value``, ``new_value``, ``reason``, ``user``, ``source``, ``created``
    :rtype: list of dictionaries
    """
    tk.check_access("govopen_category_change_list", context, data_dict)
    pkg = context["model"].Package.get(data_dict["id"])
    if pkg is None:
        raise tk.ObjectNotFound(data_dict["id"])
    return [c.as_dict() for c in CategoryChange.for_package(pkg.id)]


# --- catalogue import from the upload page ---------------------------------------------

def govopen_catalogue_import(context, data_dict) -> dict[str, Any]:
    """Start importing a catalogue file (national template, XLSX or CSV) into a department, as a
    background job; follow it with ``govopen_catalogue_import_show``.

    :param owner_org: the department's id or name
    :type owner_org: string
    :param upload: the file (multipart upload), or ``content`` (bytes, from Python) and ``filename``
    :param valid_rows_only: import the valid rows even when others fail (default false)
    :type valid_rows_only: bool
    :returns: the import: ``id``, ``status`` (queued), ``filename``, ``total``, ``done``
    :rtype: dictionary
    """
    from ckanext.govopen.catalogue import jobs
    from ckanext.govopen.model import CatalogueImport

    upload = data_dict.get("upload")
    content = data_dict.get("content")
    filename = data_dict.get("filename") or ""
    if hasattr(upload, "read"):
        content, filename = upload.read(), filename or getattr(upload, "filename", "") or ""
    data, errors = tk.navl_validate({k: v for k, v in data_dict.items() if k not in ("upload", "content")},
                                    schema.govopen_catalogue_import(), context)
    org = model.Group.get(data.get("owner_org") or "") if not errors.get("owner_org") else None
    if not errors and (org is None or not org.is_organization or org.state != "active"):
        errors["owner_org"] = [_('No such department')]
    if errors:
        raise tk.ValidationError(errors)
    tk.check_access("govopen_catalogue_import", context, {"owner_org": org.id})
    limit = tk.config["ckanext.govopen.catalogue.import_max_mb"]
    if not isinstance(content, bytes) or not content:
        raise tk.ValidationError({"upload": [_('Choose a catalogue file (XLSX or CSV)')]})
    if len(content) > limit * 1024 * 1024:
        raise tk.ValidationError({"upload": [_('The file is larger than {limit} MiB').format(limit=limit)]})
    user = model.User.get(context["user"])
    job = CatalogueImport(user_id=user.id, owner_org=org.id, filename=filename[:255] or "catalogue",
                          content=content, valid_rows_only=bool(data.get("valid_rows_only")))
    model.Session.add(job)
    model.Session.flush()
    result = jobs.as_dict(job)
    if not context.get("defer_commit"):
        model.repo.commit()
    tk.enqueue_job(jobs.run_import, [result["id"]], title=f"govopen: catalogue import {result['id']}",
                   rq_kwargs={"timeout": 3600})
    return result


@tk.side_effect_free
def govopen_catalogue_import_show(context, data_dict) -> dict[str, Any]:
    """An import started with ``govopen_catalogue_import``: its status (queued, running, done,
    failed), progress (``done`` of ``total`` steps) and, once done, its ``report`` (counts and
    errors with row, column, value, message and message_en). Only its starter and sysadmins.

    :param id: the import's id
    :type id: string
    :rtype: dictionary
    """
    from ckanext.govopen.catalogue import jobs
    from ckanext.govopen.model import CatalogueImport

    data, errors = tk.navl_validate(data_dict, schema.govopen_catalogue_import_show(), context)
    if errors:
        raise tk.ValidationError(errors)
    tk.check_access("govopen_catalogue_import_show", context, data)
    job = model.Session.get(CatalogueImport, data["id"])
    if job is None:
        raise tk.ObjectNotFound(_('No such import'))
    return jobs.as_dict(job)


# --- catalogue codes unique per origin: the database's word is final ----------------------

# The partial unique index of migration e1f2 on (origin portal, catalogue code).
_CODE_KEY = "govopen_package_origin_code_key"


def _code_taken(name: str):
    """CKAN's NAME, where the database refusing a second live entry with one code of one origin
    (two creates racing past the schema's check) is a field error, not a 500."""

    @tk.chained_action
    def action(next_action, context, data_dict):
        try:
            return next_action(context, data_dict)
        except sqlalchemy.exc.IntegrityError as e:
            if _CODE_KEY not in str(e.orig):
                raise
            model.Session.rollback()
            if name == "package_update" and data_dict.get("id"):
                # CKAN indexes before it commits: put the index back to what the database holds.
                from ckan.lib.search import rebuild
                rebuild(data_dict["id"])
            code = data_dict.get("catalogue_code", "")
            origin = data_dict.get("origin_portal") or tk.config["ckan.site_id"]
            raise tk.ValidationError({"catalogue_code": [
                _('Catalogue code {code} is already used by another entry from {origin}').format(code=code, origin=origin)]})

    action.__name__ = action.__qualname__ = name
    action.__doc__ = f"CKAN's {name}; a catalogue code taken meanwhile is a field error."
    return action


package_create = _code_taken("package_create")
package_update = _code_taken("package_update")


# --- the access gate, chained over CKAN's own actions ----------------------------------

@tk.chained_action
@tk.side_effect_free
def resource_view_list(next_action, context, data_dict):
    """No views of a resource the user may not have (they embed its URL or data)."""
    resource = model.Resource.get((data_dict or {}).get("id"))
    if resource is not None and not gate.may_access_resource(context, resource):
        tk.check_access("resource_view_list", context, data_dict)
        return []
    return next_action(context, data_dict)


@tk.chained_action
@tk.side_effect_free
def resource_search(next_action, context, data_dict):
    """CKAN's resource_search, where a resource the user may not have takes no part at all:
    it never matches (so a query on its URL cannot be asked), is never counted, never offsets
    a page. The count, the page and the offsets are those of the resources the user may have.

    :param query: ``{field}:{term}`` or a list of them (AND-ed; substring match, ``hash`` by prefix)
    :param order_by: a resource field  :param offset:  :param limit:
    """
    tk.check_access("resource_search", context, data_dict)
    if gate.subject_for(context).sysadmin:
        return next_action(context, data_dict)  # sysadmins may have every resource
    return gate.resource_search(context, data_dict)


def _activity_filter(name: str):
    """A chained activity action whose snapshots carry only the URLs the user may have now."""

    @tk.chained_action
    @tk.side_effect_free
    def action(next_action, context, data_dict):
        result = next_action(context, data_dict)
        gate.scrub_activity(context, result)
        return result

    action.__name__ = action.__qualname__ = name
    action.__doc__ = f"CKAN's {name}, with restricted resource URLs withheld from snapshots."
    return action


for _name in _ACTIVITY_ACTIONS:
    globals()[_name] = _activity_filter(_name)


@tk.chained_action
def activity_create(next_action, context, data_dict):
    """CKAN's activity_create; a dataset snapshot is stored with only the URLs everyone may have."""
    gate.scrub_new_activity(data_dict)
    return next_action(context, data_dict)


@tk.chained_action
@tk.side_effect_free
def activity_diff(next_action, context, data_dict):
    """CKAN's activity_diff; the diff text is withheld when it would show a restricted URL."""
    result = next_action(context, data_dict)
    if gate.scrub_activity(context, result.get("activities")):
        result["diff"] = _('(withheld: it contains resource addresses not open to you)')
    return result
