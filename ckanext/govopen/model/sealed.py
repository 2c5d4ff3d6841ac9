"""A JSONB column whose identifier fields are sealed in the database (security/sealing.py) and
clear in Python: every write through SQLAlchemy seals them, every read unseals them, so no
code path can store an applicant's ID card number or credit code in clear by forgetting to."""
from __future__ import annotations

from typing import Any

from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.types import TypeDecorator

import ckan.plugins.toolkit as tk

from ckanext.govopen.requests.rules import IDENTIFIER_FIELDS
from ckanext.govopen.security import sealing

__all__ = ["SealedJSON", "keyring"]

def keyring() -> sealing.Keyring:
    """The configured keys (raises sealing.KeyProblem naming the option when unset or malformed)."""
    return sealing.keyring(tk.config.get(sealing.KEYS_OPTION))


class SealedJSON(TypeDecorator):
    """JSONB with IDENTIFIER_FIELDS sealed. Queries on other keys (``col["kind"].astext``) work
    as on JSONB; the sealed values themselves cannot be searched."""

    impl = JSONB
    cache_ok = True

    def process_bind_param(self, value: Any, dialect) -> Any:
        if isinstance(value, dict) and any(value.get(f) for f in IDENTIFIER_FIELDS):
            return sealing.seal_fields(value, IDENTIFIER_FIELDS, keyring())
        return value

    def process_result_value(self, value: Any, dialect) -> Any:
        if isinstance(value, dict) and any(sealing.is_sealed(value.get(f)) for f in IDENTIFIER_FIELDS):
            return sealing.unseal_fields(value, IDENTIFIER_FIELDS, keyring())
        return value
