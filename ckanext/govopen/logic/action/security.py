"""Actions of the security baseline: the security audit log, and CKAN actions chained so that
every API token created or revoked (never the token itself) and every change of a member's role
in a department is recorded."""
from __future__ import annotations

import datetime
from typing import Any

import ckan.model as model
import ckan.plugins.toolkit as tk

from ckanext.govopen.security import audit
from ckanext.govopen.translations import _

__all__ = ["govopen_security_event_list", "govopen_security_settings", "govopen_login_unlock", "api_token_create", "api_token_revoke", "organization_member_create",
           "organization_member_delete"]


def _actor(context) -> str | None:
    user = model.User.get(context.get("user") or "")
    return user.id if user is not None else None


@tk.chained_action
def api_token_create(next_action, context, data_dict):
    result = next_action(context, data_dict)
    owner = model.User.get(str((data_dict or {}).get("user") or ""))
    token_id = result.get("id") if isinstance(result, dict) else None
    audit.record("token_created", user_id=_actor(context), subject=owner.id if owner is not None else None,
                 details={"name": str((data_dict or {}).get("name") or ""), "token_id": token_id})
    return result


@tk.chained_action
def api_token_revoke(next_action, context, data_dict):
    data_dict = data_dict or {}
    token_id = data_dict.get("jti")
    if not token_id and data_dict.get("token"):
        from ckan.lib.api_token import decode

        token_id = (decode(data_dict["token"]) or {}).get("jti")
    token = model.Session.get(model.ApiToken, token_id) if token_id else None
    owner = token.user_id if token is not None else None
    result = next_action(context, data_dict)
    audit.record("token_revoked", user_id=_actor(context), subject=owner, details={"token_id": token_id})
    return result


def _member_change(next_action, context, data_dict, change: str):
    data_dict = data_dict or {}
    org = model.Group.get(str(data_dict.get("id") or ""))
    user = model.User.get(str(data_dict.get("username") or data_dict.get("user_id") or ""))
    before = None
    if org is not None and user is not None:
        member = model.Session.query(model.Member).filter(
            model.Member.group_id == org.id, model.Member.table_name == "user", model.Member.table_id == user.id,
            model.Member.state == "active").first()
        before = member.capacity if member is not None else None
    result = next_action(context, data_dict)
    audit.record("role_changed", user_id=_actor(context), subject=user.id if user is not None else None,
                 details={"organization": org.id if org is not None else None, "from": before,
                          "to": data_dict.get("role") if change == "set" else None})
    return result


@tk.chained_action
def organization_member_create(next_action, context, data_dict):
    return _member_change(next_action, context, data_dict, "set")


@tk.chained_action
def organization_member_delete(next_action, context, data_dict):
    return _member_change(next_action, context, data_dict, "remove")


def _when(data_dict, field: str) -> datetime.datetime | None:
    value = data_dict.get(field)
    if value in (None, ""):
        return None
    try:
        return datetime.datetime.combine(datetime.date.fromisoformat(str(value).strip()), datetime.time())
    except ValueError:
        raise tk.ValidationError({field: [_("Give a date as YYYY-MM-DD")]})


@tk.side_effect_free
def govopen_security_event_list(context, data_dict) -> dict[str, Any]:
    """The security audit log, newest first: logins, failed logins, lockouts, refused and
    unlocked logins, API tokens created and revoked, role changes, identifiers shown to deciders,
    grants given and revoked, sysadmins' writes. For the auditor (security/duties.py).

    :param kind: one kind of event (security.audit.KINDS)
    :param user: events of one user (name or id), as actor or subject
    :param since: from this day (YYYY-MM-DD, UTC)  :param until: before this day
    :param limit: at most this many (default 50, at most 1000)  :param offset: to page
    """
    data_dict = data_dict or {}
    tk.check_access("govopen_security_event_list", context, data_dict)
    errors: dict[str, list[str]] = {}
    kind = str(data_dict.get("kind") or "").strip() or None
    if kind is not None and kind not in audit.KINDS:
        errors["kind"] = [_("One of: {choices}").format(choices=", ".join(audit.KINDS))]
    user_id = None
    if data_dict.get("user"):
        user = model.User.get(str(data_dict["user"]))
        if user is None:
            errors["user"] = [_("User not found")]
        else:
            user_id = user.id
    try:
        limit = min(max(int(data_dict.get("limit") or 50), 1), 1000)
        offset = max(int(data_dict.get("offset") or 0), 0)
    except (TypeError, ValueError):
        errors["limit"] = [_("Give a whole number")]
        limit = offset = 0
    bounds = {}
    for field in ("since", "until"):
        try:
            bounds[field] = _when(data_dict, field)
        except tk.ValidationError as e:
            errors.update(e.error_dict)
    if errors:
        raise tk.ValidationError(errors)
    count, events = audit.search(kind, user_id, bounds["since"], bounds["until"], limit, offset)
    return {"count": count, "results": events}


_SETTINGS = ("login_failures_per_account", "login_failures_per_address", "login_window", "session_idle_minutes",
             "session_max_hours", "token_days", "password_min_length", "hsts_seconds")


@tk.side_effect_free
def govopen_security_settings(context, data_dict) -> dict[str, Any]:
    """The security settings in force (read from the configuration: the operator changes them),
    who holds the separated duties, how many keys seal applicants' identifiers (never the keys),
    and what is locked now (``locked``: a count of accounts, the addresses with the seconds left;
    None when Redis cannot be read). For the security administrator.
    """
    from ckanext.govopen.security import duties, sealing

    from ckanext.govopen.security import login as login_throttle

    tk.check_access("govopen_security_settings", context, data_dict or {})
    try:
        locked = login_throttle.locked_now()
    except login_throttle.Unavailable:
        locked = None  # the page says the counters cannot be read
    return {
        "locked": locked,
        "settings": {name: tk.config.get(f"ckanext.govopen.security.{name}") for name in _SETTINGS},
        "identifier_keys": len(str(tk.config.get(sealing.KEYS_OPTION) or "").split()),
        "auditors": sorted(duties.names(tk.config.get(duties.AUDITORS))),
        "administrators": sorted(duties.names(tk.config.get(duties.ADMINISTRATORS))),
        "sysadmins": sorted(u.name for u in model.Session.query(model.User).filter(
            model.User.sysadmin.is_(True), model.User.state == "active")),
    }


def govopen_login_unlock(context, data_dict) -> dict[str, Any]:
    """Lift a login lockout at once: an account's (``login``: its name or e-mail) or a client
    address's (``address``). For the security administrator; recorded in the audit log.

    :param login: :param address: (one of them at least)
    """
    from ckanext.govopen.security import login as login_throttle

    data_dict = data_dict or {}
    tk.check_access("govopen_login_unlock", context, data_dict)
    bad = {f: [_('Expected text')] for f in ("login", "address") if not isinstance(data_dict.get(f) or "", str)}
    if bad:
        raise tk.ValidationError(bad)
    login = (data_dict.get("login") or "").strip()
    address = (data_dict.get("address") or "").strip()
    if not login and not address:
        raise tk.ValidationError({"login": [_("Give an account's name or e-mail, or an address")]})
    if login and model.User.by_name(login) is None and model.User.by_email(login) is None:
        raise tk.ValidationError({"login": [_("User not found")]})
    try:
        cleared = login_throttle.unlock(login, address)
    except login_throttle.Unavailable:
        raise tk.ValidationError({"login": [_("The failed-login counters cannot be reached now: try again later")]})
    audit.record("login_unlocked", user_id=_actor(context), subject=login_throttle.subject(login) if login else None,
                 details={"address": address or None, "cleared": cleared})
    return {"cleared": cleared}
