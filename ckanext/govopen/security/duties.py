"""Separation of duties (pure), as GB/T 39477-2020 and MLPS level 3 expect of a government system
(三员分立): the system administrator (CKAN's sysadmins) runs the portal; the security
administrator (ckanext.govopen.security.administrators) looks after the security settings and
unlocks accounts; the auditor (ckanext.govopen.security.auditors) reads the security audit log,
the other two's actions included.

The roles are named in the configuration, which the operator controls and a sysadmin cannot
change from the portal. While a role names nobody, sysadmins hold it (a small portal); once it
names someone, only they hold it, and never a sysadmin: one person, one duty.
"""
from __future__ import annotations

import re
from collections.abc import Iterable

__all__ = ["AUDITORS", "ADMINISTRATORS", "names", "overlap_problem", "holds"]

AUDITORS = "ckanext.govopen.security.auditors"
ADMINISTRATORS = "ckanext.govopen.security.administrators"


def names(value: str | Iterable[str] | None) -> frozenset[str]:
    """User names of an option's value (spaces or commas between them)."""
    if value is None:
        return frozenset()
    if isinstance(value, str):
        value = re.split(r"[\s,]+", value)
    return frozenset(n.strip() for n in value if n and n.strip())


def overlap_problem(auditors: frozenset[str], administrators: frozenset[str]) -> str | None:
    """Why the configuration mixes duties (a message naming the options), or None."""
    both = sorted(auditors & administrators)
    if both:
        return (f"{AUDITORS} and {ADMINISTRATORS} both name {', '.join(both)}: "
                "the auditor and the security administrator must be different people")
    return None


def holds(role_holders: frozenset[str], user_name: str | None, is_sysadmin: bool) -> bool:
    """Whether a user holds a duty named by ROLE_HOLDERS (sysadmins while it names nobody)."""
    if not user_name:
        return False
    if not role_holders:
        return is_sysadmin
    return user_name in role_holders and not is_sysadmin
