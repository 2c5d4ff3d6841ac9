"""Deadline policy profiles taken from the municipal regulations, and their overrides.

A :class:`Policy` holds one :class:`KindPolicy` (a "rule") per request kind in
:data:`KINDS`, plus optional *variants*: named deltas over a kind's rule for cases the
text times differently (Huangshan's platform-held data, Nanjing's forwarded objections).
``policy.rule(kind, variant)`` returns the variant's rule, or the kind's own rule when the
profile has no such variant, so a workflow can always pass the variant it knows about.

Each rule's ``citation`` names the article its deadline figures come from. Kinds a city's
text does not regulate take the defaults in ``_DEFAULT_RULES`` and cite them as
N_("default") with the article the figures were borrowed from. No text regulates
acceptance deadlines (Chaohu 19 only says 及时, promptly), pausing, reminders or grant
periods, so those are defaults everywhere unless a citation says otherwise.

Approval-step names used by the shipped profiles: ``department`` (the data-holding
department), ``data_centre`` (the city big-data centre / platform operator, 大数据中心),
``supervisor`` (the municipal data authority, 政务数据行政主管部门).

Overrides are flat string mappings, as read from an ini file. Keys are
``<kind>.<field>`` or ``<kind>.<variant>.<field>`` (the latter creates the variant if
the profile lacks it). Fields (``OVERRIDE_FIELDS``) and accepted values:

================================  ======================================================
field                             value
================================  ======================================================
length, accept_length             integer >= 1
unit, accept_unit,                ``calendar_days`` | ``working_days``
mark_disputed_unit
clock_start                       ``submission`` | ``acceptance``
pause_on_info,                    true/false, yes/no, on/off, 1/0
written_reply_on_request,
research_public_interest_only
reminders                         integers >= 0 (days before due, in the rule's unit),
                                  comma or space separated, kept largest first without
                                  duplicates; ``none`` or empty for none
timeout                           ``escalate`` | ``deem_approved``
approval_steps                    comma-separated names ``[a-z][a-z0-9_]*``, at least one
max_grant_days,                   integer >= 1, or ``none``
mark_disputed_length
citation                          free text
================================  ======================================================

Custom profiles use the same flat keys plus ``base`` (a shipped or custom profile to
inherit; without it the defaults) and ``title``. A rule whose figures are changed without
a new ``citation`` gets N_("overridden: <fields>）") appended to its citation, so
a deadline shown to users never claims an article's authority for a configured figure.
"""
from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from typing import Any, Literal

from ckanext.govopen.text import Message, N_

from .calendar import UNITS, Unit

Kind = Literal["open_application", "share_application", "objection", "correction"]
ClockStart = Literal["submission", "acceptance"]
Timeout = Literal["escalate", "deem_approved"]

KINDS: tuple[Kind, ...] = ("open_application", "share_application", "objection", "correction")
CLOCK_STARTS: tuple[ClockStart, ...] = ("submission", "acceptance")
TIMEOUTS: tuple[Timeout, ...] = ("escalate", "deem_approved")
DEFAULT_POLICY = "chaohu"

_NAME = re.compile(r"[a-z][a-z0-9_]*")


@dataclass(frozen=True)
class KindPolicy:
    """The deadline rule for one request kind (or one variant of it) in one profile."""

    kind: Kind
    length: int
    unit: Unit
    clock_start: ClockStart
    citation: str
    accept_length: int = 2
    accept_unit: Unit = "working_days"
    pause_on_info: bool = True
    reminders: tuple[int, ...] = (3, 1)
    timeout: Timeout = "escalate"
    approval_steps: tuple[str, ...] = ("department",)
    max_grant_days: int | None = 365
    mark_disputed_length: int | None = None
    mark_disputed_unit: Unit = "working_days"
    written_reply_on_request: bool = False
    # Research use is for public-interest research only (Nanjing 27): the applicant undertakes
    # it on the application form, and the grant records the undertaking in its conditions.
    research_public_interest_only: bool = False
    variant: str | None = None

    def __post_init__(self) -> None:
        # Shipped tables, overrides and custom profiles all pass through here, so a bad
        # value is reported the same way wherever it came from: by its override key.
        key = f"{self.kind}.{self.variant}." if self.variant else f"{self.kind}."
        if self.kind not in KINDS:
            raise ValueError(f"unknown request kind {self.kind!r}; known: {', '.join(KINDS)}")
        for name, allowed in (
            ("unit", UNITS),
            ("accept_unit", UNITS),
            ("mark_disputed_unit", UNITS),
            ("clock_start", CLOCK_STARTS),
            ("timeout", TIMEOUTS),
        ):
            value = getattr(self, name)
            if value not in allowed:
                raise ValueError(f"{key}{name}: {value!r} is not one of {', '.join(allowed)}")
        for name in ("length", "accept_length", "max_grant_days", "mark_disputed_length"):
            value = getattr(self, name)
            optional = name in ("max_grant_days", "mark_disputed_length")
            if (value is None and not optional) or (value is not None and value < 1):
                raise ValueError(f"{key}{name}: must be a whole number >= 1, got {value!r}")
        if any(n < 0 for n in self.reminders):
            raise ValueError(f"{key}reminders: days before due cannot be negative")
        if not self.approval_steps or not all(_NAME.fullmatch(s) for s in self.approval_steps):
            raise ValueError(
                f"{key}approval_steps: need one or more names like 'department', "
                f"got {self.approval_steps!r}"
            )
        if not self.citation.strip():
            raise ValueError(f"{key}citation: must not be empty")


@dataclass(frozen=True)
class Variant:
    """Named changes over a kind's rule; kept as a delta so overriding the kind's rule
    also reaches its variants unless the variant sets that field itself."""

    kind: Kind
    name: str
    changes: tuple[tuple[str, Any], ...]


@dataclass(frozen=True)
class Policy:
    name: str
    title: str
    rules: tuple[KindPolicy, ...]
    variants: tuple[Variant, ...] = ()

    def rule(self, kind: str, variant: str | None = None) -> KindPolicy:
        """The rule for ``kind``; a variant this profile lacks falls back to the kind's rule."""
        for rule in self.rules:
            if rule.kind == kind:
                break
        else:
            raise ValueError(f"unknown request kind {kind!r}; known: {', '.join(KINDS)}")
        for v in self.variants:
            if v.kind == kind and v.name == variant:
                return replace(rule, **dict(v.changes), variant=v.name)
        return rule

    def variant_names(self, kind: str) -> tuple[str, ...]:
        return tuple(v.name for v in self.variants if v.kind == kind)


_DEFAULT_RULES: dict[str, KindPolicy] = {
    "open_application": KindPolicy(
        "open_application", 10, "calendar_days", "acceptance",
        citation=N_("default (figures from Chaohu art. 19)"),
    ),
    # Silence never counts as consent by default: only Chaohu 13 says so.
    "share_application": KindPolicy(
        "share_application", 10, "working_days", "submission",
        citation=N_("default (figure from Liaoyang art. 15)"),
    ),
    # Nanjing 35 is the only text timing objections by the public; it counts from receipt
    # of the objection and allows no pause.
    "objection": KindPolicy(
        "objection", 5, "working_days", "submission",
        mark_disputed_length=1, pause_on_info=False, max_grant_days=None,
        citation=N_("default (figures from Nanjing art. 35)"),
    ),
    "correction": KindPolicy(
        "correction", 7, "working_days", "submission",
        pause_on_info=False, max_grant_days=None,
        citation=N_("default (figure from Chaohu art. 10)"),
    ),
}

_DEFAULTS = Policy("default", N_("defaults"), tuple(_DEFAULT_RULES[k] for k in KINDS))


def _profile(
    name: str,
    title: str,
    changes: Mapping[str, Mapping[str, Any]],
    variants: tuple[Variant, ...] = (),
) -> Policy:
    rules = tuple(replace(_DEFAULT_RULES[k], **changes.get(k, {})) for k in KINDS)
    policy = Policy(name, title, rules, variants)
    for v in variants:
        policy.rule(v.kind, v.name)  # validates the variant's fields
    return policy


POLICIES: Mapping[str, Policy] = {
    p.name: p
    for p in (
        _profile(
            "chaohu",
            N_("Chaohu measures (2021)"),
            {
                # 自受理申请之日起10日内: calendar days, counted from acceptance.
                "open_application": {"citation": N_("Chaohu art. 19")},
                # 超过5个工作日不答复也不说明理由的，视同提供部门同意.
                "share_application": {
                    "length": 5,
                    "timeout": "deem_approved",
                    "citation": N_("Chaohu art. 13"),
                },
                "correction": {"citation": N_("Chaohu art. 10")},
            },
        ),
        _profile(
            "nanjing",
            N_("Nanjing interim measures (2019)"),
            {
                # Art. 27 gives the handling department alone 15 working days.
                "open_application": {
                    "length": 15,
                    "unit": "working_days",
                    "clock_start": "submission",
                    # Art. 27 also limits research use to public-interest research.
                    "research_public_interest_only": True,
                    "citation": N_("Nanjing art. 27"),
                },
                # Art. 22: the big-data centre, with the provider, gives its opinion within
                # 15 working days and the data authority then decides; the text times only
                # the opinion, so the 15 days are the whole deadline here.
                "share_application": {
                    "length": 15,
                    "approval_steps": ("data_centre", "supervisor"),
                    "citation": N_("Nanjing art. 22"),
                },
                "objection": {
                    "approval_steps": ("data_centre",),
                    "citation": N_("Nanjing art. 35"),
                },
            },
            # Art. 35(2): forward within 2 working days, the department decides within 5 of
            # receiving it, so 7 working days from the objection is the latest decision.
            (
                Variant("objection", "forwarded", (
                    ("length", 7),
                    ("approval_steps", ("data_centre", "department")),
                    ("citation", N_("Nanjing art. 35(2)(ii)")),
                )),
            ),
        ),
        _profile(
            "fushun",
            N_("Fushun draft regulation (2022)"),
            {
                # 收到申请后5个工作日内; 要求提供书面答复的，政务部门应当提供.
                "open_application": {
                    "length": 5,
                    "unit": "working_days",
                    "clock_start": "submission",
                    "written_reply_on_request": True,
                    "citation": N_("Fushun art. 22"),
                },
            },
        ),
        _profile(
            "liaoyang",
            N_("Liaoyang interim measures (2018)"),
            {"share_application": {"citation": N_("Liaoyang art. 15")}},
        ),
        # 4(5): 由部门受理的数据，10个工作日内完成审批 is the kind's rule; 由共享交换平台直接提供的
        # 数据，3个工作日内提供 is the ``platform_held`` variant, served by the platform operator.
        _profile(
            "huangshan",
            N_("Huangshan implementing opinions (2020)"),
            {"share_application": {"citation": N_("Huangshan part 4 (5)")}},
            (
                Variant("share_application", "platform_held", (
                    ("length", 3),
                    ("approval_steps", ("data_centre",)),
                    ("citation", N_("Huangshan part 4 (5)")),
                )),
            ),
        ),
    )
}


def _parse_int(raw: str) -> int:
    try:
        return int(raw)
    except ValueError:
        raise ValueError(f"{raw!r} is not a whole number") from None


def _parse_optional_int(raw: str) -> int | None:
    return None if raw.lower() in ("", "none") else _parse_int(raw)


def _parse_bool(raw: str) -> bool:
    value = raw.lower()
    if value in ("true", "yes", "on", "1"):
        return True
    if value in ("false", "no", "off", "0"):
        return False
    raise ValueError(f"{raw!r} is not a boolean (true/false, yes/no, on/off, 1/0)")


def _parse_ints(raw: str) -> tuple[int, ...]:
    if raw.lower() in ("", "none"):
        return ()
    return tuple(sorted({_parse_int(p) for p in re.split(r"[\s,]+", raw) if p}, reverse=True))


def _parse_names(raw: str) -> tuple[str, ...]:
    return tuple(p.strip().lower() for p in raw.split(",") if p.strip())


_FIELD_PARSERS: dict[str, Callable[[str], Any]] = {
    "length": _parse_int,
    "unit": str.lower,
    "clock_start": str.lower,
    "accept_length": _parse_int,
    "accept_unit": str.lower,
    "pause_on_info": _parse_bool,
    "reminders": _parse_ints,
    "timeout": str.lower,
    "approval_steps": _parse_names,
    "max_grant_days": _parse_optional_int,
    "mark_disputed_length": _parse_optional_int,
    "mark_disputed_unit": str.lower,
    "written_reply_on_request": _parse_bool,
    "research_public_interest_only": _parse_bool,
    "citation": str,
}
OVERRIDE_FIELDS: tuple[str, ...] = tuple(_FIELD_PARSERS)


def resolve_policy(
    name: str = DEFAULT_POLICY,
    overrides: Mapping[str, str] | None = None,
    custom: Mapping[str, Mapping[str, str]] | None = None,
) -> Policy:
    """The named shipped or custom profile with ``overrides`` applied.

    Raises ValueError naming the unknown policy (with the known names) or the bad
    key/value.
    """
    customs = {k.strip().lower(): v for k, v in (custom or {}).items()}
    for cname in customs:
        if cname in POLICIES:
            raise ValueError(f"custom profile {cname!r} would hide the shipped profile; rename it")
        if not _NAME.fullmatch(cname):
            raise ValueError(f"custom profile name {cname!r} must match [a-z][a-z0-9_]*")
    policy = _lookup(name.strip().lower(), customs, ())
    return _apply(policy, overrides or {}, "overrides") if overrides else policy


def _lookup(name: str, customs: Mapping[str, Mapping[str, str]], chain: tuple[str, ...]) -> Policy:
    if name in POLICIES:
        return POLICIES[name]
    if name not in customs:
        known = ", ".join(sorted({*POLICIES, *customs}))
        raise ValueError(f"unknown deadline policy {name!r}; known: {known}")
    if name in chain:
        raise ValueError(f"custom profiles inherit in a loop: {' -> '.join((*chain, name))}")
    spec = {k.strip().lower(): v for k, v in customs[name].items()}
    base_name = spec.pop("base", None)
    title = spec.pop("title", None)
    base = _DEFAULTS
    if base_name:
        base_name = base_name.strip().lower()
        if base_name not in POLICIES and base_name not in customs:
            known = ", ".join(sorted({*POLICIES, *customs}))
            raise ValueError(f"custom profile {name!r}: unknown base {base_name!r}; known: {known}")
        base = _lookup(base_name, customs, (*chain, name))
    return _apply(replace(base, name=name, title=title or name), spec, f"custom profile {name!r}")


def _apply(policy: Policy, flat: Mapping[str, str], source: str) -> Policy:
    context = f"deadline policy {policy.name!r}, {source}"
    grouped: dict[tuple[str, str | None], dict[str, Any]] = {}
    for raw_key, raw_value in flat.items():
        key = raw_key.strip().lower()
        kind, variant, field = _split_key(key, context)
        if not isinstance(raw_value, str):
            raise ValueError(f"{context}: {key}: value must be a string, got {raw_value!r}")
        try:
            value = _FIELD_PARSERS[field](raw_value.strip())
        except ValueError as err:
            raise ValueError(f"{context}: {key}: {err}") from None
        grouped.setdefault((kind, variant), {})[field] = value

    try:
        rules = tuple(
            replace(rule, **_annotated(rule, grouped.get((rule.kind, None), {})))
            for rule in policy.rules
        )
        result = replace(policy, rules=rules)
        variants = {(v.kind, v.name): dict(v.changes) for v in policy.variants}
        for (kind, name), changes in grouped.items():
            if name is not None:
                current = result.rule(kind, name if (kind, name) in variants else None)
                variants.setdefault((kind, name), {}).update(_annotated(current, changes))
        result = replace(
            result,
            variants=tuple(
                Variant(kind, name, tuple(changes.items()))  # type: ignore[arg-type]
                for (kind, name), changes in variants.items()
            ),
        )
        for v in result.variants:
            result.rule(v.kind, v.name)
    except ValueError as err:
        raise ValueError(f"{context}: {err}") from None
    return result


def _annotated(rule: KindPolicy, changes: dict[str, Any]) -> dict[str, Any]:
    if not changes or "citation" in changes:
        return changes
    base = rule.citation if isinstance(rule.citation, Message) else Message(rule.citation)  # translated too
    citation = Message(N_("{citation} (overridden: {fields})"), citation=base,
                       fields=", ".join(sorted(changes)))
    return {**changes, "citation": citation}


def _split_key(key: str, context: str) -> tuple[str, str | None, str]:
    parts = key.split(".")
    if len(parts) not in (2, 3):
        raise ValueError(
            f"{context}: key {key!r} must be <kind>.<field> or <kind>.<variant>.<field>"
        )
    kind, field = parts[0], parts[-1]
    variant = parts[1] if len(parts) == 3 else None
    if kind not in KINDS:
        raise ValueError(f"{context}: key {key!r}: unknown kind {kind!r}; known: {', '.join(KINDS)}")
    if field not in _FIELD_PARSERS:
        raise ValueError(
            f"{context}: key {key!r}: unknown field {field!r}; known: {', '.join(OVERRIDE_FIELDS)}"
        )
    if variant is not None and not _NAME.fullmatch(variant):
        raise ValueError(f"{context}: key {key!r}: variant name must match [a-z][a-z0-9_]*")
    return kind, variant, field
