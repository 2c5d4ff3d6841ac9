"""Guards around every web request, CKAN's own pages and API included (an attack on the
demo portal found each of these holes on a path govopen does not render itself):

- input that no database or index can hold (NUL, lone surrogates) is refused with a clear
  400 before any view runs, on every path: a field error, never a 500;
- every form post from a browser session carries a valid CSRF token, whatever CKAN's
  process-wide exemption list says (CKAN exempts a view for good once one API-token or
  anonymous request reaches it);
- files users uploaded can never run script in the portal's origin: served files carry a
  sandboxing CSP and `nosniff`, and every type a browser could execute is a download;
- a database error in one request never leaves the thread's session aborted for the next;
- every response carries the security headers (`security.headers`: a Content-Security-Policy,
  framing by this site only, `nosniff`, a referrer policy, HSTS over HTTPS);
- a login is refused while its account or the client's address has too many recent failures
  (`security.login`), before CKAN's login view checks the password;
- CKAN's script asks for its translations at /api/i18n/zh_Hans-CN on Chinese pages (it turns
  only the first "-" of the page's language back into "_"), which CKAN refuses: no script
  module (table previews, upload widgets, the Data API help) ever started in Chinese.
"""
from __future__ import annotations

import json
import logging
from typing import Any, Iterable

from flask import Blueprint, g, request
from werkzeug.wrappers import Response

import ckan.model as model
import ckan.plugins.toolkit as tk

from ckanext.govopen.access import serving
from ckanext.govopen.security import headers as security_headers
from ckanext.govopen.security import login as login_throttle
from ckanext.govopen.translations import _
from ckanext.govopen.text import unstorable

__all__ = ["govopen_web"]

log = logging.getLogger(__name__)

govopen_web = Blueprint("govopen_web", __name__)

_UNSAFE_METHODS = ("POST", "PUT", "PATCH", "DELETE")
_JSON_SCAN_LIMIT = 10 * 1024 * 1024  # bodies above CKAN's own limits are refused elsewhere


def bad_text(value: str) -> bool:
    """Does VALUE hold a character PostgreSQL or Solr cannot store (NUL, a lone surrogate)?"""
    return unstorable(value) is not None


def _bad_in(obj: Any) -> str | None:
    """The first key whose value (or the key itself) holds unstorable text, if any."""
    stack: list[tuple[str, Any]] = [("", obj)]
    while stack:
        where, item = stack.pop()
        if isinstance(item, str):
            if bad_text(item):
                return where or "body"
        elif isinstance(item, dict):
            for k, v in item.items():
                if isinstance(k, str) and bad_text(k):
                    return "key"
                stack.append((str(k), v))
        elif isinstance(item, list):
            stack.extend((where, v) for v in item)
    return None


def _pairs(multidict) -> Iterable[tuple[str, str]]:
    for key, values in multidict.lists():
        for value in values:
            yield key, value


def _is_api() -> bool:
    return (request.endpoint or "").split(".")[0] == "api" or request.path.startswith(("/api/", "/en/api/"))


def _refuse(field: str, message: str, status: int = 400) -> Response:
    if _is_api():
        body = {"success": False, "error": {"__type": "Validation Error", field: [message]},
                "help": request.url}
        return Response(json.dumps(body, ensure_ascii=False), status=status,
                        content_type="application/json;charset=utf-8")
    return tk.abort(status, message)


@govopen_web.before_app_request
def refuse_unstorable_input():
    """NUL and lone surrogates reach PostgreSQL (which refuses NUL) or Solr and fail as a
    500 deep inside whichever action receives them: refuse them at the door, naming the field."""
    field = None
    if bad_text(request.path):
        field = "url"
    else:
        for key, value in [*_pairs(request.args), *(_pairs(request.form) if request.method in _UNSAFE_METHODS else [])]:
            if bad_text(key) or bad_text(value):
                field = key if not bad_text(key) else "key"
                break
    if field is None and request.method in _UNSAFE_METHODS and request.is_json \
            and (request.content_length or 0) <= _JSON_SCAN_LIMIT:
        try:
            field = _bad_in(request.get_json(silent=True))
        except Exception:  # noqa: BLE001 - unreadable JSON is CKAN's to refuse
            field = None
    if field is not None:
        return _refuse(field, _('Contains characters that cannot be stored (NUL or a lone surrogate)'))
    return None


def _token_authenticated() -> bool:
    """Was the user identified by an API token (not by the session cookie)? CKAN sets
    login_via_auth_header for token users and for anonymous requests alike."""
    return bool(g.get("login_via_auth_header")) and tk.current_user.is_authenticated


@govopen_web.before_app_request
def enforce_csrf():
    """Every state-changing request from a browser session must carry the CSRF token, as a
    form field or the X-CSRFToken header. Token clients are not exposed to CSRF; anonymous API
    calls carry no ambient authority."""
    if request.method not in _UNSAFE_METHODS or not tk.config.get("WTF_CSRF_ENABLED", True):
        return None
    if _token_authenticated():
        return None
    if not tk.current_user.is_authenticated and _is_api():
        return None
    from flask_wtf.csrf import ValidationError, validate_csrf

    field = tk.config.get("WTF_CSRF_FIELD_NAME") or "_csrf_token"
    token = request.form.get(field) or request.headers.get("X-CSRFToken") or request.headers.get("X-CSRF-Token")
    try:
        validate_csrf(token)
    except ValidationError:
        log.warning("govopen: refused a %s to %s without a valid CSRF token", request.method, request.path)
        return _refuse(field, _('The form has expired: reload the page and submit again'))
    return None


@govopen_web.after_app_request
def protect_responses(response: Response) -> Response:
    for name, value in security_headers.security_headers(
            request.path, request.is_secure, tk.config.get("ckanext.govopen.security.hsts_seconds")).items():
        response.headers.setdefault(name, value)
    if serving.is_file_endpoint(request.endpoint or "", request.path):
        for name, value in serving.file_headers(response.headers.get("Content-Type"),
                                                response.headers.get("Content-Disposition")).items():
            response.headers[name] = value
    return response


def _reads_only(action: str) -> bool:
    try:
        return bool(getattr(tk.get_action(action), "side_effect_free", False))
    except (KeyError, AttributeError):  # not an action (CKAN answers 400): nothing written
        return True


@govopen_web.after_app_request
def audit_sysadmin_writes(response: Response) -> Response:
    """Every write a sysadmin makes, by form or API (a POST to a page, an action that is not a
    read), in the security audit log: the path, the action and the answer's status, never the
    body (it may hold passwords)."""
    if request.method not in _UNSAFE_METHODS or request.endpoint in ("user.login", "static"):
        return response
    user = tk.current_user
    if not getattr(user, "is_authenticated", False) or not getattr(user, "sysadmin", False):
        return response
    action = (request.view_args or {}).get("logic_function") if request.endpoint and \
        request.endpoint.startswith("api.") else None
    if action and _reads_only(action):
        return response
    from ckanext.govopen.security import audit

    try:
        audit.record("sysadmin_action", user_id=user.id, subject=None,
                     details={"method": request.method, "path": request.path, "action": action,
                              "status": response.status_code})
    except Exception:  # noqa: BLE001 - the write happened; its record failing is logged loudly
        log.exception("govopen: a sysadmin's write could not be recorded in the security audit log")
    return response


@govopen_web.before_app_request
def end_stale_sessions():
    """A browser session idle too long, or too old, is logged out: the login page, saying why.
    Token requests are not sessions and pass."""
    from flask import session
    from flask_login import logout_user

    from ckanext.govopen.security import sessions

    if not tk.current_user.is_authenticated or _token_authenticated() or request.endpoint == "static":
        return None
    now = sessions.now()
    login_at, seen_at = session.get("govopen_login_at"), session.get("govopen_seen_at")
    if login_at is None or seen_at is None:  # a session from before this check, or restored by "remember me"
        session["govopen_login_at"] = session["govopen_seen_at"] = now
        return None
    ended = sessions.expired(login_at, seen_at, now, 60 * tk.config.get("ckanext.govopen.security.session_idle_minutes"),
                             3600 * tk.config.get("ckanext.govopen.security.session_max_hours"))
    if ended is None:
        if now - seen_at >= sessions.TOUCH_EVERY:
            session["govopen_seen_at"] = now
        return None
    logout_user()
    for key in ("govopen_login_at", "govopen_seen_at"):
        session.pop(key, None)
    tk.h.flash_notice(_("Your session has ended after a time without use: log in again") if ended == "idle"
                      else _("Your session has reached its longest duration: log in again"))
    if _is_api():
        return _refuse("session", _("Your session has ended: log in again"), 401)
    return tk.redirect_to(tk.url_for("user.login", came_from=request.full_path))


@govopen_web.before_app_request
def refuse_locked_logins():
    """A login post while its account or this address is locked: the login page again, with
    how long to wait, status 429; the password is not checked."""
    if request.method != "POST" or request.endpoint != "user.login":
        return None
    from ckanext.govopen.security import audit

    login = request.form.get("login") or ""
    address = audit.client_address() or ""  # the address failed() counts under
    try:
        refused = login_throttle.locked(login, address)
    except login_throttle.Unavailable:
        audit.record("login_refused", subject=login_throttle.subject(login), details={"by": "counters_unavailable"})
        tk.h.flash_error(_("Logging in is not possible for a moment (the portal cannot count failed logins): "
                           "try again in a few minutes"))
        return tk.render("user/login.html", {}), 503
    if refused is None:
        return None
    why, seconds = refused
    audit.record("login_refused", subject=login_throttle.subject(login), details={"by": why})
    minutes = max(1, -(-seconds // 60))
    message = (_("Too many failed logins for this account: try again in {minutes} minutes") if why == "account"
               else _("Too many failed logins from your address: try again in {minutes} minutes"))
    tk.h.flash_error(message.format(minutes=minutes))
    return tk.render("user/login.html", {}), 429


# CKAN views that render a stored activity snapshot; resource_history reads the table directly,
# past every action govopen filters.
_SNAPSHOT_VIEWS = ("activity.resource_history", "activity.package_history")


@govopen_web.before_app_request
def heal_snapshots():
    """Before a history page of a dataset that is not public now, withhold every URL left in its
    stored snapshots. Snapshots are stored scrubbed and scrubbed when a dataset stops being public
    through the portal; this also covers a dataset restricted behind the portal's back (a direct
    database change, an old portal's rows), on the one path that reads them unfiltered."""
    if request.endpoint not in _SNAPSHOT_VIEWS:
        return None
    from ckanext.govopen.access import gate

    pkg = model.Package.get((request.view_args or {}).get("id") or "")
    if pkg is not None and gate.scrub_stored_activity([pkg.id]):
        model.Session.commit()
    return None


# CKAN's table preview posts here for its rows; the view reads the resource view without
# catching a refusal, so a closed table's feed failed with a 500 instead of a 403.
_TABLE_FEEDS = ("datatablesview.ajax", "datatablesview.filtered_download")


@govopen_web.before_app_request
def closed_table_feeds():
    """A table preview's rows and filtered download only for whom the gate lets the resource
    through; a clear 403 for everyone else (the DataStore refuses them too: this makes the
    refusal an answer, not an error)."""
    if request.endpoint not in _TABLE_FEEDS:
        return None
    from ckanext.govopen.access import gate

    view = model.ResourceView.get((request.view_args or {}).get("resource_view_id") or "")
    resource = model.Resource.get(view.resource_id) if view is not None else None
    user = tk.current_user.name if tk.current_user.is_authenticated else ""
    if resource is None or resource.state != "active" or not gate.may_access_resource({"user": user}, resource):
        return Response(json.dumps({"error": _('This data is not open to you')}, ensure_ascii=False), status=403,
                        mimetype="application/json")
    return None


@govopen_web.before_app_request
def script_translations():
    """Answer CKAN's script with the catalog it meant (zh_Hans_CN for zh_Hans-CN)."""
    if request.endpoint != "api.i18n_js_translations":
        return None
    lang = (request.view_args or {}).get("lang") or ""
    if "-" not in lang:
        return None
    from ckan.views.api import i18n_js_translations

    return i18n_js_translations(lang.replace("-", "_"))


_SERVED = "govopen.served"


@govopen_web.before_app_request
def mark_served_request():
    # Teardown also runs for the short request contexts CKAN pushes to build URLs in the middle
    # of a request (and of actions called outside one): only the request being served may have
    # its session released.
    request.environ[_SERVED] = True


@govopen_web.teardown_app_request
def release_session(error: BaseException | None) -> None:
    """Roll back and release the thread's database session at the end of every served request,
    failed ones included. CKAN removes the session in an after-request function, which Flask
    skips when an earlier one fails while an error page is served: the aborted transaction was
    left behind and every later page on that thread failed."""
    if not request.environ.get(_SERVED):
        return
    try:
        model.Session.rollback()
        model.Session.remove()
    except Exception:  # noqa: BLE001 - a broken connection is discarded by remove() next time
        log.warning("govopen: could not release the database session", exc_info=True)
