"""An import report as a file to download or keep: CSV (UTF-8 with a byte-order mark) or XLSX."""
from __future__ import annotations

from ckanext.govopen.catalogue import importer, spreadsheet

__all__ = ["HEADERS", "render"]

#: Columns of the report file, each header in Chinese and English (the file is for both).
HEADERS = ("行 Row", "列 Column", "值 Value", "说明", "Message")


def render(report: importer.Report, name: str) -> bytes:
    """The report as XLSX when NAME ends in .xlsx, else CSV."""
    rows = [[str(e["row"]), e["column"], e["value"], e["message"], e["message_en"]] for e in report.errors]
    if name.lower().endswith(".xlsx"):
        return spreadsheet.write_sheets([("导入报告", HEADERS, rows)])
    return spreadsheet.csv_table(HEADERS, rows)
