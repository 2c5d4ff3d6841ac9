"""The scorecard at the province and the nation: each portal this one harvests (a sync source)
is asked for its public figures of the period (``govopen_scorecard_public``, counts and ratios
only), and its departments are scored with this portal's weights, beside this portal's own.
Sources that report by push cannot be reached from here and are listed as such."""
from __future__ import annotations

import json
from typing import Any

import ckan.model as model
from ckanext.harvest.model import HarvestSource

from ckanext.govopen.scorecard import figures
from ckanext.govopen.sync import store
from ckanext.govopen.sync.source import Source, SourceError
from ckanext.govopen.text import N_

__all__ = ["sources", "tier_figures"]


def sources() -> list[HarvestSource]:
    """The active govopen sync sources, by title."""
    return (model.Session.query(HarvestSource).filter(HarvestSource.type == "govopen", HarvestSource.active.is_(True))
            .order_by(HarvestSource.title, HarvestSource.url).all())


def _push(source: HarvestSource) -> bool:
    try:
        return json.loads(source.config or "{}").get("push") is True
    except ValueError:
        return False


def tier_figures(period: str, weights: dict[str, float], timeout: float = 20.0) -> list[dict[str, Any]]:
    """One item per source: its name, title and URL, and either its departments (with a score
    and a rank among that portal's departments, by this portal's weights) or an ``error``
    (an English msgid, or the reason the portal could not be read)."""
    found = []
    for source in sources():
        package = model.Package.get(source.id)
        item: dict[str, Any] = {"source": package.name if package else source.id, "title": source.title or source.url,
                                "url": source.url, "departments": [], "error": None}
        if _push(source):
            item["error"] = N_("This portal reports here by push: its figures cannot be read from here")
            found.append(item)
            continue
        try:
            answer = Source(source.url, token=store.token_for(source.url), timeout=timeout, retries=1).action(
                "govopen_scorecard_public", period=period)
            departments = answer["departments"]
            for dept in departments:
                dept["score"] = figures.score(dept["ratios"], weights)
        except (SourceError, KeyError, TypeError) as err:
            item["error"] = str(err)
            found.append(item)
            continue
        places = {name: place for place, name, _ in figures.rank({d["name"]: d["score"] for d in departments})}
        for dept in departments:
            dept["rank"] = places[dept["name"]]
        item["departments"] = sorted(departments, key=lambda d: (d["rank"] is None, d["rank"] or 0, d["name"]))
        found.append(item)
    return found
