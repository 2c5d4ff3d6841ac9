"""Resource and dataset hooks of the DataStore loads (glue): a new or replaced CSV or XLSX file is
queued for loading, any other resource change is not; and a dataset edit that did not know a
table had been loaded meanwhile does not switch the table off."""
from __future__ import annotations

from typing import Any

import sqlalchemy as sa

import ckan.model as model
import ckan.plugins as p

from ckanext.govopen.datastore import loader
from ckanext.govopen.model import DatastoreLoad

__all__ = ["resource_changed", "keep_loaded_tables_active"]


def resource_changed(resource: dict[str, Any]) -> None:
    if p.plugin_loaded("datastore") and resource.get("id") and loader.loadable(resource):
        loader.queue(resource)


def keep_loaded_tables_active(pkg_dict: dict[str, Any]) -> None:
    """Inside package_update: a resource whose table the loader filled keeps ``datastore_active``.

    CKAN's resource form creates the resource, then patches the dataset with the resources as it
    read them before; a load finishing in between has its flag written back to false (a lost
    update, seen in the browser test) and the preview disappears. The table is the truth: where
    it exists, the flag stays on. (A table dropped through datastore_delete is gone, so the flag
    CKAN clears then stays cleared.)"""
    if not p.plugin_loaded("datastore"):
        return
    ids = [r["id"] for r in pkg_dict.get("resources") or [] if r.get("id") and not r.get("datastore_active")]
    if not ids:
        return
    loaded = model.Session.execute(sa.select(DatastoreLoad.resource_id).where(
        DatastoreLoad.resource_id.in_(ids), DatastoreLoad.status == "done")).scalars().all()
    if not loaded:
        return
    from ckanext.datastore.backend import DatastoreBackend

    backend = DatastoreBackend.get_active_backend()
    for resource_id in loaded:
        resource = model.Resource.get(resource_id)
        if resource is not None and not resource.extras.get("datastore_active") and backend.resource_exists(resource_id):
            resource.extras = {**resource.extras, "datastore_active": True}
            # Now: package_update builds the dict it indexes (and package_show later serves from
            # the index) without flushing first.
            model.Session.flush()
