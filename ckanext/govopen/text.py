"""Text, pure (no CKAN): what no database or index of the portal can hold (one check for the
request guards in views/guards.py and the validators alike), which encoding an uploaded text
file is in (catalogue files and DataStore loads alike), and translatable messages."""
from __future__ import annotations

__all__ = ["Message", "N_", "detect_encoding", "unstorable"]

import codecs
import re
from collections.abc import Iterable


def unstorable(value: str) -> str | None:
    """Why VALUE cannot be stored: "nul" (PostgreSQL refuses NUL in text), "surrogate" (a lone
    surrogate, which UTF-8 cannot encode), or None when it can."""
    if "\x00" in value:
        return "nul"
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return "surrogate"
    return None


# Control characters other than tab and line ends: no table or catalogue holds them, and since
# GB18030 decodes almost any byte string, they are how binary read as GB18030 shows itself.
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def detect_encoding(chunks: Iterable[bytes]) -> str | None:
    """The codec of a text file read as CHUNKS of bytes, in one pass: "utf-8-sig" or "utf-16" when a byte-order mark says so, else "utf-8" when every byte is
    UTF-8, else "gb18030" (which contains GBK and GB2312: what Chinese Excel and most
    government systems write) when all of it decodes to text. None when it is none of these:
    the caller refuses the file rather than read it as mojibake. The whole file is checked,
    not a sample: a GBK file whose first megabyte is ASCII is still GBK."""
    chunks = iter(chunks)
    first = next(chunks, b"")
    if first.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if first.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    return _first_decoding(first, chunks)


def _first_decoding(first: bytes, rest) -> str | None:
    # One pass over the file: UTF-8 and GB18030 decoders side by side, each dropped at its
    # first error (or, for GB18030, its first control character).
    decoders = {name: codecs.getincrementaldecoder(name)() for name in ("utf-8", "gb18030")}
    for chunk in _chain(first, rest):
        for name, decoder in list(decoders.items()):
            try:
                text = decoder.decode(chunk)
            except UnicodeDecodeError:
                del decoders[name]
                continue
            if _CONTROL.search(text):
                del decoders[name]
        if not decoders:
            return None
    for name, decoder in list(decoders.items()):
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            del decoders[name]
    return next(iter(decoders), None)


def _chain(first: bytes, rest):
    yield first
    yield from rest


def N_(msgid: str) -> str:
    """Mark MSGID for the catalog without translating it (gettext_noop): pure modules keep
    English msgids, Babel's extraction finds them by this name, and the glue translates them
    when it shows them (translations.gettext)."""
    return msgid


class Message(str):
    """A text made from an English msgid and its parameters: as a str it is the English text
    (so logs, the CLI and older callers keep working); ``text(gettext)`` is the same text in
    another language, translating the msgid first and any Message among the parameters too."""

    msgid: str
    params: dict

    def __new__(cls, msgid: str, **params: object) -> "Message":
        self = super().__new__(cls, msgid.format(**params) if params else msgid)
        self.msgid, self.params = msgid, params
        return self

    def text(self, gettext=lambda msgid: msgid) -> str:
        values = {k: v.text(gettext) if isinstance(v, Message) else v for k, v in self.params.items()}
        translated = gettext(self.msgid)
        return translated.format(**values) if values else translated

    def __reduce__(self):  # pickles (RQ jobs) as what it is
        return (_message, (self.msgid, self.params))


def _message(msgid: str, params: dict) -> Message:
    return Message(msgid, **params)
