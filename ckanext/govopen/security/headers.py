"""The security headers every response carries (pure): a Content-Security-Policy without
inline scripts wherever CKAN's own templates allow it, framing by this site only, no MIME
sniffing, a referrer policy, and HSTS when the portal is served over HTTPS.

Where CKAN 2.12's templates carry inline scripts, the policy allows ``'unsafe-inline'`` for
scripts on those pages only (``INLINE_SCRIPT_PAGES``): the resource form's upload and link
buttons (``resource_upload_field.html``: ``onclick``), the API token page
(``api_token_list.html``: ``onchange``), and the resource views (``dataviewer/base.html`` and
the DataTables view: ``<script>``). Styles allow ``'unsafe-inline'`` everywhere: CKAN's
templates and govopen's set ``style`` attributes and ``<style>`` blocks throughout.
"""
from __future__ import annotations

import re

__all__ = ["INLINE_SCRIPT_PAGES", "content_security_policy", "security_headers"]

INLINE_SCRIPT_PAGES = (
    re.compile(r"^/dataset/[^/]+/resource/new$"),
    re.compile(r"^/dataset/[^/]+/resource/[^/]+/edit$"),
    re.compile(r"^/dataset/new(/.*)?$"),
    re.compile(r"^/dataset/[^/]+/resource/[^/]+/view(/.*)?$"),
    re.compile(r"^/dataset/[^/]+/resource/[^/]+/edit_view(/.*)?$"),
    re.compile(r"^/dataset/[^/]+/resource/[^/]+/new_view$"),
    re.compile(r"^/datatables/.*$"),
    re.compile(r"^/user/[^/]+/api-tokens$"),
)


def content_security_policy(path: str) -> str:
    """The policy for the page at PATH."""
    inline = any(p.match(path) for p in INLINE_SCRIPT_PAGES)
    return "; ".join((
        "default-src 'self'",
        "script-src 'self'" + (" 'unsafe-inline'" if inline else ""),
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data:",
        "font-src 'self' data:",
        "connect-src 'self'",
        "frame-src 'self'",
        "frame-ancestors 'self'",
        "form-action 'self'",
        "base-uri 'self'",
        "object-src 'none'",
    ))


def security_headers(path: str, secure: bool, hsts_seconds: int) -> dict[str, str]:
    """The headers for a response to PATH; SECURE when the request came over HTTPS (HSTS is
    only ever sent then, for HSTS_SECONDS, none when 0)."""
    headers = {
        "Content-Security-Policy": content_security_policy(path),
        "X-Frame-Options": "SAMEORIGIN",
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "strict-origin-when-cross-origin",
        "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=()",
    }
    if secure and hsts_seconds > 0:
        headers["Strict-Transport-Security"] = f"max-age={hsts_seconds}; includeSubDomains"
    return headers
