"""Signed calls between tiers (the push report of the cascade), pure (stdlib only).

A reporting portal signs each call with the secret it shares with the receiving portal: an
HMAC-SHA256 over the method, the path, the time, a one-off nonce and the body's digest. The
receiver answers with one of the documented return codes (provincial cascade specifications
such as Shanxi's DB14/T 1933-2019 sign service calls and enumerate their return codes): a call
altered on the way, replayed, too old, or from an unknown origin is refused before anything is
read from its body.
"""
from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from ckanext.govopen.text import N_

__all__ = ["HEADERS", "CODES", "Verdict", "canonical", "sign", "signed_headers", "verify"]

ORIGIN, TIMESTAMP, NONCE, SIGNATURE = ("X-Govopen-Origin", "X-Govopen-Timestamp", "X-Govopen-Nonce",
                                       "X-Govopen-Signature")
HEADERS = (ORIGIN, TIMESTAMP, NONCE, SIGNATURE)

# The receiver's return codes: 0xxx accepted, 1xxx the call itself refused (nothing read),
# 2xxx an entry refused (the others applied), 3xxx the receiver failed (nothing applied).
CODES = {
    "0000": N_("Accepted"),
    "1001": N_("Signature headers missing or malformed"),
    "1002": N_("Unknown origin portal"),
    "1003": N_("Signature does not match: the call was altered or signed with another secret"),
    "1004": N_("Time outside the accepted window: send the call again, signed now"),
    "1005": N_("Replayed call: this nonce was used already"),
    "1006": N_("The body is not what this call takes (the fields named are wrong)"),
    "2001": N_("Entry not valid here"),
    "2002": N_("Entry belongs to another origin portal"),
    "2003": N_("Withdrawals refused by the mass-withdrawal guard"),
    "2004": N_("No open report with this id from this origin: start again with an offer"),
    "2005": N_("Not granted: this request holds no live grant of this resource"),
    "3001": N_("The receiving portal failed; nothing was applied"),
    "3002": N_("Another report or run of this origin is under way: try again later"),
}


@dataclass(frozen=True)
class Verdict:
    code: str
    origin: str | None = None

    @property
    def ok(self) -> bool:
        return self.code == "0000"

    @property
    def message(self) -> str:
        return CODES[self.code]


def canonical(method: str, path: str, timestamp: str, nonce: str, body: bytes) -> bytes:
    """What is signed: every part of the call that changes its meaning."""
    return "\n".join((method.upper(), path, timestamp, nonce, hashlib.sha256(body).hexdigest())).encode()


def sign(secret: str, method: str, path: str, timestamp: str, nonce: str, body: bytes) -> str:
    return hmac.new(secret.encode(), canonical(method, path, timestamp, nonce, body), hashlib.sha256).hexdigest()


def signed_headers(origin: str, secret: str, method: str, path: str, body: bytes, now: int,
                   nonce: str | None = None) -> dict[str, str]:
    """The headers of a call from ORIGIN signed at NOW (Unix seconds)."""
    nonce = nonce or secrets.token_hex(16)
    timestamp = str(int(now))
    return {ORIGIN: origin, TIMESTAMP: timestamp, NONCE: nonce,
            SIGNATURE: sign(secret, method, path, timestamp, nonce, body)}


def verify(headers: Mapping[str, str], method: str, path: str, body: bytes, now: int,
           secret_for: Callable[[str], str | None], first_use: Callable[[str, str], bool],
           window: int = 300) -> Verdict:
    """Check a call before reading its body. SECRET_FOR(origin) gives the shared secret (None:
    unknown); FIRST_USE(origin, nonce) records a nonce and says whether it is new (it must
    remember nonces for at least 2 x WINDOW seconds)."""
    origin, timestamp, nonce, signature = (headers.get(h) for h in HEADERS)
    if not all(isinstance(v, str) and v for v in (origin, timestamp, nonce, signature)) \
            or not timestamp.isdigit() or len(nonce) > 128 or len(signature) != 64:
        return Verdict("1001", origin if isinstance(origin, str) else None)
    secret = secret_for(origin)
    if not secret:
        return Verdict("1002", origin)
    if not hmac.compare_digest(sign(secret, method, path, timestamp, nonce, body), signature.lower()):
        return Verdict("1003", origin)
    if abs(int(now) - int(timestamp)) > window:
        return Verdict("1004", origin)
    if not first_use(origin, nonce):
        return Verdict("1005", origin)
    return Verdict("0000", origin)
