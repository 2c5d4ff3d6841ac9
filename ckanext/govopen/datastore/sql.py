"""Which SQL functions ``datastore_search_sql`` may call, pure (no CKAN).

CKAN checks a query by asking PostgreSQL's planner which tables it reads, and lets it run only
when the user may read each one (through ``resource_show``, which the access gate answers). A
function that runs SQL handed to it as text reads tables the plan never names: CKAN's stock
allowlist (``ckanext/datastore/allowed_functions.txt``) includes one, ``ts_rewrite`` (its form
``ts_rewrite(query, 'SELECT …')`` runs the SELECT), so any table could be read through it,
restricted or not. govopen's list is CKAN's without the functions below.
"""
from __future__ import annotations

from collections.abc import Iterable

__all__ = ["RUNS_SQL_TEXT", "READS_OUTSIDE_THE_PLAN", "allowlist"]

#: Functions that execute a query given as text (PostgreSQL 15 documentation, "Text Search
#: Functions" and "XML Functions"), whether or not CKAN's list has them today.
RUNS_SQL_TEXT = frozenset({
    "ts_rewrite", "ts_stat", "query_to_xml", "query_to_xmlschema", "query_to_xml_and_xmlschema",
    "cursor_to_xml", "cursor_to_xmlschema", "dblink", "dblink_exec", "dblink_open", "dblink_fetch",
})
#: Functions that read a table, a schema, a file or settings by a name given as a value.
READS_OUTSIDE_THE_PLAN = frozenset({
    "table_to_xml", "table_to_xmlschema", "table_to_xml_and_xmlschema", "schema_to_xml",
    "schema_to_xmlschema", "schema_to_xml_and_xmlschema", "database_to_xml", "database_to_xmlschema",
    "database_to_xml_and_xmlschema", "pg_read_file", "pg_read_binary_file", "pg_ls_dir", "lo_import",
    "lo_get", "current_setting", "pg_stat_file",
})


def allowlist(stock: Iterable[str]) -> list[str]:
    """CKAN's stock allowlist (its lines) without the functions that read past the plan, in
    CKAN's order, blank lines dropped. Names are compared as CKAN compares them (lower case
    unless double-quoted)."""
    refused = RUNS_SQL_TEXT | READS_OUTSIDE_THE_PLAN
    kept = []
    for line in stock:
        name = line.strip()
        if name and (name if name.startswith('"') else name.lower()).strip('"') not in refused:
            kept.append(name)
    return kept
