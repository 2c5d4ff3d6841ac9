"""Resource hooks of the DataStore loads (glue): a new or replaced CSV or XLSX file is queued
for loading; any other resource change is not."""
from __future__ import annotations

from typing import Any

import ckan.plugins as p

from ckanext.govopen.datastore import loader

__all__ = ["resource_changed"]


def resource_changed(resource: dict[str, Any]) -> None:
    if p.plugin_loaded("datastore") and resource.get("id") and loader.loadable(resource):
        loader.queue(resource)
