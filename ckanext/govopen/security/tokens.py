"""API tokens expire by default (glue for CKAN's IApiToken): a token carries a JWT ``exp``
claim ``ckanext.govopen.security.token_days`` days ahead (90) unless its creator asks for
another lifetime (``expires_in_days``); CKAN's token decoding then refuses it once expired."""
from __future__ import annotations

import datetime
from typing import Any

import ckan.model as model
import ckan.plugins.toolkit as tk
from ckan.lib import api_token

__all__ = ["schema", "postprocess"]


def schema(schema: dict) -> dict:
    schema["expires_in_days"] = [tk.get_validator("ignore_missing"), tk.get_validator("is_positive_integer")]
    return schema


def postprocess(data: dict[str, Any], jti: str, data_dict: dict[str, Any]) -> dict[str, Any]:
    days = int(data_dict.get("expires_in_days") or tk.config.get("ckanext.govopen.security.token_days") or 0)
    if days <= 0:
        return data
    expires = datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None) + datetime.timedelta(days=days)
    data["exp"] = api_token.into_seconds(expires)
    token = model.ApiToken.get(jti)
    if token is not None:
        token.set_extra("govopen_expires", expires.isoformat(timespec="seconds") + "Z", True)
    return data
