"""The national catalogue template as the dataset and organization schemas, on every write path."""
import pytest

import ckan.model as model
import ckan.plugins.toolkit as tk
from ckan.tests import factories, helpers

from ckanext.govopen.catalogue.codes import credit_code_check_char
from ckanext.govopen.model import CategoryChange

pytestmark = pytest.mark.usefixtures("clean_db", "clean_index")

CREDIT_BODY = "11340181MB0000001"
CREDIT_CODE = CREDIT_BODY + credit_code_check_char(CREDIT_BODY)


def department(**kw):
    data = {"department_code": CREDIT_CODE, "region_code": "340181", "department_type": "ordinary"}
    data.update(kw)
    return factories.Organization(**data)


def entry(org, **kw):
    """A valid, unconditionally open catalogue entry; KW overrides fields."""
    data = {
        "name": "renkou", "title": "全市常住人口统计", "owner_org": org["id"],
        "resource_class": "base", "classification_code": "107001",
        "catalogue_code": "107001340181/000001", "themes": ["人口"],
        "update_frequency": "annual", "format_class": "02", "format_type": "csv",
        "open_category": "unconditional", "share_category": "unconditional",
        "data_items": [{"name": "乡镇街道", "type": "C", "length": "50"},
                       {"name": "常住人口", "type": "I", "length": "10"}],
        "region_code": "340181", "publish_date": "2025-03-01",
    }
    data.update(kw)
    return data


def errors_of(data, action="package_create"):
    with pytest.raises(tk.ValidationError) as err:
        call(action, **data)
    return err.value.error_dict


def call(action, user=None, **data):
    """An action as the test's department editor (a sysadmin unless USER is given)."""
    return helpers.call_action(action, context={"user": user or _admin["name"]}, **data)


_admin = {}


@pytest.fixture
def org(clean_db, clean_index):
    _admin.update(factories.Sysadmin())
    return department()


class TestValidEntry:
    def test_round_trip(self, org):
        pkg = call("package_create", **entry(org))
        assert pkg["open_category"] == "unconditional"
        assert pkg["themes"] == ["人口"]
        assert pkg["data_items"][1] == {"name": "常住人口", "type": "I", "length": 10}
        assert pkg["origin_portal"] == tk.config["ckan.site_id"]
        assert pkg["classified"] is False and pkg["desensitized"] is False

    def test_restricted_entry_with_basis_and_conditions(self, org):
        pkg = call("package_create", **entry(
            org, open_category="on_application", open_conditions="仅限申请用途",
            open_legal_basis="《巢湖市政务数据共享开放管理办法》第十九条",
            share_category="conditional", share_conditions="履行法定职责",
            share_legal_basis="第十一条", share_method="platform_api"))
        assert pkg["open_legal_basis"].startswith("《巢湖市")


class TestValuesOfTheWrongShape:
    """Issue #11 (9): a list or dict in a one-value field, an absurd date, a value longer than
    Solr indexes: each failed as a 500."""

    @pytest.mark.parametrize("field", ["classification_code", "resource_class", "title", "open_legal_basis"])
    @pytest.mark.parametrize("value", [["107001"], {"a": 1}])
    def test_one_value_fields(self, org, field, value):
        assert field in errors_of(entry(org, **{field: value}))

    def test_themes_takes_a_list_of_texts_not_a_dict(self, org):
        assert "themes" in errors_of(entry(org, themes={"人口": 1}))
        assert "themes" in errors_of(entry(org, themes=[{"a": 1}]))

    @pytest.mark.parametrize("day", ["99999-01-01", "0001-01-01", "2027-W30-1", "2027-02-30"])
    def test_absurd_dates(self, org, day):
        assert "publish_date" in errors_of(entry(org, publish_date=day))

    @pytest.mark.parametrize("text", ["a" * 40_000, "中" * 12_000])
    def test_text_longer_than_the_index_takes(self, org, text):
        assert "open_legal_basis" in errors_of(entry(org, open_category="not_open", open_legal_basis=text,
                                                     open_conditions="x"))

    def test_long_prose_and_tags_still_work(self, org):
        made = call("package_create", **entry(org, notes="说明。" * 10_000,
                                               tags=[{"name": "人口"}, {"name": "统计"}]))
        assert len(made["notes"]) == 30_000 and {t["name"] for t in made["tags"]} == {"人口", "统计"}


class TestFieldRules:
    @pytest.mark.parametrize("field, value", [
        ("open_category", "maybe"), ("share_category", "sometimes"), ("resource_class", "misc"),
        ("update_frequency", "hourly"), ("themes", ["人口", "不存在的主题"]), ("format_class", "09"),
        ("share_method", "fax"), ("region_code", "991234"), ("region_code", "34018"),
    ])
    def test_values_outside_the_lists_are_refused(self, org, field, value):
        assert field in errors_of(entry(org, **{field: value}))

    @pytest.mark.parametrize("field", ["open_category", "share_category", "catalogue_code",
                                       "resource_class", "update_frequency"])
    def test_required(self, org, field):
        data = entry(org)
        del data[field]
        assert field in errors_of(data)

    def test_data_item_type_must_be_a_standard_code(self, org):
        errors = errors_of(entry(org, data_items=[{"name": "x", "type": "Q"}]))
        assert "data_items" in errors

    def test_format_type_must_belong_to_its_class(self, org):
        errors = errors_of(entry(org, format_class="01", format_type="xlsx"))
        assert list(errors) == ["format_type"]

    @pytest.mark.parametrize("code", ["107001340181-000001", "107001340181/00001", "A07001/000001",
                                      "107001340181/0000001", "/000001"])
    def test_badly_formatted_catalogue_code(self, org, code):
        errors = errors_of(entry(org, catalogue_code=code))
        assert list(errors) == ["catalogue_code"]

    def test_catalogue_code_message_shows_the_standards_example(self, org):
        errors = errors_of(entry(org, catalogue_code="107001340181-000001"))
        assert "3070211760000002004006/000033" in errors["catalogue_code"][0]

    def test_catalogue_code_class_must_match_resource_class(self, org):
        errors = errors_of(entry(org, resource_class="theme", classification_code="207001"))
        assert list(errors) == ["catalogue_code"]

    def test_duplicate_code_from_the_same_origin(self, org):
        call("package_create", **entry(org, name="first"))
        errors = errors_of(entry(org, name="second"))
        assert list(errors) == ["catalogue_code"]
        assert "107001340181/000001" in errors["catalogue_code"][0]
        assert not model.Package.get("second")

    def test_same_code_from_another_origin_is_allowed(self, org):
        call("package_create", **entry(org, name="ours"))
        # Only upward sync writes another origin (a harvested copy).
        theirs = helpers.call_action("package_create", context={"user": _admin["name"], "govopen_sync": True},
                                     **entry(org, name="theirs", origin_portal="hefei", origin_dataset_id="h-1"))
        assert theirs["origin_portal"] == "hefei" and theirs["origin_dataset_id"] == "h-1"

    def test_nobody_else_can_claim_another_origin(self, org):
        pkg = call("package_create", **entry(org, name="claimed", origin_portal="hefei", origin_dataset_id="h-1",
                                             harvest_chain='[{"portal": "x"}]', withdrawn_reason="x"))
        assert pkg["origin_portal"] == tk.config["ckan.site_id"]
        for field in ("origin_dataset_id", "harvest_chain", "withdrawn_reason"):
            assert not pkg.get(field), field
        errors = errors_of(entry(org, name="second-claim", origin_portal="hefei"))
        assert list(errors) == ["catalogue_code"]  # the same code from this portal again

    def test_provenance_json_fields_take_objects_and_lists_only(self, org):
        context = {"user": _admin["name"], "govopen_sync": True}
        pkg = helpers.call_action("package_create", context=context, **entry(
            org, name="copy", origin_portal="hefei", origin_dataset_id="h-2",
            origin_department='{"name": "市卫健委", "department_code": "X"}',
            harvest_chain='[{"portal": "http://city", "acquired_at": "2026-12-04T08:00:00Z"}]'))
        assert pkg["origin_department"]["name"] == "市卫健委" and pkg["harvest_chain"][0]["portal"] == "http://city"
        with pytest.raises(tk.ValidationError) as err:
            helpers.call_action("package_create", context=context, **entry(
                org, name="copy2", catalogue_code="107001340181/000002", origin_portal="hefei",
                origin_dataset_id="h-3", harvest_chain='"just text"'))
        assert list(err.value.error_dict) == ["harvest_chain"]

    def test_deleted_entry_frees_its_code(self, org):
        first = call("package_create", **entry(org, name="old"))
        call("package_delete", id=first["id"])
        call("package_create", **entry(org, name="renkou-new"))

    def test_updating_an_entry_keeps_its_own_code(self, org):
        pkg = call("package_create", **entry(org))
        call("package_patch", id=pkg["id"], title="新标题")

    @pytest.mark.parametrize("category, fields", [
        ("on_application", {"open_legal_basis", "open_conditions"}),
        ("not_open", {"open_legal_basis"}),
    ])
    def test_restricted_open_category_needs_basis(self, org, category, fields):
        assert set(errors_of(entry(org, open_category=category))) == fields

    @pytest.mark.parametrize("category, fields", [
        ("conditional", {"share_legal_basis", "share_conditions"}),
        ("not_shared", {"share_legal_basis"}),
    ])
    def test_restricted_share_category_needs_basis(self, org, category, fields):
        assert set(errors_of(entry(org, share_category=category))) == fields

    @pytest.mark.parametrize("flag", ["contains_personal_info", "contains_trade_secret"])
    def test_sensitive_data_cannot_be_open_to_all_unless_desensitised(self, org, flag):
        assert list(errors_of(entry(org, **{flag: True}))) == ["open_category"]
        call("package_create", **entry(org, **{flag: True, "desensitized": True}))

    def test_classified_entries_are_refused(self, org):
        errors = errors_of(entry(org, classified=True))
        assert list(errors) == ["classified"]
        assert "涉密" in errors["classified"][0]
        assert model.Session.query(model.Package).count() == 0

    def test_messages_are_chinese_by_default(self, org):
        errors = errors_of(entry(org, open_category="not_open"))
        assert any("依据" in m for m in errors["open_legal_basis"])

    @pytest.mark.ckan_config("ckan.locale_default", "en")
    def test_messages_in_english(self, org):
        errors = errors_of(entry(org, open_category="not_open"))
        assert any("legal basis" in m.lower() for m in errors["open_legal_basis"])


class TestDepartmentSchema:
    def test_valid_department(self):
        org = department(name="transport")
        assert org["department_code"] == CREDIT_CODE

    def test_wrong_check_character(self):
        wrong = CREDIT_BODY + ("0" if CREDIT_CODE[-1] != "0" else "1")
        with pytest.raises(tk.ValidationError) as err:
            department(department_code=wrong)
        assert list(err.value.error_dict) == ["department_code"]
        assert CREDIT_CODE[-1] in err.value.error_dict["department_code"][0]

    @pytest.mark.parametrize("field, value", [("department_code", "1134018"), ("region_code", "00"),
                                              ("department_type", "club")])
    def test_bad_values(self, field, value):
        with pytest.raises(tk.ValidationError) as err:
            department(**{field: value})
        assert field in err.value.error_dict


class TestCategoryChanges:
    def test_change_needs_a_reason_and_nothing_is_half_saved(self, org):
        pkg = call("package_create", **entry(org))
        errors = errors_of({"id": pkg["id"], "open_category": "on_application", "title": "改了标题",
                            "open_conditions": "用途说明", "open_legal_basis": "第十九条"},
                           action="package_patch")
        assert list(errors) == ["category_change_reason"]
        after = helpers.call_action("package_show", id=pkg["id"])
        assert (after["open_category"], after["title"]) == ("unconditional", "全市常住人口统计")
        assert model.Session.query(CategoryChange).count() == 0

    def test_change_is_recorded_and_public(self, org, app):
        user = factories.User(fullname="张科长")
        helpers.call_action("member_create", id=org["id"], object=user["name"], object_type="user",
                            capacity="editor")
        pkg = call("package_create", **entry(org))
        call("package_patch", user=user["name"], id=pkg["id"],
                            share_category="conditional", share_conditions="履行法定职责",
                            share_legal_basis="第十一条", category_change_reason="含企业登记细节，改为有条件共享")
        after = helpers.call_action("package_show", id=pkg["id"])
        assert after["share_category"] == "conditional"
        assert "category_change_reason" not in after  # consumed, not stored on the dataset

        history = helpers.call_action("govopen_category_change_list", context={"user": ""}, id=pkg["name"])
        assert [(c["field"], c["old_value"], c["new_value"], c["user"]) for c in history] == [
            ("share_category", "unconditional", "conditional", "张科长")]
        assert history[0]["reason"] == "含企业登记细节，改为有条件共享"

        page = app.get(f"/dataset/{pkg['name']}")
        assert "含企业登记细节，改为有条件共享" in page.body
        assert "有条件共享" in page.body and "第十一条" in page.body

    def test_unchanged_categories_need_no_reason(self, org):
        pkg = call("package_create", **entry(org))
        call("package_patch", id=pkg["id"], notes="补充说明")
        assert model.Session.query(CategoryChange).count() == 0


class TestFacetsAndFilters:
    @pytest.fixture
    def catalogue(self, org):
        specs = [("ds-a", ["人口", "健康保障"], "unconditional"), ("ds-b", ["健康保障"], "unconditional"),
                 ("ds-c", ["交通"], "not_open"), ("ds-d", ["健康保障", "交通", "医疗"], "unconditional")]
        for i, (name, themes, open_cat) in enumerate(specs, 1):
            extra = {"open_legal_basis": "《数据安全法》第二十一条"} if open_cat == "not_open" else {}
            call("package_create", **entry(
                org, name=name, themes=themes, open_category=open_cat,
                catalogue_code=f"107001340181/{i:06d}", **extra))

    @pytest.mark.usefixtures("catalogue")
    def test_theme_facet_counts_each_value(self):
        result = helpers.call_action("package_search", rows=0, **{"facet.field": '["themes"]'})
        assert result["facets"]["themes"] == {"人口": 1, "健康保障": 3, "交通": 2, "医疗": 1}

    @pytest.mark.usefixtures("catalogue")
    def test_fq_per_value_and_category(self):
        names = lambda **kw: {d["name"] for d in helpers.call_action("package_search", **kw)["results"]}
        assert names(fq="themes:健康保障") == {"ds-a", "ds-b", "ds-d"}
        assert names(fq="themes:交通 AND open_category:not_open") == {"ds-c"}

    @pytest.mark.usefixtures("catalogue")
    def test_facets_have_chinese_labels(self):
        result = helpers.call_action("package_search", rows=0,
                                     **{"facet.field": '["open_category", "share_category"]'})
        labels = {i["name"]: i["display_name"] for i in result["search_facets"]["open_category"]["items"]}
        assert labels == {"unconditional": "无条件开放", "not_open": "不予开放"}

    @pytest.mark.usefixtures("catalogue")
    def test_search_page_shows_the_portal_facets(self, app):
        page = app.get("/dataset/")
        for title in ("开放类型", "共享类型", "开放主题", "提供部门", "资源分类", "更新周期"):
            assert title in page.body
        assert "无条件开放" in page.body


class TestForms:
    def test_dataset_and_department_forms_render_the_template_fields(self, org, app):
        admin = factories.SysadminWithToken()
        headers = {"Authorization": admin["token"]}
        page = app.get("/dataset/new", headers=headers)
        for label in ("开放类型", "开放限制依据", "共享类型", "信息资源代码", "开放主题", "信息项", "涉密属性"):
            assert label in page.body, label
        pkg = call("package_create", **entry(org))
        edit = app.get(f"/dataset/edit/{pkg['name']}", headers=headers)
        assert "类型变更理由" in edit.body
        dept = app.get(f"/organization/edit/{org['name']}", headers=headers)
        assert "统一社会信用代码" in dept.body and CREDIT_CODE in dept.body

    def test_form_post_with_bad_category_keeps_input_and_shows_field_error(self, org, app):
        admin = factories.SysadminWithToken()
        headers = {"Authorization": admin["token"]}
        data = entry(org, open_category="not_open", name="form-entry", title="表单录入的目录")
        form = {k: v for k, v in data.items() if k not in ("themes", "data_items")}
        form.update({"themes": "人口", "data_items__0__name": "乡镇街道", "data_items__0__type": "C",
                     "save": "continue", "_ckan_phase": "dataset_new_1"})
        res = app.post("/dataset/new", data=form, headers=headers)
        assert res.status_code == 200
        assert "表单录入的目录" in res.body        # nothing typed is lost
        assert "依据" in res.body                 # the field-level message
        assert model.Package.get("form-entry") is None


class TestEscaping:
    def test_free_text_renders_escaped_on_the_dataset_page(self, org, app):
        payload = '<script>alert("x")</script><img src=x onerror=alert(1)>'
        pkg = call("package_create", **entry(org, open_category="not_open", open_legal_basis=payload))
        call("package_patch", id=pkg["id"], share_category="not_shared", share_legal_basis=payload,
             category_change_reason=payload)
        body = app.get(f"/dataset/{pkg['name']}").body
        assert payload not in body
        assert "&lt;script&gt;alert(" in body
