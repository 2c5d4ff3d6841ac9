"""The cascade's push report: the receiving end (POST /api/govopen/report/<step>) and the
reporting portal's page of its reports to the tier above (/cascade/reports).

A call's signature is checked over the exact bytes received before the body is read
(``sync.signing``); the answer is JSON with a documented return code (``code``, ``message``)."""
from __future__ import annotations

import json
import logging
import time

from flask import Blueprint, Response, request

import ckan.model as model
import ckan.plugins.toolkit as tk

from ckanext.govopen.sync import receive, signing
from ckanext.govopen.translations import _, text

__all__ = ["govopen_cascade"]

log = logging.getLogger(__name__)
govopen_cascade = Blueprint("govopen_cascade", __name__)
STATUS = {"0000": 200, "1001": 401, "1002": 401, "1003": 401, "1004": 401, "1005": 409, "1006": 400,
          "2003": 409, "2004": 409, "3001": 500, "3002": 409}


def _answer(code: str, message: str | None = None, **data) -> Response:
    body = {"code": code, "message": message or text(signing.CODES[code]), **data}
    return Response(json.dumps(body, ensure_ascii=False), status=STATUS.get(code, 200),
                    content_type="application/json;charset=utf-8")


def _signed_call(action: str, step: str, secret_for) -> Response:
    """Verify the call's signature over the bytes received, then run ACTION for the caller."""
    body = request.get_data(cache=True)
    verdict = signing.verify(request.headers, "POST", request.path, body, int(time.time()),
                             secret_for, receive.first_use,
                             window=tk.config.get("ckanext.govopen.sync.signature_window"))
    if not verdict.ok:
        log.warning("cascade: refused a call to %s from %s: %s", request.path, verdict.origin, verdict.code)
        return _answer(verdict.code)
    try:
        data = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        data = None
    if not isinstance(data, dict):
        return _answer("1006", errors={"body": [text(signing.CODES["1006"])]})
    site_user = tk.get_action("get_site_user")({"ignore_auth": True}, {})["name"]
    context = {"model": model, "session": model.Session, "user": site_user, "govopen_origin": verdict.origin}
    try:
        result = tk.get_action(action)(context, {**data, "step": step})
    except tk.ValidationError as err:
        model.Session.rollback()
        return _answer("1006", errors=err.error_dict)
    except receive.ReportError as err:
        return _answer(err.code, str(err))
    except tk.NotAuthorized:
        return _answer("1002")
    except Exception:  # noqa: BLE001 - answered with the documented code, logged in full
        model.Session.rollback()
        log.exception("cascade: a call to %s from %s failed", request.path, verdict.origin)
        return _answer("3001")
    return _answer("0000", **result)


@govopen_cascade.route("/api/govopen/report/<step>", methods=["POST"])
def report(step: str) -> Response:
    """A push report from an origin registered here (offer, entries, finish)."""
    return _signed_call("govopen_sync_receive", step, receive.secret_for)


@govopen_cascade.route("/api/govopen/forward/<step>", methods=["POST"])
def forward(step: str) -> Response:
    """An application forwarded by a portal this one shares a secret with (apply, status)."""
    from ckanext.govopen.sync import peer

    return _signed_call("govopen_forward_receive", step, peer.secret_of)


@govopen_cascade.route("/cascade/reports")
def reports():
    if not tk.current_user.is_authenticated:
        return tk.redirect_to(tk.url_for("user.login", next=request.full_path))
    try:
        targets = tk.get_action("govopen_report_list")({}, {})
        problem = None
    except tk.NotAuthorized:
        return tk.abort(403, _('Only the data authority sees the reports to the tier above'))
    except tk.ValidationError as err:
        targets, problem = [], "; ".join(err.error_dict.get("targets_file", []))
    return tk.render("govopen/cascade/reports.html", {"targets": targets, "problem": problem})
