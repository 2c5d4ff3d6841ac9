"""Uses of the catalogue counted by the server: what counts (pure), and real requests through
CKAN's test app against the real database."""
from __future__ import annotations

import pytest

from ckanext.govopen.portal import usage

BROWSER = {"User-Agent": "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/126.0 Safari/537.36"}


@pytest.mark.parametrize("agent", ["Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
                                   "Mozilla/5.0 (compatible; Baiduspider/2.0)", "Sogou web spider/4.0",
                                   "Mozilla/5.0 HeadlessChrome/120.0", "", None, "   "])
def test_robots_are_not_counted(agent):
    assert usage.is_robot(agent)


@pytest.mark.parametrize("agent", [BROWSER["User-Agent"], "python-requests/2.32", "curl/8.5.0",
                                   "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0) Mobile MicroMessenger/8.0"])
def test_people_and_their_scripts_are(agent):
    assert not usage.is_robot(agent)


@pytest.mark.parametrize("endpoint,method,status,kind", [
    ("dataset.read", "GET", 200, "view"), ("dataset.read", "GET", 404, None), ("dataset.read", "POST", 200, None),
    ("resource.download", "GET", 200, "download"), ("resource.download", "GET", 302, "download"),
    ("dataset_resource.download", "GET", 200, "download"), ("resource.download", "GET", 403, None),
    ("api.action", "POST", 200, "api"), ("api.action", "GET", 200, "api"), ("api.action", "GET", 409, None),
    ("dataset.search", "GET", 200, None), ("home.index", "GET", 200, None), ("tracking.track", "POST", 200, None),
])
def test_what_counts_as_a_use(endpoint, method, status, kind):
    assert usage.kind_of(endpoint, method, status) == kind
