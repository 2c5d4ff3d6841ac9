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

__all__ = ["govopen_security_event_list", "api_token_create", "api_token_revoke", "organization_member_create",
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
    """The security audit log, newest first: logins, failed logins, lockouts, refused logins,
    API tokens created and revoked. For sysadmins.

    :param kind: one kind of event (login, login_failed, lockout, login_refused, token_created, token_revoked)
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
