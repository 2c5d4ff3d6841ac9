"""The access gate's CKAN side: gather the facts `access.may_access` decides on, and apply
the decision on each path that hands out resource URLs or data.

Paths (each tested in tests/gate/): resource_show auth (downloads, resource views and
DataStore derive from it), package_show output (live or from the Solr cache), the search
index (restricted URLs are never indexed, so package_search with any `fl` cannot return
them), resource_search, and activity snapshots (made by a user-less package_show).
"""
from __future__ import annotations

import json
from typing import Any, Iterable

import sqlalchemy as sa

import ckan.lib.munge as munge
import ckan.model as model
import ckan.plugins.toolkit as tk

from ckanext.govopen import access
from ckanext.govopen.categories import as_bool
from ckanext.govopen.model import Grant, Request, user_memberships, utcnow
from ckanext.govopen.request_rules import OPEN_STATUSES

__all__ = ["subject_for", "dataset_facts", "facts_from_dict", "may_access_resource",
           "filter_package_dict", "scrub_index", "filter_resources", "scrub_activity",
           "privacy_disputed", "RESTRICTED_FLAG"]

# Set on a resource dict whose URL was withheld, so pages can offer "apply" instead of a link.
RESTRICTED_FLAG = "govopen_restricted"
_SUBJECT_CACHE = "__govopen_subject"


def _user(context: dict[str, Any]) -> model.User | None:
    user = context.get("auth_user_obj")
    if isinstance(user, model.User):
        return user
    name = context.get("user")
    return model.User.get(name) if name else None


def subject_for(context: dict[str, Any]) -> access.Subject:
    """Who the context's user is, for the gate: departments now, live grants when a decision
    needs them. Cached on the context for the rest of the call, so expiry and revocation
    count from the next call on."""
    cached = context.get(_SUBJECT_CACHE)
    if cached is not None:
        return cached
    user = _user(context)
    if user is None or user.state != "active":
        subject = access.ANONYMOUS
    else:
        orgs = frozenset(user_memberships(user.id))
        subject = access.Subject(user_id=user.id, sysadmin=bool(user.sysadmin), org_ids=orgs,
                                 load_grants=lambda: _live_grants(user.id, orgs))
    context[_SUBJECT_CACHE] = subject
    return subject


def _live_grants(user_id: str, org_ids: frozenset[str]):
    grants = Grant.live_for(user_id, org_ids)
    as_access = lambda g: access.Grant(g.package_id, frozenset(g.resource_ids or []), g.expires)
    return (tuple(as_access(g) for g in grants if g.holder_type == "user"),
            tuple(as_access(g) for g in grants if g.holder_type == "department"))


def _flag(value: Any) -> bool:
    try:
        return as_bool(value)
    except ValueError:
        return True  # an unreadable "classified" flag closes, never opens


def privacy_disputed(package_ids: Iterable[str]) -> set[str]:
    """Which of these datasets have an open privacy objection hiding their resources."""
    ids = [i for i in package_ids if i]
    if not ids or not tk.config["ckanext.govopen.objections.privacy_hides_resources"]:
        return set()
    q = (model.Session.query(Request.package_id).distinct()
         .filter(Request.package_id.in_(ids), Request.kind == "objection",
                 Request.status.in_(OPEN_STATUSES), Request.applicant["objection_type"].astext == "privacy"))
    return {r[0] for r in q}


def _disputed(package_id: str, given: bool | None) -> dict[str, Any]:
    """The Dataset arguments for the privacy-objection fact: given, or looked up on demand."""
    if given is not None:
        return {"disputed_privacy_given": given}
    return {"load_disputed": lambda: bool(privacy_disputed([package_id]))}


def facts_from_dict(pkg: dict[str, Any], disputed: bool | None = None) -> access.Dataset:
    return access.Dataset(id=pkg["id"], owner_org=pkg.get("owner_org"),
                          open_category=pkg.get("open_category"), share_category=pkg.get("share_category"),
                          classified=_flag(pkg.get("classified")), private=_flag(pkg.get("private")),
                          **_disputed(pkg["id"], disputed))


def dataset_facts(pkg: model.Package, disputed: bool | None = None) -> access.Dataset:
    extras = pkg.extras or {}
    return access.Dataset(id=pkg.id, owner_org=pkg.owner_org,
                          open_category=extras.get("open_category"),
                          share_category=extras.get("share_category"),
                          classified=_flag(extras.get("classified")), private=bool(pkg.private),
                          **_disputed(pkg.id, disputed))


def may_access_resource(context: dict[str, Any], resource: model.Resource) -> bool:
    pkg = model.Package.get(resource.package_id)
    if pkg is None:
        return False
    return access.may_access(subject_for(context), dataset_facts(pkg), resource.id, utcnow())


def filter_package_dict(context: dict[str, Any], pkg_dict: dict[str, Any]) -> dict[str, Any]:
    """Each resource's URL for those who may have it (read from the database, since the
    Solr cache never holds restricted URLs), an empty URL and the restricted flag for others."""
    resources = pkg_dict.get("resources") or []
    if not resources or "id" not in pkg_dict:
        return pkg_dict
    facts = facts_from_dict(pkg_dict)
    if access.is_public(facts):
        return pkg_dict
    subject = subject_for(context)
    now = utcnow()
    allowed = [r for r in resources if access.may_access(subject, facts, r.get("id"), now)]
    urls = _urls((r["id"] for r in allowed if r.get("id")), pkg_dict.get("type") or "dataset",
                 bool(context.get("for_edit")))
    for res in resources:
        if res in allowed and res.get("id") in urls:
            res["url"] = urls[res["id"]]
            res.pop(RESTRICTED_FLAG, None)
        else:
            _withhold(res)
    return pkg_dict


def _withhold(res: dict[str, Any]) -> None:
    res["url"] = ""
    res[RESTRICTED_FLAG] = True


_RESOURCE_URLS = sa.text("SELECT id, url, url_type, package_id FROM resource WHERE id = ANY(:ids)")


def _urls(resource_ids: Iterable[str], package_type: str, for_edit: bool) -> dict[str, str]:
    """Live URLs as CKAN's resource_dictize shows them: links as stored, uploads as download
    links (the bare file name when editing)."""
    ids = list(resource_ids)
    if not ids:
        return {}
    rows = model.Session.execute(_RESOURCE_URLS, {"ids": ids}).all()  # plain SQL: see user_memberships
    urls = {}
    for rid, url, url_type, package_id in rows:
        if url_type == "upload" and url and not for_edit:
            url = tk.h.url_for(f"{package_type}_resource.download", id=package_id, resource_id=rid,
                               filename=munge.munge_filename(url.rsplit("/")[-1]), qualified=True)
        urls[rid] = url
    return urls


def scrub_index(pkg_dict: dict[str, Any]) -> dict[str, Any]:
    """Never index a URL that not everyone may have: not as res_url, nor inside the JSON
    copies of the dataset that Solr stores (data_dict, validated_data_dict)."""
    validated = json.loads(pkg_dict.get("validated_data_dict") or "{}")
    facts = facts_from_dict({**validated, "id": pkg_dict.get("id") or validated.get("id")})
    if access.is_public(facts):
        return pkg_dict
    pkg_dict["res_url"] = ["" for _ in pkg_dict.get("res_url") or []]
    for key in ("data_dict", "validated_data_dict"):
        if pkg_dict.get(key):
            copy = json.loads(pkg_dict[key])
            for res in copy.get("resources") or []:
                _withhold(res)
            pkg_dict[key] = json.dumps(copy)
    return pkg_dict


def filter_resources(context: dict[str, Any], resources: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Only the resources the user may have (resource_search): the rest are left out
    altogether, so that a query on the URL cannot tell they exist."""
    if not resources:
        return resources
    pkg_ids = {r["package_id"] for r in resources}
    disputed = privacy_disputed(pkg_ids)
    pkgs = {p.id: dataset_facts(p, p.id in disputed) for p in
            model.Session.query(model.Package).filter(model.Package.id.in_(pkg_ids))}
    subject = subject_for(context)
    now = utcnow()
    return [r for r in resources if r["package_id"] in pkgs
            and access.may_access(subject, pkgs[r["package_id"]], r["id"], now)]


def _looks_like_dataset(obj: dict[str, Any]) -> bool:
    return isinstance(obj.get("resources"), list) and "id" in obj and "owner_org" in obj


def scrub_activity(context: dict[str, Any], result: Any) -> bool:
    """Withhold resource URLs inside activity snapshots, judged by the dataset as it is NOW
    (a snapshot taken while it was open must not leak after it was restricted, nor one of a
    deleted dataset). Returns whether anything was withheld."""
    subject = subject_for(context)
    now = utcnow()
    facts: dict[str, access.Dataset | None] = {}
    withheld = False

    def current(pkg_id: str) -> access.Dataset | None:
        if pkg_id not in facts:
            pkg = model.Package.get(pkg_id)
            facts[pkg_id] = dataset_facts(pkg) if pkg is not None and pkg.state != "deleted" else None
        return facts[pkg_id]

    def visit(obj: Any) -> None:
        nonlocal withheld
        if isinstance(obj, dict):
            if _looks_like_dataset(obj):
                dataset = current(obj["id"])
                for res in obj["resources"]:
                    if isinstance(res, dict) and not (
                            dataset is not None and access.may_access(subject, dataset, res.get("id"), now)):
                        if res.get("url"):
                            withheld = True
                        _withhold(res)
            for value in obj.values():
                visit(value)
        elif isinstance(obj, list):
            for value in obj:
                visit(value)

    visit(result)
    return withheld
