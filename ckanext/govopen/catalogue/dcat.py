"""govopen's DCAT profile for ckanext-dcat (``ckanext.dcat.rdf.profiles = euro_dcat_ap_3 govopen``,
and for the JSON-LD in pages, ``ckanext.dcat.structured_data.profiles = schemaorg govopen``).

Runs after the stock profile and adds what govopen knows: the open category as dct:accessRights,
the conditions and legal basis as dct:rights, the update frequency, the catalogue code, the
publishing department's code, the themes, and a copy's provenance. An entry not open to all
offers no open licence, and every distribution of it loses its file address, whoever asks, and
points at the apply page instead
(the gate has withheld the addresses already; this holds even for a reader a grant lets see them)."""
from __future__ import annotations

from typing import Any

import ckan.plugins.toolkit as tk
from rdflib import Literal, Namespace, URIRef
from rdflib.namespace import RDF, RDFS

from ckanext.dcat.profiles import RDFProfile
from ckanext.dcat.profiles.base import DCAT, DCT
from ckanext.govopen.catalogue import dcat_terms

__all__ = ["GovopenDCATProfile"]

SCHEMA = Namespace("http://schema.org/")
PROV = Namespace("http://www.w3.org/ns/prov#")
_ADDRESSES = (DCAT.accessURL, DCAT.downloadURL, SCHEMA.contentUrl, SCHEMA.url)


class GovopenDCATProfile(RDFProfile):
    def graph_from_dataset(self, dataset_dict: dict[str, Any], dataset_ref) -> None:
        g = self.g
        category = dataset_dict.get("open_category")
        g.remove((dataset_ref, DCT.accessRights, None))
        g.add((dataset_ref, DCT.accessRights, URIRef(dcat_terms.access_right(category))))
        for field in ("open_conditions", "open_legal_basis"):
            if dataset_dict.get(field):
                statement = self._statement(dataset_ref, field, dataset_dict[field])
                g.add((dataset_ref, DCT.rights, statement))
        if freq := dcat_terms.frequency(dataset_dict.get("update_frequency")):
            g.remove((dataset_ref, DCT.accrualPeriodicity, None))
            g.add((dataset_ref, DCT.accrualPeriodicity, URIRef(freq)))
        if dataset_dict.get("catalogue_code"):
            g.add((dataset_ref, DCT.identifier, Literal(dataset_dict["catalogue_code"])))
        for theme in dataset_dict.get("themes") or []:
            g.add((dataset_ref, DCAT.keyword, Literal(theme, lang="zh")))
        self._publisher_code(dataset_dict, dataset_ref)
        if dataset_dict.get("origin_url"):  # a copy: where it comes from
            g.add((dataset_ref, PROV.wasDerivedFrom, URIRef(dataset_dict["origin_url"])))
            g.add((dataset_ref, DCT.source, URIRef(dataset_dict["origin_url"])))
        instead = dcat_terms.restricted_access_url(category, tk.config.get("ckan.site_url"), dataset_dict["name"])
        if instead is not None:
            self._withhold_addresses(dataset_ref, URIRef(instead))

    def _statement(self, dataset_ref, field: str, text: str):
        node = URIRef(f"{dataset_ref}#{field}")
        self.g.add((node, RDF.type, DCT.RightsStatement))
        self.g.add((node, RDFS.label, Literal(text, lang="zh")))
        return node

    def _publisher_code(self, dataset_dict: dict[str, Any], dataset_ref) -> None:
        org = dataset_dict.get("organization") or {}
        code = org.get("department_code")
        if not code and org.get("id"):
            code = (tk.get_action("organization_show")({"ignore_auth": True}, {"id": org["id"]}) or {}).get(
                "department_code")
        if code:
            for publisher in self.g.objects(dataset_ref, DCT.publisher):
                self.g.add((publisher, DCT.identifier, Literal(code)))

    def _withhold_addresses(self, dataset_ref, instead: URIRef) -> None:
        """No file address and no open licence: the conditions (dct:rights) say how it may be used."""
        g = self.g
        for predicate in (DCT.license, SCHEMA.license):
            g.remove((dataset_ref, predicate, None))
        for link in (DCAT.distribution, SCHEMA.distribution):
            for distribution in list(g.objects(dataset_ref, link)):
                for predicate in (*_ADDRESSES, DCT.license, SCHEMA.license):
                    g.remove((distribution, predicate, None))
                g.add((distribution, DCAT.accessURL, instead))
