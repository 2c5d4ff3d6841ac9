"""The DataStore load button on a resource page: load the file again (editors)."""
from __future__ import annotations

from flask import Blueprint

import ckan.plugins.toolkit as tk

from ckanext.govopen.translations import _

__all__ = ["govopen_datastore"]

govopen_datastore = Blueprint("govopen_datastore", __name__)


@govopen_datastore.route("/dataset/<id>/resource/<resource_id>/datastore-load", methods=["POST"])
def reload(id: str, resource_id: str):
    context = {"user": tk.current_user.name if tk.current_user.is_authenticated else ""}
    try:
        tk.get_action("govopen_datastore_load")(context, {"id": resource_id})
    except tk.NotAuthorized:
        return tk.abort(403, _("Only editors of the dataset may load its files again"))
    except tk.ObjectNotFound:
        return tk.abort(404, _("Resource not found"))
    except tk.ValidationError as e:
        for messages in e.error_dict.values():
            for message in messages if isinstance(messages, list) else [messages]:
                tk.h.flash_error(message)
    else:
        tk.h.flash_success(_("The file is queued for loading into the data table"))
    return tk.redirect_to("resource.read", id=id, resource_id=resource_id)
