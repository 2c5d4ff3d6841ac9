"""The text of the desk's mail, pure (jinja2, no CKAN): a subject and a plain-text body per
event, Chinese first and English after it, from the files in templates/govopen/emails/ (one
per event, inside `_layout.txt`). Identifiers never appear: callers pass names, numbers of
requests, titles and dates only, and `compose` refuses facts that carry identifiers.
"""
from __future__ import annotations

import functools
from pathlib import Path
from typing import Iterable, Mapping

import jinja2

__all__ = ["EVENTS", "TEMPLATE_DIR", "compose"]

TEMPLATE_DIR = Path(__file__).parent / "templates" / "govopen" / "emails"
EVENTS = tuple(sorted(p.stem for p in TEMPLATE_DIR.glob("*.txt") if not p.name.startswith("_")))
_IDENTIFIER_KEYS = ("id_number", "credit_code")


class _Dash(jinja2.Undefined):
    """A fact nobody supplied shows as a dash: a mail with a gap beats no mail."""

    def __str__(self) -> str:
        return "—"


@functools.lru_cache(maxsize=8)
def _env(template_dirs: tuple[str, ...]) -> jinja2.Environment:
    # Directories given first win, so a portal can reword one event and keep the rest.
    loader = jinja2.FileSystemLoader([*template_dirs, str(TEMPLATE_DIR)])
    return jinja2.Environment(loader=loader, autoescape=False, undefined=_Dash, keep_trailing_newline=False)


def compose(event: str, facts: Mapping[str, str], site_title: str, link: str,
            template_dirs: Iterable[str] = ()) -> tuple[str, str]:
    """(subject, body) of the mail for EVENT, Chinese then English. TEMPLATE_DIRS are searched
    before the shipped templates."""
    if event not in EVENTS:
        raise ValueError(f"unknown mail event {event!r}; known: {', '.join(EVENTS)}")
    if any(k in facts for k in _IDENTIFIER_KEYS):
        raise ValueError("mail facts must not carry identifiers")
    template = _env(tuple(template_dirs)).get_template(f"{event}.txt")
    values = {**facts, "site_title": site_title, "link": link}
    context = template.new_context(values)

    def block(name: str) -> str:
        return "".join(template.blocks[name](context)).strip()

    subject = f"【{site_title}】{block('subject_zh')} / {block('subject_en')}"
    return subject, template.render(values).strip()
