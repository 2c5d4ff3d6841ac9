"""What several page modules share."""
from __future__ import annotations

import math
from typing import Any

from flask import request

import ckan.plugins.toolkit as tk

from ckanext.govopen.translations import _

__all__ = ["login_first", "PAGE_SIZE", "MAX_PAGE", "page_number", "pager"]

PAGE_SIZE = 20
MAX_PAGE = 100_000  # 2,000,000 rows deep: far past any real list, far below SQL's limits


def login_first():
    """A redirect to the login page, back here afterwards; None when logged in."""
    if tk.current_user.is_authenticated:
        return None
    return tk.redirect_to(tk.url_for("user.login", next=request.full_path))


def page_number() -> int:
    """The page asked for: a whole number from 1 to MAX_PAGE, or a 400 saying so."""
    raw = request.args.get("page", "1").strip() or "1"
    if not raw.isdecimal() or not raw.isascii() or len(raw) > 6 or not 1 <= int(raw) <= MAX_PAGE:
        return tk.abort(400, _('The page must be a whole number from 1 to {max_page}').format(max_page=MAX_PAGE))
    return int(raw)


def pager(count: int, page: int, size: int = PAGE_SIZE, **params: Any) -> dict[str, Any]:
    """Pagination for a list: page numbers and the URLs of neighbours, keeping the filters."""
    pages = max(1, math.ceil(count / size))
    keep = {k: v for k, v in params.items() if v not in (None, "", False)}

    def url(n: int) -> str:
        return tk.h.url_for(request.endpoint, **request.view_args, **keep, page=n)

    return {"page": page, "pages": pages, "count": count,
            "prev": url(page - 1) if page > 1 else None, "next": url(page + 1) if page < pages else None}
