"""Text no database or index of the portal can hold, pure (no CKAN): one check for the request
guards (views/guards.py) and the validators (logic/validators.py) alike."""
from __future__ import annotations

__all__ = ["unstorable"]


def unstorable(value: str) -> str | None:
    """Why VALUE cannot be stored: "nul" (PostgreSQL refuses NUL in text), "surrogate" (a lone
    surrogate, which UTF-8 cannot encode), or None when it can."""
    if "\x00" in value:
        return "nul"
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return "surrogate"
    return None
