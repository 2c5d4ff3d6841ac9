"""The catalogue as the template's XLSX or CSV, and the search behind the catalogue pages (glue).

What is listed or exported is what ``package_search`` gives the asking user: the public sees
public entries, a department's staff their own private ones too. Classified entries are never
on this portal (the schema refuses them). Harvested copies are listed with their origin
portal, so an export re-imported elsewhere is refused for them (they arrive by sync).
"""
from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

import ckan.model as model
import ckan.plugins.toolkit as tk

from ckanext.govopen.catalogue import spreadsheet, template

__all__ = ["FILTERS", "NEGATIVE_FQ", "search", "datasets", "xlsx", "csv_bytes", "filters_from"]

#: Query parameters the catalogue pages and the export take (besides ``q`` and ``page``).
FILTERS = ("organization", "open_category", "share_category", "update_frequency", "themes", "resource_class")
#: The negative list (负面清单): entries not shared or not open. Required as a whole (CKAN
#: appends its own required clauses to fq).
NEGATIVE_FQ = '+(share_category:"not_shared" OR open_category:"not_open")'
_PAGE = 500


def _quote(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def filters_from(args: Mapping[str, Any]) -> dict[str, str]:
    """The catalogue filters among request arguments, blanks dropped."""
    found = {key: str(args.get(key) or "").strip() for key in ("q", *FILTERS)}
    return {k: v for k, v in found.items() if v}


def _params(filters: Mapping[str, str], negative: bool) -> dict[str, Any]:
    fq = [f"+{key}:{_quote(filters[key])}" for key in FILTERS if filters.get(key)]
    if negative:
        fq.append(NEGATIVE_FQ)
    return {"q": filters.get("q") or "*:*", "fq": " ".join(fq), "include_private": True,
            "sort": "organization asc, name asc"}


def search(context: dict[str, Any], filters: Mapping[str, str], *, negative: bool = False,
           start: int = 0, rows: int = 50) -> dict[str, Any]:
    """One page of the catalogue (or of the negative list) as CONTEXT's user sees it."""
    params = dict(_params(filters, negative), start=start, rows=rows,
                  **{"facet.field": ["organization", "open_category", "share_category", "update_frequency", "themes"],
                     "facet.limit": -1})
    return tk.get_action("package_search")(dict(context), params)


def datasets(context: dict[str, Any], filters: Mapping[str, str], *, negative: bool = False) -> Iterator[dict[str, Any]]:
    """Every entry the filters select, as CONTEXT's user sees them, page by page."""
    start = 0
    while True:
        found = tk.get_action("package_search")(dict(context), dict(_params(filters, negative), start=start, rows=_PAGE))
        yield from found["results"]
        start += _PAGE
        if start >= found["count"] or not found["results"]:
            return


class _Providers:
    def __init__(self) -> None:
        self._cache: dict[str, tuple[str, str]] = {}

    def __call__(self, org_id: str | None) -> tuple[str, str]:
        if not org_id:
            return "", ""
        if org_id not in self._cache:
            org = model.Group.get(org_id)
            extras = getattr(org, "extras", None) or {}
            self._cache[org_id] = ((org.title or org.name) if org else "", extras.get("department_code", "") if org else "")
        return self._cache[org_id]


def _rows(found: Iterator[dict[str, Any]]) -> Iterator[tuple[list[str], list[list[str]]]]:
    providers = _Providers()
    for dataset in found:
        title, code = providers(dataset.get("owner_org"))
        fields = dict(dataset, owner_org=title, provider_code=code)
        yield (template.dataset_row(fields),
               template.item_rows(dataset.get("catalogue_code") or "", dataset.get("data_items") or []))


def xlsx(found: Iterator[dict[str, Any]]) -> bytes:
    entries, items = [], []
    for row, item_rows in _rows(found):
        entries.append(row)
        items.extend(item_rows)
    return spreadsheet.write_xlsx(entries, items)


def csv_bytes(found: Iterator[dict[str, Any]]) -> bytes:
    return spreadsheet.write_csv(_rows(found))
