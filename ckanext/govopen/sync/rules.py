"""What upward sync carries, pure (stdlib and govopen's pure modules only).

An *entry* is a dataset as the source portal's ``package_show`` gives it (govopen's schema:
``open_category``, ``share_category``, ``classified``, ``private``, ``state``, ``resources``,
``organization`` with ``department_code`` and ``region_code``). A *target* is what the
upper portal is: ``open_portal`` (the public catalogue: unconditionally open and
open-on-application entries) or ``sharing_platform`` (the inter-department catalogue and its
negative list: every entry that is not classified).

Fail closed: a resource address travels only when the entry is open to everyone and not under
a privacy suspension; everything else travels as metadata, whatever credential read it.
"""
from __future__ import annotations

import copy
import datetime
import hashlib
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from ckanext.govopen.catalogue.categories import (OPEN_CATEGORIES, OPEN_CATEGORY_INVALID, SHARE_CATEGORIES,
                                                   SHARE_CATEGORY_INVALID, as_bool)
from ckanext.govopen.catalogue.codes import Problem, region_code_problems
from ckanext.govopen.text import N_, Message
from ckanext.govopen.times import api_time

__all__ = [
    "TARGETS", "PROVENANCE_FIELDS", "VOLATILE_FIELDS", "Guard", "MESSAGES",
    "travels", "addresses_travel", "strip_addresses", "provenance", "identity", "content_hash",
    "withdrawal_guard", "source_config_problems",
]

TARGETS = ("open_portal", "sharing_platform")
_OPEN_PORTAL_CATEGORIES = ("unconditional", "on_application")
PROVENANCE_FIELDS = ("origin_portal", "origin_dataset_id", "origin_url", "origin_department",
                     "origin_region_code", "acquired_at", "harvest_chain")
# What changes at the source without the entry changing: left out of the content hash.
VOLATILE_FIELDS = frozenset({"metadata_modified", "revision_id", "tracking_summary", "num_tags", "num_resources",
                             "relationships_as_object", "relationships_as_subject", "acquired_at", "harvest_chain",
                             "harvest_object_id", "harvest_source_id", "harvest_source_title"})
_RESOURCE_VOLATILE = frozenset({"metadata_modified", "revision_id", "tracking_summary", "cache_last_updated",
                                "datastore_active", "position"})
_ADDRESS_FIELDS = ("url", "url_type", "cache_url")

# Why an entry does not travel (stored with a withdrawal upstream).
NOT_ACTIVE = N_("Deleted or not active at the source")
PRIVATE = N_("Private at the source")
CLASSIFIED = N_("Classified: classified entries never leave their portal")
NOT_IN_TARGET = N_("Its open category is not published on this target")
# Source-config problems.
TARGET_REQUIRED = N_("Choose the target: open_portal or sharing_platform")
BAD_DEPARTMENTS = N_("Give department codes as a list of texts")
BAD_MAPPING = N_("Give the mapping as an object")
BAD_SHARE = N_("Give a share between 0 and 1, such as 0.2")
BAD_PUSH = N_("true (the source reports to this portal) or false")
SECRET_IN_CONFIG = N_("API tokens do not go into a source's configuration, which anyone can read: "
                      "set them in the server configuration")
# Why the mass-withdrawal guard stopped a job.
LISTING_INCOMPLETE = N_("the listing is incomplete")
LISTING_EMPTY = N_("the listing is empty")
TOO_MANY_WITHDRAWALS = N_("{gone} of {known} would be withdrawn, more than the allowed share {share}")
MESSAGES = (LISTING_INCOMPLETE, LISTING_EMPTY, TOO_MANY_WITHDRAWALS, NOT_ACTIVE, PRIVATE, CLASSIFIED, NOT_IN_TARGET, TARGET_REQUIRED, BAD_DEPARTMENTS, BAD_MAPPING,
            BAD_SHARE, BAD_PUSH, SECRET_IN_CONFIG)


def travels(entry: Mapping[str, Any], target: str) -> tuple[bool, str | None]:
    """Does ENTRY go to TARGET? (True, None), or (False, the msgid of why not)."""
    if target not in TARGETS:
        raise ValueError(f"unknown target {target!r}; known: {', '.join(TARGETS)}")
    if entry.get("state", "active") != "active":
        return False, NOT_ACTIVE
    if as_bool(entry.get("private")):
        return False, PRIVATE
    if as_bool(entry.get("classified")):
        return False, CLASSIFIED
    if target == "open_portal" and entry.get("open_category") not in _OPEN_PORTAL_CATEGORIES:
        return False, NOT_IN_TARGET
    return True, None


def addresses_travel(entry: Mapping[str, Any], privacy_suspended: bool = False) -> bool:
    """May the resources' addresses (URLs, uploads) go upstream? Only for entries open to
    everyone and not suspended by a privacy objection; never otherwise, whoever read them."""
    return entry.get("open_category") == "unconditional" and not privacy_suspended \
        and not as_bool(entry.get("classified"))


def strip_addresses(entry: Mapping[str, Any], apply_url: str | None) -> dict[str, Any]:
    """A copy of ENTRY whose resources carry metadata only (name, format, description...):
    no address, no upload, no cache. APPLY_URL (the origin's request form) says where to apply."""
    out = copy.deepcopy(dict(entry))
    for resource in out.get("resources") or []:
        for field in _ADDRESS_FIELDS:
            resource.pop(field, None)
        resource["url"] = ""
    if apply_url:
        out["origin_apply_url"] = apply_url
    return out


def provenance(entry: Mapping[str, Any], source_site: str, acquired: datetime.datetime) -> dict[str, Any]:
    """The provenance fields for ENTRY read from SOURCE_SITE at ACQUIRED. An entry that already
    carries provenance (the province's copy of a city entry: it has an ``origin_dataset_id``)
    keeps its origin; the chain grows by this hop either way. An entry made at the source has
    no ``origin_dataset_id`` (its ``origin_portal`` is the source's own site id, set by the
    schema's default), so the source is its origin."""
    source_site = source_site.rstrip("/")
    hop = {"portal": source_site, "acquired_at": api_time(acquired)}
    chain = [dict(h) for h in (entry.get("harvest_chain") or []) if isinstance(h, Mapping)]
    if entry.get("origin_portal") and entry.get("origin_dataset_id"):
        fields = {k: entry.get(k) for k in PROVENANCE_FIELDS if k not in ("acquired_at", "harvest_chain")}
    else:
        org = entry.get("organization") or {}
        fields = {
            "origin_portal": source_site,
            "origin_dataset_id": entry.get("id"),
            "origin_url": f"{source_site}/dataset/{entry.get('name') or entry.get('id')}",
            "origin_department": {"name": org.get("title") or org.get("name"),
                                  "department_code": org.get("department_code")},
            "origin_region_code": org.get("region_code") or entry.get("region_code"),
        }
    return {**fields, "acquired_at": api_time(acquired), "harvest_chain": [*chain, hop]}


def identity(entry: Mapping[str, Any], source_site: str) -> tuple[str, str]:
    """(origin portal, origin dataset id): the same dataset reached by two paths (a city
    harvested directly and through its province) is one dataset upstream."""
    if entry.get("origin_portal") and entry.get("origin_dataset_id"):
        return str(entry["origin_portal"]).rstrip("/"), str(entry["origin_dataset_id"])
    return source_site.rstrip("/"), str(entry["id"])


def content_hash(entry: Mapping[str, Any]) -> str:
    """A hash of what ENTRY says, without what changes on every read (modification stamps,
    the harvest chain): equal hashes, nothing to write."""
    def clean(value: Any, volatile: frozenset[str]) -> Any:
        if isinstance(value, Mapping):
            return {k: clean(v, _RESOURCE_VOLATILE) for k, v in sorted(value.items()) if k not in volatile}
        if isinstance(value, list):
            return [clean(v, volatile) for v in value]
        return value

    body = {k: clean(v, _RESOURCE_VOLATILE) for k, v in entry.items() if k not in VOLATILE_FIELDS}
    text = json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Guard:
    ok: bool
    withdraw: frozenset[str]
    reason: Message | None = None


def withdrawal_guard(listed: Iterable[str], known: Iterable[str], complete: bool,
                     max_share: float) -> Guard:
    """Which KNOWN identities (upstream copies of this source) to withdraw now that the source
    LISTED these. Nothing at all when the listing is not COMPLETE (it failed or was cut short),
    when it is empty while copies exist, or when it would withdraw more than MAX_SHARE of them:
    a broken source must not empty the upper catalogue."""
    listed, known = set(listed), set(known)
    gone = frozenset(known - listed)
    if not complete:
        return Guard(False, frozenset(), Message(LISTING_INCOMPLETE))
    if known and not listed:
        return Guard(False, frozenset(), Message(LISTING_EMPTY))
    if known and len(gone) / len(known) > max_share:
        return Guard(False, frozenset(), Message(TOO_MANY_WITHDRAWALS, gone=len(gone), known=len(known),
                                                 share=f"{max_share:g}"))
    return Guard(True, gone)


_SECRET_KEY = re.compile(r"token|secret|password|api_key|apikey|authorization", re.I)


def source_config_problems(config: Any) -> list[Problem]:
    """What is wrong with a harvest source's configuration (field errors):
    ``target``, ``departments`` (department codes to take; all when absent), ``region_code``,
    ``max_withdrawal_share`` (0..1), ``mapping`` for sources that are not govopen portals
    (``default_open_category``, ``default_share_category``, ``default_update_frequency``,
    ``default_resource_class``, ``frequency``, ``rename_extras``, ``department_codes``).
    Secrets are refused: the configuration is public in ckanext-harvest."""
    if not isinstance(config, Mapping):
        return [Problem("config", BAD_MAPPING)]
    problems: list[Problem] = []
    if config.get("target") not in TARGETS:
        problems.append(Problem("target", TARGET_REQUIRED))
    departments = config.get("departments")
    if departments is not None and (not isinstance(departments, list)
                                    or not all(isinstance(d, str) and d.strip() for d in departments)):
        problems.append(Problem("departments", BAD_DEPARTMENTS))
    if config.get("region_code") not in (None, ""):
        problems += region_code_problems(config["region_code"], field="region_code")
    if "push" in config and not isinstance(config["push"], bool):
        problems.append(Problem("push", BAD_PUSH))
    share = config.get("max_withdrawal_share")
    if share is not None and (isinstance(share, bool) or not isinstance(share, (int, float)) or not 0 <= share <= 1):
        problems.append(Problem("max_withdrawal_share", BAD_SHARE))
    mapping = config.get("mapping")
    if mapping is not None:
        if not isinstance(mapping, Mapping):
            problems.append(Problem("mapping", BAD_MAPPING))
        else:
            default_open = mapping.get("default_open_category")
            if default_open is not None and default_open not in OPEN_CATEGORIES:
                problems.append(Problem("mapping.default_open_category", OPEN_CATEGORY_INVALID,
                                        {"value": default_open, "choices": ", ".join(OPEN_CATEGORIES)}))
            default_share = mapping.get("default_share_category")
            if default_share is not None and default_share not in SHARE_CATEGORIES:
                problems.append(Problem("mapping.default_share_category", SHARE_CATEGORY_INVALID,
                                        {"value": default_share, "choices": ", ".join(SHARE_CATEGORIES)}))
            for key in ("frequency", "rename_extras", "department_codes"):
                if mapping.get(key) is not None and not isinstance(mapping[key], Mapping):
                    problems.append(Problem(f"mapping.{key}", BAD_MAPPING))

    def secrets(node: Any, path: str) -> None:
        if isinstance(node, Mapping):
            for key, value in node.items():
                if _SECRET_KEY.search(str(key)):
                    problems.append(Problem(f"{path}{key}", SECRET_IN_CONFIG))
                secrets(value, f"{path}{key}.")

    secrets(config, "")
    return problems
