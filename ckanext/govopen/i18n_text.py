"""Chinese first, English beside it: pick the text for the current request's language."""
from __future__ import annotations

import ckan.plugins.toolkit as tk

__all__ = ["current_lang", "t"]


def current_lang() -> str:
    try:
        return tk.h.lang() or tk.config["ckan.locale_default"]
    except (RuntimeError, TypeError, AttributeError):
        # No request (CLI, background job): the portal's default language.
        return tk.config["ckan.locale_default"]


def t(zh: str, en: str) -> str:
    """ZH when the user reads Chinese (the default), EN otherwise."""
    return zh if current_lang().lower().startswith("zh") else en
