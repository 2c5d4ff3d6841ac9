"""Loading a resource's CSV or XLSX into the DataStore (glue), in the jobs worker.

Why not ckanext-xloader: 2.6.0's declared dependencies conflict with CKAN 2.12's pins (urllib3,
idna, certifi), it reads a GBK file as cp1252 when chardet is unsure, cuts headers by characters
where PostgreSQL counts bytes, and empties or drops the live table before copying into it (readers
see it half-loaded). Here:

- the file's encoding is decided over the whole file (``text.detect_encoding``), else the load
  fails with that reason and the previous table stays;
- the rows go by ``COPY`` into a staging table (a clean CSV as its own bytes, else row by row
  through ``table``, which names the row PostgreSQL would refuse), which replaces the live one by a rename in the
  same transaction: readers see the old rows until the commit and the new ones after it;
- column names fit PostgreSQL (``table.column_ids``), the header as written is each column's
  label in the data dictionary, and a column's dictionary entry (label, notes, type override)
  survives a reload that keeps its name;
- progress (bytes and rows) is written on its own connection, seen at once on the resource page.
"""
from __future__ import annotations

import contextlib
import csv
import datetime
import io
import ipaddress
import json
import logging
import os
import socket
import tempfile
import time
import urllib.parse
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import certifi
import psycopg2
import urllib3
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

import ckan.model as model
import ckan.plugins.toolkit as tk
from ckan.lib import uploader
from ckanext.datastore.backend import postgres as backend

from ckanext.govopen import translations
from ckanext.govopen.datastore import table
from ckanext.govopen.model import DatastoreLoad, utcnow
from ckanext.govopen.text import N_

__all__ = ["MESSAGES", "loadable", "source_of", "queue", "run", "status"]

log = logging.getLogger(__name__)
_TABLE = DatastoreLoad.__table__

FETCH_FAILED = N_("The file could not be fetched: {reason}")
TOO_LARGE = N_("The file is larger than {mb} MiB, the most this portal loads into the DataStore")
ADDRESS_REFUSED = N_("The link points into the portal's own network ({host}): it is not fetched")
NO_FILE = N_("The uploaded file is missing from the portal's storage")
DATABASE_REFUSED = N_("The DataStore database refused the data: {reason}")
INTERRUPTED = N_("The load was interrupted: upload the file again or start the load again")
MESSAGES = (FETCH_FAILED, TOO_LARGE, ADDRESS_REFUSED, NO_FILE, DATABASE_REFUSED, INTERRUPTED)

# Columns whose values are all this short get a b-tree index, so datastore_search filters on
# them stay fast on large tables; longer text cannot be indexed by a b-tree anyway.
_INDEXABLE_LENGTH = 512
_PROGRESS_EVERY = 2.0  # seconds
_MAINTENANCE_MB = 256


class LoadFailed(Exception):
    def __init__(self, msgid: str, **params: object) -> None:
        super().__init__(msgid.format(**params))
        self.msgid, self.params = msgid, params


def _formats() -> set[str]:
    return {f.lower().lstrip(".") for f in tk.config["ckanext.govopen.datastore.formats"]}


def loadable(resource: dict[str, Any]) -> bool:
    """Whether RESOURCE is a file the loader takes: an upload or a web link (not a table
    written through the DataStore API) whose format or file name is one of
    ``ckanext.govopen.datastore.formats``."""
    if not resource.get("url") or resource.get("url_type") not in (None, "", "upload"):
        return False
    formats = _formats()
    fmt = (resource.get("format") or "").lower().lstrip(".")
    path = urllib.parse.urlsplit(resource["url"]).path.lower()
    return fmt in formats or any(path.endswith("." + f) for f in formats)


def source_of(resource: dict[str, Any]) -> str:
    """What a load of RESOURCE reads: its url and, for an upload, when the file was replaced."""
    return f"{resource.get('url') or ''}|{resource.get('last_modified') or ''}"


def _set(resource_id: str, source: str, **values) -> None:
    # Own connection: progress is seen while the load's transaction is open, and a failure is
    # recorded even though that transaction is rolled back. Only while SOURCE is still the one
    # to load: a newer file queued meanwhile keeps its own status.
    with model.meta.engine.begin() as conn:
        conn.execute(sa.update(_TABLE).where(_TABLE.c.resource_id == resource_id, _TABLE.c.source == source)
                     .values(**values))


def queue(resource: dict[str, Any], force: bool = False) -> bool:
    """Queue a load of RESOURCE unless the same source is loaded or queued already (or FORCE).
    True when a load was queued."""
    source = source_of(resource)
    with model.meta.engine.begin() as conn:
        row = conn.execute(sa.select(_TABLE.c.source, _TABLE.c.status).where(
            _TABLE.c.resource_id == resource["id"]).with_for_update()).first()
        if row and row.source == source and not force:
            return False  # loaded, loading or failed already: "Load again" forces it
        values = dict(status="queued", source=source, rows=0, bytes_read=0, bytes_total=0, error=None,
                      error_params=None, queued=utcnow(), started=None, finished=None, encoding=None)
        if row:
            conn.execute(sa.update(_TABLE).where(_TABLE.c.resource_id == resource["id"]).values(**values))
        else:
            inserted = conn.execute(postgresql.insert(_TABLE).values(resource_id=resource["id"], **values)
                                    .on_conflict_do_nothing()).rowcount
            if not inserted:
                return False  # queued at this moment by another request
    tk.enqueue_job(run, [resource["id"], source], title=f"govopen: DataStore load {resource['id']}",
                   rq_kwargs={"timeout": tk.config["ckanext.govopen.datastore.timeout"]})
    return True


def status(resource_id: str) -> dict[str, Any] | None:
    """The last load of a resource as the API shows it, or None."""
    job = model.Session.get(DatastoreLoad, resource_id)
    if job is None:
        return None
    state, error, params = job.status, job.error, json.loads(job.error_params) if job.error_params else None
    # A worker killed mid-load (or stopped at the timeout) cannot say so: a load running past
    # its time limit has failed, and its transaction was rolled back with it.
    limit = datetime.timedelta(seconds=tk.config["ckanext.govopen.datastore.timeout"] + 60)
    if state == "loading" and job.started and utcnow() - job.started > limit:
        state, error, params = "failed", INTERRUPTED, {}
    return {"resource_id": job.resource_id, "status": state, "rows": job.rows,
            "bytes_read": job.bytes_read, "bytes_total": job.bytes_total, "encoding": job.encoding,
            "error": error, "error_params": params,
            "queued": job.queued.isoformat() if job.queued else None,
            "started": job.started.isoformat() if job.started else None,
            "finished": job.finished.isoformat() if job.finished else None}


def run(resource_id: str, source: str) -> None:
    """The job: load the resource's file into its DataStore table, replacing the table whole."""
    job = model.Session.get(DatastoreLoad, resource_id)
    resource = model.Resource.get(resource_id)
    if job is None or job.source != source or resource is None or resource.state != "active":
        model.Session.rollback()
        return  # a newer load was queued, or the resource is gone
    site_user = tk.get_action("get_site_user")({"ignore_auth": True}, {})
    res = tk.get_action("resource_show")({"ignore_auth": True, "user": site_user["name"]}, {"id": resource_id})
    model.Session.rollback()
    _set(resource_id, source, status="loading", started=utcnow())
    try:
        with _fetched(res) as path:
            opened = table.open_table(path)
            try:
                _set(resource_id, source, encoding=opened.encoding, bytes_total=opened.size)
                rows = _replace_table(resource_id, opened, _progress(resource_id, source), path)
            finally:
                opened.close()
    except (table.UnreadableTable, LoadFailed) as e:
        _fail(resource_id, source, e.msgid, e.params)
        return
    except (sa.exc.DBAPIError, psycopg2.Error) as e:
        log.warning("govopen: DataStore load of %s refused: %s", resource_id, e)
        reason = str(getattr(e, "orig", None) or e).strip().splitlines()[0][:300]
        _fail(resource_id, source, DATABASE_REFUSED, {"reason": reason})
        return
    except Exception:
        log.exception("govopen: DataStore load of %s failed", resource_id)
        _fail(resource_id, source, INTERRUPTED, {})
        raise
    if not res.get("datastore_active"):
        # The DataStore's own flag (previews, the Data API button); a patch that changes
        # neither url nor last_modified, so it queues no new load. Then the table preview
        # (the portal's default views that need a DataStore table).
        context = {"ignore_auth": True, "user": site_user["name"]}
        res = tk.get_action("resource_patch")(dict(context), {"id": resource_id, "datastore_active": True})
        # Titled in the portal's language (the worker has no request to take one from).
        with translations.in_locale(tk.config.get("ckan.locale_default") or "zh_Hans_CN"):
            tk.get_action("resource_create_default_resource_views")(dict(context), {
                "resource": res, "create_datastore_views": True})
    _set(resource_id, source, status="done", rows=rows, bytes_read=opened.size, finished=utcnow())


def _fail(resource_id: str, source: str, msgid: str, params: dict) -> None:
    _set(resource_id, source, status="failed", error=msgid, finished=utcnow(),
         error_params=json.dumps(params, ensure_ascii=False, default=str))


def _progress(resource_id: str, source: str) -> Callable[[int, int], None]:
    last = [time.monotonic()]

    def report(rows: int, bytes_read: int) -> None:
        now = time.monotonic()
        if now - last[0] >= _PROGRESS_EVERY:
            last[0] = now
            _set(resource_id, source, rows=rows, bytes_read=bytes_read)
    return report


# -- fetching -----------------------------------------------------------------------------------

@contextlib.contextmanager
def _fetched(res: dict[str, Any]) -> Iterator[str]:
    limit = tk.config["ckanext.govopen.datastore.max_mb"] * 1024 * 1024
    if res.get("url_type") == "upload":
        path = uploader.get_resource_uploader(res).get_path(res["id"])
        if not os.path.isfile(path):
            raise LoadFailed(NO_FILE)
        if os.path.getsize(path) > limit:
            raise LoadFailed(TOO_LARGE, mb=limit // (1024 * 1024))
        yield path
        return
    with tempfile.NamedTemporaryFile(prefix="govopen-load-") as f:
        _download(res["url"], f, limit)
        f.flush()
        yield f.name


def _public(address: str) -> bool:
    return ipaddress.ip_address(address).is_global


def _check_host(url: str) -> str | None:
    """The address to connect to for URL, every address its host resolves to being public; None
    where the portal allows private addresses (then the connection resolves the name itself)."""
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise LoadFailed(FETCH_FAILED, reason=f"not an http(s) link: {url[:200]}")
    if tk.config["ckanext.govopen.datastore.fetch_private_addresses"]:
        return None
    try:
        infos = socket.getaddrinfo(parts.hostname, parts.port or 80, proto=socket.IPPROTO_TCP)
    except OSError as e:
        raise LoadFailed(FETCH_FAILED, reason=str(e)) from e
    addresses = [info[4][0] for info in infos]
    if not addresses or not all(_public(a) for a in addresses):
        raise LoadFailed(ADDRESS_REFUSED, host=parts.hostname)
    return addresses[0]


def _pool(url: str, address: str | None) -> urllib3.HTTPConnectionPool:
    """A connection pool for URL's host that connects to ADDRESS, the one that was checked: a
    name resolving to a public address for the check and to an inner one for the connection
    (DNS rebinding) reaches nothing inside. The Host header, TLS name and certificate check stay
    the host's."""
    parts = urllib.parse.urlsplit(url)
    https = parts.scheme == "https"
    base = urllib3.connection.HTTPSConnection if https else urllib3.connection.HTTPConnection

    class Pinned(base):  # type: ignore[valid-type, misc]
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            if address is not None:
                self._dns_host = address  # where to connect; `host` stays the name

    pool_cls = urllib3.HTTPSConnectionPool if https else urllib3.HTTPConnectionPool
    extra = {"cert_reqs": "CERT_REQUIRED", "ca_certs": certifi.where()} if https else {}
    pool = pool_cls(parts.hostname, parts.port or (443 if https else 80), retries=False,
                    timeout=urllib3.Timeout(connect=10, read=60), maxsize=1, **extra)
    pool.ConnectionCls = Pinned
    return pool


def _download(url: str, out, limit: int) -> None:
    # Redirects are followed by hand, each target checked like the first: a public link must not
    # bounce the worker to an address inside the network.
    for _ in range(5):
        address = _check_host(url)
        parts = urllib.parse.urlsplit(url)
        target = urllib.parse.urlunsplit(("", "", parts.path or "/", parts.query, ""))
        try:
            with _pool(url, address) as pool:
                response = pool.urlopen("GET", target, redirect=False, preload_content=False,
                                        headers={"User-Agent": "ckanext-govopen DataStore loader"})
                try:
                    if response.status in (301, 302, 303, 307, 308) and response.headers.get("Location"):
                        url = urllib.parse.urljoin(url, response.headers["Location"])
                        continue
                    if response.status != 200:
                        raise LoadFailed(FETCH_FAILED, reason=f"HTTP {response.status}")
                    size = 0
                    for chunk in response.stream(1 << 20):
                        size += len(chunk)
                        if size > limit:
                            raise LoadFailed(TOO_LARGE, mb=limit // (1024 * 1024))
                        out.write(chunk)
                    return
                finally:
                    response.release_conn()
        except urllib3.exceptions.HTTPError as e:
            raise LoadFailed(FETCH_FAILED, reason=str(e)[:300]) from e
    raise LoadFailed(FETCH_FAILED, reason="too many redirects")


# -- the table ------------------------------------------------------------------------------------

class _CopySource(io.RawIOBase):
    """The rows as CSV text for COPY, made as COPY reads them; notes each column's longest
    value (for the indexes) and reports the row count."""

    def __init__(self, opened: table.Table, width: int, progress: Callable[[int, int], None]) -> None:
        self.rows, self.position, self.progress = opened.rows, opened.position, progress
        self.count = 0
        self.longest = [0] * width
        self.buffer = io.StringIO()
        self.writer = csv.writer(self.buffer, lineterminator="\n")
        self.pending = b""
        self.error: BaseException | None = None

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        try:
            return self._read(size)
        except BaseException as e:
            # psycopg2 reports an error in read() as a cancelled COPY: keep the real one.
            self.error = e
            raise

    def _read(self, size: int) -> bytes:
        while len(self.pending) < max(size, 1 << 16):
            batch = []
            for row in self.rows:
                batch.append(row)
                if len(batch) == 2000:
                    break
            if not batch:
                break
            longest = self.longest
            for row in batch:
                for i, v in enumerate(row):
                    if v is not None and len(v) > longest[i]:
                        longest[i] = len(v)
            self.writer.writerows(batch)
            self.count += len(batch)
            self.pending += self.buffer.getvalue().encode("utf-8")
            self.buffer.seek(0)
            self.buffer.truncate()
            self.progress(self.count, self.position())
        if size is None or size < 0:
            size = len(self.pending)
        out, self.pending = self.pending[:size], self.pending[size:]
        return out


def _old_info(conn, resource_id: str) -> dict[str, dict]:
    # The data dictionary entries of the live table (column comments), to carry over.
    rows = conn.execute(sa.text(
        "SELECT a.attname, col_description(a.attrelid, a.attnum) FROM pg_attribute a "
        "WHERE a.attrelid = to_regclass(:t) AND a.attnum > 0 AND NOT a.attisdropped"),
        {"t": backend.identifier(resource_id)}).all()
    found = {}
    for name, comment in rows:
        if comment:
            with contextlib.suppress(ValueError):
                found[name] = json.loads(comment).get("_info") or {}
    return found


# PostgreSQL's names of the encodings a CSV may be in (text.detect_encoding); UTF-16 has none.
_PG_ENCODINGS = {"utf-8": "UTF8", "utf-8-sig": "UTF8", "gb18030": "GB18030"}


class _RawSource(io.RawIOBase):
    """The file's bytes from its first row after the header, for COPY as they are."""

    def __init__(self, path: str, offset: int, progress: Callable[[int, int], None]) -> None:
        self.file = open(path, "rb")
        self.file.seek(offset)
        self.progress = progress

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        data = self.file.read(size)
        self.progress(0, self.file.tell())
        return data

    def close(self) -> None:
        self.file.close()
        super().close()


def _copy_raw(conn, staging: str, columns: str, opened: table.Table, path: str,
              progress: Callable[[int, int], None]) -> int | None:
    """COPY the file's bytes straight into the staging table: the fast way, for a CSV that
    PostgreSQL reads as the loader would (same delimiter and quoting, every row as wide as the
    header, no blank lines). None, with nothing copied, when PostgreSQL refuses the file: the
    rows are then read through the loader, which says which row is wrong."""
    encoding = _PG_ENCODINGS.get(opened.encoding or "")
    if opened.data_offset is None or encoding is None:
        return None
    delimiter = backend.literal_string(opened.delimiter or ",")
    savepoint = conn.begin_nested()
    source = _RawSource(path, opened.data_offset, progress)
    try:
        with conn.connection.cursor() as cursor:
            cursor.copy_expert(f"COPY {backend.identifier(staging)} ({columns}) FROM STDIN WITH "
                               f"(FORMAT csv, DELIMITER {delimiter}, ENCODING '{encoding}')", source, size=1 << 20)
            copied = cursor.rowcount
        # Lines of empty cells (",,," at the end of an Excel export) are no rows, as the reader
        # skips them on the other path.
        copied -= conn.execute(_sql(f"DELETE FROM {backend.identifier(staging)} WHERE coalesce({columns}) IS NULL")).rowcount
    except (sa.exc.DBAPIError, psycopg2.Error) as e:
        savepoint.rollback()
        log.info("govopen: COPY of the raw file refused (%s); reading it row by row",
                 str(e).strip().splitlines()[0][:200])
        return None
    finally:
        source.close()
    savepoint.commit()
    return copied


def _sql(statement: str) -> sa.TextClause:
    # Statements that name the file's columns: a ":" in a header is not a bind parameter.
    return sa.text(statement.replace(":", r"\:"))


def _full_text_trigger(conn, staging: str, fields: list[dict]) -> str:
    # CKAN's trigger turns each row into JSON and back to fill _full_text; while loading, a
    # function that names the columns does the same (to_tsvector of the non-empty values
    # joined by spaces, in the default text search configuration) in about half the time.
    # CKAN's own trigger replaces it before the commit, for later datastore_upsert calls.
    q = backend.identifier
    function = q("_govopen_fts_" + staging[-36:])
    values = ", ".join("NEW." + q(f["id"]) for f in fields)
    body = f"BEGIN NEW._full_text := to_tsvector(concat_ws(' ', {values})); RETURN NEW; END;"
    # The body is dollar-quoted with a tag its column names (the file's headers) do not contain.
    tag = "$govopen$"
    while tag in body:
        tag = f"$govopen{uuid.uuid4().hex}$"
    conn.execute(_sql(f"CREATE FUNCTION {function}() RETURNS trigger AS {tag}{body}{tag} LANGUAGE plpgsql"))
    conn.execute(sa.text(f"CREATE TRIGGER govopen_load_fts BEFORE INSERT ON {q(staging)} "
                         f"FOR EACH ROW EXECUTE PROCEDURE {function}()"))
    return function


def _replace_table(resource_id: str, opened: table.Table, progress: Callable[[int, int], None],
                   path: str | None = None) -> int:
    staging = "_govopen_load_" + resource_id  # a leading "_" keeps it out of _table_metadata
    q = backend.identifier
    engine = backend.get_write_engine()
    clock = [time.monotonic()]

    def lap(what: str) -> None:
        now = time.monotonic()
        log.info("govopen: DataStore load of %s: %s in %.1f s", resource_id, what, now - clock[0])
        clock[0] = now
    with engine.begin() as conn:
        # Index builds sort in memory up to this much (PostgreSQL's default is 64MB), for this
        # transaction only.
        conn.execute(sa.text(f"SET LOCAL maintenance_work_mem = '{_MAINTENANCE_MB}MB'"))
        # One load of a resource at a time (two workers may hold jobs for one resource).
        conn.execute(sa.text("SELECT pg_advisory_xact_lock(hashtext(:t))"), {"t": staging})
        old = _old_info(conn, resource_id)
        fields = []
        for column, header in zip(opened.columns, opened.headers):
            info = dict(old.get(column) or {})
            info.setdefault("label", header)
            fields.append({"id": column, "type": "text", "info": info})
        conn.execute(sa.text(f"DROP TABLE IF EXISTS {q(staging)}"))
        backend.create_table({"connection": conn}, {"resource_id": staging, "fields": fields}, {})
        function = _full_text_trigger(conn, staging, fields) if tk.config["ckanext.govopen.datastore.full_text"] else None
        columns = ", ".join(q(f["id"]) for f in fields)
        count = _copy_raw(conn, staging, columns, opened, path, progress) if path else None
        source = None
        if count is None:
            source = _CopySource(opened, len(fields), progress)
            with conn.connection.cursor() as cursor:
                try:
                    cursor.copy_expert(f"COPY {q(staging)} ({columns}) FROM STDIN WITH (FORMAT csv)", source,
                                       size=1 << 18)
                except Exception:
                    if source.error is not None:
                        raise source.error from None
                    raise
            count, longest = source.count, source.longest
        else:
            longest = conn.execute(_sql("SELECT " + ", ".join(
                f"coalesce(max(length({q(f['id'])})), 0)" for f in fields) + f" FROM {q(staging)}")).one()
        lap(f"{count} rows copied ({'as the file' if source is None else 'row by row'})")
        if function:
            conn.execute(sa.text(f"DROP TRIGGER govopen_load_fts ON {q(staging)}"))
            conn.execute(sa.text(f"DROP FUNCTION {function}()"))
        # CKAN's full-text trigger, for rows written later through datastore_upsert.
        conn.execute(sa.text(f"CREATE TRIGGER zfulltext BEFORE INSERT OR UPDATE ON {q(staging)} "
                             "FOR EACH ROW EXECUTE PROCEDURE populate_full_text_trigger()"))
        # Indexes and statistics before the swap, under names of the staging table...
        method = tk.config.get("ckan.datastore.default_fts_index_method") or "gist"
        indexed = [("_full_text", method)] + [(f["id"], "btree") for f, length in zip(fields, longest)
                                              if 0 < length <= _INDEXABLE_LENGTH]
        for column, how in indexed:
            conn.execute(_sql(f"CREATE INDEX {q(backend._generate_index_name(staging, q(column)))} "
                                 f"ON {q(staging)} USING {how} ({q(column)})"))
        lap(f"{len(indexed)} indexes built")
        conn.execute(sa.text(f"ANALYZE {q(staging)}"))
        # ...then the swap: readers wait for these few statements only, then see the new table.
        conn.execute(sa.text(f"DROP TABLE IF EXISTS {q(resource_id)}"))
        conn.execute(sa.text(f"ALTER TABLE {q(staging)} RENAME TO {q(resource_id)}"))
        for column, _ in indexed:  # the names CKAN's DataStore gives its own indexes
            conn.execute(sa.text(f"ALTER INDEX {q(backend._generate_index_name(staging, q(column)))} "
                                 f"RENAME TO {q(backend._generate_index_name(resource_id, q(column)))}"))
        conn.execute(sa.text(f"ALTER TABLE {q(resource_id)} RENAME CONSTRAINT {q(staging + '_pkey')} "
                             f"TO {q(resource_id + '_pkey')}"))
        sequence = conn.execute(sa.text("SELECT pg_get_serial_sequence(:t, '_id')"),
                                {"t": q(resource_id)}).scalar()
        if sequence:
            conn.execute(sa.text(f"ALTER SEQUENCE {sequence} RENAME TO {q(resource_id + '__id_seq')}"))
        lap("analysed and swapped")
    # The visibility map of the new rows, after the commit (VACUUM runs outside a transaction and
    # blocks no reader): counts over an indexed filter (the total datastore_search returns) then
    # read the index alone instead of visiting every matching row.
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(sa.text(f"VACUUM {q(resource_id)}"))
    lap("vacuumed")
    return count
