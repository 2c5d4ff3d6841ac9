"""Actions of the department scorecard (考核): catalogue health and the scorecard."""
from __future__ import annotations

import datetime
from typing import Any

import ckan.plugins.toolkit as tk

from ckanext.govopen.requests import store
from ckanext.govopen.scorecard import collect, figures
from ckanext.govopen.translations import _

__all__ = ["govopen_catalogue_health", "govopen_scorecard"]


@tk.side_effect_free
def govopen_catalogue_health(context, data_dict) -> dict[str, Any]:
    """Per department: how many entries, how many are fresh against their declared update
    frequency (``freshness``: fresh, assessed, not_assessed, ratio; ``stale``: the ids of the
    entries that are not), how complete their named fields are (``completeness``: present,
    required, ratio, and the count of entries ``missing`` each field), and their openness (by
    category, machine-readable share, share of on-application entries applied for). Public
    entries only, for anyone; ``include_private`` for the data authority and sysadmins.

    :param organization: one department's id or name (default: all)
    :type organization: string
    :param as_of: the day the figures are for, YYYY-MM-DD (default: today, Beijing time)
    :type as_of: string
    :param include_private: count private entries too
    :type include_private: bool
    :rtype: dictionary with ``as_of`` and ``departments``
    """
    data_dict = data_dict or {}
    tk.check_access("govopen_catalogue_health", context, data_dict)
    try:
        include_private = tk.asbool(data_dict.get("include_private") or False)
    except ValueError:
        raise tk.ValidationError({"include_private": [_("Give true or false")]})
    if include_private:
        tk.check_access("govopen_scorecard", context, data_dict)
    as_of = store.today()
    if data_dict.get("as_of"):
        try:
            as_of = datetime.date.fromisoformat(str(data_dict["as_of"]).strip())
        except ValueError:
            raise tk.ValidationError({"as_of": [_("Give a date as YYYY-MM-DD")]})
    organization = str(data_dict.get("organization") or "").strip() or None
    found = collect.catalogue_health(as_of, organization, public_only=not include_private)
    if organization and not found["departments"]:
        raise tk.ObjectNotFound(_("Department not found"))
    return found


@tk.side_effect_free
def govopen_scorecard(context, data_dict) -> dict[str, Any]:
    """The department scorecard for a period: per department, catalogue health (freshness,
    completeness, openness, taken at the period's end), the requests received in the period
    (received, answered, on time and its ratio, median working days to answer, deemed
    approvals, escalations, per kind), the ratios scored, the weighted ``score`` (0-100,
    weights from ``ckanext.govopen.scorecard.weights``) and the ``rank``. For the data authority
    and sysadmins.

    :param period: ``2025`` (a year) or ``2025Q3`` (a quarter); default: the current year
    :type period: string
    :param organization: one department's id or name (default: all)
    :type organization: string
    :rtype: dictionary with ``period``, ``start``, ``end``, ``as_of``, ``weights``, ``departments``
    """
    data_dict = data_dict or {}
    tk.check_access("govopen_scorecard", context, data_dict)
    today = store.today()
    period = str(data_dict.get("period") or today.year).strip()
    try:
        figures.period_range(period)
    except ValueError:
        raise tk.ValidationError({"period": [_("Give a year (2025) or a quarter (2025Q3)")]})
    try:
        weights = figures.parse_weights(tk.config["ckanext.govopen.scorecard.weights"])
    except ValueError as e:
        raise tk.ValidationError({"ckanext.govopen.scorecard.weights": [str(e)]})
    organization = str(data_dict.get("organization") or "").strip() or None
    found = collect.scorecard(period, today, weights, organization)
    if organization and not found["departments"]:
        raise tk.ObjectNotFound(_("Department not found"))
    return found
