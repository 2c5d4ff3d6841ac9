"""Reading a source portal's catalogue over its action API: bounded, retried, paged.

Every call has a timeout; a failure (connection refused, a 5xx, a body that is not the JSON
CKAN answers) is retried with backoff, then raised as ``SourceError``. A listing that cannot
be completed raises too: the harvester then withdraws nothing (``rules.withdrawal_guard``).
"""
from __future__ import annotations

import json
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

__all__ = ["SourceError", "Source"]


class SourceError(Exception):
    """The source could not be read (after the retries)."""


@dataclass
class Source:
    url: str
    token: str | None = None
    timeout: float = 30.0
    retries: int = 3
    backoff: float = 1.0
    page_size: int = 500

    def action(self, name: str, **params: Any) -> Any:
        """POST to /api/3/action/NAME; the result, or SourceError after the retries."""
        body = json.dumps(params).encode("utf-8")
        headers = {"Content-Type": "application/json", "User-Agent": "ckanext-govopen sync"}
        if self.token:
            headers["Authorization"] = self.token
        last: Exception | None = None
        for attempt in range(self.retries + 1):
            if attempt:
                time.sleep(self.backoff * 2 ** (attempt - 1))
            req = urllib.request.Request(f"{self.url.rstrip('/')}/api/3/action/{name}", data=body, headers=headers)
            try:
                with urllib.request.urlopen(req, timeout=self.timeout) as res:
                    answer = json.loads(res.read().decode("utf-8"))
            except urllib.error.HTTPError as err:
                if err.code < 500:  # the source answered and said no: retrying will not help
                    raise SourceError(f"{name}: HTTP {err.code}") from err
                last = err
                continue
            except (OSError, ValueError) as err:  # refused, reset, timed out, not JSON
                last = err
                continue
            if not isinstance(answer, dict) or not answer.get("success") or "result" not in answer:
                last = SourceError(f"{name}: not a CKAN answer")
                continue
            return answer["result"]
        raise SourceError(f"{name} failed after {self.retries + 1} attempts: {last}")

    def site(self) -> dict[str, Any]:
        return self.action("status_show")

    def search(self, fq: str = "", fl: str | None = None) -> Iterator[dict[str, Any]]:
        """Every dataset the search shows (public ones; private ones are never asked for),
        oldest id first, page by page. Raises SourceError when the count moves while paging
        (the listing would not be complete)."""
        start, count = 0, None
        while True:
            params: dict[str, Any] = {"q": "*:*", "fq": fq, "sort": "id asc", "rows": self.page_size,
                                      "start": start, "include_private": False}
            if fl:
                params["fl"] = fl
            page = self.action("package_search", **params)
            if count is None:
                count = page["count"]
            elif page["count"] != count:
                raise SourceError("the catalogue changed while it was listed")
            results = page["results"]
            yield from results
            start += len(results)
            if not results or start >= count:
                if start < count:
                    raise SourceError("the listing ended early")
                return

    def organizations(self) -> dict[str, dict[str, Any]]:
        """Every organization of the source with its fields (department code, region), by id.
        CKAN caps all_fields listings (25 a page by default): paged."""
        out: dict[str, dict[str, Any]] = {}
        offset = 0
        while True:
            page = self.action("organization_list", all_fields=True, include_extras=True, limit=25, offset=offset)
            for org in page:
                out[org["id"]] = org
            if len(page) < 25:
                return out
            offset += len(page)

    @staticmethod
    def since_query(since: str | None) -> str:
        """The search filter for entries modified at or after SINCE (ISO 8601 UTC)."""
        if not since:
            return ""
        return f"metadata_modified:[{since} TO *]"

    def __repr__(self) -> str:  # never the token
        return f"Source({urllib.parse.urlsplit(self.url).netloc})"
