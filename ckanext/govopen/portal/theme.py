"""The portal's look, pure: which colours may reach the page's CSS."""
from __future__ import annotations

import re

__all__ = ["colour"]

_HEX = re.compile(r"#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})")


def colour(value: object) -> str | None:
    """VALUE as a CSS hex colour (#rgb or #rrggbb, lower case), or None: nothing else is ever
    written into a style sheet (a colour option is edited in the sysadmin UI)."""
    text = str(value or "").strip()
    return text.lower() if _HEX.fullmatch(text) else None
