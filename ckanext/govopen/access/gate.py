"""The access gate's CKAN side: gather the facts `access.may_access` decides on, and apply
the decision on each path that hands out resource URLs or data.

Paths (each tested in tests/access/gate/): resource_show auth (downloads, resource views and
DataStore derive from it), package_show output (live or from the Solr cache), the search
index (restricted URLs are never indexed, so package_search with any `fl` cannot return
them), resource_search (restricted resources take no part in the query, the count or the
page), and activity: snapshots are stored with public URLs only (CKAN makes them with the
acting user's package_show), scrubbed when a dataset stops being public, and filtered per
reader on every activity action.
"""
from __future__ import annotations

import json
from typing import Any, Iterable

import sqlalchemy as sa

import ckan.lib.munge as munge
import ckan.model as model
import ckan.plugins.toolkit as tk

from ckanext.govopen.access import decision as access
from ckanext.govopen.translations import _
from ckanext.govopen.catalogue.categories import as_bool
from ckanext.govopen.model import Grant, Request, user_departments, utcnow
from ckanext.govopen.requests.rules import OPEN_STATUSES

__all__ = ["subject_for", "dataset_facts", "facts_from_dict", "may_access_resource",
           "filter_package_dict", "scrub_index", "filter_resources", "scrub_activity",
           "privacy_disputed", "RESTRICTED_FLAG", "resource_search", "scrub_stored_activity"]

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
        member_of, government = user_departments(user.id)
        orgs = frozenset(member_of)
        subject = access.Subject(user_id=user.id, sysadmin=bool(user.sysadmin), org_ids=orgs,
                                 government_org_ids=government,
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
    """Which of these datasets have an open privacy objection that suspends their resources
    (filed by government staff, or suspended by the department or on its silence)."""
    ids = [i for i in package_ids if i]
    if not ids or not tk.config["ckanext.govopen.objections.privacy_hides_resources"]:
        return set()
    q = (model.Session.query(Request.package_id).distinct()
         .filter(Request.package_id.in_(ids), Request.kind == "objection", Request.suspended.isnot(None),
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
    pkg_dict["res_url"] = ["" for _url in pkg_dict.get("res_url") or []]
    for key in ("data_dict", "validated_data_dict"):
        if pkg_dict.get(key):
            copy = json.loads(pkg_dict[key])
            for res in copy.get("resources") or []:
                _withhold(res)
            pkg_dict[key] = json.dumps(copy)
    return pkg_dict


def _candidates(subject: access.Subject):
    """A SQL condition on Package no narrower than may_access: the datasets whose resources the
    subject could have (public ones, the subject's departments', granted ones, and those shared
    with every department). Resources outside it are never compared with a query's terms; those
    inside are then decided one by one by may_access."""
    extras = model.Package.extras
    cond = [extras["open_category"].astext == "unconditional"]
    if subject.org_ids:
        cond.append(model.Package.owner_org.in_(list(subject.org_ids)))
    if subject.is_government:
        cond.append(extras["share_category"].astext == "unconditional")
    if subject.user_id is not None:
        granted = {g.package_id for g in (*subject.user_grants, *subject.department_grants)}
        if granted:
            cond.append(model.Package.id.in_(list(granted)))
    return sa.or_(*cond)


def resource_search(context: dict[str, Any], data_dict: dict[str, Any]) -> dict[str, Any]:
    """resource_search over the resources the context's user may have, and nothing else."""
    from ckan.lib.dictization import model_dictize
    from ckan.model.misc import escape_sql_like_special_characters

    query = data_dict.get("query")
    if query is None:
        raise tk.ValidationError({"query": [_("Missing value")]})
    terms = [query] if isinstance(query, str) else query
    if not isinstance(terms, list) or not all(isinstance(term, str) and ":" in term for term in terms):
        raise tk.ValidationError({"query": [_("Must be <field>:<value> pair(s)")]})
    offset, limit = _paging(data_dict)
    subject = subject_for(context)
    Resource = model.Resource
    q = (model.Session.query(Resource.id, Resource.package_id).join(model.Package, model.Package.id == Resource.package_id)
         .filter(model.Package.state == "active", model.Package.private.is_(False), Resource.state == "active",
                 _candidates(subject)))
    columns = Resource.get_columns()
    for field, term in (pair.split(":", 1) for pair in terms):
        if field not in columns:
            raise tk.ValidationError({"query": [
                _('Field "{field}" not recognised in resource_search.').format(field=field)]})
        term = escape_sql_like_special_characters(term)
        if field == "hash":
            q = q.filter(Resource.hash.ilike(term + "%"))
        elif field in Resource.get_extra_columns():
            q = q.filter(sa.or_(Resource.extras.ilike(f'%"{field}": "%{term}%",%'),
                                Resource.extras.ilike(f'%"{field}": "%{term}%"}}')))
        else:
            column = getattr(Resource, field)
            if isinstance(column.property.columns[0].type, sa.UnicodeText):
                q = q.filter(column.ilike(f"%{term}%"))
            else:
                q = q.filter(column == term)
    order_by = data_dict.get("order_by")
    if isinstance(order_by, str) and order_by in columns:
        q = q.order_by(getattr(Resource, order_by), Resource.id)
    else:
        q = q.order_by(Resource.id)
    rows = [{"id": rid, "package_id": pid} for rid, pid in q.all()]
    kept = filter_resources(context, rows)
    page = [r["id"] for r in kept[offset:offset + limit if limit is not None else None]]
    by_id = {r.id: r for r in model.Session.query(Resource).filter(Resource.id.in_(page or [""]))}
    results = [by_id[rid] for rid in page if rid in by_id]
    return {"count": len(kept), "results": model_dictize.resource_list_dictize(results, context)}


def _paging(data_dict: dict[str, Any]) -> tuple[int, int | None]:
    out = []
    for key, default in (("offset", 0), ("limit", None)):
        value = data_dict.get(key)
        if value in (None, ""):
            out.append(default)
            continue
        try:
            number = int(value)
        except (TypeError, ValueError):
            raise tk.ValidationError({key: [_("Invalid integer")]})
        if number < 0:
            raise tk.ValidationError({key: [_("Must be a natural number")]})
        out.append(number)
    return out[0], out[1]


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


_PACKAGE_ACTIVITIES = ("new package", "changed package", "deleted package")


def _public_now(package_id: str | None) -> bool:
    pkg = model.Package.get(package_id) if package_id else None
    return pkg is not None and pkg.state == "active" and access.is_public(dataset_facts(pkg))


def _withhold_all(snapshot: Any) -> bool:
    """Withhold every resource URL of a dataset snapshot; whether any URL was there."""
    withheld = False
    for res in (snapshot or {}).get("resources") or [] if isinstance(snapshot, dict) else []:
        if isinstance(res, dict):
            withheld = withheld or bool(res.get("url"))
            _withhold(res)
    return withheld


def scrub_new_activity(data_dict: dict[str, Any]) -> None:
    """An activity is stored once and shown to everyone, on paths that read the table directly
    (the resource history page does): it keeps only URLs that everyone may have. CKAN makes the
    snapshot with the acting user's package_show, which would include URLs only they may have."""
    snapshot = (data_dict.get("data") or {}).get("package") if isinstance(data_dict.get("data"), dict) else None
    if isinstance(snapshot, dict) and not _public_now(snapshot.get("id") or data_dict.get("object_id")):
        _withhold_all(snapshot)


def scrub_stored_activity(package_ids: Iterable[str] | None = None) -> int:
    """Withhold the URLs in stored snapshots of datasets that are not public now (all datasets
    when PACKAGE_IDS is None): a dataset that was open and became restricted must not keep its
    old URLs in its history. Runs in the caller's transaction; returns how many were changed."""
    try:
        from ckanext.activity.model import Activity
    except ImportError:
        return 0
    from sqlalchemy.orm.attributes import flag_modified

    if package_ids is None:
        package_ids = [r[0] for r in model.Session.query(Activity.object_id).distinct()
                       .filter(Activity.activity_type.in_(_PACKAGE_ACTIVITIES))]
    changed = 0
    for pid in {i for i in package_ids if i}:
        if _public_now(pid):
            continue
        for activity in (model.Session.query(Activity)
                         .filter(Activity.object_id == pid, Activity.activity_type.in_(_PACKAGE_ACTIVITIES)).all()):
            data = dict(activity.data or {})
            if _withhold_all(data.get("package")):
                activity.data = data
                flag_modified(activity, "data")
                changed += 1
    return changed


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
