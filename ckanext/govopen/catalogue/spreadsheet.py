"""Catalogue files: XLSX through openpyxl, CSV in the encodings Chinese government systems write.

No CKAN imports. :func:`read` turns a file into the sheets ``template.parse_rows`` takes;
:func:`write_xlsx` and :func:`write_csv` write what ``template`` lays out.

CSV encodings: UTF-8 with or without a byte-order mark, UTF-16 with one (Excel's "Unicode
text"), else GB18030, which contains GBK and GB2312 (what most government systems and a
Chinese Excel's "CSV" write). A file that is none of these is refused with a message; it is
never read as mojibake. Cells that a spreadsheet would run as a formula (``=``, ``+``,
``-``, ``@`` first) are written behind an apostrophe in CSV and as plain text in XLSX;
reading takes the apostrophe off again.
"""
from __future__ import annotations

import csv
import dataclasses
import io
import zipfile
from collections.abc import Iterable, Sequence
from typing import Any

from ckanext.govopen.catalogue import template
from ckanext.govopen.text import N_, detect_encoding

__all__ = ["MESSAGES", "Sheets", "UnreadableFile", "csv_table", "decode_csv", "read", "write_csv", "write_sheets", "write_xlsx",
           "CSV_ENCODING", "NOT_SPREADSHEET", "NO_HEADER", "EMPTY_FILE", "TOO_LARGE_UNZIPPED",
           "MAX_UNZIPPED_MB"]

CSV_ENCODING = N_("The CSV file is neither UTF-8 nor GBK/GB18030: save it again as UTF-8 or as Excel CSV")
NOT_SPREADSHEET = N_("The file is not an XLSX workbook or a CSV file")
NO_HEADER = N_("No header row with 信息资源名称 or 信息资源代码 in the first {rows} rows")
EMPTY_FILE = N_("The file is empty")
TOO_LARGE_UNZIPPED = N_("The workbook unpacks to more than {mb} MiB: split it into smaller files")
MESSAGES = (CSV_ENCODING, NOT_SPREADSHEET, NO_HEADER, EMPTY_FILE, TOO_LARGE_UNZIPPED)

# An XLSX is a zip: a small upload may unpack to gigabytes (a zip bomb). A 5,000-entry
# catalogue unpacks to a few MiB.
MAX_UNZIPPED_MB = 512

# A title row or two above the header is common ("XX市政务信息资源目录"): look that far.
_HEADER_SEARCH = 10
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


class UnreadableFile(ValueError):
    """The file cannot be read as a catalogue: ``msgid`` and ``params`` say why."""

    def __init__(self, msgid: str, **params: object) -> None:
        super().__init__(msgid.format(**params))
        self.msgid = msgid
        self.params = params


@dataclasses.dataclass
class Sheets:
    """The catalogue sheet and the item sheet (if any) as header, rows and first row number."""

    headers: list[object]
    rows: list[Sequence[object]]
    first_row: int
    item_headers: list[object] | None = None
    item_rows: list[Sequence[object]] = dataclasses.field(default_factory=list)
    item_first_row: int = 2


def _find_header(rows: list[Sequence[object]]) -> int:
    for index, row in enumerate(rows[:_HEADER_SEARCH]):
        fields = {c.field for c in template.header_map(list(row))[0].values()}
        if {"title", "catalogue_code"} & fields:
            return index
    raise UnreadableFile(NO_HEADER, rows=_HEADER_SEARCH)


def _unescape(value: object) -> object:
    if isinstance(value, str) and len(value) > 1 and value[0] == "'" and value[1] in _FORMULA_START:
        return value[1:]
    return value


def _sheet(rows: list[Sequence[object]]) -> tuple[list[object], list[Sequence[object]], int]:
    rows = [[_unescape(v) for v in row] for row in rows]
    at = _find_header(rows)
    return list(rows[at]), rows[at + 1:], at + 2


def decode_csv(data: bytes) -> str:
    """The text of a CSV file in any of the encodings above; UnreadableFile otherwise."""
    encoding = detect_encoding([data])
    if encoding is None:
        raise UnreadableFile(CSV_ENCODING)
    return data.decode(encoding)


def read(data: bytes, filename: str = "") -> Sheets:
    """The sheets of an XLSX or CSV catalogue file (told apart by content, not by name)."""
    if not data.strip():
        raise UnreadableFile(EMPTY_FILE)
    if data.startswith(b"PK"):
        return _read_xlsx(data)
    text = decode_csv(data)
    # Only the delimiter is guessed: the one the first lines (title rows included) use most.
    # Quoting is always Excel's.
    head = "\n".join(text.splitlines()[:_HEADER_SEARCH])
    delimiter = max(",\t;", key=head.count)
    rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    headers, body, first = _sheet(rows)
    return Sheets(headers, body, first)


def _read_xlsx(data: bytes) -> Sheets:
    import openpyxl

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, ValueError, OSError) as e:
        raise UnreadableFile(NOT_SPREADSHEET) from e
    if unpacked > MAX_UNZIPPED_MB * 1024 * 1024:
        raise UnreadableFile(TOO_LARGE_UNZIPPED, mb=MAX_UNZIPPED_MB)
    try:
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as e:
        raise UnreadableFile(NOT_SPREADSHEET) from e
    try:
        names = book.sheetnames
        main = template.MAIN_SHEET if template.MAIN_SHEET in names else next(
            (n for n in names if n != template.ITEM_SHEET), names[0])
        headers, body, first = _sheet([list(r) for r in book[main].iter_rows(values_only=True)])
        sheets = Sheets(headers, body, first)
        if template.ITEM_SHEET in names and template.ITEM_SHEET != main:
            item_rows = [[_unescape(v) for v in r] for r in book[template.ITEM_SHEET].iter_rows(values_only=True)]
            if item_rows:
                sheets.item_headers = list(item_rows[0])
                sheets.item_rows = item_rows[1:]
        return sheets
    finally:
        book.close()


def _item_headers() -> list[str]:
    return [template.COLUMNS[1].header, *(c.header for c in template.ITEM_COLUMNS)]


def write_sheets(sheets: Iterable[tuple[str, Sequence[str], Iterable[Sequence[Any]]]]) -> bytes:
    """A workbook of (title, headers, rows) sheets. Every text cell stays text: never a formula,
    a number or a date, whatever it starts with. Python numbers (int, float: a figure, never
    typed text) are written as numbers, so that a spreadsheet can sum them; None is empty."""
    import openpyxl
    from openpyxl.cell import WriteOnlyCell

    book = openpyxl.Workbook(write_only=True)
    for title, headers, body in sheets:
        sheet = book.create_sheet(title)
        sheet.append(list(headers))
        for row in body:
            cells = []
            for value in row:
                number = isinstance(value, (int, float)) and not isinstance(value, bool)
                cell = WriteOnlyCell(sheet, value=value if number else ("" if value is None else str(value)))
                if not number:
                    cell.data_type = "s"
                cells.append(cell)
            sheet.append(cells)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def write_xlsx(rows: Iterable[Sequence[str]], items: Iterable[Sequence[str]]) -> bytes:
    """A workbook in the template: the catalogue sheet and the item sheet."""
    return write_sheets([(template.MAIN_SHEET, [c.header for c in template.COLUMNS], rows),
                         (template.ITEM_SHEET, _item_headers(), items)])


def csv_table(headers: Sequence[str], rows: Iterable[Sequence[str]]) -> bytes:
    """A CSV table, UTF-8 with a byte-order mark (Excel then shows the Chinese)."""
    out = io.StringIO(newline="")
    writer = csv.writer(out)
    writer.writerow(headers)
    for row in rows:
        writer.writerow([_escape(v) for v in row])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def _escape(value: str) -> str:
    return "'" + value if value.startswith(_FORMULA_START) else value


def write_csv(rows: Iterable[tuple[Sequence[str], Iterable[Sequence[str]]]]) -> bytes:
    """The template as one CSV table: each entry's row, followed by item rows that carry only
    the data item columns."""
    width = len(template.COLUMNS)

    def lines() -> Iterable[list[str]]:
        for row, items in rows:
            items = list(items)
            yield [*row, *(items[0][1:] if items else ["", "", ""])]
            for item in items[1:]:
                yield [""] * width + list(item[1:])

    return csv_table([c.header for c in template.COLUMNS] + [c.header for c in template.ITEM_COLUMNS], lines())
