"""Signed calls between tiers, the client side and the shared secrets (``signing`` is the pure
part). A pair of portals shares one secret: the lower portal names it in its targets file
(``ckanext.govopen.sync.targets_file``), the upper one in its origins file
(``ckanext.govopen.sync.origins_file``); each side finds the other's secret by its URL."""
from __future__ import annotations

import json
import logging
import socket
import time
import urllib.error
import urllib.parse
import urllib.request
from typing import Any

import ckan.plugins.toolkit as tk

from ckanext.govopen.sync import signing
from ckanext.govopen.text import N_
from ckanext.govopen.translations import text

__all__ = ["CallFailed", "call", "open_call", "json_file", "origin_secrets", "secret_of", "site_url", "RETRIED"]

log = logging.getLogger(__name__)
RETRIED = ("3001", "3002")  # the receiver failed or was busy: worth sending again


class CallFailed(Exception):
    """A call refused (CODE and the answer's message) or that never reached its portal (no code)."""

    def __init__(self, message: str, code: str | None = None, errors: dict | None = None):
        super().__init__(message)
        self.code, self.errors = code, errors or {}


def site_url() -> str:
    return tk.config.get("ckan.site_url").rstrip("/")


def json_file(option: str) -> Any:
    """The JSON in the file config OPTION names (None when no file is named or it does not
    exist); raises OSError or ValueError when it cannot be read. Read on every use: a changed
    secret counts from the next call."""
    import os

    path = tk.config.get(option)
    if not path or not os.path.exists(path):
        return None
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def origin_secrets() -> dict[str, str]:
    """{origin URL: secret} from ckanext.govopen.sync.origins_file ({} when unreadable: fail closed)."""
    try:
        value = json_file("ckanext.govopen.sync.origins_file")
    except (OSError, ValueError):
        log.error("ckanext.govopen.sync.origins_file cannot be read as JSON: no origin is accepted")
        return {}
    return {str(k).rstrip("/"): v for k, v in value.items() if isinstance(v, str) and v} \
        if isinstance(value, dict) else {}


def secret_of(url: str) -> str | None:
    """The secret shared with the portal at URL: an origin that reports here, or a target this
    portal reports to. None for any other portal."""
    from ckanext.govopen.sync import report

    url = url.rstrip("/")
    if secret := origin_secrets().get(url):
        return secret
    try:
        configured = report.targets()
    except report.ReportFailed:
        return None
    return next((t["secret"] for t in configured.values() if t["url"].rstrip("/") == url), None)


def _signed_request(base_url: str, secret: str, path: str, body: bytes) -> urllib.request.Request:
    url = base_url.rstrip("/") + path
    headers = {"Content-Type": "application/json", "User-Agent": "ckanext-govopen",
               **signing.signed_headers(site_url(), secret, "POST", urllib.parse.urlsplit(url).path, body,
                                        int(time.time()))}
    return urllib.request.Request(url, data=body, headers=headers, method="POST")


def _refusal(err: urllib.error.HTTPError) -> dict[str, Any]:
    """The answer of a refused call: its JSON (code, message, errors), or the HTTP status."""
    try:
        answer = json.loads(err.read().decode("utf-8"))
    except ValueError:
        answer = None
    return answer if isinstance(answer, dict) else {"code": None, "message": f"HTTP {err.code}"}


def _failed(answer: dict[str, Any]) -> CallFailed:
    details = answer.get("errors")
    message = str(answer.get("message")) + (f" {json.dumps(details, ensure_ascii=False)}" if details else "")
    return CallFailed(message, answer.get("code"), details if isinstance(details, dict) else None)


def _unreachable(base_url: str, err: BaseException) -> CallFailed:
    return CallFailed(text(N_("The portal {url} could not be reached: {error}")).format(
        url=base_url, error=getattr(err, "reason", err)))


def call(base_url: str, secret: str, path: str, payload: dict[str, Any]) -> dict[str, Any]:
    """POST PAYLOAD to BASE_URL + PATH, signed; retried (signed anew) on a refused connection,
    a timeout or a 3xxx answer. Raises CallFailed with the answer's code and message otherwise."""
    body = json.dumps(payload, ensure_ascii=False).encode("utf-8")
    retries = tk.config.get("ckanext.govopen.sync.retries")
    backoff = tk.config.get("ckanext.govopen.sync.backoff")
    timeout = tk.config.get("ckanext.govopen.sync.timeout")
    for attempt in range(retries + 1):
        try:
            with urllib.request.urlopen(_signed_request(base_url, secret, path, body), timeout=timeout) as res:
                return json.loads(res.read().decode("utf-8"))
        except urllib.error.HTTPError as err:
            answer = _refusal(err)
            if answer.get("code") not in RETRIED or attempt == retries:
                raise _failed(answer)
        except (urllib.error.URLError, socket.timeout, ConnectionError, ValueError) as err:
            if attempt == retries:
                raise _unreachable(base_url, err)
        time.sleep(backoff * 2 ** attempt)
    raise AssertionError("unreachable")


def open_call(base_url: str, secret: str, path: str, payload: dict[str, Any]):
    """POST PAYLOAD signed, once, and return the open response for the caller to stream (and
    close): a file's bytes, or JSON. Raises CallFailed as ``call`` does; a user is waiting, so
    there is no retry."""
    body = json.dumps(payload, ensure_ascii=False).encode("utf-8")
    try:
        return urllib.request.urlopen(_signed_request(base_url, secret, path, body),
                                      timeout=tk.config.get("ckanext.govopen.sync.timeout"))
    except urllib.error.HTTPError as err:
        raise _failed(_refusal(err))
    except (urllib.error.URLError, socket.timeout, ConnectionError) as err:
        raise _unreachable(base_url, err)
