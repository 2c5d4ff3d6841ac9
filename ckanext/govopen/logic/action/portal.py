"""The front door's figures: what the public sees on the home and openness pages."""
from __future__ import annotations

from typing import Any

import ckan.plugins.toolkit as tk

from ckanext.govopen.logic import schema
from ckanext.govopen.portal import home

__all__ = ["govopen_portal_figures"]


@tk.side_effect_free
@tk.validate(schema.govopen_portal_figures)
def govopen_portal_figures(context, data_dict) -> dict[str, Any]:
    """The portal's public figures: the catalogue as the public sees it (entries by open and
    share category with their shares, by theme and department, the share with a machine-readable
    resource, the newest entries), the most-used entries of the last 30 days (page views,
    downloads and API reads, robots left out), a year's applications for data as a yearly report gives them
    (received, answered, on time, granted, refused by legal basis, withdrawn, open: counts only),
    and how to apply under the active deadline policy. Anyone may call it.

    :param year: the year of the request figures (default: this year, Beijing time)
    :type year: int
    """
    tk.check_access("govopen_portal_figures", context, data_dict)
    return {"catalogue": home.catalogue(), "most_used": home.most_used(), "requests": home.requests_of_year(data_dict.get("year")),
            "apply": home.apply_guide()}
