"""govopen_* template helpers."""
from __future__ import annotations

from ckanext.govopen.i18n_text import t

__all__ = ["govopen_t"]


def govopen_t(zh: str, en: str) -> str:
    """Chinese or English text by the page's language."""
    return t(zh, en)
