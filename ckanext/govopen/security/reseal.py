"""Sealing every stored identifier with the newest key (glue): after a key is added in front of
ckanext.govopen.identifier_keys, or to seal identifiers written before sealing existed.
Rows are read and written as raw JSON, in batches, each batch committed."""
from __future__ import annotations

import json
from typing import Callable

import sqlalchemy as sa

import ckan.model as model

from ckanext.govopen.model.sealed import keyring
from ckanext.govopen.requests.rules import IDENTIFIER_FIELDS
from ckanext.govopen.security import sealing

__all__ = ["TABLES", "reseal", "clear_count"]

# (table, JSON column) holding applicants' identifiers.
TABLES = (("govopen_request", "applicant"), ("govopen_forward", "applicant"))


def reseal(batch: int = 500, progress: Callable[[str], None] = lambda _m: None) -> dict[str, int]:
    """{table: rows changed}. Rows no configured key opens are left as they are (and counted in
    the log by `unreadable`)."""
    ring = keyring()
    counts: dict[str, int] = {}
    for table, column in TABLES:
        changed = unreadable = 0
        last = ""
        while True:
            rows = model.Session.execute(sa.text(
                f"SELECT id, {column}::text FROM {table} WHERE id > :last AND {column} ?| CAST(:fields AS text[]) "
                "ORDER BY id LIMIT :batch"),
                {"last": last, "batch": batch, "fields": list(IDENTIFIER_FIELDS)}).all()
            if not rows:
                break
            for row_id, text in rows:
                data, did = sealing.reseal_fields(json.loads(text), IDENTIFIER_FIELDS, ring)
                unreadable += sum(1 for f in IDENTIFIER_FIELDS
                                  if sealing.unseal(data.get(f), ring) == sealing.UNREADABLE)
                if did:
                    model.Session.execute(sa.text(f"UPDATE {table} SET {column} = CAST(:data AS jsonb) WHERE id = :id"),
                                          {"data": json.dumps(data, ensure_ascii=False), "id": row_id})
                    changed += 1
            model.Session.commit()
            last = rows[-1][0]
            progress(f"{table}: {changed} resealed so far")
        counts[table] = changed
        counts[f"{table} unreadable"] = unreadable
    return counts


def clear_count() -> int:
    """How many stored identifiers are in clear (0 once every row is sealed)."""
    total = 0
    for table, column in TABLES:
        for field in IDENTIFIER_FIELDS:
            total += model.Session.execute(sa.text(
                f"SELECT count(*) FROM {table} WHERE coalesce({column} ->> :field, '') <> '' "
                f"AND left({column} ->> :field, :n) <> :prefix"),
                {"field": field, "n": len(sealing.PREFIX), "prefix": sealing.PREFIX}).scalar()
    return total
