"""Catalogue import and export through the real database and Solr: the template file with Chinese
headers, the error report, --valid-rows-only, re-import counts, the round trip, GBK CSV."""
import csv
import io

import openpyxl
import pytest

import ckan.model as model
import ckan.plugins.toolkit as tk
from ckan.tests import helpers

from ckanext.govopen.catalogue import export, importer

HEADERS = ["信息资源名称*", "信息资源代码*", "信息资源分类", "信息资源提供方", "信息资源摘要", "共享类型",
           "共享条件", "共享依据", "开放类型", "开放条件", "开放依据", "更新周期（必填）", "发布日期", "开放主题分类",
           "信息项名称", "数据类型", "数据长度"]


def row(title, seq, *, share="无条件共享", share_cond="", share_basis="", open_="无条件开放", open_cond="",
        open_basis="", freq="每年", provider="市统计局", published="2025-01-02", themes="人口；社会保障",
        item=("人口数", "数值型N", "10")):
    return [title, f"3070001/{seq:06d}", "3070001", provider, f"{title}的摘要", share, share_cond, share_basis,
            open_, open_cond, open_basis, freq, published, themes, *item]


def xlsx(rows, title="某某市政务信息资源目录（2025年）"):
    """A workbook as departments make them: a title row, the template's header, the rows."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "信息资源目录"
    if title:
        sheet.append([title])
    sheet.append(HEADERS)
    for r in rows:
        sheet.append(r)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def csv_file(rows, encoding="utf-8"):
    out = io.StringIO(newline="")
    writer = csv.writer(out)
    writer.writerow(HEADERS)
    writer.writerows(rows)
    return out.getvalue().encode(encoding)


def entries():
    found = helpers.call_action("package_search", q="*:*", rows=1000, include_private=True)["results"]
    return {d["catalogue_code"]: d for d in found}


def do_import(data, who, **kw):
    return importer.run(data, "catalogue.xlsx", user=who["sysadmin"], **kw)


@pytest.mark.usefixtures("with_plugins")
class TestImport:
    def test_template_with_chinese_headers_imports(self, stats):
        data = xlsx([row("常住人口", 1), row("户籍人口", 2, item=("户数", "整型", "8")),
                     ["", "", "", "", "", "", "", "", "", "", "", "", "", "", "性别", "字符型C", "2"]])
        report = do_import(data, stats)
        assert report.errors == []
        assert (report.total, report.created, report.updated, report.failed) == (2, 2, 0, 0)
        got = entries()
        first = got["3070001/000001"]
        assert first["title"] == "常住人口"
        assert first["owner_org"] == stats["org"]["id"]
        assert first["share_category"] == "unconditional" and first["open_category"] == "unconditional"
        assert first["update_frequency"] == "annual"
        assert first["resource_class"] == "department"  # from the class digit 3
        assert first["themes"] == ["人口", "社会保障"]
        assert first["publish_date"] == "2025-01-02"
        assert first["data_items"] == [{"name": "人口数", "type": "N", "length": 10}]
        assert got["3070001/000002"]["data_items"] == [{"name": "户数", "type": "I", "length": 8},
                                                       {"name": "性别", "type": "C", "length": 2}]

    def test_three_kinds_of_errors_give_the_exact_report_and_import_nothing(self, stats):
        rows = [
            row("常住人口", 1),
            row("婚姻登记", 2, share="有条件共享"),          # conditional without conditions or basis
            row("企业名录", 3, freq="每两年"),               # not an update frequency
            row("公交线路", 4, provider="市公交公司"),        # no such department
        ]
        report = do_import(xlsx(rows), stats)
        assert report.imported is False and report.created == 0
        assert entries() == {}
        found = [(e["row"], e["column"], e["value"], e["message_en"]) for e in report.errors]
        assert found == [
            (4, "共享条件", "", "State the conditions on which this data is shared"),
            (4, "共享依据", "", "Give the legal basis for sharing this data only on conditions"),
            (5, "更新周期（必填）", "每两年",
             "每两年 is not accepted here: use one of 实时、每日、每周、每月、每季度、每半年、每年、其他"),
            (6, "信息资源提供方", "市公交公司", "No department of this portal is called 市公交公司"),
        ]
        zh = [e["message"] for e in report.errors]
        assert zh[0] == "有条件共享的数据应填写共享条件"
        assert zh[3] == "本平台没有名为市公交公司的部门"
        assert (report.total, report.failed) == (4, 3)

    def test_valid_rows_only_imports_the_rest(self, stats):
        rows = [row("常住人口", 1), row("婚姻登记", 2, share="有条件共享"), row("企业名录", 3, freq="每两年")]
        report = do_import(xlsx(rows), stats, valid_rows_only=True)
        assert (report.created, report.failed) == (1, 2) and report.imported
        assert set(entries()) == {"3070001/000001"}

    def test_reimport_counts_created_updated_unchanged_failed(self, stats):
        do_import(xlsx([row("常住人口", 1), row("户籍人口", 2), row("婚姻登记", 3)]), stats)
        again = [row("常住人口", 1), row("户籍人口（修订）", 2), row("婚姻登记", 3, open_="不予开放"),
                 row("出生登记", 4)]
        report = do_import(xlsx(again), stats, valid_rows_only=True)
        # Row 3 closes the entry without a legal basis or a reason for the change: it fails.
        assert (report.created, report.updated, report.unchanged, report.failed) == (1, 1, 1, 1)
        assert {e["column"] for e in report.errors} == {"开放依据", "类别变更理由"}
        assert entries()["3070001/000002"]["title"] == "户籍人口（修订）"

    def test_export_then_import_changes_nothing(self, stats):
        rows = [row("常住人口", 1), row("婚姻登记", 2, share="有条件共享", share_cond="仅限民政业务",
                                       share_basis="《婚姻登记条例》第十七条"),
                row("企业名录", 3, open_="依申请开放", open_cond="实名申请", open_basis="《企业信息公示暂行条例》",
                    item=("=HYPERLINK(\"x\")", "字符型C", "100"))]
        # CSV: in a workbook made by openpyxl the formula would have no value to read.
        assert importer.run(csv_file(rows), "x.csv", user=stats["sysadmin"]).created == 3
        context = {"user": stats["sysadmin"]}
        for render, name in ((export.xlsx, "x.xlsx"), (export.csv_bytes, "x.csv")):
            data = render(export.datasets(context, {}))
            report = importer.run(data, name, user=stats["sysadmin"])
            assert report.errors == []
            assert (report.total, report.unchanged, report.created, report.updated) == (3, 3, 0, 0), name
        # The formula-looking item name is text in the workbook, not a formula.
        book = openpyxl.load_workbook(io.BytesIO(export.xlsx(export.datasets(context, {}))))
        names = [c.value for c in book["信息项"]["B"]]
        assert '=HYPERLINK("x")' in names
        assert all(c.data_type == "s" for c in book["信息项"]["B"])

    def test_gbk_csv_reads_in_chinese(self, stats):
        report = importer.run(csv_file([row("常住人口", 1)], encoding="gbk"), "x.csv", user=stats["sysadmin"])
        assert report.errors == [] and report.created == 1
        assert entries()["3070001/000001"]["title"] == "常住人口"

    def test_unreadable_csv_is_refused_with_a_reason(self, stats):
        report = importer.run(b"\x00\x01\x02\xff\xfe\x00garbage", "x.csv", user=stats["sysadmin"])
        assert report.created == 0 and report.errors[0]["message_en"].startswith("The CSV file is neither UTF-8")

    def test_organization_option_refuses_another_departments_rows(self, stats):
        rows = [row("常住人口", 1, provider=""), row("公交线路", 2, provider="市交通运输局")]
        report = do_import(xlsx(rows), stats, organization=stats["org"]["id"], valid_rows_only=True)
        assert report.created == 1
        assert report.errors[0]["message_en"] == "This entry belongs to 市交通运输局, not to the department being imported for"

    def test_a_code_twice_in_one_file(self, stats):
        report = do_import(xlsx([row("常住人口", 1), row("户籍人口", 1)]), stats)
        assert report.created == 0
        assert report.errors[0]["row"] == 4 and report.errors[0]["column"] == "信息资源代码*"


@pytest.mark.usefixtures("with_plugins")
class TestUniqueCode:
    def test_database_refuses_a_second_live_entry_with_the_code(self, stats):
        first = helpers.call_action("package_create", context={"user": stats["sysadmin"]}, name="entry-a", title="A", owner_org=stats["org"]["id"],
                                    resource_class="department", catalogue_code="3070001/000001",
                                    update_frequency="annual", open_category="unconditional",
                                    share_category="unconditional")
        pkg = model.Package.get(first["id"])
        clone = model.Package(name="entry-b", title="B", owner_org=stats["org"]["id"], state="active", type="dataset",
                              extras=dict(pkg.extras))
        model.Session.add(clone)
        with pytest.raises(Exception, match="govopen_package_origin_code_key"):
            model.Session.flush()
        model.Session.rollback()


class _Crash(BaseException):
    """A process dying: not an Exception, so nothing on the way catches it."""


@pytest.mark.usefixtures("with_plugins")
def test_a_crash_between_indexing_and_commit_leaves_no_ghost_after_the_rerun(stats, monkeypatch):
    # CKAN indexes an entry before it commits it: a crash in between leaves an index document
    # for an entry the database never got. The rerun writes the same entry (same id) again.
    data = xlsx([row(f"条目{i}", i) for i in range(1, 6)])
    import ckan.logic

    real_commit, real_index, indexed = model.repo.commit, ckan.logic.index_insert_package_dicts, []

    def index(*args, **kwargs):
        indexed.append(1)
        return real_index(*args, **kwargs)

    def commit():
        if len(indexed) == 3:
            raise _Crash()  # the third entry is in the index, not yet in the database
        real_commit()

    monkeypatch.setattr(ckan.logic, "index_insert_package_dicts", index)
    monkeypatch.setattr(model.repo, "commit", commit)
    with pytest.raises(_Crash):
        do_import(data, stats)
    monkeypatch.setattr(model.repo, "commit", real_commit)
    model.Session.rollback()
    extras = model.Package.extras
    assert model.Session.query(model.Package).filter(extras["catalogue_code"].astext.isnot(None)).count() == 2
    assert helpers.call_action("package_search", q="*:*", rows=0)["count"] == 3  # the ghost
    report = do_import(data, stats)
    assert (report.created, report.unchanged) == (3, 2)
    assert helpers.call_action("package_search", q="*:*", rows=0)["count"] == 5


@pytest.mark.usefixtures("with_plugins")
def test_a_create_racing_past_the_schemas_check_is_a_field_error(stats, monkeypatch):
    # Two simultaneous creates both pass the check before insert; the second one's insert is
    # refused by the database, and the API answers with the field's error, not a 500.
    from ckanext.govopen.logic import validators

    def create(name):
        return helpers.call_action("package_create", context={"user": stats["sysadmin"]}, name=name, title=name,
                                   owner_org=stats["org"]["id"], resource_class="department",
                                   catalogue_code="3070001/000001", update_frequency="annual",
                                   open_category="unconditional", share_category="unconditional")

    create("first-entry")
    monkeypatch.setattr(validators, "_duplicate_code", lambda *a: False)
    with pytest.raises(tk.ValidationError) as e:
        create("second-entry")
    assert "3070001/000001" in e.value.error_dict["catalogue_code"][0]
    assert model.Package.get("second-entry") is None
    assert helpers.call_action("package_search", q="*:*", rows=0)["count"] == 1


@pytest.mark.usefixtures("with_plugins")
def test_the_same_file_with_every_template_column_imports_once_then_is_unchanged(stats):
    from ckanext.govopen.catalogue import spreadsheet, template

    rows = [template.dataset_row({"title": "公交线路", "catalogue_code": "3990001/000001", "owner_org": "市统计局",
                                  "share_category": "unconditional", "open_category": "unconditional",
                                  "update_frequency": "monthly", "themes": ["交通"]})]
    data = spreadsheet.write_xlsx(rows, template.item_rows("3990001/000001", [{"name": "线路", "type": "C", "length": 5}]))
    assert do_import(data, stats).created == 1
    report = do_import(data, stats)
    assert (report.unchanged, report.updated, report.errors) == (1, 0, [])


@pytest.mark.usefixtures("with_plugins")
def test_the_provider_is_found_by_name_or_code_and_an_editor_cannot_move_an_entry_away(stats):
    from ckan.tests import factories

    headers = ["信息资源名称", "信息资源代码", "信息资源提供方", "信息资源提供方代码", "共享类型", "开放类型", "更新周期"]

    def book(*rows):
        out = io.BytesIO()
        workbook = openpyxl.Workbook()
        for r in (headers, *rows):
            workbook.active.append(r)
        workbook.save(out)
        return out.getvalue()

    stats_code = helpers.call_action("organization_show", id="stats")["department_code"]
    report = do_import(book(["常住人口", "3070001/000001", "", stats_code, "无条件共享", "无条件开放", "每年"],
                            ["户籍人口", "3070001/000002", "统计局（旧称）", "", "无条件共享", "无条件开放", "每年"]),
                       stats, valid_rows_only=True)
    assert report.created == 1 and entries()["3070001/000001"]["owner_org"] == stats["org"]["id"]
    assert [e["message_en"] for e in report.errors] == ["No department of this portal is called 统计局（旧称）"]

    editor = factories.User()
    helpers.call_action("organization_member_create", id="stats", username=editor["name"], role="editor")
    moved = book(["常住人口", "3070001/000001", "市交通运输局", "", "无条件共享", "无条件开放", "每年"])
    report = importer.run(moved, "x.xlsx", user=editor["name"])
    assert report.updated == 0 and report.errors and report.errors[0]["column"] == "信息资源提供方"
    assert entries()["3070001/000001"]["owner_org"] == stats["org"]["id"]


@pytest.mark.usefixtures("with_plugins")
def test_a_user_who_may_not_write_an_entry_learns_nothing_from_an_identical_row(stats):
    from ckan.tests import factories

    data = xlsx([row("常住人口", 1)])
    assert do_import(data, stats).created == 1
    outsider = factories.User()
    report = importer.run(data, "x.xlsx", user=outsider["name"])
    assert (report.unchanged, report.failed) == (0, 1)
    assert report.errors[0]["message_en"] == "You may not add or change entries of this department"
