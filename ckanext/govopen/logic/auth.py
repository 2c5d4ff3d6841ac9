"""One auth function per govopen action, same name."""
from __future__ import annotations

import ckan.plugins.toolkit as tk


@tk.auth_allow_anonymous_access
def govopen_deadline(context, data_dict):
    # The apply form shows "answer due by …" before anyone logs in.
    return {"success": True}


def govopen_policy_show(context, data_dict):
    # Only sysadmins (who pass every check before this runs) see the configured policy.
    return {"success": False}


@tk.auth_allow_anonymous_access
def govopen_category_change_list(context, data_dict):
    # As public as the dataset itself: whoever may see the entry may see its history.
    tk.check_access("package_show", context, {"id": data_dict.get("id")})
    return {"success": True}
