"""Chinese search through CKAN's package_search against the real Solr core."""
import pytest

from ckan.tests import factories, helpers

from ckanext.govopen.catalogue.codes import credit_code_check_char

STATS_CODE = "11340181MB0000009" + credit_code_check_char("11340181MB0000009")


def _names(**params):
    result = helpers.call_action("package_search", rows=100, **params)
    return {d["name"] for d in result["results"]}


@pytest.fixture
def catalogue(clean_db, clean_index):
    org = factories.Organization(name="stats", title="市统计局", department_code=STATS_CODE,
                                 region_code="340181", department_type="ordinary")
    rows = [
        ("changzhu-renkou", "全市常住人口统计", "按乡镇街道统计年末常住人口。"),
        ("huji", "户籍登记情况", "各派出所户籍登记数量，包含流动人口的变化。"),
        ("apart", "人员出口贸易名录", "外贸企业人员和出口商品。"),
        ("air", "空气质量日报", "Daily air quality index for monitoring stations."),
        ("english", "Population statistics 2025", "Census figures by district."),
        ("bus", "公交线路信息", "公交线路首末班时间，适合出行查询。"),
    ]
    for i, (name, title, notes) in enumerate(rows, 1):
        factories.Dataset(name=name, title=title, notes=notes, owner_org=org["id"],
                          resource_class="department", catalogue_code=f"307001/{i:06d}",
                          update_frequency="annual", open_category="unconditional",
                          share_category="unconditional")
    return rows


@pytest.mark.usefixtures("with_plugins", "catalogue")
class TestChineseSearch:
    def test_word_in_title_or_description_is_found_without_tags(self):
        assert _names(q="常住") == {"changzhu-renkou"}
        assert _names(q="流动人口") == {"huji"}
        assert "bus" in _names(q="首末班")

    def test_adjacent_characters_only(self):
        found = _names(q="人口")
        assert {"changzhu-renkou", "huji"} <= found
        # 人 and 口 appear in this one, but never side by side.
        assert "apart" not in found

    def test_four_character_query(self):
        assert _names(q="常住人口") == {"changzhu-renkou"}
        assert _names(q="空气质量") == {"air"}

    def test_mixed_chinese_and_english(self):
        assert _names(q="空气质量 daily") == {"air"}
        assert _names(q="空气质量 census") == set()

    def test_english_title_word_and_stem(self):
        assert _names(q="population") == {"english"}
        assert _names(q="Populations") == {"english"}
        assert _names(q="stations") == {"air"}
