"""The text of the desk's mail, pure (jinja2, no CKAN): a subject and a plain-text body per
event, in the recipient's language, from the files in templates/govopen/emails/ (one per
event, inside `_layout.txt`; English msgids the caller's gettext translates). Identifiers never appear: callers pass names, numbers of
requests, titles and dates only, and `compose` refuses facts that carry identifiers.

Facts in APPLICANT_FACTS are text the applicant typed (anyone may sign up and apply), so
`compose` always passes them through `quote_applicant`: one line, short, quoted, links
defanged, so that in the staff's mail they read as the applicant's words, not the portal's.
"""
from __future__ import annotations

import functools
import re
import unicodedata
from pathlib import Path
from typing import Callable, Iterable, Mapping

import jinja2

from ckanext.govopen.requests.rules import IDENTIFIER_FIELDS

__all__ = ["APPLICANT_FACTS", "EVENTS", "TEMPLATE_DIR", "compose", "quote_applicant"]

TEMPLATE_DIR = Path(__file__).parents[1] / "templates" / "govopen" / "emails"
EVENTS = tuple(sorted(p.stem for p in TEMPLATE_DIR.glob("*.txt") if not p.name.startswith("_")))

# Facts whose text comes from the applicant. `compose` quotes each one itself (a caller cannot
# forget to), and builds `who` from it; a `who` the caller passes is dropped, so unquoted
# applicant text cannot come in under that name either.
APPLICANT_FACTS = frozenset({"applicant"})

# Dots between two letters or digits (any script: IDN domains linkify too), including the
# full-width and half-width ideographic forms a browser maps to "."; "。" is left alone, it is
# ordinary Chinese punctuation and no mail client links on it.
_LINK_DOT = re.compile(r"(?<=\w)[.．｡](?=\w)")
# A colon right after a Latin letter or digit: every URL scheme (http:, https:, ftp:, mailto:,
# tel:, javascript:, file:) ends that way; a colon after Chinese text ("通知：") is left alone.
_LINK_COLON = re.compile(r"(?<=[A-Za-z0-9])[:：]")
# The defang markers count as one unit when the text is cut, so a cut never leaves half of one.
_UNIT = re.compile(r"\[[.:]\]|.", re.S)
# The applicant's own quotation marks become the nested kind, so they cannot close our quote.
_INNER_QUOTES = str.maketrans({"「": "『", "」": "』", "“": "‘", "”": "’", '"': "'"})


def _one_line(text: str) -> str:
    # Format characters (bidi overrides, zero-width spaces) go entirely: they could reorder
    # what the reader sees or split "http" so the defanging below misses it. Other control
    # characters and every kind of line or space break become one space, so the text cannot
    # start a line of its own (a fake paragraph, a fake "查看：" link line).
    kept = []
    for ch in text:
        cat = unicodedata.category(ch)
        if cat == "Cf":
            continue
        kept.append(" " if cat[0] in "CZ" or ch.isspace() else ch)
    return " ".join("".join(kept).split())


def quote_applicant(text: str, limit: int = 40, quotes: str = "「」") -> str:
    """TEXT from an applicant as a short quotation for a mail: on one line (control characters,
    line breaks and runs of spaces become one space), link-like text defanged (a dot between
    two letters or digits becomes "[.]", a colon after a Latin letter or digit becomes "[:]":
    "http://evil.cn" -> "http[:]//evil[.]cn", "www.x.cn" -> "www[.]x[.]cn", "mailto:a@x.cn" ->
    "mailto[:]a@x[.]cn"), cut to LIMIT characters ending in "…", inside QUOTES (an opening and
    a closing mark). Empty text gives "", so a template can say "the applicant" instead."""
    if limit < 1:
        raise ValueError("limit must be at least 1")
    if len(quotes) != 2:
        raise ValueError("quotes must be an opening and a closing mark")
    line = _one_line(text).translate(_INNER_QUOTES)
    line = _LINK_COLON.sub("[:]", _LINK_DOT.sub("[.]", line))
    if not line:
        return ""
    if len(line) > limit:
        kept, size = [], 0
        for unit in _UNIT.findall(line):
            if size + len(unit) > limit - 1:
                break
            kept.append(unit)
            size += len(unit)
        line = "".join(kept).rstrip() + "…"
    return f"{quotes[0]}{line}{quotes[1]}"


class _Dash(jinja2.Undefined):
    """A fact nobody supplied shows as a dash: a mail with a gap beats no mail."""

    def __str__(self) -> str:
        return "—"


@functools.lru_cache(maxsize=8)
def _env(template_dirs: tuple[str, ...]) -> jinja2.Environment:
    # Directories given first win, so a portal can reword one event and keep the rest.
    loader = jinja2.FileSystemLoader([*template_dirs, str(TEMPLATE_DIR)])
    return jinja2.Environment(loader=loader, autoescape=False, undefined=_Dash, keep_trailing_newline=False)


def _identity(msgid: str) -> str:
    return msgid


def _english_plural(singular: str, plural: str, n: int) -> str:
    return singular if n == 1 else plural


def compose(event: str, facts: Mapping[str, str], site_title: str, link: str,
            template_dirs: Iterable[str] = (), gettext: Callable[[str], str] = _identity,
            ngettext: Callable[[str, str, int], str] = _english_plural, locale: str = "en") -> tuple[str, str]:
    """(subject, body) of the mail for EVENT in one language: the templates' English msgids go
    through GETTEXT and NGETTEXT (the recipient's catalog; see translations.in_locale), LOCALE
    picks the quotation marks around applicant text (「」 for Chinese, “” otherwise).
    TEMPLATE_DIRS are searched before the shipped templates. Facts in APPLICANT_FACTS are quoted
    (see `quote_applicant`); `who` names the applicant in the words the templates expect."""
    if event not in EVENTS:
        raise ValueError(f"unknown mail event {event!r}; known: {', '.join(EVENTS)}")
    if any(k in facts for k in IDENTIFIER_FIELDS):
        raise ValueError("mail facts must not carry identifiers")

    def _(msgid: str, **params: object) -> str:
        text = gettext(msgid)
        return text % {k: str(v) for k, v in params.items()} if params else text

    def ngettext_(singular: str, plural: str, n: int, **params: object) -> str:
        text = ngettext(singular, plural, n)
        return text % {"num": n, **{k: str(v) for k, v in params.items()}}

    quotes = "「」" if locale.lower().startswith("zh") else "“”"
    template = _env(tuple(template_dirs)).get_template(f"{event}.txt")
    values = {k: v for k, v in facts.items() if k != "who"}
    values.update(site_title=site_title, link=link, _=_, ngettext=ngettext_)
    for key in APPLICANT_FACTS:
        if key in facts:
            values[key] = quote_applicant(str(facts[key] or ""), quotes=quotes)
    applicant = values.get("applicant")
    values["who"] = _("The applicant (as they name themselves) %(name)s", name=applicant) if applicant else _("The applicant")
    context = template.new_context(values)
    subject = "".join(template.blocks["subject"](context)).strip()
    return _("[%(site)s] %(subject)s", site=site_title, subject=subject), template.render(values).strip()
