"""Login throttling rules (pure): how failures are counted and when a login is refused.

Failures are counted per account (the login name or e-mail as typed, case-folded) and per
client address, each in a window of ``window`` seconds from the first failure; a login is
refused while either count has reached its limit, until the window runs out. A success clears
the account's count (not the address's: one address trying many accounts stays limited).
"""
from __future__ import annotations

import dataclasses
import hashlib

__all__ = ["Limits", "account_key", "address_key", "address_of", "locked"]


@dataclasses.dataclass(frozen=True)
class Limits:
    per_account: int = 5
    per_address: int = 20
    window: int = 900  # seconds

    def __post_init__(self) -> None:
        if self.per_account < 1 or self.per_address < 1 or self.window < 1:
            raise ValueError("login limits and window must be at least 1")


def account_key(login: str) -> str:
    """The counter's key for an account: a hash, so that the typed name (perhaps an ID number
    typed into the wrong box) is never stored in clear."""
    digest = hashlib.sha256(login.strip().casefold().encode("utf-8")).hexdigest()[:32]
    return f"govopen:login:account:{digest}"


_ADDRESS = "govopen:login:address:"


def address_key(address: str) -> str:
    return f"{_ADDRESS}{address.strip() or 'unknown'}"


def address_of(key: str) -> str | None:
    """The client address an address counter's KEY counts (IPv6 included), None for an account's."""
    return key[len(_ADDRESS):] if key.startswith(_ADDRESS) else None


def locked(account_failures: int, address_failures: int, limits: Limits) -> str | None:
    """Why a login is refused now ("account" or "address"), or None."""
    if account_failures >= limits.per_account:
        return "account"
    if address_failures >= limits.per_address:
        return "address"
    return None
