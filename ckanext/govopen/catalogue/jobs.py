"""The background job of an import started on the upload page (glue): reads the stored file,
runs the import as the user who started it, and writes progress and the report as it goes."""
from __future__ import annotations

import json
import logging

import sqlalchemy as sa

import ckan.model as model

from ckanext.govopen.catalogue import importer
from ckanext.govopen.model import CatalogueImport, utcnow

__all__ = ["run_import", "as_dict"]

log = logging.getLogger(__name__)
_TABLE = CatalogueImport.__table__


def _set(import_id: str, **values) -> None:
    # Outside the import's own transactions: progress is seen at once, and never rolled back
    # with an entry that failed.
    with model.meta.engine.begin() as conn:
        conn.execute(sa.update(_TABLE).where(_TABLE.c.id == import_id).values(**values))


def run_import(import_id: str) -> None:
    job = model.Session.get(CatalogueImport, import_id)
    if job is None or job.status != "queued":
        return
    user = model.User.get(job.user_id)
    data, filename, org, valid_only = job.content or b"", job.filename, job.owner_org, job.valid_rows_only
    model.Session.rollback()
    _set(import_id, status="running")
    last = [0]

    def progress(done: int, total: int) -> None:
        if done == total or done - last[0] >= max(1, total // 100):
            last[0] = done
            _set(import_id, done=done, total=total)

    try:
        report = importer.run(data, filename, user=user.name if user else "", organization=org,
                              valid_rows_only=valid_only, progress=progress)
    except Exception:
        model.Session.rollback()
        log.exception("govopen: catalogue import %s failed", import_id)
        _set(import_id, status="failed", content=None, finished=utcnow())
        raise
    _set(import_id, status="done", content=None, finished=utcnow(),
         report=json.dumps(report.as_dict(), ensure_ascii=False))


def as_dict(job: CatalogueImport) -> dict:
    return {"id": job.id, "status": job.status, "filename": job.filename, "owner_org": job.owner_org,
            "valid_rows_only": job.valid_rows_only, "total": job.total, "done": job.done,
            "report": json.loads(job.report) if job.report else None,
            "created": job.created.isoformat() if job.created else None,
            "finished": job.finished.isoformat() if job.finished else None}
