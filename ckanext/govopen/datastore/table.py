"""A CSV or XLSX file as a DataStore table, pure (no CKAN): its encoding, its header, its column
names and its rows, read as a stream (a million-row file is never held in memory).

Column names: PostgreSQL cuts identifiers at 63 *bytes* (21 CJK characters in UTF-8) and CKAN's
DataStore counts characters, so a long Chinese header would be cut by the database, possibly
onto another column's name. Here each name is cut at 63 bytes on a character boundary, made
unique with a ``_2``-style suffix inside the same limit, and the header as written is kept as
the column's label (the DataStore's data dictionary shows it).
"""
from __future__ import annotations

import csv
import dataclasses
import datetime
import decimal
import io
import itertools
import os
import zipfile
from collections.abc import Callable, Iterator, Sequence

from ckanext.govopen.text import N_, detect_encoding

__all__ = ["Table", "UnreadableTable", "column_ids", "header_index", "cell_text", "open_table", "MESSAGES",
           "MAX_IDENTIFIER_BYTES"]

MAX_IDENTIFIER_BYTES = 63

ENCODING = N_("The file's encoding could not be determined: it is neither UTF-8 nor GBK/GB18030. "
              "Save it again as UTF-8 (or as CSV from Excel) and upload it again")
NOT_TABLE = N_("The file is neither a CSV file nor an XLSX workbook")
NOT_CSV = N_("The file cannot be read as CSV: {reason}")
EMPTY = N_("The file holds no rows")
NO_COLUMNS = N_("No header row was found: the first row with text must name the columns")
ROW_TOO_WIDE = N_("Row {row} has {cells} cells with values but the header names only {columns} columns")
TOO_LARGE_UNZIPPED = N_("The workbook unpacks to more than {mb} MiB: save it as CSV instead")
MESSAGES = (ENCODING, NOT_TABLE, NOT_CSV, EMPTY, NO_COLUMNS, ROW_TOO_WIDE, TOO_LARGE_UNZIPPED)

# A title row or two above the header is common ("2025年XX市企业名录"): look that far.
_HEADER_SEARCH = 10
_CHUNK = 1 << 20


class UnreadableTable(ValueError):
    """Why the file cannot be loaded: ``msgid`` (English, translated by the caller) and
    ``params``."""

    def __init__(self, msgid: str, **params: object) -> None:
        super().__init__(msgid.format(**params))
        self.msgid = msgid
        self.params = params


def _cut(text: str, limit: int) -> str:
    data = text.encode("utf-8")[:limit]
    # errors="ignore" drops a character cut in half at the end, never one in the middle.
    return data.decode("utf-8", errors="ignore").rstrip()


def column_ids(headers: Sequence[object]) -> list[str]:
    """One DataStore column name per header: stripped, without what the DataStore refuses
    (a leading underscore, a double quote, control characters; an ASCII colon becomes a full-width
    one), at most 63 UTF-8 bytes cut on a
    character boundary, unique (a later duplicate gets ``_2``, ``_3``... within the limit), and
    ``column_N`` for a blank header."""
    ids: list[str] = []
    taken: set[str] = set()
    for number, header in enumerate(headers, start=1):
        # A ":" becomes "：": CKAN's DataStore writes column names into SQLAlchemy text, where
        # " :name" is taken for a bind parameter (datastore_create fails on such a header too).
        name = "".join(ch for ch in cell_text(header) or "" if ch.isprintable()).replace('"', "'").replace(":", "：")
        name = _cut(name.strip().lstrip("_").strip(), MAX_IDENTIFIER_BYTES) or f"column_{number}"
        if name in taken:
            for n in range(2, len(headers) + 2):
                suffix = f"_{n}"
                candidate = _cut(name, MAX_IDENTIFIER_BYTES - len(suffix)) + suffix
                if candidate not in taken:
                    name = candidate
                    break
        ids.append(name)
        taken.add(name)
    return ids


def cell_text(value: object) -> str | None:
    """A cell as the text a table column holds: None for an empty cell, ``2`` for a
    spreadsheet's ``2.0``, ISO dates (``2025-01-02``, with the time only when there is one)."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return repr(value)
    if isinstance(value, decimal.Decimal):
        return format(value, "f")
    if isinstance(value, datetime.datetime):
        return value.date().isoformat() if value.time() == datetime.time() else value.isoformat(sep=" ")
    if isinstance(value, (datetime.date, datetime.time)):
        return value.isoformat()
    text = str(value)
    return text if text.strip() else None


def header_index(rows: Sequence[Sequence[object]]) -> int | None:
    """Which of the first rows is the header: the first with text in two or more cells, after
    title rows (one cell of text each); a table of a single column has its header first.
    None when every row is blank."""
    filled = [sum(1 for v in row if cell_text(v) is not None) for row in rows]
    for i, count in enumerate(filled):
        if count >= 2:
            return i
    return next((i for i, count in enumerate(filled) if count), None)


@dataclasses.dataclass
class Table:
    """An open table: ``headers`` as written, ``columns`` (their column names), ``encoding``
    (None for a workbook), ``rows`` (each a list of str or None, as wide as the header) and
    ``position()``: how many bytes of the file have been read, for progress."""

    headers: list[str]
    columns: list[str]
    encoding: str | None
    rows: Iterator[list[str | None]]
    position: Callable[[], int]
    size: int
    close: Callable[[], None]
    # A CSV file: its delimiter, and the byte offset where the rows after the header start (None
    # when the header is not within the first lines): a loader may hand the bytes from there
    # to PostgreSQL's COPY as they are, and read them through ``rows`` only if COPY refuses.
    delimiter: str | None = None
    data_offset: int | None = None


def open_table(path: str | os.PathLike) -> Table:
    """The table in the file at PATH (CSV or XLSX, told apart by content): UnreadableTable when
    it cannot be read as one."""
    size = os.path.getsize(path)
    with open(path, "rb") as f:
        start = f.read(4)
    if not size:
        raise UnreadableTable(EMPTY)
    if start.startswith(b"PK"):
        return _open_xlsx(path, size)
    return _open_csv(path, size)


def _fitted(rows: Iterator[list], width: int, first_row: int) -> Iterator[list[str | None]]:
    # Cells past the header's width are dropped when empty (Excel pads rows) and refused
    # otherwise: a shifted row would put values under the wrong column.
    for number, row in enumerate(rows, start=first_row):
        cells = [cell_text(v) for v in row]
        if len(cells) > width:
            extra = cells[width:]
            if any(v is not None for v in extra):
                raise UnreadableTable(ROW_TOO_WIDE, row=number, cells=width + sum(1 for v in extra if v is not None),
                                      columns=width)
            cells = cells[:width]
        if any(v is not None for v in cells):
            yield cells + [None] * (width - len(cells))


def _start(head: list[list], rest: Iterator[list]) -> tuple[list[str], list[str], Iterator[list[str | None]]]:
    index = header_index(head)
    if index is None:
        raise UnreadableTable(EMPTY)
    raw = list(head[index])
    while raw and cell_text(raw[-1]) is None:
        raw.pop()
    if not raw:
        raise UnreadableTable(NO_COLUMNS)
    headers = [cell_text(v) or "" for v in raw]

    def body() -> Iterator[list]:
        yield from head[index + 1:]
        yield from rest

    # Rows are numbered as a spreadsheet numbers them (the header of a plain file is row 1).
    return headers, column_ids(headers), _fitted(body(), len(headers), index + 2)


class _CountingReader(io.RawIOBase):
    def __init__(self, raw) -> None:
        self.raw, self.count = raw, 0

    def readable(self) -> bool:
        return True

    def close(self) -> None:
        self.raw.close()
        super().close()

    def readinto(self, buffer) -> int:
        n = self.raw.readinto(buffer)
        self.count += n or 0
        return n


def _open_csv(path, size: int) -> Table:
    with open(path, "rb") as f:
        encoding = detect_encoding(iter(lambda: f.read(_CHUNK), b""))
    if encoding is None:
        raise UnreadableTable(ENCODING)
    counter = _CountingReader(open(path, "rb", buffering=0))
    text = io.TextIOWrapper(io.BufferedReader(counter, _CHUNK), encoding=encoding, newline="")
    try:
        lines = [text.readline() for _ in range(_HEADER_SEARCH)]
        # Only the delimiter is guessed (the one the first lines use most); quoting is Excel's.
        delimiter = max(",\t;|", key="".join(lines).count)
        reader = csv.reader(itertools.chain(lines, text), delimiter=delimiter)
        head, ends = [], []  # the rows ahead, and the physical line each ends on
        for row in _guarded(itertools.islice(reader, _HEADER_SEARCH)):
            head.append(row)
            ends.append(reader.line_num)
        headers, columns, rows = _start(head, _guarded(reader))
    except BaseException:
        text.close()
        raise
    offset = None
    header_end = ends[header_index(head)]
    if header_end <= len(lines) and encoding != "utf-16":
        offset = len("".join(lines[:header_end]).encode(encoding))
    return Table(headers, columns, encoding, rows, lambda: counter.count, size, text.close, delimiter, offset)


def _guarded(reader: Iterator[list[str]]) -> Iterator[list[str]]:
    try:
        yield from reader
    except UnicodeDecodeError as e:  # the file changed after its encoding was checked
        raise UnreadableTable(ENCODING) from e
    except csv.Error as e:
        raise UnreadableTable(NOT_CSV, reason=str(e)) from e


def _open_xlsx(path, size: int, max_unzipped_mb: int = 1024) -> Table:
    import openpyxl

    try:
        with zipfile.ZipFile(path) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, ValueError, OSError) as e:
        raise UnreadableTable(NOT_TABLE) from e
    if unpacked > max_unzipped_mb * 1024 * 1024:
        raise UnreadableTable(TOO_LARGE_UNZIPPED, mb=max_unzipped_mb)
    # A file object, not the path: openpyxl refuses a path without an .xlsx ending (stored
    # uploads have none); it reads the open file lazily, row by row.
    handle = open(path, "rb")
    try:
        book = openpyxl.load_workbook(handle, read_only=True, data_only=True)
    except Exception as e:  # openpyxl raises many kinds for a damaged workbook
        handle.close()
        raise UnreadableTable(NOT_TABLE) from e

    def close() -> None:
        book.close()
        handle.close()
    sheet = book.worksheets[0]
    read = [0]
    total = max(sheet.max_row or 0, 1)

    def values() -> Iterator[list]:
        for row in sheet.iter_rows(values_only=True):
            read[0] += 1
            yield list(row)

    rows = values()
    head = [r for _, r in zip(range(_HEADER_SEARCH), rows)]
    try:
        headers, columns, body = _start(head, rows)
    except BaseException:
        close()
        raise
    # A workbook is read by rows: progress is the share of rows read, scaled to the file size.
    return Table(headers, columns, None, body, lambda: size * min(read[0], total) // total, size, close)
