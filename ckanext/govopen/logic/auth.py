"""One auth function per govopen action, same name."""
from __future__ import annotations

import ckan.authz as authz
import ckan.model as model
import ckan.plugins.toolkit as tk

from ckanext.govopen.access import gate
from ckanext.govopen.security import duties
from ckanext.govopen.translations import _


@tk.auth_allow_anonymous_access
def govopen_deadline(context, data_dict):
    # The apply form shows "answer due by …" before anyone logs in.
    return {"success": True}


@tk.auth_allow_anonymous_access
def govopen_portal_figures(context, data_dict):
    # The public figures of the front door: counts only, of what the public may see.
    return {"success": True}


def govopen_catalogue_import(context, data_dict):
    # Whoever may add entries to the department (its editors and admins) may import them.
    org = (data_dict or {}).get("owner_org")
    allowed = bool(org) and authz.has_user_permission_for_group_or_org(org, context.get("user"), "create_dataset")
    return {"success": allowed, "msg": None if allowed else _('Only editors and admins of the department may import its catalogue')}


def govopen_catalogue_import_show(context, data_dict):
    # An import's file and report belong to whoever started it (sysadmins pass before this runs).
    from ckanext.govopen.model import CatalogueImport

    job = model.Session.get(CatalogueImport, str((data_dict or {}).get("id") or ""))
    user = context.get("auth_user_obj") or model.User.get(context.get("user") or "")
    allowed = job is not None and user is not None and job.user_id == user.id
    return {"success": allowed}


@tk.auth_allow_anonymous_access
def govopen_datastore_load_show(context, data_dict):
    # Whoever may see the resource may see how its table loads (the status names no data).
    return tk.check_access("resource_show", context, {"id": (data_dict or {}).get("id")}) and {"success": True}


def govopen_datastore_load(context, data_dict):
    # Loading again is editing the resource's table: whoever may edit the resource.
    return tk.check_access("resource_update", context, {"id": (data_dict or {}).get("id")}) and {"success": True}


def govopen_policy_show(context, data_dict):
    # Only sysadmins (who pass every check before this runs) see the configured policy.
    return {"success": False}


@tk.auth_allow_anonymous_access
def govopen_category_change_list(context, data_dict):
    # As public as the dataset itself: whoever may see the entry may see its history.
    return authz.is_authorized("package_show", context, {"id": data_dict.get("id")})


# --- the access gate, chained over CKAN's own auth functions --------------------------

@tk.chained_auth_function
@tk.auth_allow_anonymous_access
def resource_show(next_auth, context, data_dict):
    """The gate: a resource's URL, file, views and data only for whom access.may_access allows.
    Downloads, resource views and DataStore all ask resource_show."""
    result = next_auth(context, data_dict)
    if not result.get("success"):
        return result
    resource = context.get("resource") or model.Resource.get((data_dict or {}).get("id"))
    if resource is not None and not gate.may_access_resource(context, resource):
        return {"success": False, "msg": _('This resource is not open to you: apply for it as its open or share category says.')}
    return result


@tk.chained_auth_function
@tk.auth_allow_anonymous_access
def resource_view_list(next_auth, context, data_dict):
    # Listing views is metadata, allowed with the dataset; the action returns no views to
    # those the gate refuses, so the resource page still shows its description.
    resource = model.Resource.get((data_dict or {}).get("id"))
    if resource is None:
        return next_auth(context, data_dict)
    return authz.is_authorized("package_show", context, {"id": resource.package_id})


# --- requests and grants: any logged-in user may call them (CKAN refuses anonymous users
# before these run); the actions answer not-found to anyone with no role towards a
# request, so that ids cannot be probed.

def _logged_in(context, data_dict):
    # CKAN passes an AnonymousUser as auth_user_obj to anonymous callers: look for a real user.
    name = context.get("user")
    if name and model.User.get(name) is not None:
        return {"success": True}
    return {"success": False, "msg": _('Log in first')}


govopen_request_create = govopen_request_show = govopen_request_list = _logged_in
govopen_request_accept = govopen_request_ask_info = govopen_request_respond = _logged_in
govopen_request_decide = govopen_request_withdraw = govopen_request_suspend = _logged_in
govopen_grant_list = govopen_grant_revoke = _logged_in


def _data_authority(context, refusal: str):
    # Members of the data authority (sysadmins pass before this runs).
    from ckanext.govopen.requests import store as request_store

    user = context.get("auth_user_obj") or model.User.get(context.get("user") or "")
    if user is not None and request_store.authority_org_ids() & set(request_store.memberships(user)):
        return {"success": True}
    return {"success": False, "msg": refusal}


def govopen_request_overview(context, data_dict):
    return _data_authority(context, _('Only the data authority sees the overview'))


@tk.auth_allow_anonymous_access
def govopen_catalogue_health(context, data_dict):
    # Catalogue metadata is public: so are its health figures (private entries need the next check).
    return {"success": True}


@tk.auth_allow_anonymous_access
def govopen_scorecard_public(context, data_dict):
    # Counts and ratios of public entries and of requests: what any reader may have.
    return {"success": True}


def govopen_scorecard(context, data_dict):
    return _data_authority(context, _('Only the data authority sees the scorecard'))


def govopen_change_event_create(context, data_dict):
    return _data_authority(context, _('Only the data authority registers change events'))


govopen_change_event_delete = govopen_change_event_create


def _department_or_authority(context, data_dict, refusal: str):
    # The data authority sees every department's records; a department's members see its own.
    org = str((data_dict or {}).get("organization") or "")
    if org and authz.has_user_permission_for_group_or_org(org, context.get("user"), "read"):
        return {"success": True}
    return _data_authority(context, refusal)


def govopen_change_event_list(context, data_dict):
    return _department_or_authority(context, data_dict, _('Only the data authority and the department see its change events'))


def govopen_attestation_list(context, data_dict):
    return _department_or_authority(context, data_dict, _('Only the data authority and the department see its yearly reviews'))


def govopen_attestation_create(context, data_dict):
    # The department's admins attest its yearly review.
    org = str((data_dict or {}).get("organization") or "")
    allowed = bool(org) and authz.has_user_permission_for_group_or_org(org, context.get("user"), "admin")
    return {"success": allowed, "msg": None if allowed else _('Only admins of the department attest its yearly review')}


def _duty(context, option: str, message: str) -> dict:
    """A duty of security/duties.py: its named holders, or sysadmins while it names nobody. Not
    passed by sysadmins automatically (auth_sysadmins_check below)."""
    user = context.get("auth_user_obj")
    if not isinstance(user, model.User):  # anonymous, or not looked up yet
        user = model.User.get(context.get("user") or "")
    allowed = user is not None and duties.holds(duties.names(tk.config.get(option)), user.name, bool(user.sysadmin))
    return {"success": allowed, "msg": None if allowed else message}


@tk.auth_sysadmins_check
def govopen_security_event_list(context, data_dict):
    return _duty(context, duties.AUDITORS, _('Only the auditor sees the security audit log'))


@tk.auth_sysadmins_check
def govopen_security_settings(context, data_dict):
    return _duty(context, duties.ADMINISTRATORS,
                 _('Only the security administrator sees and manages the security settings'))


govopen_login_unlock = tk.auth_sysadmins_check(govopen_security_settings)


def govopen_report_list(context, data_dict):
    return _data_authority(context, _('Only the data authority sees the reports to the tier above'))


# --- ckanext-harvest: what a harvest fetched stays with sysadmins ---------------------------

@tk.chained_auth_function
def harvest_object_show(next_auth, context, data_dict):
    """ckanext-harvest lets anyone read a harvest object: the raw content fetched from a source,
    which for a source read with a department's credential may hold what only departments may
    see. Sysadmins only (they pass every check before this runs)."""
    return {"success": False, "msg": _('Only sysadmins can see harvested content')}


@tk.chained_auth_function
def harvest_object_list(next_auth, context, data_dict):
    """The list of harvest objects, as harvest_object_show: sysadmins only."""
    return {"success": False, "msg": _('Only sysadmins can see harvested content')}


# --- harvested copies are read-only: upward sync keeps them in step with their origin -------

def _harvested_copy(context, data_dict, resource: bool = False):
    """The refusal for writing to a harvested copy, or None. Sysadmins too (the functions
    below are marked auth_sysadmins_check); the harvester writes with ignore_auth."""
    if resource:
        res = model.Resource.get(data_dict.get("id") or "") if data_dict.get("id") else None
        pkg_id = res.package_id if res is not None else data_dict.get("package_id")
    else:
        pkg_id = next((data_dict.get(k) for k in ("id", "name", "name_or_id", "package_id") if data_dict.get(k)), None)
    pkg = model.Package.get(pkg_id) if isinstance(pkg_id, str) and pkg_id else None
    if pkg is None and isinstance(context.get("package"), model.Package):
        pkg = context["package"]  # the dataset the action is about, set by CKAN before this check
    origin = (pkg.extras or {}).get("origin_dataset_id") if pkg is not None else None
    if not origin:
        return None
    where = pkg.extras.get("origin_url") or pkg.extras.get("origin_portal")
    return {"success": False,
            "msg": _('This entry is a copy harvested from {origin}; it changes only there').format(origin=where)}


def _read_only(name: str, resource: bool = False):
    @tk.chained_auth_function
    @tk.auth_sysadmins_check
    def auth(next_auth, context, data_dict):
        refusal = _harvested_copy(context, data_dict or {}, resource)
        if refusal is not None:
            return refusal
        user = model.User.get(context.get("user") or "")
        if user is not None and user.sysadmin and not user.is_deleted():
            return {"success": True}  # as CKAN would have answered before this check
        return next_auth(context, data_dict)
    auth.__name__ = name
    return auth


package_update = _read_only("package_update")
package_patch = _read_only("package_patch")
package_delete = _read_only("package_delete")
package_resource_reorder = _read_only("package_resource_reorder")
resource_create = _read_only("resource_create", resource=True)
resource_update = _read_only("resource_update", resource=True)
resource_patch = _read_only("resource_patch", resource=True)
resource_delete = _read_only("resource_delete", resource=True)


@tk.auth_sysadmins_check
@tk.auth_allow_anonymous_access
def govopen_sync_receive(context, data_dict):
    """Only a call whose signature the cascade view verified (it names the origin in the
    context): nobody, not even a sysadmin, writes another tier's entries through the action API."""
    if context.get("govopen_origin"):
        return {"success": True}
    return {"success": False, "msg": _('Only signed reports from a registered origin portal')}


govopen_forward_receive = govopen_sync_receive
govopen_forward_list = govopen_forward_show = _logged_in


__all__ = [
    "govopen_deadline", "govopen_portal_figures", "govopen_policy_show", "govopen_category_change_list",
    "govopen_catalogue_import", "govopen_catalogue_import_show", "govopen_datastore_load_show", "govopen_datastore_load",
    "govopen_catalogue_health", "govopen_scorecard", "govopen_scorecard_public", "govopen_change_event_create", "govopen_change_event_delete",
    "govopen_change_event_list", "govopen_attestation_create", "govopen_attestation_list",
    "govopen_security_event_list", "govopen_security_settings", "govopen_login_unlock",
    "resource_show", "resource_view_list",
    "govopen_request_create", "govopen_request_show", "govopen_request_list", "govopen_request_accept",
    "govopen_request_ask_info", "govopen_request_respond", "govopen_request_decide",
    "govopen_request_withdraw", "govopen_request_suspend", "govopen_grant_list", "govopen_grant_revoke", "govopen_request_overview",
    "harvest_object_show", "harvest_object_list", "govopen_sync_receive", "govopen_report_list", "govopen_forward_receive", "govopen_forward_list",
    "govopen_forward_show",
    "package_update", "package_patch", "package_delete", "package_resource_reorder",
    "resource_create", "resource_update", "resource_patch", "resource_delete",
]
