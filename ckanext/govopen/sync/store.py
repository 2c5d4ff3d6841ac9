"""What upward sync reads and locks in the upper portal's database (queries only; the
harvester's stages commit)."""
from __future__ import annotations

import datetime
import hashlib
from dataclasses import dataclass

import ckan.model as model
import sqlalchemy as sa
from ckanext.harvest.model import HarvestJob, HarvestObject, HarvestObjectExtra, HarvestSource

__all__ = ["Copy", "current_copies", "last_success", "lock", "try_lock", "unlock", "organization_with",
           "name_taken", "token_for", "source_for_url", "current_source_of", "HASH_KEY"]

HASH_KEY = "govopen_content_hash"


@dataclass(frozen=True)
class Copy:
    guid: str
    package_id: str
    content_hash: str | None


def current_copies(source_id: str) -> dict[str, Copy]:
    """The live datasets this source wrote last (their current harvest object is from this
    source), by the source-side id. A dataset another path wrote later is not this source's."""
    rows = (model.Session.query(HarvestObject.guid, HarvestObject.package_id, HarvestObjectExtra.value)
            .join(model.Package, model.Package.id == HarvestObject.package_id)
            .outerjoin(HarvestObjectExtra, sa.and_(HarvestObjectExtra.harvest_object_id == HarvestObject.id,
                                                   HarvestObjectExtra.key == HASH_KEY))
            .filter(HarvestObject.harvest_source_id == source_id, HarvestObject.current.is_(True),
                    model.Package.state == "active"))
    return {guid: Copy(guid, package_id, value) for guid, package_id, value in rows}


def last_success(source_id: str) -> datetime.datetime | None:
    """When the last job of this source that finished without errors started to gather (an
    entry whose import failed is listed again next time, changed or not)."""
    from ckanext.harvest.model import HarvestGatherError
    failed = sa.or_(sa.exists().where(HarvestGatherError.harvest_job_id == HarvestJob.id),
                    sa.exists().where(sa.and_(HarvestObject.harvest_job_id == HarvestJob.id,
                                              HarvestObject.state != "COMPLETE")))
    row = (model.Session.query(HarvestJob.gather_started)
           .filter(HarvestJob.source_id == source_id, HarvestJob.status == "Finished",
                   HarvestJob.gather_started.isnot(None), ~failed)
           .order_by(HarvestJob.gather_started.desc()).first())
    return row[0] if row else None


def _key(*parts: str) -> int:
    digest = hashlib.sha256("|".join(("govopen-sync", *parts)).encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


def lock(*parts: str) -> None:
    """A transaction-scoped lock on a name (an identity, a department code): concurrent
    imports of the same dataset or department wait for each other instead of racing."""
    model.Session.execute(sa.text("SELECT pg_advisory_xact_lock(:k)"), {"k": _key(*parts)})


def try_lock(*parts: str) -> bool:
    """A session-scoped lock (a job's gather, a source's run); False when someone holds it."""
    return bool(model.Session.execute(sa.text("SELECT pg_try_advisory_lock(:k)"), {"k": _key(*parts)}).scalar())


def unlock(*parts: str) -> None:
    model.Session.execute(sa.text("SELECT pg_advisory_unlock(:k)"), {"k": _key(*parts)})


def organization_with(field: str, value: str) -> model.Group | None:
    """The oldest live organization whose FIELD is VALUE: the one with a department code
    (the upstream mapping key), or the data authority (department_type)."""
    return (model.Session.query(model.Group)
            .filter(model.Group.extras[field].astext == value,
                    model.Group.is_organization.is_(True), model.Group.state == "active")
            .order_by(model.Group.created).first())


def name_taken(name: str, package_id: str) -> bool:
    return model.Session.query(sa.exists().where(sa.and_(model.Package.name == name,
                                                         model.Package.id != package_id))).scalar()


def token_for(source_url: str) -> str | None:
    """The API token for reading SOURCE_URL, from the file named by
    ckanext.govopen.sync.tokens_file (JSON: {source URL: token}); never from the source's config."""
    from ckanext.govopen.sync import peer

    tokens = peer.json_file("ckanext.govopen.sync.tokens_file") or {}
    return tokens.get(source_url.rstrip("/")) or tokens.get(source_url)


def source_for_url(url: str, exclude: str | None = None) -> HarvestSource | None:
    """An active harvest source of URL (pulled or push), other than EXCLUDE."""
    url = url.rstrip("/")
    q = model.Session.query(HarvestSource).filter(HarvestSource.url.in_((url, url + "/")),
                                                  HarvestSource.active.is_(True))
    if exclude:
        q = q.filter(HarvestSource.id != exclude)
    return q.first()


def current_source_of(package_id: str) -> HarvestSource | None:
    """The source whose object last wrote PACKAGE_ID (live or withdrawn), if any."""
    return (model.Session.query(HarvestSource)
            .join(HarvestObject, HarvestObject.harvest_source_id == HarvestSource.id)
            .filter(HarvestObject.package_id == package_id, HarvestObject.current.is_(True)).first())
