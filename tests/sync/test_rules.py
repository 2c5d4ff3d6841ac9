"""Upward sync's pure rules: what travels, what of it, with which provenance, and when a
source may withdraw upstream copies."""
import datetime

import pytest

from ckanext.govopen.sync import rules as sr
from tests.catalog_support import zh

UTC = datetime.timezone.utc
CITY = "http://city.example:5000"
PROVINCE = "http://province.example:5001"
WHEN = datetime.datetime(2026, 12, 4, 8, 30, tzinfo=UTC)


def entry(**kw):
    base = {"id": "d-1", "name": "births", "state": "active", "private": False, "classified": False,
            "open_category": "unconditional", "share_category": "unconditional",
            "organization": {"name": "health", "title": "市卫生健康委员会", "department_code": "11340181MB0000201X",
                             "region_code": "340181"},
            "resources": [{"id": "r-1", "name": "2025", "format": "CSV", "url": "https://intranet.example/x.csv",
                           "url_type": "upload", "cache_url": "https://cache.example/x"}]}
    base.update(kw)
    return base


class TestWhatTravels:
    @pytest.mark.parametrize("category, to_open_portal", [
        ("unconditional", True), ("on_application", True), ("not_open", False)])
    def test_open_portal_takes_the_published_categories(self, category, to_open_portal):
        assert sr.travels(entry(open_category=category), "open_portal")[0] is to_open_portal
        assert sr.travels(entry(open_category=category), "sharing_platform") == (True, None)

    @pytest.mark.parametrize("change, why", [
        ({"classified": True}, sr.CLASSIFIED), ({"classified": "true"}, sr.CLASSIFIED),
        ({"private": True}, sr.PRIVATE), ({"state": "deleted"}, sr.NOT_ACTIVE), ({"state": "draft"}, sr.NOT_ACTIVE)])
    @pytest.mark.parametrize("target", sr.TARGETS)
    def test_never_travel(self, change, why, target):
        assert sr.travels(entry(**change), target) == (False, why)

    def test_unknown_target_is_an_error(self):
        with pytest.raises(ValueError):
            sr.travels(entry(), "everywhere")


class TestAddresses:
    def test_only_open_entries_carry_addresses(self):
        assert sr.addresses_travel(entry())
        assert not sr.addresses_travel(entry(open_category="on_application"))
        assert not sr.addresses_travel(entry(open_category="not_open"))
        assert not sr.addresses_travel(entry(), privacy_suspended=True)
        assert not sr.addresses_travel(entry(open_category=None))  # unknown: closed

    def test_stripping_leaves_metadata_and_where_to_apply(self):
        original = entry(open_category="on_application")
        out = sr.strip_addresses(original, f"{CITY}/dataset/births/request/open_application")
        resource = out["resources"][0]
        assert resource["url"] == "" and "url_type" not in resource and "cache_url" not in resource
        assert (resource["name"], resource["format"]) == ("2025", "CSV")
        assert out["origin_apply_url"].endswith("/request/open_application")
        assert original["resources"][0]["url"].startswith("https://")  # the input is not changed
        assert "intranet" not in repr(out) and "cache.example" not in repr(out)


class TestProvenance:
    def test_first_hop_names_the_city(self):
        p = sr.provenance(entry(), CITY + "/", WHEN)
        assert p["origin_portal"] == CITY and p["origin_dataset_id"] == "d-1"
        assert p["origin_url"] == f"{CITY}/dataset/births"
        assert p["origin_department"] == {"name": "市卫生健康委员会", "department_code": "11340181MB0000201X"}
        assert p["origin_region_code"] == "340181"
        assert p["acquired_at"] == "2026-12-04T08:30:00Z"
        assert p["harvest_chain"] == [{"portal": CITY, "acquired_at": "2026-12-04T08:30:00Z"}]

    def test_an_entry_made_at_the_source_is_its_own_origin(self):
        # govopen's schema fills origin_portal with the portal's site id for entries made there.
        local = entry(origin_portal="govopen-city")
        p = sr.provenance(local, CITY, WHEN)
        assert (p["origin_portal"], p["origin_dataset_id"]) == (CITY, "d-1")
        assert sr.identity(local, CITY) == (CITY, "d-1")

    def test_second_hop_keeps_the_origin_and_grows_the_chain(self):
        at_province = {**entry(id="p-9", name="births-copy"), **sr.provenance(entry(), CITY, WHEN)}
        later = WHEN + datetime.timedelta(hours=1)
        p = sr.provenance(at_province, PROVINCE, later)
        assert (p["origin_portal"], p["origin_dataset_id"], p["origin_url"]) == (CITY, "d-1", f"{CITY}/dataset/births")
        assert [h["portal"] for h in p["harvest_chain"]] == [CITY, PROVINCE]
        assert p["acquired_at"] == "2026-12-04T09:30:00Z"

    def test_identity_is_the_origin_whatever_the_path(self):
        direct = sr.identity(entry(), CITY)
        via_province = sr.identity({**entry(id="p-9"), **sr.provenance(entry(), CITY, WHEN)}, PROVINCE)
        assert direct == via_province == (CITY, "d-1")


class TestContentHash:
    def test_stamps_and_the_chain_do_not_count(self):
        a = entry(metadata_modified="2026-12-01T00:00:00", harvest_chain=[{"portal": CITY}])
        b = entry(metadata_modified="2026-12-04T00:00:00", harvest_chain=[])
        b["resources"][0]["metadata_modified"] = "2026-12-04"
        assert sr.content_hash(a) == sr.content_hash(b)

    def test_a_change_counts(self):
        assert sr.content_hash(entry()) != sr.content_hash(entry(title="新标题"))
        assert sr.content_hash(entry()) != sr.content_hash(entry(open_category="on_application"))
        changed = entry()
        changed["resources"][0]["format"] = "XLSX"
        assert sr.content_hash(entry()) != sr.content_hash(changed)

    def test_key_order_does_not_count(self):
        e = entry()
        assert sr.content_hash(dict(reversed(list(e.items())))) == sr.content_hash(e)


class TestWithdrawalGuard:
    def test_gone_entries_are_withdrawn(self):
        g = sr.withdrawal_guard({"a", "b", "c", "d", "e"}, {"a", "b", "c", "d", "e", "f"}, True, 0.2)
        assert g.ok and g.withdraw == {"f"}

    @pytest.mark.parametrize("listed, complete, why", [
        (set(), True, "empty"), ({"a"}, False, "incomplete"), ({"a"}, True, "share")])
    def test_a_broken_source_withdraws_nothing(self, listed, complete, why):
        g = sr.withdrawal_guard(listed, {"a", "b", "c", "d"}, complete, 0.2)
        assert not g.ok and g.withdraw == frozenset() and why in g.reason

    def test_a_new_source_may_list_nothing(self):
        assert sr.withdrawal_guard(set(), set(), True, 0.2).ok


class TestSourceConfig:
    def fields(self, config):
        return sorted(p.field for p in sr.source_config_problems(config))

    def test_valid(self):
        assert self.fields({"target": "open_portal"}) == []
        assert self.fields({"target": "sharing_platform", "departments": ["11340181MB0000201X"],
                            "region_code": "340181", "max_withdrawal_share": 0.2,
                            "mapping": {"default_open_category": "unconditional", "frequency": {"monthly": "monthly"},
                                        "rename_extras": {"update_frequency": "source_update_frequency"}}}) == []

    def test_field_errors(self):
        assert self.fields({}) == ["target"]
        assert self.fields([]) == ["config"]
        assert self.fields({"target": "x", "departments": "health", "region_code": "99",
                            "max_withdrawal_share": 2, "mapping": {"default_open_category": "open",
                                                                   "default_share_category": "all",
                                                                   "frequency": "monthly",
                                                                   "department_codes": ["x"]}}) == [
            "departments", "mapping.default_open_category", "mapping.default_share_category",
            "mapping.department_codes", "mapping.frequency", "max_withdrawal_share", "region_code", "target"]

    def test_secrets_are_refused_wherever_they_hide(self):
        assert self.fields({"target": "open_portal", "api_token": "x"}) == ["api_token"]
        assert self.fields({"target": "open_portal", "auth": {"Authorization": "Bearer x"}}) == ["auth.Authorization"]

    def test_messages_are_in_the_chinese_catalog(self):
        for msgid in sr.MESSAGES:
            assert zh(msgid) != msgid, msgid
