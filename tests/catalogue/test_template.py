"""The national template's columns and the catalogue files, pure (no CKAN)."""
import datetime

import pytest

from ckanext.govopen.catalogue import spreadsheet, template


def parse(headers, rows, **kw):
    return template.parse_rows(headers, rows, **kw)


def test_headers_are_read_with_markers_notes_variants_and_api_names():
    columns, ignored, problems = template.header_map(
        ["信息资源名称*", " 信息资源代码 ", "更新周期（必填）", "不予共享依据", "share_category", "数据存储总量(G)"])
    assert [c.field for c in columns.values()] == ["title", "catalogue_code", "update_frequency",
                                                   "share_legal_basis", "share_category"]
    assert ignored == ["数据存储总量(G)"] and problems == []


def test_a_file_without_name_and_code_columns_is_not_the_template():
    _columns, _ignored, problems = template.header_map(["姓名", "电话"])
    assert [p.msgid for p in problems] == [template.MISSING_COLUMNS]
    assert problems[0].params == {"columns": "信息资源名称、信息资源代码"}


def test_two_columns_for_one_field_are_refused():
    _columns, _ignored, problems = template.header_map(["信息资源名称", "信息资源代码", "共享依据", "不予共享依据"])
    assert [(p.field, p.msgid) for p in problems] == [("不予共享依据", template.DUPLICATE_HEADER)]


@pytest.mark.parametrize("cell, value", [("无条件共享", "unconditional"), ("有条件共享", "conditional"),
                                         (" 不予共享 ", "not_shared"), ("conditional", "conditional")])
def test_share_type_cells(cell, value):
    rows, _i, _p = parse(["信息资源名称", "信息资源代码", "共享类型"], [["x", "1/000001", cell]])
    assert rows[0].fields["share_category"] == value and rows[0].problems == []


def test_an_unknown_choice_names_the_accepted_wording():
    rows, _i, _p = parse(["信息资源名称", "信息资源代码", "更新周期"], [["x", "1/000001", "每两年"]])
    problem = rows[0].problems[0]
    assert (problem.field, problem.msgid) == ("update_frequency", template.CHOICE_UNKNOWN)
    assert problem.params["choices"] == "实时、每日、每周、每月、每季度、每半年、每年、其他"


@pytest.mark.parametrize("cell, value", [("2025-01-02", "2025-01-02"), ("2025/1/2", "2025-01-02"),
                                         ("2025年1月2日", "2025-01-02"), (datetime.datetime(2025, 1, 2, 0, 0), "2025-01-02"),
                                         ("2025-1-2 08:00:00", "2025-01-02")])
def test_dates(cell, value):
    rows, _i, _p = parse(["信息资源名称", "信息资源代码", "发布日期"], [["x", "1/000001", cell]])
    assert rows[0].fields["publish_date"] == value


def test_a_bad_date_and_a_bad_length_are_problems():
    rows, _i, _p = parse(["信息资源名称", "信息资源代码", "发布日期", "信息项名称", "数据长度"],
                         [["x", "1/000001", "明年", "人数", "十"]])
    assert [p.msgid for p in rows[0].problems] == [template.DATE_INVALID]
    assert [(n, h, p.msgid) for n, h, p in rows[0].item_problems] == [(2, "数据长度", template.LENGTH_INVALID)]


def test_item_rows_belong_to_the_entry_above_and_excel_numbers_read_as_typed():
    headers = ["信息资源名称", "信息资源代码", "信息项名称", "数据类型", "数据长度"]
    rows, _i, problems = parse(headers, [
        ["", "", "孤儿", "C", 1],                 # before any entry
        ["人口", "1/000001", "人数", "数值型N", 10.0],
        [None, None, "性别", "字符型", 2],
        [None, None, None, None, None],           # blank: skipped
        ["户籍", "1/000002", None, None, None],
    ])
    assert [p.msgid for p in problems] == [template.ITEM_ORPHAN] and problems[0].field == "2"
    assert rows[0].items == [{"name": "人数", "type": "N", "length": "10"}, {"name": "性别", "type": "C", "length": "2"}]
    assert rows[1].items == [] and rows[1].number == 6


def test_items_from_their_own_sheet_by_code():
    rows, _i, problems = parse(["信息资源名称", "信息资源代码"], [["人口", "1/000001"]],
                               item_headers=["信息资源代码", "信息项名称", "数据类型", "数据长度"],
                               item_rows=[["1/000001", "人数", "N", "10"], ["9/000009", "无主", "C", "1"]])
    assert rows[0].items == [{"name": "人数", "type": "N", "length": "10"}]
    assert [(p.field, p.msgid) for p in problems] == [("信息项!3", template.ITEM_SHEET_UNKNOWN_CODE)]


def test_a_written_row_reads_back_to_the_same_values():
    entry = {"title": "人口", "catalogue_code": "3070001/000001", "resource_class": "department",
             "share_category": "conditional", "open_category": "not_open", "update_frequency": "semiannual",
             "themes": ["人口", "交通"], "related_codes": ["3070001/000002"], "classified": False,
             "contains_personal_info": True, "format_class": "02", "share_method": "platform_api",
             "owner_org": "市统计局"}
    written = template.dataset_row(entry)
    rows, _i, problems = parse([c.header for c in template.COLUMNS], [written])
    assert problems == [] and rows[0].problems == []
    assert template.project(rows[0].fields) == template.project(entry)
    assert rows[0].fields["classified"] == "false" and rows[0].fields["contains_personal_info"] == "true"
    assert written[[c.field for c in template.COLUMNS].index("classified")] == "非涉密"


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk", "gb18030", "utf-16"])
def test_csv_in_the_encodings_government_systems_write(encoding):
    text = "信息资源名称,信息资源代码\r\n𠮷野家门店名录,1/000001\r\n" if encoding in ("gb18030", "utf-8", "utf-8-sig", "utf-16") \
        else "信息资源名称,信息资源代码\r\n常住人口,1/000001\r\n"
    sheets = spreadsheet.read(text.encode(encoding))
    assert sheets.headers == ["信息资源名称", "信息资源代码"]
    assert sheets.rows[0][0] in ("𠮷野家门店名录", "常住人口")


def test_a_csv_in_no_known_encoding_is_refused_not_read_as_mojibake():
    with pytest.raises(spreadsheet.UnreadableFile) as e:
        spreadsheet.read(bytes(range(1, 32)) * 4 + "信息资源名称".encode("utf-16-le"))
    assert e.value.msgid == spreadsheet.CSV_ENCODING


def test_header_found_below_a_title_row_and_tab_separated():
    sheets = spreadsheet.read("某市政务信息资源目录\n\n信息资源名称\t信息资源代码\n人口\t1/000001\n".encode())
    assert sheets.first_row == 4 and sheets.rows[0] == ["人口", "1/000001"]


def test_formula_cells_are_text_both_ways():
    data = spreadsheet.write_csv([(["=1+1", "@SUM(A1)"], [["c", "-2", "C", "1"]])])
    assert b"'=1+1" in data and b"'@SUM(A1)" in data and b"'-2" in data
    sheets = spreadsheet.read(data)
    assert sheets.rows[0][:2] == ["=1+1", "@SUM(A1)"]


def test_not_a_spreadsheet():
    with pytest.raises(spreadsheet.UnreadableFile) as e:
        spreadsheet.read(b"PK\x03\x04 not really a zip")
    assert e.value.msgid == spreadsheet.NOT_SPREADSHEET
    with pytest.raises(spreadsheet.UnreadableFile):
        spreadsheet.read(b"  \n")


def test_a_workbook_that_unpacks_to_too_much_is_refused_before_it_is_read(monkeypatch):
    import io
    import zipfile

    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/worksheets/sheet1.xml", b"\0" * (3 * 1024 * 1024))  # 3 MiB of zeros, a few KiB zipped
    monkeypatch.setattr(spreadsheet, "MAX_UNZIPPED_MB", 2)
    with pytest.raises(spreadsheet.UnreadableFile) as e:
        spreadsheet.read(out.getvalue())
    assert e.value.msgid == spreadsheet.TOO_LARGE_UNZIPPED and len(out.getvalue()) < 100_000
