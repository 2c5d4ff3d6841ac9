"""How files that users uploaded are served, pure (no CKAN): so that none can run script in
the portal's origin. A browser runs script from HTML, SVG, XML/XHTML, PDF and more, and a
resource's `mimetype` is whatever its editor typed: only a short list of passive types may
show inline; everything else is a download. Every served file also carries a CSP sandbox
(an opaque origin, no script, no plugins) and `nosniff`, so even a passive type that a
browser would have sniffed as HTML stays inert.
"""
from __future__ import annotations

__all__ = ["INLINE_TYPES", "SANDBOX_CSP", "is_file_endpoint", "file_headers", "shows_inline"]

# Types a browser shows without running anything, and that citizens expect to open in place.
INLINE_TYPES = frozenset({
    "image/png", "image/jpeg", "image/gif", "image/webp", "image/bmp", "image/avif",
    "text/plain", "text/csv", "application/json",
    "audio/mpeg", "audio/ogg", "audio/wav", "video/mp4", "video/webm", "video/ogg",
})
SANDBOX_CSP = ("sandbox; default-src 'none'; img-src 'self' data:; media-src 'self'; "
               "style-src 'unsafe-inline'; frame-ancestors 'self'")


def is_file_endpoint(endpoint: str, path: str) -> bool:
    """Does this request serve a stored file: a resource download (every dataset type's, and
    one delivered from another portal), CKAN's file views, or an uploaded image of a user,
    organization or the site?"""
    return (endpoint in ("resource.download", "govopen_cascade.forward_resource")
            or endpoint.endswith("_resource.download") or endpoint.startswith("file.") or "/uploads/" in path)


def shows_inline(content_type: str | None) -> bool:
    base = (content_type or "").split(";", 1)[0].strip().lower()
    return base in INLINE_TYPES


def _filename_part(disposition: str | None) -> str:
    """The `filename…` parameters of an existing Content-Disposition, kept for the download."""
    if not disposition:
        return ""
    parts = [p.strip() for p in disposition.split(";")[1:]]
    return "".join(f"; {p}" for p in parts if p.lower().startswith("filename"))


def file_headers(content_type: str | None, disposition: str | None) -> dict[str, str]:
    """The headers a served file must carry, given what the view set."""
    headers = {"Content-Security-Policy": SANDBOX_CSP, "X-Content-Type-Options": "nosniff"}
    if not shows_inline(content_type):
        headers["Content-Disposition"] = "attachment" + _filename_part(disposition)
    return headers
