"""Hooks of the govopen plugin for harvesting (glue)."""
from __future__ import annotations

import json
from typing import Any

import ckan.plugins.toolkit as tk

__all__ = ["validated_harvest_source"]


def validated_harvest_source(pkg_dict: dict[str, Any]) -> dict[str, Any]:
    """Index a harvest source with a validated copy. CKAN 2.12 answers ``package_show`` (and
    search) from the copy its indexer stores, which it builds without validation: for a
    harvest source that copy lacks ``source_type`` (ckanext-harvest's show schema converts it
    from extras), so the ``harvester run-test`` CLI failed with KeyError and
    ``harvest_source_patch`` with 409. The copy is replaced by the source as its own schema shows it."""
    if pkg_dict.get("dataset_type") != "harvest" or not pkg_dict.get("id"):
        return pkg_dict
    shown = tk.get_action("package_show")({"ignore_auth": True, "use_cache": False}, {"id": pkg_dict["id"]})
    pkg_dict["validated_data_dict"] = json.dumps(shown, default=str)
    return pkg_dict
