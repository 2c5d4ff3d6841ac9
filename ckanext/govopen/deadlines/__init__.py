"""Legal deadlines for data requests: regulation profiles and a PRC working-day calendar.

Pure Python (stdlib + chinese_calendar), no CKAN imports, so the request workflow and
command-line tools can use it alike: `calendar`, `engine`, `policies`. See each module's
docstring for the rules applied. The one CKAN-side module, `sla` (the portal's configured policy
and calendar), is not imported here: import it as `ckanext.govopen.deadlines.sla`.
"""
from .calendar import (
    DEFAULT_CALENDAR,
    UNITS,
    Unit,
    WorkCalendar,
    YearTable,
    parse_holiday_table,
)
from .engine import (
    SHANGHAI,
    Deadline,
    compute_deadline,
    deadline_end,
    deadline_for,
    reminder_dates,
    resume,
    working_days_remaining,
)
from .policies import (
    CLOCK_STARTS,
    DEFAULT_POLICY,
    KINDS,
    OVERRIDE_FIELDS,
    POLICIES,
    TIMEOUTS,
    KindPolicy,
    Policy,
    Variant,
    resolve_policy,
)

__all__ = [
    "CLOCK_STARTS",
    "DEFAULT_CALENDAR",
    "DEFAULT_POLICY",
    "KINDS",
    "OVERRIDE_FIELDS",
    "POLICIES",
    "SHANGHAI",
    "TIMEOUTS",
    "UNITS",
    "Deadline",
    "KindPolicy",
    "Policy",
    "Unit",
    "Variant",
    "WorkCalendar",
    "YearTable",
    "compute_deadline",
    "deadline_end",
    "deadline_for",
    "parse_holiday_table",
    "reminder_dates",
    "resolve_policy",
    "resume",
    "working_days_remaining",
]
