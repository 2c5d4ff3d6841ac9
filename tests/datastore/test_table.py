"""The pure table reader: encodings, headers, column names, rows (no CKAN)."""
import datetime

import openpyxl
import pytest

from ckanext.govopen.datastore import table
from ckanext.govopen.text import detect_encoding

ROWS = [["序号", "单位名称", "统一社会信用代码", "地址"],
        ["1", "巢湖市交通运输局", "11340181MB1234567X", "巢湖市健康中路"],
        ["2", "Café ümlaut", "", "滁州路 8 号"]]


def _csv(rows, sep=","):
    return "\r\n".join(sep.join(r) for r in rows) + "\r\n"


def _read(path):
    t = table.open_table(path)
    try:
        return t.headers, t.columns, t.encoding, list(t.rows)
    finally:
        t.close()


@pytest.mark.parametrize("encoding,codec", [("utf-8", "utf-8"), ("utf-8-sig", "utf-8-sig"), ("gbk", "gb18030"),
                                            ("gb18030", "gb18030"), ("utf-16", "utf-16")])
def test_encodings_read_back_in_chinese(tmp_path, encoding, codec):
    rows = ROWS if encoding != "gbk" else [r[:3] for r in ROWS[:2]]
    if encoding == "gb18030":
        rows = rows + [["3", "𠀀 (扩展B区)", "", ""]]  # outside GBK
    path = tmp_path / "t.csv"
    path.write_bytes(_csv(rows).encode(encoding))
    headers, columns, found, body = _read(path)
    assert found == codec
    assert headers == rows[0] == columns
    assert body == [[v or None for v in r] for r in rows[1:]]


def test_gbk_after_a_long_ascii_start_is_still_gbk(tmp_path):
    # A sample-based detector decides UTF-8 from the first megabyte; the whole file is checked.
    lines = ["id,name"] + [f"{i},row" for i in range(150_000)] + ["150000,巢湖"]
    path = tmp_path / "t.csv"
    path.write_bytes("\n".join(lines).encode("gbk"))
    assert path.stat().st_size > 1 << 20
    headers, _, encoding, body = _read(path)
    assert encoding == "gb18030" and body[-1] == ["150000", "巢湖"]


def test_an_undeterminable_encoding_is_refused(tmp_path):
    path = tmp_path / "t.csv"
    path.write_bytes(b"a,b\n" + bytes(range(0x80, 0x100)) * 3 + b"\x01\x02\n")
    with pytest.raises(table.UnreadableTable) as e:
        table.open_table(path)
    assert e.value.msgid == table.ENCODING


def test_detect_encoding_rules():
    assert detect_encoding([b"plain ascii"]) == "utf-8"
    assert detect_encoding(["巢湖".encode("utf-8")[:4], "巢湖".encode("utf-8")[4:]]) == "utf-8"  # split mid-character
    assert detect_encoding(["巢湖".encode("gbk")]) == "gb18030"
    assert detect_encoding([b"\xef\xbb\xbfa"]) == "utf-8-sig"
    assert detect_encoding([b"\x00\x01\x02\x03"]) is None
    assert detect_encoding(["巢".encode("utf-8")[:2]]) in ("gb18030", None)  # truncated UTF-8 is not UTF-8


def test_long_chinese_headers_are_cut_on_characters_and_kept_apart():
    prefix = "各区县市场监督管理局登记的企业年度报告公示信息"  # 23 characters, 69 bytes
    headers = [prefix + "之注册资本", prefix + "之实缴资本", prefix + "之注册资本", "", "_id", 'say "hi"', "  名称 ", "a :b"]
    ids = table.column_ids(headers)
    assert all(len(i.encode("utf-8")) <= table.MAX_IDENTIFIER_BYTES for i in ids)
    assert len(set(ids)) == len(ids)
    assert ids[0] == prefix[:21] and ids[1] == prefix[:20] + "_2" and ids[2] == prefix[:20] + "_3"
    assert ids[3:] == ["column_4", "id", "say 'hi'", "名称", "a ：b"]
    for i in ids:
        i.encode("utf-8").decode("utf-8")  # never half a character


def test_title_rows_and_blank_lines_before_the_header(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text("2025年巢湖市企业名录,,\n\n" + _csv([r[:3] for r in ROWS]), encoding="utf-8")
    headers, _, _, body = _read(path)
    assert headers == ROWS[0][:3] and len(body) == 2


def test_delimiters_quotes_and_newlines_in_cells(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text('名称;备注\n"甲;乙";"第一行\n第二行 ""引号"""\n丙;\n', encoding="utf-8")
    headers, _, _, body = _read(path)
    assert headers == ["名称", "备注"]
    assert body == [["甲;乙", '第一行\n第二行 "引号"'], ["丙", None]]


def test_rows_wider_than_the_header(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text("a,b\n1,2,,\n3,4,5\n", encoding="utf-8")
    t = table.open_table(path)
    assert next(t.rows) == ["1", "2"]  # empty padding dropped
    with pytest.raises(table.UnreadableTable) as e:
        next(t.rows)
    t.close()
    assert e.value.msgid == table.ROW_TOO_WIDE and e.value.params == {"row": 3, "cells": 3, "columns": 2}


def test_empty_and_not_a_table(tmp_path):
    (tmp_path / "e.csv").write_bytes(b"")
    (tmp_path / "b.csv").write_bytes(b"\n\n,,\n")
    (tmp_path / "z.xlsx").write_bytes(b"PK\x03\x04 not really a zip")
    for name, msgid in (("e.csv", table.EMPTY), ("b.csv", table.EMPTY), ("z.xlsx", table.NOT_TABLE)):
        with pytest.raises(table.UnreadableTable) as e:
            table.open_table(tmp_path / name)
        assert e.value.msgid == msgid, name


def test_xlsx_values_become_text(tmp_path):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["标题：2025年统计"])
    sheet.append(["日期", "数量", "比例", "名称"])
    sheet.append([datetime.datetime(2025, 1, 2), 2.0, 0.25, "巢湖"])
    sheet.append([datetime.datetime(2025, 1, 2, 8, 30), 3, None, None])
    path = tmp_path / "stored-upload"  # no .xlsx ending, as CKAN stores uploads
    book.save(path)
    t = table.open_table(path)
    assert t.encoding is None and t.headers == ["日期", "数量", "比例", "名称"]
    assert list(t.rows) == [["2025-01-02", "2", "0.25", "巢湖"], ["2025-01-02 08:30:00", "3", None, None]]
    assert t.position() == t.size
    t.close()


def test_progress_counts_bytes_read(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text("a,b\n" + "x,y\n" * 200_000, encoding="utf-8")
    t = table.open_table(path)
    assert t.position() < t.size
    assert sum(1 for _ in t.rows) == 200_000
    assert t.position() == t.size
    t.close()


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk"])
def test_the_data_offset_is_where_the_rows_after_the_header_start(tmp_path, encoding):
    path = tmp_path / "t.csv"
    text = '2025年名录,,\r\n\r\n名称,"备注\r\n（多行）",代码\r\n甲,一,1\r\n'
    path.write_bytes(text.encode(encoding))
    t = table.open_table(path)
    t.close()
    assert t.delimiter == "," and t.headers == ["名称", "备注\r\n（多行）", "代码"]
    assert path.read_bytes()[t.data_offset:] == "甲,一,1\r\n".encode(encoding.replace("-sig", ""))
