"""The portal's deadline policy and working-day calendar, read from configuration.

Thin glue over the pure `deadlines` package: parse the options once per distinct value,
so a config change (tests, reload) is picked up without a restart.
"""
from __future__ import annotations

import functools
from datetime import date

import ckan.plugins.toolkit as tk

from ckanext.govopen import deadlines as dl

__all__ = ["active_policy", "calendar", "known_policy_names", "known_years", "parse_pairs", "policy_named"]


def parse_pairs(text: str, option: str) -> dict[str, str]:
    """`key = value` lines (or `key=value` items separated by whitespace on one line)."""
    pairs: dict[str, str] = {}
    for line in (text or "").splitlines():
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        items = [line] if " = " in line else line.split()
        for item in items:
            key, sep, value = item.partition("=")
            if not sep or not key.strip():
                raise ValueError(f"{option}: expected 'key = value', got {item!r}")
            pairs[key.strip()] = value.strip()
    return pairs


def _custom_profiles(text: str) -> dict[str, dict[str, str]]:
    profiles: dict[str, dict[str, str]] = {}
    for key, value in parse_pairs(text, "ckanext.govopen.policy.custom").items():
        name, sep, rest = key.partition(".")
        if not sep:
            raise ValueError(f"ckanext.govopen.policy.custom: {key!r} should be PROFILE.KEY")
        profiles.setdefault(name, {})[rest] = value
    return profiles


@functools.lru_cache(maxsize=16)
def _policy(name: str, overrides: str, custom: str) -> dl.Policy:
    return dl.resolve_policy(name, parse_pairs(overrides, "ckanext.govopen.policy.overrides"),
                             _custom_profiles(custom))


@functools.lru_cache(maxsize=4)
def _calendar(table: str) -> dl.WorkCalendar:
    return dl.WorkCalendar(dl.parse_holiday_table(table)) if table.strip() else dl.DEFAULT_CALENDAR


def policy_named(name: str | None = None) -> dl.Policy:
    """The configured profile NAME (default: the active one), with this portal's overrides
    applied only to the active profile."""
    active = tk.config["ckanext.govopen.policy"]
    name = name or active
    overrides = tk.config["ckanext.govopen.policy.overrides"] if name == active else ""
    return _policy(name, overrides or "", tk.config["ckanext.govopen.policy.custom"] or "")


def active_policy() -> dl.Policy:
    return policy_named(None)


def known_policy_names() -> list[str]:
    custom = _custom_profiles(tk.config["ckanext.govopen.policy.custom"] or "")
    return sorted(set(dl.POLICIES) | set(custom))


def calendar() -> dl.WorkCalendar:
    return _calendar(tk.config["ckanext.govopen.calendar.holidays"] or "")


def known_years(around: int | None = None, span: int = 1) -> dict[int, bool]:
    """For each year from AROUND-span to AROUND+span: is its working-day calendar known?"""
    year = around or date.today().year
    cal = calendar()
    return {y: cal.is_known(date(y, 6, 30)) for y in range(year - span, year + span + 1)}
