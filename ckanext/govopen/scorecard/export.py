"""The scorecard as a table: the columns of the page's table, the CSV and the XLSX, in the
reader's language. Every figure comes from ``govopen_scorecard``; nothing is computed here
beyond turning ratios into percentages."""
from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from ckanext.govopen.catalogue import spreadsheet
from ckanext.govopen.text import N_
from ckanext.govopen.translations import text

__all__ = ["LABELS", "CHART_LIBRARY", "COLUMNS", "SUMMARY", "percent", "share", "headers", "rows", "csv_bytes", "xlsx_bytes"]


# Chart.js, installed into the plugin's public folder by scripts/deps.sh (not in the repository).
CHART_LIBRARY = "/govopen/vendor/chart.umd.min.js"

LABELS = {
    "freshness": N_("Freshness"), "completeness": N_("Completeness"), "upkeep": N_("Catalogue upkeep"),
    "requests_on_time": N_("Requests answered on time"), "openness": N_("Machine-readable share"),
    "on_time": N_("updated on time"), "late": N_("updated late"), "missed": N_("not updated"),
    "pending": N_("not yet due"),
}


def percent(ratio: float | None) -> str:
    """A ratio as a whole-ish percentage (``83.3``), or an empty cell when it is not assessed."""
    return "" if ratio is None else f"{share(ratio):.1f}".removesuffix(".0")


def share(ratio: float | None) -> float | None:
    """A ratio as a percentage rounded to one decimal (a number for the spreadsheet), or None."""
    return None if ratio is None else round(100 * ratio, 1)


def _value(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return text(N_("yes")) if value else text(N_("no"))
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def _kind_on_time(dept: dict, kind: str) -> float | None:
    """On time over assessed (answered, or overdue without an answer) for one kind of request."""
    figures = dept["requests"]["by_kind"].get(kind) or {}
    assessed = figures.get("on_time", 0) + figures.get("late", 0)
    return share(figures["on_time"] / assessed) if assessed else None


Column = tuple[str, Callable[[dict], Any]]

COLUMNS: Sequence[Column] = (
    (N_("Rank"), lambda d: d["rank"]),
    (N_("Department"), lambda d: d["title"]),
    (N_("Score"), lambda d: d["score"]),
    (N_("Fresh entries (%)"), lambda d: share(d["ratios"]["freshness"])),
    (N_("Complete fields (%)"), lambda d: share(d["ratios"]["completeness"])),
    (N_("Upkeep on time (%)"), lambda d: share(d["ratios"]["upkeep"])),
    (N_("Requests on time (%)"), lambda d: share(d["ratios"]["requests_on_time"])),
    (N_("Machine-readable (%)"), lambda d: share(d["ratios"]["openness"])),
    (N_("Entries"), lambda d: d["entries"]),
    (N_("Fresh"), lambda d: d["freshness"]["fresh"]),
    (N_("Assessed for freshness"), lambda d: d["freshness"]["assessed"]),
    (N_("Change events"), lambda d: d["upkeep"]["events"]),
    (N_("Updated on time"), lambda d: d["upkeep"]["on_time"]),
    (N_("Updated late"), lambda d: d["upkeep"]["late"]),
    (N_("Not updated"), lambda d: d["upkeep"]["missed"]),
    (N_("Yearly review attested"), lambda d: d["upkeep"]["attested"]),
    (N_("Requests received"), lambda d: d["requests"]["received"]),
    (N_("Answered"), lambda d: d["requests"]["answered"]),
    (N_("Answered on time"), lambda d: d["requests"]["on_time"]),
    (N_("Median working days to answer"), lambda d: d["requests"]["median_working_days"]),
    (N_("Objections decided on time (%)"), lambda d: _kind_on_time(d, "objection")),
    (N_("Error reports answered on time (%)"), lambda d: _kind_on_time(d, "correction")),
    (N_("Deemed approved"), lambda d: d["requests"]["deemed"]),
    (N_("Escalated"), lambda d: d["requests"]["escalated"]),
    (N_("Unconditionally open (%)"), lambda d: share(d["openness"]["open_ratio"])),
    (N_("On-application entries applied for (%)"), lambda d: share(d["openness"]["applied_ratio"])),
    (N_("Page views"), lambda d: d["usage"]["view"]),
    (N_("Downloads"), lambda d: d["usage"]["download"]),
    (N_("API reads"), lambda d: d["usage"]["api"]),
)


# The columns the page and the printed report show (the exports hold them all).
SUMMARY = frozenset({N_("Rank"), N_("Department"), N_("Score"), N_("Fresh entries (%)"), N_("Complete fields (%)"),
                     N_("Upkeep on time (%)"), N_("Requests on time (%)"), N_("Machine-readable (%)"), N_("Entries"),
                     N_("Requests received"), N_("Median working days to answer"), N_("Change events"),
                     N_("Page views"), N_("Downloads")})


def _columns(summary: bool) -> list[Column]:
    return [c for c in COLUMNS if not summary or c[0] in SUMMARY]


def headers(summary: bool = False) -> list[str]:
    return [text(name) for name, _ in _columns(summary)]


def rows(card: dict, summary: bool = False, typed: bool = False) -> list[list[Any]]:
    """The table's rows: text cells (CSV), or with TYPED the figures as numbers (XLSX)."""
    columns = _columns(summary)
    cell = (lambda v: v if isinstance(v, (int, float)) and not isinstance(v, bool) else _value(v)) if typed else _value
    return [[cell(get(d)) for _, get in columns] for d in card["departments"]]


def _title(card: dict) -> str:
    return text(N_("Scorecard {period}")).format(period=card["period"])


def csv_bytes(card: dict) -> bytes:
    return spreadsheet.csv_table(headers(), rows(card))


def xlsx_bytes(card: dict) -> bytes:
    return spreadsheet.write_sheets([(_title(card), headers(), rows(card, typed=True))])
