"""Who may have a resource (its URL, file, preview, data): the portal's one decision.

Pure: no CKAN imports. The CKAN glue (`gate`) gathers the facts and every path that hands
out resource data asks here: resource_show auth (and through it downloads, views,
DataStore), package_show output, resource_search, the search index, activity.

Metadata of every (non-classified) entry is public; only resource contents are gated.
A missing or unknown category closes everything but the owner's and sysadmins' access.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import cached_property
from typing import Callable, Iterable

__all__ = ["Subject", "Dataset", "Grant", "may_access", "is_public"]


@dataclass(frozen=True)
class Grant:
    """Access granted by an approved request: to a user or to a whole department, for the
    dataset's listed resources (all of them when ``resource_ids`` is empty), until ``expires``
    (naive UTC), unless revoked."""

    package_id: str
    resource_ids: frozenset[str] = frozenset()
    expires: datetime | None = None
    revoked: bool = False

    def covers(self, package_id: str, resource_id: str | None, now: datetime) -> bool:
        if self.revoked or self.package_id != package_id:
            return False
        if self.expires is not None and now >= self.expires:
            return False
        # Asking for every resource (None) is answered only by a grant of every resource.
        return not self.resource_ids or resource_id in self.resource_ids


GrantLoader = Callable[[], "tuple[tuple[Grant, ...], tuple[Grant, ...]]"]


@dataclass(frozen=True)
class Subject:
    """Who is asking. ``org_ids``: departments the user is a member of (any capacity);
    ``government_org_ids``: those of them that count as government for sharing.
    Grants are given, or loaded on first need by ``load_grants`` (user grants, department
    grants): most decisions (owners, public data) never need them."""

    user_id: str | None = None
    sysadmin: bool = False
    org_ids: frozenset[str] = frozenset()
    # The subset of ORG_IDS that are government departments (by department type, see the
    # portal's ckanext.govopen.share.government_types): membership of one of these, in any
    # capacity, is what makes a user government for data shared between departments.
    government_org_ids: frozenset[str] = frozenset()
    user_grants_given: tuple[Grant, ...] = ()
    department_grants_given: tuple[Grant, ...] = ()
    load_grants: GrantLoader | None = None

    @cached_property
    def _grants(self) -> tuple[tuple[Grant, ...], tuple[Grant, ...]]:
        if self.load_grants is None:
            return self.user_grants_given, self.department_grants_given
        return self.load_grants()

    @property
    def user_grants(self) -> tuple[Grant, ...]:
        return self._grants[0]

    @property
    def department_grants(self) -> tuple[Grant, ...]:
        return self._grants[1]

    @property
    def is_government(self) -> bool:
        return bool(self.government_org_ids & self.org_ids)


ANONYMOUS = Subject()


@dataclass(frozen=True)
class Dataset:
    id: str
    owner_org: str | None
    open_category: str | None
    share_category: str | None
    classified: bool = False
    private: bool = False
    # An open privacy objection hides the resources until it is decided (Nanjing 35).
    # Given, or asked of ``load_disputed`` only when the answer matters (access that would
    # otherwise be granted to someone outside the owner).
    disputed_privacy_given: bool = False
    load_disputed: Callable[[], bool] | None = None

    @cached_property
    def disputed_privacy(self) -> bool:
        return self.load_disputed() if self.load_disputed is not None else self.disputed_privacy_given


def is_public(dataset: Dataset) -> bool:
    """May anyone at all, logged in or not, have this dataset's resources?"""
    return may_access(ANONYMOUS, dataset, None, datetime.min)


def may_access(subject: Subject, dataset: Dataset, resource_id: str | None, now: datetime) -> bool:
    """May SUBJECT have resource RESOURCE_ID (None: every resource) of DATASET at NOW?"""
    if subject.sysadmin:
        return True
    if dataset.owner_org and dataset.owner_org in subject.org_ids:
        return True
    if dataset.classified or dataset.private:
        return False
    return _by_category(subject, dataset, resource_id, now) and not dataset.disputed_privacy


def _by_category(subject: Subject, dataset: Dataset, resource_id: str | None, now: datetime) -> bool:
    if dataset.open_category == "unconditional":
        return True
    if dataset.open_category == "on_application" and _granted(subject.user_grants, dataset, resource_id, now):
        return True
    if subject.is_government:
        if dataset.share_category == "unconditional":
            return True
        if dataset.share_category == "conditional" and _granted(subject.department_grants, dataset,
                                                                 resource_id, now):
            return True
    return False


def _granted(grants: Iterable[Grant], dataset: Dataset, resource_id: str | None, now: datetime) -> bool:
    return any(g.covers(dataset.id, resource_id, now) for g in grants)
