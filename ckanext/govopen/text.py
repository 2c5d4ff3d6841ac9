"""Text no database or index of the portal can hold, pure (no CKAN): one check for the request
guards (views/guards.py) and the validators (logic/validators.py) alike."""
from __future__ import annotations

__all__ = ["Message", "N_", "unstorable"]


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
