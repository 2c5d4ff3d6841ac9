"""Writing what travels into this portal: one entry (create, update, restore) or one
withdrawal with its tombstone. The harvester's import stage calls these; so will anything else
that brings entries from another tier (the push report of the cascade issue), so that one set of
rules applies: the upper schema's validators, derived ids, locks, organizations by credit code."""
from __future__ import annotations

import datetime
import json
from typing import Any

import ckan.model as model
import ckan.plugins.toolkit as tk

from ckanext.govopen.sync import mapping, rules, store
from ckanext.govopen.text import N_
from ckanext.govopen.translations import text

__all__ = ["write_entry", "withdraw", "NO_DEPARTMENT_CODE"]

NO_DEPARTMENT_CODE = N_("the source department has no department code; map it in the source's "
                        "mapping.department_codes")


def _now() -> datetime.datetime:
    return datetime.datetime.now(datetime.timezone.utc)


def _context(user: str) -> dict[str, Any]:
    # No defer_commit: with it, CKAN 2.12's package_update lost its changes (its savepoint is
    # never committed). Each write is CKAN's own transaction, indexed by CKAN.
    return {"model": model, "session": model.Session, "user": user, "ignore_auth": True,
            "govopen_sync": True, "govopen_change_source": "harvest"}


def _dataset_fields() -> set[str]:
    schema = tk.h.scheming_get_dataset_schema("dataset") or {}
    return {f["field_name"] for f in schema.get("dataset_fields", [])}


def _organization(org: dict[str, Any], code: str, region_code: str | None, user: str,
                  known: dict[str, str]) -> str:
    if code in known:
        return known[code]
    store.lock("department", code)
    found = store.organization_with("department_code", code)
    if found is not None:
        known[code] = found.id
        return found.id
    data = mapping.to_organization(org, department_code=code, region_code=region_code)
    try:
        known[code] = tk.get_action("organization_create")(_context(user), data)["id"]
    except tk.ValidationError as err:  # name the organization's fields as such
        raise tk.ValidationError({f"organization.{k}": v for k, v in (err.error_dict or {}).items()})
    return known[code]


def write_entry(flat: dict[str, Any], *, source_site: str, config: dict[str, Any], user: str,
                organizations: dict[str, str] | None = None) -> str:
    """Create, update or restore the copy of FLAT (a prepared source entry that travels to
    ``config["target"]``); its id. Raises ValidationError with field errors: nothing is written then.
    ORGANIZATIONS (department code -> organization id) spares the lookup of departments met
    before; a caller keeps it for one job at most."""
    site = source_site.rstrip("/")
    ident = rules.identity(flat, site)
    code = mapping.department_code(flat, config)
    if not code:
        raise tk.ValidationError({"organization": [text(NO_DEPARTMENT_CODE)]})
    owner = _organization(flat.get("organization") or {}, code, config.get("region_code"), user,
                          {} if organizations is None else organizations)
    # Held until CKAN commits the dataset: a concurrent write of the same origin dataset
    # (another job, another path) waits here, then updates what this one created.
    store.lock("dataset", *ident)
    package_id = mapping.upstream_id(ident)
    existing = model.Package.get(package_id)
    wanted = mapping.upstream_name(str(flat.get("name") or ""), ident, False)
    if existing is not None and existing.name in (wanted, mapping.upstream_name(wanted, ident, True)):
        taken = existing.name != wanted
    else:
        taken = store.name_taken(wanted, package_id)
    data = mapping.to_dataset(flat, target=config["target"], source_site=site, acquired=_now(),
                              fields=_dataset_fields(), owner_org=owner, name_taken=taken,
                              mapping=config.get("mapping"))
    if existing is not None:
        data["category_change_reason"] = text(mapping.CHANGED_AT_ORIGIN)
        tk.get_action("package_update")(_context(user), data)
    else:
        tk.get_action("package_create")(_context(user), data)
    return package_id


def withdraw(package_id: str, why: str, *, user: str) -> bool:
    """Delete the copy PACKAGE_ID with a tombstone (WHY, a msgid, and when); False when it is
    gone or withdrawn already. It comes back, same id, when write_entry meets it again."""
    package = model.Package.get(package_id)
    if package is None or package.state == "deleted":
        return False
    store.lock("dataset", package_id)
    data = tk.get_action("package_show")({**_context(user), "use_cache": False}, {"id": package_id})
    for key in mapping.JSON_FIELDS:
        data[key] = json.dumps(data.get(key) or ([] if key == "harvest_chain" else {}), ensure_ascii=False)
    data.update(withdrawn_reason=why, withdrawn_at=_now().isoformat(timespec="seconds"))
    tk.get_action("package_update")(_context(user), data)
    tk.get_action("package_delete")(_context(user), {"id": package_id})
    return True
