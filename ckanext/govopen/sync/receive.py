"""Receiving a push report from the tier below (上报, 重报, 撤销: one idempotent exchange).

An origin portal that the upper tier cannot reach reports instead of being harvested. It is
registered here as a ``govopen`` harvest source with ``"push": true`` in its config (target,
region, departments, guard share: as for a pulled source), and shares a secret with this
portal (``ckanext.govopen.sync.origins_file``). Every call is signed (``signing``), and a report
is a harvest job of that source, so it shows, and is applied, like a pulled one:

- offer: the origin lists every entry it reports (id -> content hash); this portal answers
  which it wants (new or changed) and withdraws, behind the guard, the copies no longer listed;
- entries: the wanted entries, whole, in batches; each is checked and written by the
  harvester's own import stage (upper schema, no restricted addresses, provenance, tombstones);
- finish: the job is closed and its figures returned.

Repeating a report, whole or from any point, leaves the catalogue as one complete report would.
"""
from __future__ import annotations

import datetime
import json
import logging
from typing import Any

import ckan.model as model
import ckan.plugins as p
import ckan.plugins.toolkit as tk
from ckanext.harvest.model import HarvestJob, HarvestObject, HarvestObjectExtra, HarvestSource

from ckanext.govopen.sync import mapping, peer, rules, store
from ckanext.govopen.sync.runner import finish_job, summary
from ckanext.govopen.sync.harvester import GUARDED, NO_LONGER_LISTED, _config
from ckanext.govopen.sync.signing import CODES
from ckanext.govopen.text import N_, Message
from ckanext.govopen.translations import text

__all__ = ["push_source", "secret_for", "first_use", "offer", "entries", "finish", "ReportError",
           "MAX_ENTRIES"]

log = logging.getLogger(__name__)
MAX_ENTRIES = 100  # entries per call
ANOTHER_ORIGIN = N_("This entry belongs to another origin portal: {portal}")


class ReportError(Exception):
    """The call is refused as a whole (a documented return code, a message)."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code


def push_source(origin: str) -> HarvestSource | None:
    """The active push source registered for ORIGIN (its site URL)."""
    origin = origin.rstrip("/")
    for src in (model.Session.query(HarvestSource)
                .filter(HarvestSource.url.in_((origin, origin + "/")), HarvestSource.active.is_(True),
                        HarvestSource.type == "govopen")):
        if _config(src.config).get("push") is True:
            return src
    return None


def secret_for(origin: str) -> str | None:
    """The secret shared with ORIGIN, when it is a registered push source (fail closed)."""
    secret = peer.origin_secrets().get(origin.rstrip("/"))
    return secret if secret and push_source(origin) is not None else None


def first_use(origin: str, nonce: str) -> bool:
    """Record NONCE of ORIGIN in Redis for twice the signing window; False when seen before."""
    from ckan.lib.redis import connect_to_redis

    window = tk.config.get("ckanext.govopen.sync.signature_window")
    key = f"govopen:sync:nonce:{tk.config.get('ckan.site_id')}:{origin.rstrip('/')}:{nonce}"
    return bool(connect_to_redis().set(key, "1", nx=True, ex=2 * window))


def _job(source: HarvestSource, report_id: str) -> HarvestJob:
    job = HarvestJob.get(report_id) if isinstance(report_id, str) else None
    if job is None or job.source_id != source.id or job.status != "Running":
        raise ReportError("2004", text(CODES["2004"]))
    return job


def _harvester():
    return p.get_plugin("govopen_harvester")


def offer(source: HarvestSource, listing: dict[str, str]) -> dict[str, Any]:
    """Open a report: which of LISTING (every entry the origin reports: id -> content hash)
    this portal wants, and the withdrawal of copies no longer listed (behind the guard)."""
    if not store.try_lock("source", source.id):
        raise ReportError("3002", text(CODES["3002"]))
    try:
        for stale in model.Session.query(HarvestJob).filter(HarvestJob.source_id == source.id,
                                                            HarvestJob.status.in_(("New", "Running"))):
            finish_job(stale, text(N_("Closed by a newer report from the same origin")) if stale.status == "Running" else None)
        config = _config(source.config)
        known = store.current_copies(source.id)
        leaving = set(known) - set(listing)
        share = float(config.get("max_withdrawal_share",
                                 tk.config.get("ckanext.govopen.sync.max_withdrawal_share")))
        job = HarvestJob(source=source, status="Running", gather_started=datetime.datetime.utcnow())
        job.save()
        guard = rules.withdrawal_guard(set(known) - leaving, known, complete=True, max_share=share)
        if not guard.ok:
            why = text(Message(GUARDED, reason=guard.reason))
            finish_job(job, why)
            raise ReportError("2003", why)
        wanted = sorted(g for g, digest in listing.items()
                        if g not in known or known[g].content_hash != digest)
        objects = []
        for guid in sorted(leaving):
            obj = HarvestObject(guid=guid, job=job, source=source, package_id=known[guid].package_id,
                                content=json.dumps({"withdraw": NO_LONGER_LISTED}), state="FETCH")
            obj.add()
            objects.append(obj)
        job.gather_finished = datetime.datetime.utcnow()
        job.save()
        for obj in objects:
            _import(obj)
        return {"report": job.id, "wanted": wanted, "withdrawn": len(objects)}
    finally:
        store.unlock("source", source.id)


def _import(obj: HarvestObject) -> bool | str:
    """Import one object, stored first (a failed import rolls back to it and records the error on it)."""
    obj.fetch_started = obj.fetch_finished = obj.import_started = datetime.datetime.utcnow()
    obj.save()
    return _harvester().import_stage(obj)


def _owner_elsewhere(source: HarvestSource, flat: dict[str, Any]) -> str | None:
    """The portal that owns FLAT's upstream copy when it is not SOURCE: another registered
    source that is the entry's origin, or whose objects wrote the copy. An origin only ever
    writes entries it made or relays, never another origin's."""
    portal, _dataset = rules.identity(flat, source.url)
    if portal != source.url.rstrip("/") and store.source_for_url(portal, exclude=source.id):
        return portal
    owner = store.current_source_of(mapping.upstream_id((portal, _dataset)))
    if owner is not None and owner.id != source.id:
        return owner.url
    return None


def entries(source: HarvestSource, report_id: str, batch: list[dict[str, Any]]) -> dict[str, Any]:
    """Write the entries of BATCH (whole, as the origin shows them, with their department);
    one result per entry: code 0000, 2001 (not valid here, with the fields) or 2002."""
    job = _job(source, report_id)
    config = _config(source.config)
    known = store.current_copies(source.id)
    results = []
    for entry in batch:
        seen = mapping.consider(entry, config, source.url)
        copy = known.get(seen.guid)
        if seen.flat is None:
            if copy is None:
                results.append({"id": seen.guid, "code": "2001", "message": text(seen.why)})
                continue
            obj = HarvestObject(guid=seen.guid, job=job, source=source, content=json.dumps({"withdraw": seen.why}),
                                package_id=copy.package_id, state="FETCH")
            _import(obj)
            results.append({"id": seen.guid, "code": "0000", "status": "withdrawn"})
            continue
        other = _owner_elsewhere(source, seen.flat)
        if other:
            results.append({"id": seen.guid, "code": "2002", "message": text(Message(ANOTHER_ORIGIN, portal=other))})
            continue
        if copy is not None and copy.content_hash == seen.digest:
            results.append({"id": seen.guid, "code": "0000", "status": "unchanged"})
            continue
        obj = HarvestObject(guid=seen.guid, job=job, source=source, content=json.dumps(seen.flat, ensure_ascii=False),
                            package_id=copy.package_id if copy else None, state="FETCH")
        obj.extras = [HarvestObjectExtra(key=store.HASH_KEY, value=seen.digest)]
        if _import(obj) is True:
            results.append({"id": seen.guid, "code": "0000", "status": obj.report_status})
        else:
            errors = [e.message for e in obj.errors]
            results.append({"id": seen.guid, "code": "2001", "message": "; ".join(errors)})
    return {"report": job.id, "results": results}


def finish(source: HarvestSource, report_id: str) -> dict[str, Any]:
    """Close the report; its figures (as ``ckan govopen sync run`` prints them)."""
    job = _job(source, report_id)
    finish_job(job)
    figures = summary(job.id)
    return {"report": job.id, **{k: figures[k] for k in ("added", "updated", "withdrawn", "errored")}}
