"""The password policy for local accounts (pure): long enough, not one of the passwords that
leaked lists and guessing tools try first (Chinese favourites included), not the account's own
name, and not a single kind of character."""
from __future__ import annotations

import re

from ckanext.govopen.text import N_

__all__ = ["COMMON", "problems"]

# Lower-cased; a password is refused when it is one of these, or one of these followed by digits
# and punctuation only (password2026!).
COMMON = frozenset("""
123456 1234567 12345678 123456789 1234567890 0123456789 111111 1111111 11111111 000000 00000000
666666 888888 88888888 123123 123123123 123321 654321 987654321 112233 121212 147258 147258369
159357 520520 521521 5201314 1314520 1qaz2wsx 1q2w3e4r 1q2w3e4r5t qwerty qwertyuiop qwe123
qweasdzxc asdfgh asdfghjkl zxcvbnm abc123 abcd1234 abc123456 a123456 a12345678 aa123456
password passw0rd p@ssw0rd p@ssword admin admin123 administrator root toor iloveyou
woaini woaini1314 woaini520 wodemima mima123 mima zhang123 wang123 li123456 aini1314
dragon monkey letmein welcome football baseball sunshine princess master shadow superman
changeme default guest test test123 test1234 user user123 ckan ckan123 govopen portal
""".split())

_TAIL = re.compile(r"[\d\W_]*$")


def problems(password: str, username: str = "", min_length: int = 10) -> list[str]:
    """What is wrong with PASSWORD, as English msgids (empty: acceptable)."""
    found = []
    if len(password) < min_length:
        found.append(N_("Use at least {min_length} characters"))
    lowered = password.lower()
    if lowered in COMMON or _TAIL.sub("", lowered) in COMMON:
        found.append(N_("This password is among the first ones guessed: choose another"))
    if username and len(username) >= 3 and username.lower() in lowered:
        found.append(N_("The password may not contain the user name"))
    kinds = sum(bool(re.search(p, password)) for p in (r"[a-z]", r"[A-Z]", r"\d", r"[^A-Za-z\d]"))
    if kinds < 2:
        found.append(N_("Mix two kinds of characters at least (letters, digits, symbols)"))
    return found
