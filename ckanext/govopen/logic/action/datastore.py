"""Actions of the DataStore loads: a resource's load status, and loading it again."""
from __future__ import annotations

from typing import Any

import ckan.model as model
import ckan.plugins as p
import ckan.plugins.toolkit as tk

from ckanext.govopen.datastore import loader
from ckanext.govopen.translations import _, gettext

__all__ = ["govopen_datastore_load_show", "govopen_datastore_load"]


def _resource(data_dict) -> dict[str, Any]:
    resource_id = str((data_dict or {}).get("id") or "").strip()
    if not resource_id:
        raise tk.ValidationError({"id": [_("Missing value")]})
    resource = model.Resource.get(resource_id)
    if resource is None or resource.state != "active":
        raise tk.ObjectNotFound(_("Resource not found"))
    return resource


def _shown(found: dict[str, Any] | None) -> dict[str, Any] | None:
    msgid = found and found["error"]
    if msgid:
        found["message"] = gettext(msgid).format(**(found["error_params"] or {}))
    return found


@tk.side_effect_free
def govopen_datastore_load_show(context, data_dict) -> dict[str, Any] | None:
    """The last DataStore load of a resource: ``status`` (queued, loading, done, failed), ``rows``
    loaded so far, ``bytes_read`` of ``bytes_total``, the file's ``encoding``, times, and for a
    failure ``error`` (the English text), ``message`` (in the reader's language) and
    ``error_params``. None when the resource was never loaded. Whoever may see the resource.

    :param id: the resource's id
    :type id: string
    :rtype: dictionary or None
    """
    resource = _resource(data_dict)
    tk.check_access("govopen_datastore_load_show", context, {"id": resource.id})
    return _shown(loader.status(resource.id))


def govopen_datastore_load(context, data_dict) -> dict[str, Any] | None:
    """Load a resource's CSV or XLSX file into the DataStore again (its table is replaced whole
    when the load succeeds). Whoever may edit the resource.

    :param id: the resource's id
    :type id: string
    :rtype: dictionary (the queued load)
    """
    resource = _resource(data_dict)
    tk.check_access("govopen_datastore_load", context, {"id": resource.id})
    if not p.plugin_loaded("datastore"):
        raise tk.ValidationError({"id": [_("The DataStore is not enabled on this portal")]})
    res = tk.get_action("resource_show")({"ignore_auth": True}, {"id": resource.id})
    if not loader.loadable(res):
        raise tk.ValidationError({"id": [_("Only CSV and XLSX files are loaded into the DataStore")]})
    loader.queue(res, force=True)
    return _shown(loader.status(resource.id))
