"""Running sync jobs: one job in-process (``ckan govopen sync run``), and queue consumers that
survive idle queues and Redis restarts (``ckan govopen sync consume gather|fetch``).

Both gather through ckanext-harvest's ``queue.gather_stage`` and import through the harvester's
``import_stage``, so a job run here and one run by the consumers are the same; the run spares
itself ``queue.fetch_and_import_stages`` (the govopen fetch stage does nothing, and the import
stage records each object's outcome in the commit that writes it).
"""
from __future__ import annotations

import datetime
import json
import logging
import time
from collections import Counter
from collections.abc import Callable
from typing import Any

import ckan.model as model
import ckan.plugins.toolkit as tk

from ckanext.govopen.sync import store

__all__ = ["RunError", "run", "consume", "add_source", "finish_job", "summary"]

log = logging.getLogger(__name__)
COMMIT_EVERY = 100


class RunError(Exception):
    pass


def _context() -> dict[str, Any]:
    site_user = tk.get_action("get_site_user")({"ignore_auth": True}, {})["name"]
    return {"model": model, "session": model.Session, "user": site_user, "ignore_auth": True}


def add_source(name: str, url: str, config: dict[str, Any], title: str | None = None,
               organization: str | None = None) -> dict[str, Any]:
    """Create (or update) a govopen harvest source, owned by ORGANIZATION (default: the data
    authority); the config is validated (field errors)."""
    authority = store.organization_with("department_type", "data_authority")
    owner = organization or (authority.name if authority is not None else None)
    if not owner:
        raise tk.ValidationError({"organization": [
            "no data authority on this portal: create one, or name the owning organization"]})
    data = {"name": name, "title": title or name, "url": url.rstrip("/"), "source_type": "govopen",
            "config": json.dumps(config, ensure_ascii=False), "frequency": "MANUAL", "owner_org": owner}
    context = _context()
    existing = model.Package.get(name)
    if existing is not None and existing.state == "active":
        return tk.get_action("harvest_source_update")(context, {**data, "id": existing.id})
    return tk.get_action("harvest_source_create")(context, data)


def finish_job(job, message: str | None = None) -> None:
    """Close JOB now (Finished), with MESSAGE as its gather error if given; commits."""
    from ckanext.harvest.model import HarvestGatherError

    if message:
        HarvestGatherError.create(message, job)
    job.status = "Finished"
    job.finished = datetime.datetime.utcnow()
    job.save()


def run(source: str, force_withdrawals: bool = False,
        progress: Callable[[str], None] = lambda _m: None) -> dict[str, Any]:
    """Run one job of SOURCE now, in this process: gather, then fetch and import each object.
    A job an earlier run left unfinished (killed) is completed first; a job another process is
    running makes this fail. Returns the job's figures."""
    import sqlalchemy as sa
    from ckanext.harvest import queue
    from ckanext.harvest.model import HarvestJob, HarvestObject, HarvestObjectError, HarvestObjectExtra

    context = _context()
    try:
        src = tk.get_action("harvest_source_show")(context, {"id": source})
    except tk.ObjectNotFound:
        raise RunError(f"no harvest source {source} (ckan govopen sync add)")
    if (src.get("config") or "").strip() and json.loads(src["config"]).get("push") is True:
        raise RunError(f"{source} reports to this portal (a push source): there is nothing to run here")
    if not store.try_lock("source", src["id"]):
        raise RunError(f"another run of {source} is under way")
    try:
        harvester = queue.get_harvester(src["source_type"])
        if harvester is None:
            raise RunError(f"no harvester for source type {src['source_type']} (enable govopen_harvester)")
        for job in model.Session.query(HarvestJob).filter(HarvestJob.source_id == src["id"],
                                                          HarvestJob.status.in_(("New", "Running"))):
            if job.status == "New":
                progress(f"taking over job {job.id}, requested and not started")
                finish_job(job)
            elif job.gather_finished is None:
                progress(f"closing job {job.id}, interrupted before its listing was complete")
                objects = model.Session.query(HarvestObject.id).filter_by(harvest_job_id=job.id).subquery()
                for table in (HarvestObjectExtra, HarvestObjectError):
                    model.Session.query(table).filter(table.harvest_object_id.in_(sa.select(objects))).delete(
                        synchronize_session=False)
                model.Session.query(HarvestObject).filter_by(harvest_job_id=job.id).delete()
                finish_job(job, "interrupted before the listing was complete; nothing of it was applied")
            else:
                progress(f"completing job {job.id}, interrupted after its listing")
                _import(harvester, job, progress)
                finish_job(job)
        job_dict = tk.get_action("harvest_job_create")(context, {"source_id": src["id"], "run": False})
        job = HarvestJob.get(job_dict["id"])
        job.status = "Running"  # never New: a gather consumer started later must not take it again
        job.save()
        job.govopen_force = force_withdrawals
        progress(f"listing {src['url']}")
        ids = queue.gather_stage(harvester, job)
        if ids is None:
            finish_job(job)
            errors = [e.message for e in job.gather_errors]
            raise RunError("; ".join(errors) or "the gather stage failed")
        # Claimed by this process: `harvester run` re-sends WAITING objects to the fetch queue,
        # where a consumer would import them a second time, or mark them failed once this
        # job is finished. A run killed now leaves them for the next run to complete.
        (model.Session.query(HarvestObject).filter(HarvestObject.harvest_job_id == job.id,
                                                   HarvestObject.state == "WAITING")
         .update({"state": "FETCH"}, synchronize_session=False))
        model.Session.commit()
        progress(f"{len(ids)} entries to write or withdraw")
        _import(harvester, job, progress)
        finish_job(job)
        return summary(job.id)
    finally:
        store.unlock("source", src["id"])


def _import(harvester, job, progress: Callable[[str], None]) -> None:
    """Import the job's pending objects, in ckanext.govopen.sync.import_workers processes
    (each dataset is CKAN's own transaction under its identity lock, so they may run side by
    side). The search index is committed once every COMMIT_EVERY objects per process, not once
    per dataset (CKAN's default). Whatever a worker left (it crashed) is imported here after."""
    from ckanext.harvest.model import HarvestObject

    def pending() -> list[str]:
        return [o.id for o in model.Session.query(HarvestObject.id).filter(
            HarvestObject.harvest_job_id == job.id, HarvestObject.state.in_(("WAITING", "FETCH", "IMPORT")))]

    ids = pending()
    workers = min(tk.config.get("ckanext.govopen.sync.import_workers"), len(ids) // COMMIT_EVERY)
    if workers > 1:
        _import_in_workers(harvester, [ids[i::workers] for i in range(workers)], job.id, len(ids), progress)
        ids = pending()
    _import_objects(harvester, ids, progress)


def _import_objects(harvester, ids: list[str], progress: Callable[[str], None]) -> None:
    from ckan.lib import search
    from ckanext.harvest.model import HarvestObject

    setting = tk.config.get("ckan.search.solr_commit")
    tk.config["ckan.search.solr_commit"] = False
    try:
        for n, obj_id in enumerate(ids, 1):
            obj = HarvestObject.get(obj_id)
            obj.fetch_started = obj.fetch_finished = obj.import_started = datetime.datetime.utcnow()
            harvester.import_stage(obj)
            if n % COMMIT_EVERY == 0 or n == len(ids):
                search.commit()
                progress(f"  {n}/{len(ids)} done")
    finally:
        tk.config["ckan.search.solr_commit"] = setting
        search.commit()


def _import_in_workers(harvester, chunks: list[list[str]], job_id: str, total: int,
                       progress: Callable[[str], None]) -> None:
    import multiprocessing
    import os

    from ckanext.harvest.model import HarvestObject

    engine = model.Session.get_bind()
    model.Session.commit()
    model.Session.remove()  # the children must not share this process's connections

    def work(chunk: list[str]) -> None:
        code = 1
        try:
            engine.dispose(close=False)  # a pool of its own; the parent's sockets stay untouched
            _import_objects(harvester, chunk, lambda _m: None)
            model.Session.remove()
            code = 0
        except BaseException:
            log.exception("import worker failed; the run imports what it left")
        finally:
            os._exit(code)

    context = multiprocessing.get_context("fork")
    procs = [context.Process(target=work, args=(chunk,)) for chunk in chunks]
    for proc in procs:
        proc.start()
    while any(proc.is_alive() for proc in procs):
        time.sleep(2)
        done = model.Session.query(HarvestObject.id).filter(
            HarvestObject.harvest_job_id == job_id, HarvestObject.state.in_(("COMPLETE", "ERROR"))).count()
        model.Session.rollback()
        progress(f"  {done}/{total} done ({len(procs)} workers)")
    for proc in procs:
        proc.join()


def summary(job_id: str) -> dict[str, Any]:
    from ckanext.harvest.model import HarvestJob, HarvestObject, HarvestObjectError

    job = HarvestJob.get(job_id)
    statuses = Counter(s for (s,) in model.Session.query(HarvestObject.report_status)
                       .filter(HarvestObject.harvest_job_id == job_id))
    errors = [f"{o.guid}: {e.message}" for e, o in model.Session.query(HarvestObjectError, HarvestObject)
              .join(HarvestObject, HarvestObject.id == HarvestObjectError.harvest_object_id)
              .filter(HarvestObject.harvest_job_id == job_id)]
    return {"job_id": job_id, "status": job.status, "added": statuses.get("added", 0),
            "updated": statuses.get("updated", 0), "withdrawn": statuses.get("deleted", 0),
            "errored": statuses.get("errored", 0), "errors": errors,
            "gather_errors": [e.message for e in job.gather_errors]}


def consume(stage: str, idle: Callable[[], bool] = lambda: True) -> None:
    """Consume the gather or fetch queue until IDLE() says stop. Unlike ckanext-harvest's
    consumers, an idle queue (redis-py's socket timeout), a lost Redis connection or a failing
    message does not end it: it reconnects with backoff and goes on."""
    import redis.exceptions
    from ckanext.harvest import queue

    if stage == "gather":
        get, callback, name = queue.get_gather_consumer, queue.gather_callback, queue.get_gather_queue_name()
    elif stage == "fetch":
        get, callback, name = queue.get_fetch_consumer, queue.fetch_callback, queue.get_fetch_queue_name()
    else:
        raise RunError(f"unknown stage {stage}: gather or fetch")
    delay = 1.0
    while idle():
        try:
            consumer = get()
            for method, header, body in consumer.consume(queue=name):
                delay = 1.0
                try:
                    callback(consumer, method, header, body)
                except Exception:  # one bad message never ends the consumer
                    log.exception("%s message failed", stage)
                    model.Session.rollback()
                    model.Session.remove()
                if not idle():
                    return
        except redis.exceptions.TimeoutError:
            continue  # an idle queue: listen again
        except redis.exceptions.ConnectionError as err:
            log.warning("Redis unavailable (%s); retrying in %.0fs", err, delay)
            time.sleep(delay)
            delay = min(delay * 2, 30.0)
