"""What several page modules share."""
from __future__ import annotations

from flask import request

import ckan.plugins.toolkit as tk

__all__ = ["login_first"]


def login_first():
    """A redirect to the login page, back here afterwards; None when logged in."""
    if tk.current_user.is_authenticated:
        return None
    return tk.redirect_to(tk.url_for("user.login", next=request.full_path))
