"""Catalogue import: a template file in, entries created or updated, a report out (glue).

Two passes. The first reads the file (``spreadsheet``, ``template``), finds each row's
department and stored entry, and validates the row with the dataset schema exactly as
``package_create`` / ``package_update`` would (the form's and the API's rules). When a row
fails and ``valid_rows_only`` is not set, nothing is written. The second pass writes each
valid row with CKAN's own action, one transaction per entry: a kill part-way leaves every
entry fully written or untouched. A new entry's id is derived from the portal and its code,
so a re-run after a kill between indexing and commit writes the same index document again
instead of leaving a ghost beside a new one.

Re-import matches entries by catalogue code among this portal's own entries, and counts
created, updated, unchanged and failed. A row equal to its entry (compared as the template
writes both) is not written. Two imports racing on one file: the database refuses the second
create of a code (migration e1f2), and the loser updates the winner's entry instead.

The report lists each problem's row, column, value and message in Chinese and English.
"""
from __future__ import annotations

import dataclasses
import hashlib
import logging
import re
import uuid
from collections.abc import Callable
from typing import Any

import sqlalchemy.exc

import ckan.lib.plugins as lib_plugins
import ckan.model as model
import ckan.plugins.toolkit as tk

from ckanext.govopen import translations
from ckanext.govopen.catalogue import codes, spreadsheet, template
from ckanext.govopen.sync import store
from ckanext.govopen.text import N_

__all__ = ["MESSAGES", "Report", "run"]

log = logging.getLogger(__name__)

# The languages of the report: the portal's first language and English.
REPORT_LOCALES = ("zh_Hans_CN", "en")
_ID_NAMESPACE = uuid.UUID("6f1f7c1e-5b7a-4a53-9a0e-2c1c0e6b9d51")

PROVIDER_UNKNOWN = N_("No department of this portal is called {value}")
PROVIDER_MISSING = N_("Name the providing department (信息资源提供方)")
PROVIDER_OTHER = N_("This entry belongs to {value}, not to the department being imported for")
CODE_TWICE = N_("Catalogue code {code} is also on row {row}: each entry once")
OTHER_PORTAL = N_("This entry comes from the portal {value}: it arrives by sync, not by import")
NOT_ALLOWED = N_("You may not add or change entries of this department")
MESSAGES = (PROVIDER_UNKNOWN, PROVIDER_MISSING, PROVIDER_OTHER, CODE_TWICE, OTHER_PORTAL, NOT_ALLOWED)

_FATAL = {template.MISSING_COLUMNS, template.DUPLICATE_HEADER}


@dataclasses.dataclass
class Report:
    """What an import did. ``errors``: dicts with row, column, value, message (zh) and
    message_en; ``imported``: whether anything was written."""

    total: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    failed: int = 0
    imported: bool = False
    errors: list[dict[str, Any]] = dataclasses.field(default_factory=list)
    ignored_columns: list[str] = dataclasses.field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    def add(self, row: int | str, column: str, value: str, messages: tuple[str, str]) -> None:
        self.errors.append({"row": row, "column": column, "value": value,
                            "message": messages[0], "message_en": messages[1]})


def _both(problem: codes.Problem) -> tuple[str, str]:
    texts = []
    for locale in REPORT_LOCALES:
        with translations.in_locale(locale):
            texts.append(problem.text(tk._))
    return texts[0], texts[1]


@dataclasses.dataclass
class _Entry:
    row: template.Row
    data: dict[str, Any]
    existing: dict[str, Any] | None = None
    errors: dict[str, Any] = dataclasses.field(default_factory=dict)
    same: bool = False  # equal to the stored entry: nothing to write


class _Departments:
    """The portal's departments by title, name, id and department code (cached per import)."""

    def __init__(self) -> None:
        self._known: dict[str, str] | None = None

    def find(self, value: str) -> str | None:
        if self._known is None:
            self._known = {}
            orgs = (model.Session.query(model.Group)
                    .filter(model.Group.is_organization.is_(True), model.Group.state == "active"))
            for org in orgs:
                for key in (org.title, org.name, org.id, (org.extras or {}).get("department_code")):
                    if key:
                        self._known.setdefault(_key(key), org.id)
        return self._known.get(_key(value))


def _key(text: str) -> str:
    return "".join(str(text).split()).lower()


def _existing_id(code: str) -> str | None:
    extras = model.Package.extras
    return (model.Session.query(model.Package.id)
            .filter(extras["catalogue_code"].astext == code,
                    extras["origin_portal"].astext == tk.config["ckan.site_id"],
                    model.Package.state != "deleted")
            .scalar())


def _slug(code: str) -> str:
    return re.sub(r"[^a-z0-9_-]", "-", code.lower()).strip("-")[:90] or "entry"


def _new_identity(code: str) -> tuple[str, str]:
    """The id and URL name of a new entry: derived from the portal and the code (a re-run
    after a kill reuses them), unless a deleted entry or another dataset already has them."""
    site = tk.config["ckan.site_id"]
    pkg_id = str(uuid.uuid5(_ID_NAMESPACE, f"{site}|{code}"))
    if model.Session.query(model.Package.id).filter(model.Package.id == pkg_id).scalar():
        pkg_id = str(uuid.uuid4())
    name = _slug(code)
    holder = model.Session.query(model.Package.id).filter(model.Package.name == name).scalar()
    if holder and holder != pkg_id:
        name = f"{name}-{hashlib.sha1(f'{site}|{code}'.encode()).hexdigest()[:8]}"
    return pkg_id, name


def _derive_class(fields: dict[str, Any]) -> None:
    if fields.get("resource_class"):
        return
    source = fields.get("classification_code") or fields.get("catalogue_code") or ""
    first = codes.normalise_code(source)[:1]
    derived = {"1": "base", "2": "theme", "3": "department"}.get(first)
    if derived:
        fields["resource_class"] = derived


def _column_of(row: template.Row, field: str) -> tuple[str, str]:
    if field in row.cells:
        return row.cells[field]
    for column in template.COLUMNS:
        if column.field == field:
            return column.header, ""
    return field, ""


class _Import:
    def __init__(self, user: str, organization: str | None, valid_rows_only: bool,
                 progress: Callable[[int, int], None] | None) -> None:
        self.user = user
        self.organization = organization
        self.valid_rows_only = valid_rows_only
        self.progress = progress or (lambda done, total: None)
        self.report = Report()
        self.departments = _Departments()
        self.items_in_file = False

    def context(self, **extra: Any) -> dict[str, Any]:
        return {"model": model, "session": model.Session, "user": self.user, **extra}

    # --- first pass -------------------------------------------------------------------

    def prepare(self, entry_row: template.Row) -> _Entry:
        fields = dict(entry_row.fields)
        entry = _Entry(entry_row, {})
        problems = list(entry_row.problems)
        origin = fields.pop("origin_portal", "") or ""
        if origin and origin != tk.config["ckan.site_id"]:
            problems.append(codes.Problem("origin_portal", OTHER_PORTAL, {"value": origin}))
        provider = fields.pop("owner_org", "") or ""
        provider_code = fields.pop("provider_code", "") or ""
        org_id = self.departments.find(provider) if provider else None
        if org_id is None and provider_code:
            org_id = self.departments.find(provider_code)
        if org_id is None and (provider or provider_code):
            problems.append(codes.Problem("owner_org", PROVIDER_UNKNOWN, {"value": provider or provider_code}))
        elif self.organization and org_id and org_id != self.organization:
            problems.append(codes.Problem("owner_org", PROVIDER_OTHER, {"value": provider or provider_code}))
        org_id = org_id or self.organization
        if org_id is None and not problems:
            problems.append(codes.Problem("owner_org", PROVIDER_MISSING))
        code = codes.normalise_code(fields.get("catalogue_code"))
        if code:
            fields["catalogue_code"] = code
        _derive_class(fields)
        reason = fields.pop("category_change_reason", "") or ""
        existing_id = _existing_id(code) if code else None
        if existing_id:
            entry.existing = tk.get_action("package_show")(self.context(ignore_auth=True), {"id": existing_id})
            data = dict(entry.existing)
            data.update(fields)
            # An empty cell clears the field: left out, the update stores no value for it.
            data = {k: v for k, v in data.items() if not (k in fields and v == "")}
        else:
            data = {k: v for k, v in fields.items() if v not in ("", [])}
            data["id"], data["name"] = _new_identity(code) if code else (None, None)
        if self.items_in_file:
            data["data_items"] = [dict(item) for item in entry_row.items]
        if org_id:
            data["owner_org"] = org_id
        if reason:
            data["category_change_reason"] = reason
        entry.data = {k: v for k, v in data.items() if v is not None}
        for problem in problems:
            header, value = _column_of(entry_row, problem.field)
            self.report.add(entry_row.number, header, value, _both(problem))
        for number, header, problem in entry_row.item_problems:
            self.report.add(number, header, problem.params.get("value", ""), _both(problem))
        if problems or entry_row.item_problems:
            entry.errors = {"_read": True}
            return entry
        # Access first: "unchanged" must not tell anyone about an entry they may not change.
        entry.errors = self.refused(entry)
        if not entry.errors:
            entry.same = self.unchanged(entry)
            entry.errors = {} if entry.same else self.validate(entry)
        return entry

    def unchanged(self, entry: _Entry) -> bool:
        if entry.existing is None:
            return False
        present = set(entry.row.fields) - {"category_change_reason"}
        if self.items_in_file:
            present.add("data_items")
        stored = template.project(entry.existing, present)
        wanted = template.project(entry.data, present)
        return stored == wanted and entry.existing.get("owner_org") == entry.data.get("owner_org")

    def refused(self, entry: _Entry) -> dict[str, Any]:
        """The row's error when the user may not write its entry (reported), else nothing."""
        try:
            if entry.existing:
                tk.check_access("package_update", self.context(), {"id": entry.existing["id"]})
            else:
                tk.check_access("package_create", self.context(), {"owner_org": entry.data.get("owner_org")})
        except tk.NotAuthorized:
            header, value = _column_of(entry.row, "owner_org")
            self.report.add(entry.row.number, header, value, _both(codes.Problem("owner_org", NOT_ALLOWED)))
            return {"owner_org": ["not allowed"]}
        return {}

    def validate(self, entry: _Entry) -> dict[str, Any]:
        action = "package_update" if entry.existing else "package_create"
        plugin = lib_plugins.lookup_package_plugin("dataset")
        schema = plugin.update_package_schema() if entry.existing else plugin.create_package_schema()

        # A new entry's id is derived (see _new_identity), which only a sysadmin's or an
        # ignore_auth call may set; package_create's access was checked above. An update
        # validates as the user: moving an entry to a department they may not add to fails here.
        context = self.context(ignore_auth=True) if entry.existing is None else self.context()

        def errors_of() -> dict[str, Any]:
            return lib_plugins.plugin_validate(plugin, dict(context), dict(entry.data, type="dataset"), schema, action)[1]

        errors = errors_of()  # in the report's first language: the whole run is (see run)
        if errors:
            with translations.in_locale(REPORT_LOCALES[1]):
                self.report_errors(entry.row, errors, errors_of())
        return errors

    def report_errors(self, row: template.Row, zh: dict[str, Any], en: dict[str, Any]) -> None:
        for field, problems in zh.items():
            if field == "name" and "catalogue_code" in zh:
                continue  # the URL name is made from the code: the code's error says it all
            other = en.get(field, problems)
            if field == "data_items" and isinstance(problems, list):
                for index, item_errors in enumerate(problems):
                    if not isinstance(item_errors, dict):
                        continue
                    other_item = other[index] if index < len(other) and isinstance(other[index], dict) else item_errors
                    cells = row.item_cells[index] if index < len(row.item_cells) else {}
                    for subfield, texts in item_errors.items():
                        number, header, value = cells.get(subfield, (row.number, subfield, ""))
                        for i, text in enumerate(texts):
                            en_texts = other_item.get(subfield, texts)
                            self.report.add(number, header, value, (text, en_texts[min(i, len(en_texts) - 1)]))
                continue
            header, value = _column_of(row, field)
            for i, text in enumerate(problems):
                if isinstance(text, dict):
                    continue
                en_text = other[min(i, len(other) - 1)] if other else text
                self.report.add(row.number, header, value, (str(text), str(en_text)))

    # --- second pass ------------------------------------------------------------------

    def write(self, entry: _Entry, retried: bool = False) -> str:
        # Found unchanged when the file was checked, or, on a retry, equal to the entry another
        # import wrote meanwhile.
        if entry.same or (retried and self.unchanged(entry)):
            return "unchanged"
        data = dict(entry.data, type="dataset")
        try:
            if entry.existing:
                tk.get_action("package_update")(self.context(), data)
                return "updated"
            # Under a lock on the code until this create commits: an import of the same file
            # running beside this one waits, then finds the entry and updates it. Without it
            # CKAN's create, meeting an entry committed after its own check, updated that entry
            # and both imports counted it created.
            store.lock("catalogue_code", tk.config["ckan.site_id"], data.get("catalogue_code", ""))
            if not retried and _existing_id(data.get("catalogue_code", "")):
                raise tk.ValidationError({"catalogue_code": ["created meanwhile"]})
            tk.get_action("package_create")(self.context(ignore_auth=True), data)
            return "created"
        except (tk.ValidationError, sqlalchemy.exc.IntegrityError) as e:
            model.Session.rollback()
            if entry.existing is None and not retried:
                # Another import created the entry meanwhile (its code, id or name is taken
                # now): this row updates that entry instead.
                existing_id = _existing_id(entry.data.get("catalogue_code", ""))
                if existing_id:
                    entry.existing = tk.get_action("package_show")(self.context(ignore_auth=True), {"id": existing_id})
                    entry.data = {**entry.existing, **{k: v for k, v in entry.data.items() if k not in ("id", "name")}}
                    return self.write(entry, retried=True)
            if isinstance(e, sqlalchemy.exc.IntegrityError):
                raise
            errors = e.error_dict or {}
            self.report_errors(entry.row, errors, errors)
            return "failed"

    def run(self, data: bytes, filename: str) -> Report:
        report = self.report
        try:
            sheets = spreadsheet.read(data, filename)
        except spreadsheet.UnreadableFile as e:
            report.add("", "", filename, _both(codes.Problem("", e.msgid, e.params)))
            return report
        rows, ignored, problems = template.parse_rows(
            sheets.headers, sheets.rows, first_row=sheets.first_row, item_headers=sheets.item_headers,
            item_rows=sheets.item_rows, item_first_row=sheets.item_first_row)
        report.ignored_columns = ignored
        report.total = len(rows)
        for problem in problems:
            report.add(int(problem.field) if problem.msgid == template.ITEM_ORPHAN else "",
                       "" if problem.msgid == template.ITEM_ORPHAN else problem.field, "", _both(problem))
        if any(p.msgid in _FATAL for p in problems):
            report.failed = len(rows)
            return report
        columns = template.header_map(sheets.headers)[0].values()
        self.items_in_file = sheets.item_headers is not None or any(c in template.ITEM_COLUMNS for c in columns)
        entries: list[_Entry] = []
        first_row_of: dict[str, int] = {}
        steps = len(rows) * 2
        for done, row in enumerate(rows, start=1):
            entry = self.prepare(row)
            code = entry.data.get("catalogue_code")
            if code and code in first_row_of:
                problem = codes.Problem("catalogue_code", CODE_TWICE, {"code": code, "row": first_row_of[code]})
                header, value = _column_of(row, "catalogue_code")
                report.add(row.number, header, value, _both(problem))
                entry.errors = entry.errors or {"catalogue_code": ["twice"]}
            elif code:
                first_row_of[code] = row.number
            entries.append(entry)
            self.progress(done, steps)
        failing = [e for e in entries if e.errors]
        report.failed = len(failing)
        if (failing or problems) and not self.valid_rows_only:
            self.progress(steps, steps)
            return report
        for done, entry in enumerate(entries, start=len(rows) + 1):
            if not entry.errors:
                outcome = self.write(entry)
                setattr(report, outcome, getattr(report, outcome) + 1)
                report.imported = report.imported or outcome in ("created", "updated")
            self.progress(done, steps)
        return report


def run(data: bytes, filename: str, *, user: str, organization: str | None = None,
        valid_rows_only: bool = False, progress: Callable[[int, int], None] | None = None) -> Report:
    """Import a catalogue file as USER (a user name), for ORGANIZATION (an id, optional: each
    row's 信息资源提供方 names its department). PROGRESS gets (steps done, steps in all):
    one step per row to validate and one per row to write."""
    # One language context for the whole run (entering one per row would cost a request
    # context each time outside a web request); English only for the rows that fail.
    with translations.in_locale(REPORT_LOCALES[0]):
        return _Import(user, organization, valid_rows_only, progress).run(data, filename)
