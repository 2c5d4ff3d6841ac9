"""Reporting this portal's catalogue to a portal of the tier above (push: 上报, 重报, 撤销).

For an upper tier that cannot reach this portal (a sharing platform on the e-government
extranet). Targets are configured in ``ckanext.govopen.sync.targets_file`` (JSON, readable by
the CKAN user only): ``{"NAME": {"url": "https://upper-portal", "secret": "...", "target":
"open_portal" | "sharing_platform"}}``. The secret is shared with the upper portal, which
registers this portal as a push source (``ckan govopen sync add NAME URL --push``).

The catalogue is read as the public reads it (restricted addresses are never read), and what
travels is decided by the same rules as a pull (``mapping.consider``). Every call is signed;
the upper portal checks everything again and answers with documented return codes.
"""
from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from typing import Any

import ckan.model as model
import ckan.plugins.toolkit as tk

from ckanext.govopen.model import Report, utcnow
from ckanext.govopen.sync import mapping, peer, rules
from ckanext.govopen.text import N_
from ckanext.govopen.translations import text

__all__ = ["ReportFailed", "targets", "report", "last_reports", "BATCH", "FIGURES"]

BATCH = 50  # entries per call (the receiver takes at most 100)
FIGURES = ("listed", "wanted", "added", "updated", "withdrawn", "errored")


class ReportFailed(Exception):
    def __init__(self, message: str, code: str | None = None):
        super().__init__(message)
        self.code = code


def targets() -> dict[str, dict[str, str]]:
    """The configured targets, checked: each has a url, a secret and a target kind."""
    path = tk.config.get("ckanext.govopen.sync.targets_file")
    try:
        value = peer.json_file("ckanext.govopen.sync.targets_file")
    except (OSError, ValueError) as err:
        raise ReportFailed(text(N_("The targets file {path} cannot be read: {error}")).format(path=path, error=err))
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise ReportFailed(text(N_("The targets file {path} is not a JSON object of targets")).format(path=path))
    for name, target in value.items():
        if not (isinstance(target, dict) and isinstance(target.get("url"), str) and target["url"].startswith(("http://", "https://"))
                and isinstance(target.get("secret"), str) and target["secret"] and target.get("target") in rules.TARGETS):
            raise ReportFailed(text(N_("Target {name} needs a url (http or https), a secret and a target "
                                       "({choices})")).format(name=name, choices=", ".join(rules.TARGETS)))
    return value


def _public(action: str, **data) -> dict[str, Any]:
    return tk.get_action(action)({"user": "", "ignore_auth": False}, data)


def _catalogue() -> Iterator[dict[str, Any]]:
    """Every entry the public sees, with its department, in id order."""
    organizations: dict[str, dict[str, Any]] = {}
    offset = 0
    while True:  # all_fields is capped at 25 per page
        page = _public("organization_list", all_fields=True, include_extras=True, limit=25, offset=offset)
        organizations.update({o["id"]: o for o in page})
        if len(page) < 25:
            break
        offset += 25
    start = 0
    while True:
        found = _public("package_search", q="*:*", rows=1000, start=start, sort="id asc", include_private=False)
        for entry in found["results"]:
            yield mapping.with_department(entry, organizations)
        start += len(found["results"])
        if not found["results"] or start >= found["count"]:
            break


def _call(target: dict[str, str], step: str, payload: dict[str, Any]) -> dict[str, Any]:
    try:
        return peer.call(target["url"], target["secret"], f"/api/govopen/report/{step}", payload)
    except peer.CallFailed as err:
        raise ReportFailed(str(err), err.code) from err


def report(name: str, progress: Callable[[str], None] = lambda _m: None) -> dict[str, Any]:
    """Report the catalogue to target NAME: offer every entry that travels (id -> hash), send
    the entries the upper portal wants, close. Recorded (``model.Report``) for the data
    authority's page. Returns the figures; raises ReportFailed."""
    configured = targets()
    if name not in configured:
        raise ReportFailed(text(N_("No target {name} in ckanext.govopen.sync.targets_file")).format(name=name))
    target = configured[name]
    row = Report(id=str(uuid.uuid4()), target=name, url=target["url"], started=utcnow(), status="running",
                 figures={}, refused=[])
    model.Session.add(row)
    model.Session.commit()
    try:
        result = _report(name, target, row, progress)
    except Exception as err:
        model.Session.rollback()
        row.status, row.finished, row.error = "failed", utcnow(), str(err)
        model.Session.commit()
        raise
    row.status, row.finished = "done", utcnow()
    row.figures = {k: result[k] for k in FIGURES}
    row.refused = result["refused"]
    model.Session.commit()
    return result


def _report(name: str, target: dict[str, str], row: Report, progress: Callable[[str], None]) -> dict[str, Any]:
    site = peer.site_url()
    rule = {"target": target["target"]}
    progress(f"reading the catalogue for {name} ({target['target']})")
    travelling: dict[str, dict[str, Any]] = {}
    listing: dict[str, str] = {}
    for entry in _catalogue():
        seen = mapping.consider(entry, rule, site)
        if seen.flat is not None:
            travelling[seen.guid], listing[seen.guid] = seen.flat, seen.digest
    progress(f"offering {len(listing)} entries to {target['url']}")
    offered = _call(target, "offer", {"listing": listing})
    report_id, wanted = offered["report"], offered["wanted"]
    row.remote_id = report_id
    model.Session.commit()
    progress(f"report {report_id}: {len(wanted)} wanted, {offered['withdrawn']} withdrawn there")
    refused = []
    for n in range(0, len(wanted), BATCH):
        chunk = [travelling[g] for g in wanted[n:n + BATCH] if g in travelling]
        answer = _call(target, "entries", {"report": report_id, "entries": chunk})
        refused += [r for r in answer["results"] if r.get("code") != "0000"]
        progress(f"  {min(n + BATCH, len(wanted))}/{len(wanted)} sent")
    closed = _call(target, "finish", {"report": report_id})
    return {"target": name, "report": report_id, "listed": len(listing), "wanted": len(wanted),
            **{k: closed.get(k, 0) for k in ("added", "updated", "withdrawn", "errored")}, "refused": refused}


def last_reports() -> list[dict[str, Any]]:
    """Each configured target (name, url, kind; never its secret) with its last report, its
    last complete one, and the entries waiting: changed here since the last complete report
    began, or refused by it."""
    shown = []
    for name, target in targets().items():
        rows = (model.Session.query(Report).filter(Report.target == name)
                .order_by(Report.started.desc()).limit(20).all())
        last = rows[0] if rows else None
        done = next((r for r in rows if r.status == "done"), None)
        waiting = None
        if done is not None:
            since = done.started.strftime("%Y-%m-%dT%H:%M:%SZ")
            changed = _public("package_search", q="*:*", rows=0, fq=f"metadata_modified:[{since} TO *]",
                              include_private=False)["count"]
            waiting = changed + len(done.refused or [])
        shown.append({"name": name, "url": target["url"], "target": target["target"], "last": last,
                      "last_done": done, "waiting": waiting})
    return shown
