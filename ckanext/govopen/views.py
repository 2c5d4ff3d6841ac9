"""Pages: parse the request, call the action, render."""
from __future__ import annotations

from flask import Blueprint

import ckan.plugins.toolkit as tk

__all__ = ["govopen"]

govopen = Blueprint("govopen", __name__)


@govopen.route("/ckan-admin/govopen/policy")
def policy():
    try:
        data = tk.get_action("govopen_policy_show")({}, {})
    except tk.NotAuthorized:
        return tk.abort(403, tk.h.govopen_t("只有系统管理员可以查看时限规则", "Only sysadmins can see the deadline policy"))
    return tk.render("govopen/admin/policy.html", {"policy": data})
