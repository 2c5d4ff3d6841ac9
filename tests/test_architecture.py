"""The layout's promises (README, Architecture): pure domain modules import nothing of CKAN, and
no domain module imports an entry point (plugin, views, logic, cli, helpers)."""
from __future__ import annotations

import ast
import pathlib
import subprocess
import sys

import pytest

PACKAGE = pathlib.Path(__file__).resolve().parents[1] / "ckanext" / "govopen"
PURE = ["text", "times", "catalogs", "requests.labels", "access.decision", "access.serving", "catalogue.categories", "catalogue.codes", "requests.rules",
        "requests.mail_text", "deadlines", "deadlines.calendar", "deadlines.engine", "deadlines.policies",
        "sync", "sync.rules", "portal", "portal.figures", "portal.theme", "portal.usage", "catalogue.dcat_terms",
        "catalogue.template", "catalogue.spreadsheet", "datastore", "datastore.sql", "datastore.table", "scorecard", "scorecard.figures",
        "security", "security.headers", "security.throttle", "security.sessions", "security.passwords",
        "security.sealing", "security.duties",
        "solr", "solr.schema"]
DOMAINS = ["access", "catalogue", "requests", "deadlines", "sync", "portal", "datastore", "scorecard", "security"]
ENTRY_POINTS = ("plugin", "views", "logic", "cli", "helpers")


@pytest.mark.parametrize("module", PURE)
def test_pure_modules_import_nothing_of_ckan(module):
    # A fresh interpreter in which importing CKAN (or Flask, SQLAlchemy) fails.
    code = ("import sys\n"
            "for name in ('ckan', 'flask', 'sqlalchemy'): sys.modules[name] = None\n"
            f"import ckanext.govopen.{module}\n")
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert run.returncode == 0, run.stderr[-2000:]


def _imports(path: pathlib.Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
            found.update(f"{node.module}.{a.name}" for a in node.names)
        elif isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
    return found


@pytest.mark.parametrize("domain", DOMAINS)
def test_domains_do_not_import_entry_points(domain):
    upward = {f"ckanext.govopen.{e}" for e in ENTRY_POINTS}
    offenders = {}
    for path in (PACKAGE / domain).rglob("*.py"):
        bad = {m for m in _imports(path) if any(m == u or m.startswith(u + ".") for u in upward)}
        if bad:
            offenders[str(path.relative_to(PACKAGE))] = sorted(bad)
    assert not offenders, offenders
