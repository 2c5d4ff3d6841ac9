"""The record->dataset mapping of upward sync (pure)."""
import datetime
import json

from ckanext.govopen.sync import mapping as sm
from ckanext.govopen.sync import rules as sr
from tests.sync.test_rules import CITY, PROVINCE, WHEN, entry

FIELDS = {"title", "notes", "open_category", "share_category", "open_legal_basis", "catalogue_code",
          "update_frequency", "themes", "data_items", "region_code", "classified", "origin_portal",
          "origin_dataset_id", "origin_url", "origin_department", "origin_region_code", "acquired_at",
          "harvest_chain", "origin_apply_url", "withdrawn_reason", "withdrawn_at", "resource_class", "tags"}


def mapped(e, **kw):
    args = dict(target="open_portal", source_site=CITY, acquired=WHEN, fields=FIELDS, owner_org="org-1")
    args.update(kw)
    return sm.to_dataset(e, **args)


class TestToDataset:
    def test_copies_only_the_schema_fields_and_sets_its_own_identity(self):
        out = mapped(entry(title="出生登记", catalogue_code="1/000001", secret_extra="x", owner_org="city-org",
                           creator_user_id="u-1", metadata_modified="2026-01-01", themes=["health"]))
        assert out["title"] == "出生登记" and out["catalogue_code"] == "1/000001" and out["themes"] == ["health"]
        for dropped in ("secret_extra", "creator_user_id", "metadata_modified"):
            assert dropped not in out
        assert out["owner_org"] == "org-1" and out["private"] is False and out["state"] == "active"
        assert out["id"] == sm.upstream_id((CITY, "d-1")) != "d-1"
        assert out["name"] == "births"

    def test_the_same_origin_dataset_gets_the_same_id_by_every_path(self):
        direct = mapped(entry())
        province_copy = {**entry(id="p-9"), **sr.provenance(entry(), CITY, WHEN)}
        province_copy["harvest_chain"] = json.loads(json.dumps(province_copy["harvest_chain"]))
        via_province = mapped(province_copy, source_site=PROVINCE)
        assert direct["id"] == via_province["id"]
        assert direct["resources"][0]["id"] == via_province["resources"][0]["id"]

    def test_provenance_is_stored_as_json_text(self):
        out = mapped(entry())
        assert json.loads(out["origin_department"])["department_code"] == "11340181MB0000201X"
        chain = json.loads(out["harvest_chain"])
        assert chain == [{"portal": CITY, "acquired_at": "2026-12-04T08:30:00Z"}]
        assert out["origin_portal"] == CITY and out["origin_dataset_id"] == "d-1"
        assert out["origin_url"] == f"{CITY}/dataset/births"

    def test_open_entries_keep_their_addresses(self):
        out = mapped(entry(open_category="unconditional"))
        assert out["resources"][0]["url"] == "https://intranet.example/x.csv"
        assert "url_type" not in out["resources"][0] and "cache_url" not in out["resources"][0]

    def test_restricted_entries_travel_as_metadata_with_the_place_to_apply(self):
        out = mapped(entry(open_category="on_application"))
        resource = out["resources"][0]
        assert resource["url"] == "" and resource["name"] == "2025" and resource["format"] == "CSV"
        assert "intranet.example" not in json.dumps(out)
        assert out["origin_apply_url"] == f"{CITY}/dataset/births/request/open_application"

    def test_a_copy_of_a_copy_applies_at_the_origin(self):
        city_copy = {**entry(open_category="on_application"), **sr.provenance(entry(), CITY, WHEN)}
        city_copy["origin_apply_url"] = f"{CITY}/dataset/births/request/open_application"
        out = mapped(city_copy, source_site=PROVINCE)
        assert out["origin_apply_url"] == f"{CITY}/dataset/births/request/open_application"

    def test_a_taken_name_gets_a_stable_suffix(self):
        first, again = mapped(entry(), name_taken=True), mapped(entry(), name_taken=True)
        assert first["name"] == again["name"] != "births" and first["name"].startswith("births-")

    def test_tags_and_resources_keep_only_what_the_schema_takes(self):
        out = mapped(entry(tags=[{"name": "人口", "id": "t1", "vocabulary_id": None}, "junk"]))
        assert out["tags"] == [{"name": "人口"}]
        assert set(out["resources"][0]) <= {"id", "name", "format", "url", "description", "mimetype", "size",
                                            "language", "last_modified", "created"}


class TestForeignSources:
    def test_a_stock_ckan_entry_gets_defaults_renames_and_a_frequency_map(self):
        stock = {"id": "s-1", "name": "roads", "title": "道路", "organization": {"name": "transport"},
                 "extras": [{"key": "update_frequency", "value": "monthly"}, {"key": "legacy", "value": "x"}]}
        config = {"default_open_category": "unconditional", "default_share_category": "unconditional",
                  "frequency": {"monthly": "month"}, "rename_extras": {"legacy": "source_system"}}
        flat = sm.prepare(stock, config)
        assert flat["open_category"] == "unconditional" and flat["update_frequency"] == "month"
        assert flat["source_system"] == "x" and "legacy" not in flat and "extras" not in flat
        assert sm.prepare(flat, config) == flat  # idempotent

    def test_without_a_mapping_nothing_is_invented(self):
        flat = sm.prepare({"id": "s-1", "extras": []}, None)
        assert "open_category" not in flat and not sr.travels(flat, "open_portal")[0]


def test_organization_keyed_by_department_code():
    org = sm.to_organization({"name": "health", "title": "市卫健委", "region_code": "340181", "id": "x",
                              "department_type": "ordinary"}, department_code="11340181MB0000201X",
                             region_code=None)
    assert org == {"name": "health-11340181mb0000201x", "title": "市卫健委", "region_code": "340181",
                   "department_type": "ordinary", "department_code": "11340181MB0000201X"}


def test_acquired_is_an_instant_with_offset():
    out = mapped(entry(), acquired=datetime.datetime(2026, 12, 4, 16, 30, tzinfo=datetime.timezone.utc))
    assert out["acquired_at"] == "2026-12-04T16:30:00Z"


class TestConsider:
    ORGS = {"org-city": {"id": "org-city", "name": "bureau", "title": "市数据局", "department_code": "11340181MB0000001X",
                         "region_code": "340181", "package_count": 7, "created": "2026-01-01"}}

    def test_the_department_is_added_without_counts_or_stamps(self):
        out = sm.with_department({"id": "d-1", "organization": {"id": "org-city", "name": "bureau"}}, self.ORGS)
        assert out["organization"]["department_code"] == "11340181MB0000001X"
        assert "package_count" not in out["organization"] and "created" not in out["organization"]

    def test_a_restricted_entry_travels_without_its_addresses_and_hashes_the_same_twice(self):
        e = entry(open_category="on_application", open_legal_basis="第十七条", open_conditions="科研")
        first = sm.consider(e, {"target": "open_portal"}, CITY + "/")
        assert first.flat is not None and first.why is None
        assert all(not r.get("url") for r in first.flat["resources"])
        assert first.digest == sm.consider(e, {"target": "open_portal"}, CITY).digest == sr.content_hash(first.flat)
        # stripping is idempotent: the receiver of a push report recomputes the same hash
        assert sm.consider(first.flat, {"target": "open_portal"}, CITY).digest == first.digest

    def test_what_does_not_travel_says_why(self):
        seen = sm.consider(entry(open_category="not_open"), {"target": "open_portal"}, CITY)
        assert (seen.flat, seen.digest) == (None, None) and seen.why
        picky = {"target": "open_portal", "departments": ["11340181MB0000009X"]}
        assert sm.consider(entry(), picky, CITY).why == sm.NOT_SELECTED
