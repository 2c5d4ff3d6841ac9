"""The cascade's pages and endpoints: the receiving end of push reports and forwards
(POST /api/govopen/report/<step>, /api/govopen/forward/<step>), the reporting portal's page of
its reports to the tier above (/cascade/reports), and, on the portal where an application for a
copy was made, its page (/requests/forwarded/<id>) and the delivery of what was granted.

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
from ckanext.govopen.views.common import login_first

__all__ = ["govopen_cascade"]

log = logging.getLogger(__name__)
govopen_cascade = Blueprint("govopen_cascade", __name__)
STATUS = {"0000": 200, "1001": 401, "1002": 401, "1003": 401, "1004": 401, "1005": 409, "1006": 400,
          "2003": 409, "2004": 409, "2005": 404, "3001": 500, "3002": 409}


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
    except tk.ObjectNotFound as err:
        model.Session.rollback()
        return _answer("2005", str(err) or None)
    except tk.NotAuthorized:
        return _answer("1002")
    except Exception:  # noqa: BLE001 - answered with the documented code, logged in full
        model.Session.rollback()
        log.exception("cascade: a call to %s from %s failed", request.path, verdict.origin)
        return _answer("3001")
    if "file" in result:  # a granted upload, delivered to the portal that forwarded the request
        return _send_file(result)
    return _answer("0000", **result)


def _send_file(found: dict) -> Response:
    from flask import send_file

    try:
        return send_file(found["file"], mimetype=found.get("mimetype") or "application/octet-stream",
                         as_attachment=True, download_name=found.get("name") or "download")
    except OSError:
        log.error("cascade: the file of a granted resource is missing: %s", found["file"])
        return _answer("3001")


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
    if (redirect := login_first()) is not None:
        return redirect
    try:
        targets = tk.get_action("govopen_report_list")({}, {})
        problem = None
    except tk.NotAuthorized:
        return tk.abort(403, _('Only the data authority sees the reports to the tier above'))
    except tk.ValidationError as err:
        targets, problem = [], "; ".join(err.error_dict.get("targets_file", []))
    return tk.render("govopen/cascade/reports.html", {"targets": targets, "problem": problem})


# --- applications forwarded from here -------------------------------------------------------

def _forward_or_404(id: str) -> dict:
    try:
        return tk.get_action("govopen_forward_show")({}, {"id": id})
    except (tk.ObjectNotFound, tk.ValidationError):
        return tk.abort(404, _('Request not found'))


@govopen_cascade.route("/requests/forwarded/<id>")
def forward_read(id: str):
    """An application made here for a copy: where it stands at the origin, its trail, and the
    granted resources to download."""
    if (redirect := login_first()) is not None:
        return redirect
    return tk.render("govopen/request/forwarded.html", {"fwd": _forward_or_404(id)})


@govopen_cascade.route("/requests/forwarded/<id>/resource/<resource_id>")
def forward_resource(id: str, resource_id: str):
    """A granted resource, fetched from the origin (which checks the grant now) and passed on:
    an uploaded file streamed, a link followed."""
    from flask import stream_with_context

    from ckanext.govopen.model import Forward
    from ckanext.govopen.sync import forward, peer

    if (redirect := login_first()) is not None:
        return redirect
    shown = _forward_or_404(id)
    if resource_id not in {r["id"] for r in shown["granted"]}:
        return tk.abort(404, text(forward.NOT_GRANTED))
    try:
        res = forward.fetch(model.Session.get(Forward, shown["id"]), resource_id)
    except peer.CallFailed as err:
        log.warning("forwarded %s: the origin did not deliver %s: %s", id, resource_id, err)
        if err.code is None or err.code.startswith("3"):
            return tk.abort(502, _('The origin portal cannot be reached now: try again later'))
        return tk.abort(404 if err.code == "2005" else 403, str(err))
    content_type = res.headers.get("Content-Type", "application/octet-stream")
    if not res.headers.get("Content-Disposition"):  # not a file: the answer for a link
        with res:
            try:
                answer = json.loads(res.read(64 * 1024).decode("utf-8"))
            except ValueError:
                answer = {}
        url = answer.get("url") if isinstance(answer, dict) and answer.get("code") == "0000" else None
        if isinstance(url, str) and url.startswith(("https://", "http://")):
            return tk.redirect_to(url)
        return tk.abort(502, _('The origin portal gave no file for this resource'))

    def chunks():
        with res:
            while block := res.read(64 * 1024):
                yield block

    headers = {"Content-Disposition": res.headers["Content-Disposition"]}
    if res.headers.get("Content-Length"):
        headers["Content-Length"] = res.headers["Content-Length"]
    return Response(stream_with_context(chunks()), content_type=content_type, headers=headers)
