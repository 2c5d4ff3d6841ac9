"""DCAT through ckanext-dcat with govopen's profile, over HTTP in CKAN's test app against the real
database and index: every serialisation parses, carries the open category as dct:accessRights,
and holds no address of a restricted resource, for any reader, on any path (the dataset and
catalogue endpoints, and the JSON-LD in dataset pages)."""
from __future__ import annotations

import json
import re

import pytest
import rdflib
from rdflib.namespace import DCAT, DCTERMS

from ckan.tests import factories, helpers

from ckanext.govopen.catalogue import dcat_terms
from tests.requests_support import application, approve, call

pytestmark = pytest.mark.usefixtures("with_plugins")
FORMATS = {"ttl": "turtle", "rdf": "xml", "jsonld": "json-ld", "n3": "n3"}
SECRET_URL = "https://intranet.example.gov.cn/closed.csv"


@pytest.fixture
def catalogue(portal):  # noqa: F811
    admin = {"user": portal["admin"]["name"]}
    base = {"owner_org": portal["owner"]["id"], "resource_class": "department", "update_frequency": "monthly"}
    helpers.call_action("package_create", context=admin, name="roads", title="路网", catalogue_code="307001/000011",
                        open_category="unconditional", share_category="unconditional", themes=["交通"], **base,
                        resources=[{"name": "路网", "url": "https://data.example.gov.cn/roads.csv", "format": "CSV"}])
    helpers.call_action("package_create", context=admin, name="closed", title="内部", catalogue_code="307001/000012",
                        open_category="not_open", share_category="not_shared", open_conditions="不予开放",
                        open_legal_basis="第十七条", share_conditions="不予共享", share_legal_basis="第十一条", license_id="cc-by", **base,
                        resources=[{"name": "内部", "url": SECRET_URL, "format": "CSV"}])
    return {**portal, "restricted": [portal["r1"]["url"], portal["r2"]["url"], SECRET_URL]}


def leaks(body: str, urls: list[str]) -> list[str]:
    return [u for u in urls if u in body]


def graph(body: bytes, fmt: str) -> rdflib.Graph:
    return rdflib.Graph().parse(data=body, format=FORMATS[fmt])


@pytest.mark.parametrize("fmt", sorted(FORMATS))
def test_each_entry_in_each_serialisation_says_its_access_rights_and_hides_restricted_addresses(app, catalogue, fmt):
    for name, category in (("roads", "unconditional"), ("births", "on_application"), ("closed", "not_open")):
        body = app.get(f"/dataset/{name}.{fmt}").get_data()
        assert leaks(body.decode("utf-8"), catalogue["restricted"]) == [], name
        g = graph(body, fmt)
        [dataset] = list(g.subjects(rdflib.RDF.type, DCAT.Dataset))
        assert set(g.objects(dataset, DCTERMS.accessRights)) == {rdflib.URIRef(dcat_terms.access_right(category))}
        access = {str(u) for d in g.objects(dataset, DCAT.distribution) for u in g.objects(d, DCAT.accessURL)}
        downloads = [u for d in g.objects(dataset, DCAT.distribution) for u in g.objects(d, DCAT.downloadURL)]
        if category == "unconditional":
            assert access == {"https://data.example.gov.cn/roads.csv"}
            assert set(g.objects(dataset, DCAT.keyword)) >= {rdflib.Literal("交通", lang="zh")}
        else:
            assert downloads == [] and access and all(a.endswith(f"/dataset/{name}" + (
                "/request/open_application" if category == "on_application" else "")) for a in access)
            licences = [o for s in (dataset, *g.objects(dataset, DCAT.distribution)) for o in g.objects(s, DCTERMS.license)]
            assert licences == [], name  # conditions instead of an open licence
            basis = {str(o) for s in g.objects(dataset, DCTERMS.rights) for o in g.objects(s, rdflib.RDFS.label)}
            assert "第十九条" in basis or "第十七条" in basis


def test_the_catalogue_endpoint_and_a_grantee_get_no_restricted_address(app, catalogue):
    body = app.get("/catalog.ttl").get_data()
    assert leaks(body.decode("utf-8"), catalogue["restricted"]) == []
    g = graph(body, "ttl")
    assert len(set(g.subjects(rdflib.RDF.type, DCAT.Dataset))) == 3
    # A grantee may fetch the file, but the catalogue record (shared, cached, harvested) never names it.
    approve(catalogue, call("govopen_request_create", catalogue["citizen"], **application(catalogue)))
    token = {"Authorization": factories.APIToken(user=catalogue["citizen"]["name"])["token"]}
    shown = helpers.call_action("package_show", context={"user": catalogue["citizen"]["name"], "ignore_auth": False},
                                id="births")
    assert catalogue["r1"]["url"] in {r["url"] for r in shown["resources"]}  # the gate lets the grantee see it
    assert leaks(app.get("/dataset/births.ttl", headers=token).get_data(as_text=True), catalogue["restricted"]) == []


def test_the_json_ld_in_dataset_pages_holds_no_restricted_address(app, catalogue):
    for name in ("births", "closed", "roads"):
        page = app.get(f"/dataset/{name}").get_data(as_text=True)
        blocks = re.findall(r'<script type="application/ld\+json">(.*?)</script>', page, re.S)
        assert blocks, name
        for block in blocks:
            json.loads(block)
            assert leaks(block, catalogue["restricted"]) == [], name


def test_the_terms_fail_closed():
    assert dcat_terms.access_right(None).endswith("/NON_PUBLIC") and dcat_terms.access_right("odd").endswith("/NON_PUBLIC")
    assert dcat_terms.frequency("semiannual").endswith("/ANNUAL_2") and dcat_terms.frequency("") is None
    assert dcat_terms.restricted_access_url("unconditional", "https://p/", "x") is None
    assert dcat_terms.restricted_access_url("not_open", "https://p/", "x") == "https://p/dataset/x"
    assert dcat_terms.restricted_access_url(None, "https://p", "x") == "https://p/dataset/x"
