"""What counts as a use of the catalogue, pure: which requests are a view, a download or an API
read of a dataset, and which clients are robots (not counted)."""
from __future__ import annotations

import re

__all__ = ["KINDS", "is_robot", "kind_of", "API_READS"]

KINDS = ("view", "download", "api")
# API actions that read one dataset's metadata or data (the dataset named by `id` or `resource_id`).
API_READS = {"package_show": "id", "resource_show": "id", "datastore_search": "resource_id"}
# Self-declared crawlers and monitors; a client sending no user agent at all counts as one too.
_ROBOT = re.compile(r"bot\b|bot/|spider|crawl|slurp|archiver|facebookexternalhit|bingpreview|mediapartners|"
                    r"headlesschrome|phantomjs|uptime|monitor|pingdom|scrapy|ahrefs|semrush",
                    re.IGNORECASE)


def is_robot(user_agent: str | None) -> bool:
    return not (user_agent or "").strip() or bool(_ROBOT.search(user_agent or ""))


def kind_of(endpoint: str, method: str, status: int) -> str | None:
    """The kind of use a served request was (None: not one): a dataset page, a resource download (`resource.download`, `<type>_resource.download`), or an
    API read (``api.action``; which action, and which dataset, the caller checks)."""
    if method not in ("GET", "POST") or status not in (200, 302):
        return None
    if endpoint == "api.action":
        return "api" if status == 200 else None
    if method != "GET":
        return None
    if endpoint == "dataset.read" and status == 200:
        return "view"
    if endpoint == "resource.download" or endpoint.endswith("_resource.download"):
        return "download"  # an upload served (200), or the way to a linked file (302)
    return None
