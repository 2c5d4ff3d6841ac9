"""Rules of the request workflow, pure (no CKAN): states and transitions, who may do what,
what an application and a decision must contain, what each viewer sees of the applicant.

Regulations: open applications (Chaohu 19, Fushun 22, Nanjing 27), share requests
(Chaohu 13, Liaoyang 15, Nanjing 22, Huangshan 4(5)), objections (Nanjing 35),
corrections (Chaohu 10). See ../shared/regulations/README.md.
"""
from __future__ import annotations

from ckanext.govopen.text import N_

import datetime
import re
from typing import Any, Iterable, Mapping, Sequence

from ckanext.govopen.catalogue.codes import Problem, citizen_id_problems, credit_code_problems, mask_identifier

__all__ = [
    "STATUSES", "OPEN_STATUSES", "END_STATUSES", "APPLICANT_TYPES", "USAGE_TYPES", "OBJECTION_TYPES",
    "APPLICANT_FIELDS", "IDENTIFIER_FIELDS", "DECISIONS", "STEP_ROLES", "TransitionError", "next_status", "may_act",
    "may_view", "current_step", "step_problems",
    "mask_request", "sees_identifiers", "identifier_viewed", "application_problems", "decision_problems", "grant_expiry_for_deemed", "is_true",
    "undertook_public_interest",
    "licensing_required", "offered_kinds", "available_actions", "MESSAGES", "parse_date",
    "privacy_actions", "PRIVACY_REVIEWERS", "ANSWERED_STATUSES",
]

STATUSES = ("submitted", "accepted", "info_requested", "resubmitted", "approved", "rejected",
            "withdrawn", "deemed_approved", "upheld", "dismissed")
OPEN_STATUSES = ("submitted", "accepted", "info_requested", "resubmitted")
END_STATUSES = tuple(s for s in STATUSES if s not in OPEN_STATUSES)
# End statuses that answer the request (a decision or a ruling): not withdrawn, not deemed.
ANSWERED_STATUSES = ("approved", "rejected", "upheld", "dismissed")
APPLICANT_TYPES = ("person", "company", "institution", "department")
USAGE_TYPES = ("research", "commercial", "public_interest", "other")
OBJECTION_TYPES = ("error", "privacy", "trade_secret")
APPLICATIONS = ("open_application", "share_application")
REPORTS = ("objection", "correction")
DECISIONS = {"open_application": ("approve", "reject"), "share_application": ("approve", "reject"),
             "objection": ("uphold", "dismiss"), "correction": ("uphold", "dismiss")}
_DECIDED = {"approve": "approved", "reject": "rejected", "uphold": "upheld", "dismiss": "dismissed"}
APPLICANT_FIELDS = ("applicant_type", "applicant_name", "credit_code", "id_number", "purpose", "scenario",
                    "usage_type", "security_measures", "requested_until", "written_reply",
                    "public_interest_undertaking", "objection_type", "details")
# Applicants' identifiers: masked for most viewers, sealed at rest (model/sealed.py), purged after retention.
IDENTIFIER_FIELDS = ("id_number", "credit_code")
_SEE_IDENTIFIERS = {"applicant", "decider", "authority", "sysadmin"}
_MAY_VIEW = {"applicant", "applicant_department_member", "decider", "owner_member", "authority", "sysadmin"}
# The form's limits, for every field an applicant fills in (the API takes the same).
TEXT_LIMITS = {"applicant_type": 20, "applicant_name": 200, "credit_code": 18, "id_number": 18,
               "purpose": 2000, "scenario": 2000, "usage_type": 20, "security_measures": 2000,
               "requested_until": 10, "objection_type": 20, "details": 5000, "applicant_org": 100}
# Which applicant fields belong to a request of each kind (and, for identifiers, to which
# applicant type): anything else is refused, as the form never sends it.
_APPLICATION_FIELDS = frozenset({"applicant_type", "applicant_name", "purpose", "scenario", "usage_type",
                                 "security_measures", "requested_until"})
FIELDS_OF_KIND = {
    "open_application": _APPLICATION_FIELDS | {"credit_code", "id_number", "written_reply", "public_interest_undertaking"},
    "share_application": _APPLICATION_FIELDS | {"applicant_org"},
    "objection": frozenset({"objection_type", "details"}),
    "correction": frozenset({"details"}),
}
IDENTIFIER_OF_TYPE = {"person": "id_number", "company": "credit_code", "institution": "credit_code"}

# Which status an action leads to, from which statuses. A department may decide a complete
# request straight from "submitted": the decision implies acceptance (the event records it).
_TRANSITIONS: dict[str, tuple[tuple[str, ...], str | None]] = {
    "accept": (("submitted",), "accepted"),
    "ask_info": (("submitted", "accepted", "resubmitted"), "info_requested"),
    "respond": (("info_requested",), "resubmitted"),
    "decide": (("submitted", "accepted", "resubmitted"), None),
    "withdraw": (OPEN_STATUSES, "withdrawn"),
    "escalate": (OPEN_STATUSES, None),  # a flag: the status stays
    "deem_approve": (("submitted", "accepted", "resubmitted"), "deemed_approved"),
}

NOT_NOW = N_("This cannot be done while the request is {status}")
NO_SUCH_ACTION = N_("Unknown action {action}")
WRONG_DECISION = N_("Choose one of: {choices}")
DEEM_SHARE_ONLY = N_("Only share requests are approved by silence")
REQUIRED = N_("Required")
TOO_LONG = N_("At most {limit} characters")
NOT_IN_LIST = N_("Choose one of: {choices}")
KIND_NOT_OPEN_ON_APPLICATION = N_("This dataset is not open on application: no application is needed or possible")
KIND_NOT_CONDITIONAL_SHARE = N_("This dataset is not shared on conditions: no share request is needed or possible")
DEPARTMENT_ONLY_SHARE = N_("Share requests are made by a department, and only departments make them")
BAD_DATE = N_("Enter a date as YYYY-MM-DD")
DATE_NOT_FUTURE = N_("The date must be after today ({today})")
EXPIRES_TOO_LATE = N_("The grant may run until {latest} at the latest")
NOT_REQUESTED = N_("Not among the requested resources: {ids}")
NOT_APPLICABLE = N_("Does not belong to this request")
RESEARCH_PUBLIC_INTEREST = N_("Research use of this data is limited to public-interest research: give your undertaking "
                              "that yours serves the public interest, such as teaching or research at a university or institute")
STEP_NOT_YOURS = N_("The {step} step is not yours to take")
STEP_SAME_PERSON = N_("The next approval step must be taken by another person")
MESSAGES = (STEP_NOT_YOURS, STEP_SAME_PERSON, NOT_NOW, NO_SUCH_ACTION, WRONG_DECISION, DEEM_SHARE_ONLY, REQUIRED, TOO_LONG, NOT_IN_LIST,
            KIND_NOT_OPEN_ON_APPLICATION, KIND_NOT_CONDITIONAL_SHARE, DEPARTMENT_ONLY_SHARE, BAD_DATE,
            DATE_NOT_FUTURE, EXPIRES_TOO_LATE, NOT_REQUESTED, RESEARCH_PUBLIC_INTEREST, NOT_APPLICABLE)


class TransitionError(Exception):
    def __init__(self, problem: Problem):
        super().__init__(problem.text())
        self.problem = problem


def next_status(kind: str, status: str, action: str, decision: str | None = None) -> str:
    """The status ACTION leads to from STATUS, or TransitionError."""
    if action not in _TRANSITIONS:
        raise TransitionError(Problem("status", NO_SUCH_ACTION, {"action": action}))
    sources, target = _TRANSITIONS[action]
    if status not in sources:
        raise TransitionError(Problem("status", NOT_NOW, {"status": status}))
    if action == "deem_approve" and kind != "share_application":
        raise TransitionError(Problem("status", DEEM_SHARE_ONLY))
    if action == "decide":
        if decision not in DECISIONS[kind]:
            raise TransitionError(Problem("decision", WRONG_DECISION, {"choices": ", ".join(DECISIONS[kind])}))
        return _DECIDED[decision]
    return target or status


# Who takes each approval step a policy names. Nanjing 22: the big-data centre gives its
# opinion together with the providing department, then the data authority decides.
STEP_ROLES = {
    "department": frozenset({"decider"}),
    "data_centre": frozenset({"authority", "decider"}),
    "supervisor": frozenset({"authority"}),
}


def current_step(steps: Sequence[str], done: Sequence[Mapping[str, Any]]) -> tuple[str, bool]:
    """The step to take next and whether it is the last (the one whose decision counts)."""
    index = min(len(done), len(steps) - 1)
    return steps[index], index == len(steps) - 1


def step_problems(step: str, roles: Iterable[str], actor_id: str,
                  done: Sequence[Mapping[str, Any]]) -> list[Problem]:
    """May ACTOR_ID with ROLES take STEP now? Consecutive steps need different people."""
    roles = set(roles)
    if "sysadmin" not in roles and not roles & STEP_ROLES.get(step, frozenset()):
        return [Problem("decision", STEP_NOT_YOURS, {"step": step})]
    if done and done[-1].get("by") == actor_id:
        return [Problem("decision", STEP_SAME_PERSON)]
    return []


def may_act(action: str, roles: Iterable[str], kind: str, two_step: bool = False) -> bool:
    """May someone with ROLES take ACTION on a request of KIND? The data authority supervises:
    it may ask for information on any request, and take the steps the policy gives it
    (checked per step by step_problems)."""
    roles = set(roles)
    if action == "accept":
        return bool(roles & {"decider", "sysadmin"})
    if action == "decide":
        return bool(roles & {"decider", "sysadmin"}) or (two_step and "authority" in roles)
    if action == "ask_info":
        return bool(roles & {"decider", "sysadmin", "authority"})
    if action in ("respond", "withdraw"):
        return "applicant" in roles or (kind == "share_application" and "applicant_department_member" in roles)
    if action in ("escalate", "deem_approve"):
        return "system" in roles
    return False


def may_view(roles: Iterable[str]) -> bool:
    return bool(set(roles) & _MAY_VIEW)


def sees_identifiers(roles: Iterable[str]) -> bool:
    return bool(set(roles) & _SEE_IDENTIFIERS)


def identifier_viewed(request: Mapping[str, Any], roles: Iterable[str]) -> bool:
    """Whether showing REQUEST to a viewer with ROLES discloses an identifier to someone other
    than the applicant (a decider, the data authority, a sysadmin): the security log records it."""
    roles = set(roles)
    return "applicant" not in roles and sees_identifiers(roles) and any(request.get(f) for f in IDENTIFIER_FIELDS)


def mask_request(request: Mapping[str, Any], roles: Iterable[str]) -> dict[str, Any]:
    """A copy of REQUEST with identifiers masked unless ROLES may see them (the applicant,
    the deciding department's admins and editors, the data authority, sysadmins)."""
    out = dict(request)
    if not sees_identifiers(roles):
        for field in IDENTIFIER_FIELDS:
            if out.get(field):
                out[field] = mask_identifier(out[field])
    return out


_ISO_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def parse_date(value: Any) -> datetime.date | None:
    """A date written exactly YYYY-MM-DD, or None. Python's fromisoformat also takes ISO week
    dates (2027-W30-1) and basic forms (20270726) that PostgreSQL refuses to cast: a date stored
    in one of those stopped the whole deadline sweep."""
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    if not isinstance(value, str) or not _ISO_DAY.fullmatch(value.strip()):
        return None
    try:
        return datetime.date.fromisoformat(value.strip())
    except ValueError:
        return None



def _future_date_problems(field: str, value: Any, today: datetime.date,
                          latest: datetime.date | None = None) -> list[Problem]:
    """A required date after TODAY and, if given, no later than LATEST."""
    if value in (None, ""):
        return [Problem(field, REQUIRED)]
    day = parse_date(value)
    if day is None:
        return [Problem(field, BAD_DATE)]
    if day <= today:
        return [Problem(field, DATE_NOT_FUTURE, {"today": today.isoformat()})]
    if latest and day > latest:
        return [Problem(field, EXPIRES_TOO_LATE, {"latest": latest.isoformat()})]
    return []


def _choice(data: Mapping[str, Any], field: str, choices: Sequence[str], required: bool) -> list[Problem]:
    value = data.get(field)
    if value in (None, ""):
        return [Problem(field, REQUIRED)] if required else []
    if value not in choices:
        return [Problem(field, NOT_IN_LIST, {"choices": ", ".join(choices)})]
    return []


def application_problems(kind: str, data: Mapping[str, Any], today: datetime.date,
                         categories: tuple[str | None, str | None],
                         research_public_interest_only: bool = False) -> list[Problem]:
    """Everything wrong with a new request of KIND for a dataset of CATEGORIES (open, share).
    Where the policy limits research use to public-interest research (Nanjing 27), an
    application for research use carries the applicant's undertaking that it is."""
    open_cat, share_cat = categories
    problems: list[Problem] = []
    if kind == "open_application" and open_cat != "on_application":
        problems.append(Problem("kind", KIND_NOT_OPEN_ON_APPLICATION))
    if kind == "share_application" and share_cat != "conditional":
        problems.append(Problem("kind", KIND_NOT_CONDITIONAL_SHARE))
    for field, limit in TEXT_LIMITS.items():
        if len(str(data.get(field) or "")) > limit:
            problems.append(Problem(field, TOO_LONG, {"limit": limit}))
    allowed = FIELDS_OF_KIND.get(kind, frozenset())
    identifier = IDENTIFIER_OF_TYPE.get(str(data.get("applicant_type") or ""))
    for field in (*APPLICANT_FIELDS, "applicant_org"):
        if data.get(field) in (None, "", False):
            continue
        if field not in allowed or (field in ("id_number", "credit_code") and field != identifier):
            problems.append(Problem(field, NOT_APPLICABLE))
    if kind in REPORTS:
        if not str(data.get("details") or "").strip():
            problems.append(Problem("details", REQUIRED))
        if kind == "objection":
            problems += _choice(data, "objection_type", OBJECTION_TYPES, required=True)
        return problems

    problems += _choice(data, "applicant_type", APPLICANT_TYPES, required=True)
    applicant_type = data.get("applicant_type")
    if kind == "share_application" and applicant_type not in (None, "", "department"):
        problems.append(Problem("applicant_type", DEPARTMENT_ONLY_SHARE))
    if kind == "open_application" and applicant_type == "department":
        problems.append(Problem("applicant_type", NOT_IN_LIST, {"choices": "person, company, institution"}))
    for field in ("applicant_name", "purpose", "scenario", "security_measures"):
        if not str(data.get(field) or "").strip():
            problems.append(Problem(field, REQUIRED))
    problems += _choice(data, "usage_type", USAGE_TYPES, required=True)
    if kind == "open_application" and research_public_interest_only and data.get("usage_type") == "research" \
            and not is_true(data.get("public_interest_undertaking")):
        problems.append(Problem("public_interest_undertaking", RESEARCH_PUBLIC_INTEREST))
    if applicant_type in ("company", "institution"):
        problems += credit_code_problems(data.get("credit_code"), field="credit_code")
    elif applicant_type == "person":
        problems += citizen_id_problems(data.get("id_number"), today, field="id_number")
    problems += _future_date_problems("requested_until", data.get("requested_until"), today)
    return problems


def decision_problems(kind: str, data: Mapping[str, Any], requested_resource_ids: Sequence[str],
                      max_grant_days: int | None, today: datetime.date) -> list[Problem]:
    decision = data.get("decision")
    if decision not in DECISIONS[kind]:
        return [Problem("decision", WRONG_DECISION, {"choices": ", ".join(DECISIONS[kind])})]
    problems: list[Problem] = []
    if decision in ("reject", "dismiss") and not str(data.get("reason") or "").strip():
        problems.append(Problem("reason", REQUIRED))
    if decision == "reject" and not str(data.get("legal_basis") or "").strip():
        problems.append(Problem("legal_basis", REQUIRED))
    if decision != "approve":
        return problems
    extra = [r for r in (data.get("resource_ids") or []) if r not in requested_resource_ids]
    if extra:
        problems.append(Problem("resource_ids", NOT_REQUESTED, {"ids": ", ".join(extra)}))
    latest = today + datetime.timedelta(days=max_grant_days) if max_grant_days else None
    problems += _future_date_problems("expires", data.get("expires"), today, latest)
    return problems


def is_true(value: Any) -> bool:
    """A form's or a client's yes: True, "true", "1", "yes", "on" (any case)."""
    return value is True or str(value).strip().lower() in ("true", "1", "yes", "on")


def undertook_public_interest(applicant: Mapping[str, Any]) -> bool:
    """Did the applicant undertake research use for the public interest only (Nanjing 27)?"""
    return applicant.get("usage_type") == "research" and is_true(applicant.get("public_interest_undertaking"))


DEFAULT_GRANT_DAYS = 365


def grant_expiry_for_deemed(requested_until: datetime.date | None, max_grant_days: int | None,
                            today: datetime.date) -> datetime.date:
    """The requested period, capped by the policy's longest grant (365 days when neither is set)."""
    cap = today + datetime.timedelta(days=max_grant_days or DEFAULT_GRANT_DAYS)
    if requested_until is None:
        return cap
    return min(requested_until, cap) if max_grant_days else requested_until


def licensing_required(usage_type: str | None) -> bool:
    """Commercial use is licensed competitively (Nanjing 27): the approval says so."""
    return usage_type == "commercial"


def offered_kinds(open_category: str | None, share_category: str | None, logged_in: bool,
                  other_departments: int) -> list[str]:
    """The requests a dataset page offers: an application for data open on application, a
    share request for conditionally shared data to members of another department, and an
    objection or error report to anyone logged in (Nanjing 35, Chaohu 10)."""
    if not logged_in:
        return []
    kinds = []
    if open_category == "on_application":
        kinds.append("open_application")
    if share_category == "conditional" and other_departments:
        kinds.append("share_application")
    return [*kinds, "objection", "correction"]


_PAGE_ACTIONS = ("accept", "ask_info", "respond", "decide", "withdraw")


def available_actions(kind: str, status: str, roles: Iterable[str], two_step: bool = False) -> list[str]:
    """The actions a viewer with ROLES can take on a request now: what its page offers."""
    out = []
    for action in _PAGE_ACTIONS:
        if not may_act(action, roles, kind, two_step):
            continue
        try:
            next_status(kind, status, action, DECISIONS[kind][0] if action == "decide" else None)
        except TransitionError:
            continue
        out.append(action)
    return out


# Who decides whether a privacy objection suspends a dataset's resources meanwhile (Nanjing 35:
# the entry is marked disputed within 1 working day): the providing department's deciders, the
# data authority, sysadmins.
PRIVACY_REVIEWERS = frozenset({"decider", "authority", "sysadmin"})


def privacy_actions(kind: str, status: str, objection_type: str | None, suspended: bool,
                    review_pending: bool, roles: Iterable[str]) -> list[str]:
    """What a reviewer may do about an open privacy objection's suspension: suspend the
    resources, or keep them available (lifting a suspension, or answering a pending review)."""
    if kind != "objection" or objection_type != "privacy" or status not in OPEN_STATUSES:
        return []
    if not set(roles) & PRIVACY_REVIEWERS:
        return []
    if suspended:
        return ["lift"]
    return ["suspend", "lift"] if review_pending else ["suspend"]

