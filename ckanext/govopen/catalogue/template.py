"""The national catalogue template (政务信息资源目录编制指南) as spreadsheet rows, both ways.

Pure Python (stdlib only, no CKAN): which column holds which field, how a cell reads into an
API value and how a value is written back, and how data items (信息项) travel, either as
item rows under their entry or on their own sheet. The glue (``importer.py``) resolves
departments, validates with the dataset schema and writes; ``spreadsheet.py`` reads and
writes the files.

A column is recognised by the template's Chinese header (信息资源名称, 共享类型 …), by an
accepted variant (不予共享依据 for the share basis), or by the API field name (title,
share_category …). Headers are compared after NFKC, without blanks, a trailing ``*``
(a required-column marker) or a trailing bracketed note (``更新周期（必填）``).

Choice cells accept the template's Chinese wording, the API value and common variants
(每季 for quarterly); what matches nothing is a :class:`~ckanext.govopen.catalogue.codes.Problem`
listing the accepted wording, so a department sees at once what the column takes.
"""
from __future__ import annotations

import dataclasses
import datetime
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from ckanext.govopen.catalogue.codes import Problem
from ckanext.govopen.text import N_

__all__ = [
    "COLUMNS",
    "ITEM_COLUMNS",
    "ITEM_SHEET",
    "MAIN_SHEET",
    "MESSAGES",
    "Column",
    "Row",
    "dataset_row",
    "header_map",
    "item_rows",
    "normalise_header",
    "parse_rows",
    "project",
    # msgids
    "CHOICE_UNKNOWN",
    "DATE_INVALID",
    "DUPLICATE_HEADER",
    "ITEM_ORPHAN",
    "ITEM_SHEET_UNKNOWN_CODE",
    "LENGTH_INVALID",
    "MISSING_COLUMNS",
]

MAIN_SHEET = "信息资源目录"
ITEM_SHEET = "信息项"

CHOICE_UNKNOWN = N_("{value} is not accepted here: use one of {choices}")
DATE_INVALID = N_("{value} is not a date: write YYYY-MM-DD")
LENGTH_INVALID = N_("{value} is not a length: write a whole number")
ITEM_ORPHAN = N_("A data item row must follow the row of its entry")
ITEM_SHEET_UNKNOWN_CODE = N_("No entry in the catalogue sheet has the catalogue code {code}")
DUPLICATE_HEADER = N_("Two columns are both read as {field}: keep one")
MISSING_COLUMNS = N_("The file has no column for {columns}: is it the catalogue template?")

MESSAGES = (CHOICE_UNKNOWN, DATE_INVALID, LENGTH_INVALID, ITEM_ORPHAN, ITEM_SHEET_UNKNOWN_CODE,
            DUPLICATE_HEADER, MISSING_COLUMNS)


@dataclasses.dataclass(frozen=True)
class Column:
    """One column: its template header, the API field it fills, accepted header variants, and
    for a choice field the written form of each API value followed by accepted variants."""

    header: str
    field: str
    aliases: tuple[str, ...] = ()
    choices: Mapping[str, tuple[str, ...]] | None = None
    kind: str = "text"  # text, choice, bool, date, list


def _choices(**values: tuple[str, ...]) -> dict[str, tuple[str, ...]]:
    return dict(values)


_YES_NO = _choices(true=("是", "yes", "y", "1", "true"), false=("否", "no", "n", "0", "false"))

#: The catalogue sheet's columns in the order an export writes them.
COLUMNS: tuple[Column, ...] = (
    Column("信息资源名称", "title", ("资源名称", "目录名称")),
    Column("信息资源代码", "catalogue_code", ("资源代码", "目录代码")),
    Column("信息资源分类", "classification_code", ("分类代码", "资源分类")),
    Column("资源类别", "resource_class", ("信息资源类别",), kind="choice", choices=_choices(
        base=("基础信息资源", "基础", "1"), theme=("主题信息资源", "主题", "2"),
        department=("部门信息资源", "部门", "3"))),
    Column("信息资源提供方", "owner_org", ("提供方", "提供部门", "信息资源提供方名称")),
    Column("信息资源提供方代码", "provider_code", ("提供方代码",)),
    Column("信息资源摘要", "notes", ("摘要",)),
    Column("信息资源格式分类", "format_class", ("格式分类",), kind="choice", choices=_choices(**{
        "01": ("电子文件", "1"), "02": ("电子表格", "2"), "03": ("数据库", "3"),
        "04": ("图形图像", "4"), "05": ("流媒体", "5"), "06": ("自描述格式", "6")})),
    Column("信息资源格式类型", "format_type", ("格式类型", "信息资源格式")),
    Column("共享类型", "share_category", ("共享属性",), kind="choice", choices=_choices(
        unconditional=("无条件共享",), conditional=("有条件共享",), not_shared=("不予共享",))),
    Column("共享条件", "share_conditions"),
    Column("共享依据", "share_legal_basis", ("不予共享依据", "有条件共享依据", "共享法律依据")),
    Column("共享方式", "share_method", ("共享方式类型",), kind="choice", choices=_choices(
        platform_database=("共享平台/数据库", "数据库", "共享平台方式/数据库"),
        platform_api=("共享平台/接口", "接口", "共享平台方式/接口"),
        platform_file=("共享平台/文件", "文件", "共享平台方式/文件"),
        mail_or_media=("邮件或介质", "邮件", "介质"))),
    Column("开放类型", "open_category", ("开放属性", "是否向社会开放"), kind="choice", choices=_choices(
        unconditional=("无条件开放", "是"), on_application=("依申请开放", "有条件开放"),
        not_open=("不予开放", "否"))),
    Column("开放条件", "open_conditions"),
    Column("开放依据", "open_legal_basis", ("不予开放依据", "依申请开放依据", "开放法律依据")),
    Column("更新周期", "update_frequency", ("更新频率",), kind="choice", choices=_choices(
        realtime=("实时",), daily=("每日", "每天", "日"), weekly=("每周", "周"), monthly=("每月", "月"),
        quarterly=("每季度", "每季", "季度"), semiannual=("每半年", "半年"), annual=("每年", "年", "每年度"),
        other=("其他", "不定期"))),
    Column("发布日期", "publish_date", kind="date"),
    Column("数据更新日期", "data_updated", ("最近更新日期",), kind="date"),
    Column("关联资源代码", "related_codes", ("关联代码",), kind="list"),
    Column("开放主题分类", "themes", ("主题分类", "开放主题"), kind="list"),
    Column("来源信息系统名称", "source_system", ("来源信息系统",)),
    Column("信息资源所在网络", "network", ("所在网络",)),
    Column("行政区划代码", "region_code", ("区划代码",)),
    Column("涉密属性", "classified", ("是否涉密",), kind="bool", choices=_choices(
        true=("涉密", *_YES_NO["true"]), false=("非涉密", *_YES_NO["false"]))),
    Column("是否含个人信息", "contains_personal_info", kind="bool", choices=_YES_NO),
    Column("是否含商业秘密", "contains_trade_secret", kind="bool", choices=_YES_NO),
    Column("是否已脱敏", "desensitized", kind="bool", choices=_YES_NO),
    Column("来源平台", "origin_portal"),
    Column("类别变更理由", "category_change_reason", ("变更理由",)),
)

#: Data item columns: on the catalogue sheet (item rows) and on the item sheet.
ITEM_COLUMNS: tuple[Column, ...] = (
    Column("信息项名称", "name", ("数据项名称",)),
    Column("数据类型", "type", ("信息项数据类型",), kind="choice", choices=_choices(
        C=("字符型C", "字符型"), N=("数值型N", "数值型"), Y=("货币型Y", "货币型"), D=("日期型D", "日期型"),
        T=("日期时间型T", "日期时间型"), L=("逻辑型L", "逻辑型"), M=("备注型M", "备注型"),
        G=("通用型G", "通用型"), B=("双精度型B", "双精度型"), I=("整型I", "整型"), F=("浮点型F", "浮点型"))),
    Column("数据长度", "length", ("信息项数据长度",)),
)

#: Fields an import cannot go without (the schema requires them too; named here so a file
#: that is not the template at all is told so once, not on every row).
_REQUIRED_COLUMNS = ("title", "catalogue_code")
# Written on export, read on import, never compared: the reason belongs to one change.
_NOT_COMPARED = {"category_change_reason", "provider_code", "origin_portal"}
_ITEM_KEY = "catalogue_code"
_LIST_SPLIT = re.compile(r"[;；,，、\n]+")
_NOTE = re.compile(r"\(.*\)$")


def normalise_header(text: object) -> str:
    """A header as it is compared: NFKC, no blanks, no trailing ``*`` or bracketed note,
    lower case (API names)."""
    value = "".join(unicodedata.normalize("NFKC", str(text or "")).split())
    value = _NOTE.sub("", value.rstrip("*")).rstrip("*")
    return value.lower()


def _index(columns: Iterable[Column]) -> dict[str, Column]:
    known: dict[str, Column] = {}
    for column in columns:
        for name in (column.header, column.field, *column.aliases):
            known.setdefault(normalise_header(name), column)
    return known


_MAIN = _index(COLUMNS)
_ITEMS = _index(ITEM_COLUMNS)
_ITEM_SHEET_ONLY = _index((Column("信息资源代码", _ITEM_KEY, ("资源代码", "目录代码")),))


def header_map(headers: Sequence[object], *, items_sheet: bool = False
               ) -> tuple[dict[int, Column], list[str], list[Problem]]:
    """Which column index holds which field: ``(columns, ignored headers, problems)``.

    On the item sheet the data item columns and the catalogue code are read; on the
    catalogue sheet every template column and the item columns (for item rows).
    """
    known = {**_ITEMS, **_ITEM_SHEET_ONLY} if items_sheet else {**_MAIN, **_ITEMS}
    found: dict[int, Column] = {}
    ignored: list[str] = []
    problems: list[Problem] = []
    seen: dict[tuple[str, str], int] = {}
    for position, header in enumerate(headers):
        text = str(header or "").strip()
        if not text:
            continue
        column = known.get(normalise_header(text))
        if column is None:
            ignored.append(text)
            continue
        key = ("item" if column in ITEM_COLUMNS else "main", column.field)
        if key in seen:
            problems.append(Problem(text, DUPLICATE_HEADER, {"field": column.header}))
            continue
        seen[key] = position
        found[position] = column
    if not items_sheet:
        fields = {c.field for c in found.values() if c not in ITEM_COLUMNS}
        missing = [c.header for c in COLUMNS if c.field in _REQUIRED_COLUMNS and c.field not in fields]
        if missing:
            problems.append(Problem("", MISSING_COLUMNS, {"columns": "、".join(missing)}))
    return found, ignored, problems


def _cell(value: object) -> str:
    """A cell as text: numbers the way they were typed (Excel gives 2.0 for 2), dates as
    YYYY-MM-DD, text NFC with outer blanks stripped."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime.datetime):
        return value.date().isoformat()
    if isinstance(value, datetime.date):
        return value.isoformat()
    return unicodedata.normalize("NFC", str(value)).strip()


def _choice(column: Column, text: str) -> str | None:
    assert column.choices is not None
    wanted = normalise_header(text)
    for value, spellings in column.choices.items():
        if wanted in {normalise_header(value), *(normalise_header(s) for s in spellings)}:
            return value
    return None


def _read(column: Column, raw: object) -> tuple[Any, Problem | None]:
    text = _cell(raw)
    if column.kind == "list":
        return [part.strip() for part in _LIST_SPLIT.split(text) if part.strip()], None
    if not text:
        return "", None
    if column.kind in ("choice", "bool"):
        value = _choice(column, text)
        if value is None:
            shown = "、".join(spellings[0] for spellings in (column.choices or {}).values())
            return text, Problem(column.field, CHOICE_UNKNOWN, {"value": text, "choices": shown})
        return value, None
    if column.kind == "date":
        day = _date(text)
        if day is None:
            return text, Problem(column.field, DATE_INVALID, {"value": text})
        return day, None
    return text, None


def _date(text: str) -> str | None:
    candidate = re.sub(r"[年月/.]", "-", text.rstrip("日")).split(" ")[0].split("T")[0]
    try:
        y, m, d = (int(part) for part in candidate.split("-"))
        return datetime.date(y, m, d).isoformat()
    except (ValueError, TypeError):
        return None


@dataclasses.dataclass
class Row:
    """One catalogue entry read from the file: the sheet row number (1-based, as a
    spreadsheet shows it), the fields read, their source cells for the report, the data
    items and the problems found while reading."""

    number: int
    fields: dict[str, Any]
    cells: dict[str, tuple[str, str]]  # field -> (header as written, cell text)
    items: list[dict[str, str]] = dataclasses.field(default_factory=list)
    item_cells: list[dict[str, tuple[int, str, str]]] = dataclasses.field(default_factory=list)
    problems: list[Problem] = dataclasses.field(default_factory=list)
    item_problems: list[tuple[int, str, Problem]] = dataclasses.field(default_factory=list)


def _item(columns: Mapping[int, Column], values: Sequence[object], number: int
          ) -> tuple[dict[str, str], dict[str, tuple[int, str, str]], list[tuple[int, str, Problem]]]:
    item: dict[str, str] = {}
    cells: dict[str, tuple[int, str, str]] = {}
    problems: list[tuple[int, str, Problem]] = []
    for position, column in columns.items():
        if column not in ITEM_COLUMNS:
            continue
        raw = values[position] if position < len(values) else None
        text = _cell(raw)
        value, problem = _read(column, raw)
        if column.field == "length" and text and not re.fullmatch(r"[0-9]+", text):
            problem = Problem("length", LENGTH_INVALID, {"value": text})
        if text:
            item[column.field] = value
        cells[column.field] = (number, column.header, text)
        if problem:
            problems.append((number, column.header, problem))
    return item, cells, problems


def parse_rows(headers: Sequence[object], rows: Iterable[Sequence[object]], *, first_row: int = 2,
               item_headers: Sequence[object] | None = None, item_rows: Iterable[Sequence[object]] = (),
               item_first_row: int = 2) -> tuple[list[Row], list[str], list[Problem]]:
    """The entries of a catalogue sheet (and of its item sheet, if there is one).

    A row with neither a name nor a catalogue code but with data item cells is an item row
    of the entry above it. Blank rows are skipped. Returns ``(entries, ignored headers,
    file-level problems)``; an entry's own problems are on the entry.
    """
    columns, ignored, problems = header_map(headers)
    entries: list[Row] = []
    for number, values in enumerate(rows, start=first_row):
        cells = [_cell(v) for v in values]
        if not any(cells):
            continue
        fields: dict[str, Any] = {}
        sources: dict[str, tuple[str, str]] = {}
        entry_problems: list[Problem] = []
        for position, column in columns.items():
            if column in ITEM_COLUMNS:
                continue
            raw = values[position] if position < len(values) else None
            value, problem = _read(column, raw)
            fields[column.field] = value
            sources[column.field] = (str(headers[position]).strip(), _cell(raw))
            if problem:
                entry_problems.append(problem)
        item, item_cells, item_problems = _item(columns, values, number)
        if not fields.get("title") and not fields.get("catalogue_code"):
            if item and entries:
                entries[-1].items.append(item)
                entries[-1].item_cells.append(item_cells)
                entries[-1].item_problems.extend(item_problems)
            elif item:
                problems.append(Problem(str(number), ITEM_ORPHAN))
            else:
                row = Row(number, fields, sources, problems=entry_problems)
                entries.append(row)  # a row with other cells only: the schema names what is missing
            continue
        row = Row(number, fields, sources, problems=entry_problems)
        if item:
            row.items.append(item)
            row.item_cells.append(item_cells)
            row.item_problems.extend(item_problems)
        entries.append(row)
    if item_headers is not None:
        _attach_item_sheet(entries, item_headers, item_rows, item_first_row, problems)
    return entries, ignored, problems


def _code_key(code: object) -> str:
    return "".join(unicodedata.normalize("NFKC", str(code or "")).split())


def _attach_item_sheet(entries: list[Row], headers: Sequence[object], rows: Iterable[Sequence[object]],
                       first_row: int, problems: list[Problem]) -> None:
    columns, _ignored, header_problems = header_map(headers, items_sheet=True)
    problems.extend(header_problems)
    code_at = next((p for p, c in columns.items() if c.field == _ITEM_KEY), None)
    by_code = {_code_key(e.fields.get("catalogue_code")): e for e in entries if e.fields.get("catalogue_code")}
    for number, values in enumerate(rows, start=first_row):
        if not any(_cell(v) for v in values):
            continue
        code = _cell(values[code_at]) if code_at is not None and code_at < len(values) else ""
        entry = by_code.get(_code_key(code))
        if entry is None:
            problems.append(Problem(f"{ITEM_SHEET}!{number}", ITEM_SHEET_UNKNOWN_CODE, {"code": code}))
            continue
        item, item_cells, item_problems = _item(columns, values, number)
        entry.items.append(item)
        entry.item_cells.append({k: (number, f"{ITEM_SHEET}!{h}", t) for k, (n, h, t) in item_cells.items()})
        entry.item_problems.extend((n, f"{ITEM_SHEET}!{h}", p) for n, h, p in item_problems)


# --- writing ---------------------------------------------------------------------------

def _write(column: Column, value: Any) -> str:
    if value is None or value == "":
        return ""
    if column.kind == "list":
        items = value if isinstance(value, list) else [value]
        return "；".join(str(v) for v in items if str(v).strip())
    if column.kind == "bool":
        flag = value if isinstance(value, bool) else str(value).strip().lower() in ("true", "1", "yes")
        if column.field == "classified":
            return "涉密" if flag else "非涉密"
        return "是" if flag else "否"
    if column.choices is not None:
        spellings = column.choices.get(str(value))
        return spellings[0] if spellings else str(value)
    return str(value)


def dataset_row(fields: Mapping[str, Any]) -> list[str]:
    """An entry's catalogue sheet row in :data:`COLUMNS` order. ``fields`` is a dataset dict
    whose ``owner_org`` is already the department's title and ``provider_code`` its code."""
    return [_write(column, fields.get(column.field)) for column in COLUMNS]


def item_rows(code: str, items: Iterable[Mapping[str, Any]]) -> list[list[str]]:
    """The item sheet rows of one entry: its code, then each item's name, type and length."""
    return [[code, *(_write(column, item.get(column.field)) for column in ITEM_COLUMNS)] for item in items]


def project(fields: Mapping[str, Any], present: Iterable[str] | None = None) -> dict[str, Any]:
    """The template's view of an entry, for comparing a file's row with the stored entry:
    every compared field (or only those in ``present``) as written to a file and read back,
    so two entries that export alike compare equal."""
    wanted = set(present) if present is not None else {c.field for c in COLUMNS}
    view: dict[str, Any] = {}
    for column in COLUMNS:
        if column.field in _NOT_COMPARED or column.field not in wanted:
            continue
        written = _write(column, fields.get(column.field))
        value, _problem = _read(column, written)
        if column.kind == "bool" and value == "":
            value = "false"  # an empty flag is stored as the schema's default, no
        view[column.field] = value
    if "data_items" in wanted:
        items = []
        for item in fields.get("data_items") or []:
            items.append({c.field: _cell(item.get(c.field)) for c in ITEM_COLUMNS if _cell(item.get(c.field))})
        view["data_items"] = items
    return view
