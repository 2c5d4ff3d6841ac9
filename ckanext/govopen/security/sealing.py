"""Applicants' identifiers (ID card numbers, credit codes) sealed at rest (pure but for the
`cryptography` library).

A sealed value is ``PREFIX`` followed by a Fernet token (AES-128-CBC with HMAC-SHA256, a random
IV: two seals of the same number differ, so the database cannot be searched or joined by
number). The keys come from the option ``ckanext.govopen.identifier_keys``: Fernet keys
separated by spaces, the newest first. The first seals; every one of them unseals, so a key is
rotated by putting a new one in front, running ``ckan govopen identifiers reseal``, then
dropping the old one (README "Security baseline").

Run ``python -m ckanext.govopen.security.sealing`` to print a new key.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from functools import lru_cache
from typing import Any, NamedTuple

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

__all__ = ["KEYS_OPTION", "PREFIX", "UNREADABLE", "KeyProblem", "Keyring", "new_key", "keyring", "is_sealed", "seal", "unseal",
           "seal_fields", "unseal_fields", "reseal_fields"]

KEYS_OPTION = "ckanext.govopen.identifier_keys"
PREFIX = "govopen-sealed:v1:"
# What an identifier that no configured key opens reads as: never the ciphertext, never a 500.
UNREADABLE = "(unreadable)"


class KeyProblem(ValueError):
    """The configured keys are missing or malformed (the message names the option)."""


class Keyring(NamedTuple):
    first: Fernet  # seals
    every: MultiFernet  # unseals


def new_key() -> str:
    return Fernet.generate_key().decode("ascii")


@lru_cache(maxsize=8)
def keyring(keys: str | None) -> Keyring:
    """The keys of the option's value KEYS (space-separated, newest first)."""
    parts = (keys or "").split()
    if not parts:
        raise KeyProblem(f"{KEYS_OPTION} is not set: applicants' identifiers cannot be "
                         "stored (generate a key with `python -m ckanext.govopen.security.sealing`)")
    fernets = []
    for number, part in enumerate(parts, 1):
        try:
            fernets.append(Fernet(part))
        except (ValueError, TypeError):
            raise KeyProblem(f"{KEYS_OPTION}: key {number} is not a Fernet key "
                             "(32 url-safe base64-encoded bytes)") from None
    return Keyring(fernets[0], MultiFernet(fernets))


def is_sealed(value: Any) -> bool:
    return isinstance(value, str) and value.startswith(PREFIX)


def seal(value: str, ring: Keyring) -> str:
    """VALUE sealed with the ring's first key (a sealed value is left as it is)."""
    if is_sealed(value):
        return value
    return PREFIX + ring.first.encrypt(value.encode("utf-8")).decode("ascii")


def unseal(value: Any, ring: Keyring) -> Any:
    """The clear text of a sealed VALUE (anything else as it is; UNREADABLE when no key opens it)."""
    if not is_sealed(value):
        return value
    try:
        return ring.every.decrypt(value[len(PREFIX):].encode("ascii")).decode("utf-8")
    except (InvalidToken, UnicodeError):
        return UNREADABLE


def seal_fields(data: Mapping[str, Any], fields: Iterable[str], ring: Keyring) -> dict[str, Any]:
    """A copy of DATA with the non-empty string values of FIELDS sealed."""
    out = dict(data)
    for field in fields:
        if isinstance(out.get(field), str) and out[field]:
            out[field] = seal(out[field], ring)
    return out


def unseal_fields(data: Mapping[str, Any], fields: Iterable[str], ring: Keyring) -> dict[str, Any]:
    out = dict(data)
    for field in fields:
        if field in out:
            out[field] = unseal(out[field], ring)
    return out


def reseal_fields(data: Mapping[str, Any], fields: Iterable[str], ring: Keyring) -> tuple[dict[str, Any], bool]:
    """(DATA with FIELDS sealed with the first key, whether anything changed): clear values are
    sealed, values sealed with an older key are sealed again, unreadable ones are left."""
    out = dict(data)
    changed = False
    for field in fields:
        value = out.get(field)
        if not isinstance(value, str) or not value:
            continue
        if not is_sealed(value):
            out[field] = seal(value, ring)
            changed = True
            continue
        token = value[len(PREFIX):].encode("ascii")
        try:
            ring.first.decrypt(token)
            continue  # sealed with the newest key already
        except InvalidToken:
            pass
        try:
            out[field] = PREFIX + ring.every.rotate(token).decode("ascii")
            changed = True
        except InvalidToken:
            pass  # no configured key opens it: left for an operator who has the key
    return out, changed


if __name__ == "__main__":  # pragma: no cover
    print(new_key())
