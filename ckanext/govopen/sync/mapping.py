"""From a source entry to the dataset the upper portal stores, pure (no CKAN imports).

``to_dataset`` is the whole record->dataset mapping of upward sync: which fields travel (only
the upper schema's own fields; everything else a source sends is dropped), what a source that
is not a govopen portal needs (default categories, a frequency map, renamed extras), the
resource addresses (``rules.strip_addresses``), provenance (``rules.provenance``), and the
upstream identity: one dataset id per origin dataset, derived, so two paths to the same
dataset and two concurrent jobs meet on the same primary key.
"""
from __future__ import annotations

import datetime
import json
import re
import uuid
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Any

from ckanext.govopen.sync import rules
from ckanext.govopen.text import N_

__all__ = ["NAMESPACE", "JSON_FIELDS", "ORG_FIELDS", "upstream_id", "upstream_name", "organization_name", "flatten_extras",
           "prepare", "to_dataset", "to_organization", "apply_url", "with_department", "department_code",
           "Considered", "consider", "CHANGED_AT_ORIGIN", "NOT_SELECTED", "MESSAGES"]

NAMESPACE = uuid.UUID("6f1c2b9e-2d4a-5c1e-9a0b-7e3f0c4d5a61")
CHANGED_AT_ORIGIN = N_("Changed at the origin portal")
NOT_SELECTED = N_("Its department is not among the departments this source takes")
MESSAGES = (CHANGED_AT_ORIGIN, NOT_SELECTED)
JSON_FIELDS = ("origin_department", "harvest_chain")

# Never copied: the upper portal sets these itself (ids, owners, stamps, search data).
_NOT_COPIED = frozenset({
    "id", "name", "owner_org", "organization", "state", "private", "type", "creator_user_id",
    "metadata_created", "metadata_modified", "revision_id", "groups", "relationships_as_object",
    "relationships_as_subject", "tracking_summary", "num_tags", "num_resources", "isopen",
    "extras", "license_title", "license_url", "url", "withdrawn_reason", "withdrawn_at",
    "category_change_reason", "origin_apply_url",
})
_RESOURCE_COPIED = ("name", "description", "format", "mimetype", "size", "language", "last_modified",
                    "created")
ORG_FIELDS = ("id", "name", "title", "description", "department_code", "region_code", "department_type",
              "contact_name", "contact_phone", "contact_email", "address")
_ORG_COPIED = ORG_FIELDS[2:]


def upstream_id(identity: tuple[str, str]) -> str:
    """The upper portal's dataset id for an origin dataset: the same on every run and path."""
    return str(uuid.uuid5(NAMESPACE, "|".join(identity)))


def _resource_id(identity: tuple[str, str], position: str) -> str:
    return str(uuid.uuid5(NAMESPACE, "|".join((*identity, "resource", position))))


def upstream_name(name: str, identity: tuple[str, str], taken: bool) -> str:
    """The source's URL name, or, when another dataset upstream has it, the name with a short
    suffix derived from the identity (stable across runs)."""
    base = re.sub(r"[^a-z0-9_-]", "-", (name or "dataset").lower())[:90].strip("-") or "dataset"
    if not taken:
        return base
    return f"{base}-{upstream_id(identity)[:8]}"


def organization_name(source_name: str, department_code: str) -> str:
    """An upstream organization's URL name: the source's, made unique by the department code."""
    base = re.sub(r"[^a-z0-9_-]", "-", (source_name or "department").lower())[:60].strip("-") or "department"
    return f"{base}-{department_code.lower()}"[:100]


def flatten_extras(entry: Mapping[str, Any]) -> dict[str, Any]:
    """ENTRY with its ``extras`` list (how stock CKAN shows custom fields) as plain keys.
    A key the entry already has as a field wins."""
    out = {k: v for k, v in entry.items() if k != "extras"}
    for extra in entry.get("extras") or []:
        if isinstance(extra, Mapping) and isinstance(extra.get("key"), str):
            out.setdefault(extra["key"], extra.get("value"))
    return out


def apply_url(entry: Mapping[str, Any], source_site: str) -> str:
    """Where a citizen applies for ENTRY: the request form on its origin portal."""
    if entry.get("origin_apply_url"):
        return str(entry["origin_apply_url"])
    if entry.get("origin_url") and entry.get("origin_dataset_id"):
        return f"{str(entry['origin_url']).rstrip('/')}/request/open_application"
    return f"{source_site.rstrip('/')}/dataset/{entry.get('name') or entry.get('id')}/request/open_application"


def prepare(entry: Mapping[str, Any], mapping: Mapping[str, Any] | None) -> dict[str, Any]:
    """ENTRY with its extras as fields and what a source that is not a govopen portal lacks:
    renamed extras, defaults, a frequency map (the source config's ``mapping``). Idempotent."""
    mapping = mapping or {}
    flat = flatten_extras(entry)
    for old, new in (mapping.get("rename_extras") or {}).items():
        if old in flat:
            flat[new] = flat.pop(old)
    frequency = mapping.get("frequency") or {}
    if flat.get("update_frequency") in frequency:
        flat["update_frequency"] = frequency[flat["update_frequency"]]
    for field, key in (("open_category", "default_open_category"), ("share_category", "default_share_category"),
                       ("update_frequency", "default_update_frequency"), ("resource_class", "default_resource_class")):
        if not flat.get(field) and mapping.get(key):
            flat[field] = mapping[key]
    return flat


def to_dataset(entry: Mapping[str, Any], *, target: str, source_site: str, acquired: datetime.datetime,
               fields: Collection[str], owner_org: str, name_taken: bool = False,
               mapping: Mapping[str, Any] | None = None, privacy_suspended: bool = False) -> dict[str, Any]:
    """The dataset dict to create or update upstream for ENTRY (which travels to TARGET: the
    caller asked ``rules.travels`` first). FIELDS: the upper schema's dataset field names;
    nothing else is copied. Addresses travel only where ``rules.addresses_travel`` says so."""
    flat = prepare(entry, mapping)
    ident = rules.identity(flat, source_site)
    if not rules.addresses_travel(flat, privacy_suspended):
        flat = rules.strip_addresses(flat, apply_url(flat, source_site))
    out: dict[str, Any] = {k: v for k, v in flat.items()
                           if k in fields and k not in _NOT_COPIED and k not in rules.PROVENANCE_FIELDS}
    out.update(rules.provenance(flat, source_site, acquired))
    for key in JSON_FIELDS:  # stored as JSON text (a list of objects would not pass navl whole)
        out[key] = json.dumps(out[key], ensure_ascii=False, sort_keys=True)
    out.update({
        "id": upstream_id(ident),
        "name": upstream_name(str(flat.get("name") or ""), ident, name_taken),
        "owner_org": owner_org,
        "private": False,
        "state": "active",
        "type": "dataset",
        "origin_apply_url": flat.get("origin_apply_url") or "",
        "withdrawn_reason": "",
        "withdrawn_at": "",
    })
    out["tags"] = [{"name": t["name"]} for t in flat.get("tags") or [] if isinstance(t, Mapping) and t.get("name")]
    out.pop("tag_string", None)
    out["resources"] = []
    for resource in flat.get("resources") or []:
        if not isinstance(resource, Mapping):
            continue
        copied = {k: resource[k] for k in _RESOURCE_COPIED if resource.get(k) not in (None, "")}
        # By position: the same on every path (a province's copy has its own resource ids).
        copied["id"] = _resource_id(ident, str(len(out["resources"])))
        copied["url"] = resource.get("url") or ""
        out["resources"].append(copied)
    return out


def to_organization(org: Mapping[str, Any], *, department_code: str, region_code: str | None) -> dict[str, Any]:
    """The upstream organization for a source department (created once, keyed by its code)."""
    out = {k: org[k] for k in _ORG_COPIED if org.get(k) not in (None, "")}
    out["title"] = org.get("title") or org.get("name") or department_code
    out["department_code"] = department_code
    if region_code and not out.get("region_code"):
        out["region_code"] = region_code
    out["name"] = organization_name(str(org.get("name") or ""), department_code)
    return out


def with_department(entry: Mapping[str, Any], organizations: Mapping[str, Mapping[str, Any]]) -> dict[str, Any]:
    """ENTRY with what describes its department (ORGANIZATIONS: the source's organizations by
    id): a dataset shows only its organization's core fields, without the department code.
    Counts and stamps are left out, since they would change the content hash."""
    org = entry.get("organization") or {}
    org = {**org, **organizations.get(org.get("id") or entry.get("owner_org"), {})}
    return {**entry, "organization": {k: org[k] for k in ORG_FIELDS if k in org}}


def department_code(entry: Mapping[str, Any], config: Mapping[str, Any]) -> str | None:
    """The credit code of ENTRY's department, or the source config's mapping for its name."""
    org = entry.get("organization") or {}
    codes = (config.get("mapping") or {}).get("department_codes") or {}
    return org.get("department_code") or codes.get(org.get("name")) or None


@dataclass(frozen=True)
class Considered:
    """A source entry as it would travel: FLAT and its DIGEST, or WHY it does not."""
    guid: str
    flat: dict[str, Any] | None
    digest: str | None
    why: str | None = None


def consider(entry: Mapping[str, Any], config: Mapping[str, Any], source_site: str) -> Considered:
    """Does ENTRY (as the source shows it, with its department) travel to ``config["target"]``,
    and as what: prepared by the config's mapping, addresses stripped where they may not
    travel, and its content hash. The same on both sides of a push report and in a pull."""
    guid = str(entry["id"])
    flat = prepare(entry, config.get("mapping"))
    ok, why = rules.travels(flat, config.get("target"))
    departments = set(config.get("departments") or [])
    if ok and departments and department_code(flat, config) not in departments:
        ok, why = False, NOT_SELECTED
    if not ok:
        return Considered(guid, None, None, why)
    if not rules.addresses_travel(flat):
        flat = rules.strip_addresses(flat, apply_url(flat, source_site.rstrip("/")))
    return Considered(guid, flat, rules.content_hash(flat))
