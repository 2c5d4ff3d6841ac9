"""The gettext catalogs: extract, update, compile, check. A developer tool (Babel), run as

    python -m ckanext.govopen.catalogs extract   # msgids in code and templates -> i18n/ckanext-govopen.pot
    python -m ckanext.govopen.catalogs update    # the .pot merged into every i18n/<locale>/.../ckanext-govopen.po
    python -m ckanext.govopen.catalogs compile   # every .po -> .mo (what CKAN loads)
    python -m ckanext.govopen.catalogs check     # what the tests assert: complete, consistent, compiled

(`make i18n` runs the first three.) Msgids come from Python (``_``, ``tk._``, ``ungettext``,
``ngettext``, and ``N_`` for the pure modules' msgids) and from Jinja templates, pages and mail
alike (``_``, ``ngettext``), through CKAN's own Jinja extractor.

Beside ``ckanext-govopen.po`` a locale may hold ``ckan-gaps.po``: translations of CKAN core
msgids that CKAN's own catalog leaves empty (about half of zh_Hans_CN's). It is compiled into
the same ``.mo``, where govopen's own entries win; CKAN merges that ``.mo`` with its catalog.
"""
from __future__ import annotations

import argparse
import io
import re
import sys
from pathlib import Path
from typing import Iterable

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import read_mo, write_mo
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).parent
I18N = ROOT / "i18n"
DOMAIN = "ckanext-govopen"
POT = I18N / f"{DOMAIN}.pot"
GAPS = "ckan-gaps.po"
KEYWORDS = {"_": None, "N_": None, "gettext": None, "ungettext": (1, 2), "ngettext": (1, 2)}
METHODS = [
    ("**/i18n/**", "ignore"),
    ("**/schemas/**.yaml", "ckanext.govopen.catalogs:extract_schema"),
    ("**.py", "python"),
    ("**/templates/**.html", "ckan.lib.extract:extract_ckan"),
    ("**/templates/**.txt", "ckan.lib.extract:extract_ckan"),
]
# Printf-style and str.format placeholders, and HTML tags (by name: a title or alt inside
# one is translated too): a translation keeps every one.
_PLACEHOLDER = re.compile(r"%\(\w+\)[sdr]|%[sd]|\{\w*\}|</?\w+")


# The texts of a scheming schema that ckanext-scheming shows through gettext.
_SCHEMA_TEXT_KEYS = ("label", "repeating_label", "help_text", "form_placeholder", "about", "required_message")


def extract_schema(fileobj, keywords, comment_tags, options):
    """Babel extractor for scheming YAML schemas: every label, help text, placeholder and
    `about` that holds words (codes and example numbers are not texts to translate)."""
    import yaml

    source = fileobj.read().decode("utf-8")
    lines = source.splitlines()
    found: list[str] = []

    def is_text(value: str) -> bool:
        # Words, not a code ("11340181MB1234567X", "340181").
        return bool(re.search(r"[a-z]", value))

    def walk(node) -> None:
        if isinstance(node, dict):
            # Format types (choices with a format class: doc, OFD, KingbaseES) are names, not texts.
            name = "format_class" in node
            for key, value in node.items():
                if key in _SCHEMA_TEXT_KEYS and isinstance(value, str):
                    if is_text(value) and not name:
                        found.append(value.strip())
                else:
                    walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    document = yaml.safe_load(source) or {}
    if "presets" in document:
        document = {"presets": document["presets"]}  # a presets file's `about` is for developers
    walk(document)
    for text in found:
        lineno = next((i for i, line in enumerate(lines, 1) if text in line), 1)
        yield lineno, "_", text, []


def schema_problems() -> list[str]:
    """Schema texts YAML did not read as text (`label: No` is the boolean false, shown as
    "False"): quote them."""
    import yaml

    found: list[str] = []

    def walk(node, where: str) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if key in _SCHEMA_TEXT_KEYS and not isinstance(value, (str, dict)):
                    found.append(f"{where}: {key} is {value!r}, not text: quote it")
                walk(value, where)
        elif isinstance(node, list):
            for item in node:
                walk(item, where)

    for path in sorted((ROOT / "schemas").glob("*.yaml")):
        walk(yaml.safe_load(path.read_text(encoding="utf-8")), f"schemas/{path.name}")
    return found


def extract() -> Catalog:
    """Every msgid in the package's code and templates, with where it is used."""
    catalog = Catalog(project="ckanext-govopen", domain=DOMAIN, charset="utf-8", fuzzy=False)
    for filename, lineno, message, comments, context in extract_from_dir(
            str(ROOT), METHODS, {}, KEYWORDS, strip_comment_tags=True):
        catalog.add(message, None, [(f"ckanext/govopen/{filename}", lineno)], auto_comments=comments,
                    context=context)
    return catalog


def locales() -> list[str]:
    return sorted(p.name for p in I18N.iterdir() if (p / "LC_MESSAGES" / f"{DOMAIN}.po").exists())


def po_path(locale: str, name: str = f"{DOMAIN}.po") -> Path:
    return I18N / locale / "LC_MESSAGES" / name


def read(path: Path, locale: str | None = None) -> Catalog:
    with path.open("rb") as f:
        return read_po(f, locale=locale)


def write(catalog: Catalog, path: Path) -> None:
    buf = io.BytesIO()
    write_po(buf, catalog, width=0, sort_output=False, omit_header=False, ignore_obsolete=True)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(buf.getvalue())


def _strings(message) -> list[str]:
    return list(message.string) if isinstance(message.string, (list, tuple)) else [message.string or ""]


def _ids(message) -> list[str]:
    return list(message.id) if isinstance(message.id, (list, tuple)) else [message.id]


def compiled(locale: str) -> bytes:
    """The .mo for LOCALE: its ckan-gaps.po (if any) under its ckanext-govopen.po."""
    own = read(po_path(locale), locale)
    merged = Catalog(locale=locale, domain=DOMAIN, charset="utf-8", fuzzy=False)
    merged.mime_headers = own.mime_headers
    gaps = po_path(locale, GAPS)
    for source in ([read(gaps, locale)] if gaps.exists() else []) + [own]:
        for message in source:
            if message.id and all(_strings(message)) and not message.fuzzy:
                merged[message.id] = message
    buf = io.BytesIO()
    write_mo(buf, merged, use_fuzzy=False)
    return buf.getvalue()


def _entries(catalog: Catalog) -> dict:
    return {tuple(_ids(m)): tuple(_strings(m)) for m in catalog if m.id}


def mo_path(locale: str) -> Path:
    return I18N / locale / "LC_MESSAGES" / f"{DOMAIN}.mo"


def problems() -> list[str]:
    """What is wrong with the catalogs: msgids in code missing from a catalog or untranslated,
    translations whose placeholders differ from the msgid's, stale .mo files."""
    found: list[str] = []
    found += schema_problems()
    wanted = extract()
    if not POT.exists() or {m.id for m in read(POT) if m.id} != {m.id for m in wanted if m.id}:
        found.append(f"{POT.name} is stale (python -m ckanext.govopen.catalogs extract)")
    for locale in locales():
        catalog = read(po_path(locale), locale)
        gaps = po_path(locale, GAPS)
        for source in [catalog] + ([read(gaps, locale)] if gaps.exists() else []):
            for message in source:
                if not message.id or not all(_strings(message)):
                    continue
                expected = sorted(_PLACEHOLDER.findall(_ids(message)[-1]))
                for text in _strings(message):
                    if sorted(_PLACEHOLDER.findall(text)) != expected:
                        found.append(f"{locale}: placeholders differ: {_ids(message)[0]!r} -> {text!r}")
        for message in wanted:
            if not message.id:
                continue
            have = catalog.get(message.id)
            if have is None:
                found.append(f"{locale}: missing from the catalog: {_ids(message)[0]!r} ({message.locations[0][0]})")
            elif not all(_strings(have)) or have.fuzzy:
                found.append(f"{locale}: not translated: {_ids(message)[0]!r}")
        mo = mo_path(locale)
        if not mo.exists():
            found.append(f"{locale}: {mo.name} missing (python -m ckanext.govopen.catalogs compile)")
        else:
            with mo.open("rb") as f:
                have_mo = _entries(read_mo(f))
            want_mo = _entries(read_mo(io.BytesIO(compiled(locale))))
            if have_mo != want_mo:
                found.append(f"{locale}: {mo.name} is stale (python -m ckanext.govopen.catalogs compile)")
    return found


def update() -> list[str]:
    """Merge the extracted msgids into every locale's catalog (new ones empty, gone ones dropped)."""
    template = extract()
    buf = io.BytesIO()
    write_po(buf, template, width=0, omit_header=False)
    POT.write_bytes(buf.getvalue())
    done = []
    for locale in locales():
        catalog = read(po_path(locale), locale)
        catalog.update(template, no_fuzzy_matching=True)
        known = _known_elsewhere(locale)
        for message in catalog:
            if message.id and not all(_strings(message)) and tuple(_ids(message)) in known:
                message.string = known[tuple(_ids(message))]  # a CKAN msgid a template reuses
        write(catalog, po_path(locale))
        done.append(locale)
    return done


def _known_elsewhere(locale: str) -> dict:
    """Translations CKAN's own catalog and the locale's ckan-gaps.po hold."""
    import ckan

    known: dict = {}
    sources = [Path(ckan.__file__).parent / "i18n" / locale / "LC_MESSAGES" / "ckan.po", po_path(locale, GAPS)]
    for path in sources:
        if path.exists():
            for message in read(path, locale):
                if message.id and all(_strings(message)) and not message.fuzzy:
                    known[tuple(_ids(message))] = message.string
    return known


def compile_all() -> list[str]:
    done = []
    for locale in locales():
        mo_path(locale).write_bytes(compiled(locale))
        done.append(locale)
    return done


def main(argv: Iterable[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m ckanext.govopen.catalogs", description=__doc__.split("\n\n")[0])
    parser.add_argument("command", choices=["extract", "update", "compile", "check"])
    args = parser.parse_args(list(argv) if argv is not None else None)
    if args.command == "extract":
        buf = io.BytesIO()
        catalog = extract()
        write_po(buf, catalog, width=0, omit_header=False)
        POT.write_bytes(buf.getvalue())
        print(f"{len(catalog)} msgids -> {POT.relative_to(ROOT.parents[1])}")
    elif args.command == "update":
        for locale in update():
            print(f"updated {po_path(locale).relative_to(ROOT.parents[1])}")
    elif args.command == "compile":
        for locale in compile_all():
            print(f"compiled {mo_path(locale).relative_to(ROOT.parents[1])}")
    else:
        found = problems()
        for line in found:
            print(line)
        print(f"{len(found)} problem(s) in {', '.join(locales()) or 'no catalogs'}")
        return 1 if found else 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
