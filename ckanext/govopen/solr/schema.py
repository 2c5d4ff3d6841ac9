"""The portal's Solr schema, derived from the installed CKAN's own schema.xml (pure: the
transformation; ``main`` finds CKAN's file without importing CKAN).

Usage: python -m ckanext.govopen.solr.schema [--out FILE | --configset DIR] [--ckan-schema FILE]
(or ``ckan govopen solr-config DIR``). ``--configset`` writes a whole core configuration into
DIR/conf: schema.xml, solrconfig.xml and the empty word lists the schema may refer to.

Reads <ckan package>/config/solr/schema.xml of the CKAN installed beside this package and writes
it with two changes:

1. Chinese-aware text analysis on the text field types CKAN searches ("text": title, notes,
   text, extras_*, ...; "text_general": author, maintainer, res_name, res_description):
   StandardTokenizer (one token per CJK ideograph, words for other scripts; hyphens inside
   Latin words are kept as CKAN's WhitespaceTokenizer did), WordDelimiterGraph (as CKAN has
   it), CJKWidth, LowerCase, CJKBigram with unigrams kept at index time but not at query time,
   so a query of two or more characters matches only those characters next to each other while
   a one-character query still matches. The "text" type also gets English possessives,
   Snowball stemming and ASCII folding (the last two as CKAN has them). A query word that
   analyses to several tokens becomes a phrase (autoGeneratePhraseQueries; solrconfig.xml
   sets the phrase slop qs=1). CKAN's query-time synonym filter (an empty synonyms.txt) is
   not kept.
2. CKAN's catch-all dynamic field "*" becomes multiValued, so that a custom field indexed as a
   list (a multi-select such as "themes") keeps one value per item for facets and filters.

The schema name (ckan-X.Y, checked by CKAN at start-up), fields, copyFields and the other field
types are kept as they are. The output only changes when CKAN's schema or this script does.
"""
from __future__ import annotations

import argparse
import importlib.util
import sys
import textwrap
from pathlib import Path
from xml.dom import minidom

__all__ = ["SchemaError", "transform", "ckan_schema_path", "configset", "SOLRCONFIG", "WORD_LISTS"]

SOLRCONFIG = Path(__file__).with_name("solrconfig.xml")
WORD_LISTS = ("protwords.txt", "synonyms.txt", "stopwords.txt")


class SchemaError(Exception):
    """CKAN's schema is not what this transformation expects (a CKAN upgrade): say what."""

# Field types rewritten, and whether their words get English stemming.
TEXT_TYPES = {"text": True, "text_general": False}
# Fields CKAN searches (qf, df) or copies into "text" whose type must be one of TEXT_TYPES.
MUST_BE_CJK = ("text", "title", "notes", "res_name", "res_description")

# WordDelimiterGraph settings of CKAN's "text" / "text_general" types (splitOnCaseChange differs)
WDGF_INDEX = dict(generateWordParts="1", generateNumberParts="1", catenateWords="1",
                  catenateNumbers="1", catenateAll="0")
WDGF_QUERY = dict(generateWordParts="1", generateNumberParts="1", catenateWords="0",
                  catenateNumbers="0", catenateAll="0")

HYPHEN_IN_WORD = r"(?<=[\p{IsLatin}\p{Nd}])-(?=[\p{IsLatin}\p{Nd}])"

TYPE_COMMENT = (
    " govopen: Chinese-aware analysis (ckanext/govopen/solr/schema.py). StandardTokenizer emits each "
    "CJK ideograph as a token; CJKBigram joins neighbours into bigrams. Index time keeps the "
    "unigrams too, query time does not: '人口' matches only the two characters side by side "
    "(not '人员出口'), and a one-character query still finds its unigram. A query word that "
    "analyses to several tokens (常住人口: 常住 住人 人口; DataSet: data set) becomes a phrase "
    "(autoGeneratePhraseQueries), so its pieces must stand together. Other scripts are split "
    "into words as CKAN does (WordDelimiterGraph){stem}. ")

CATCHALL_COMMENT = (
    " govopen: CKAN's catch-all dynamic field is multiValued here (CKAN's own is single-valued) "
    "so that a custom field indexed as a list, e.g. the catalogue's multi-select \"themes\", "
    "gets one value per item: facet.field=themes counts each value and fq=themes:健康保障 "
    "matches a dataset having it among others. Single values index as before. Fields CKAN "
    "itself indexes, sorts or boosts on are declared above and keep their own definitions; "
    "the only thing a multiValued field cannot do is plain sort, so do not sort on an "
    "undeclared field (declare it single-valued above instead). ")


def ckan_schema_path() -> Path:
    """CKAN's own schema.xml, found beside the installed ckan package (not imported)."""
    spec = importlib.util.find_spec("ckan")
    if spec is None or not spec.submodule_search_locations:
        raise SchemaError("CKAN is not installed beside this package")
    path = Path(list(spec.submodule_search_locations)[0]) / "config" / "solr" / "schema.xml"
    if not path.is_file():
        raise SchemaError(f"CKAN has no Solr schema at {path}")
    return path


def elements(parent, *names):
    """Child elements of parent (any depth) whose tag is one of names, case-insensitively."""
    wanted = {n.lower() for n in names}
    return [e for e in parent.getElementsByTagName("*") if e.tagName.lower() in wanted]


def indent_of(node) -> str:
    """The whitespace that precedes node on its line, for consistent output."""
    prev = node.previousSibling
    if prev is not None and prev.nodeType == prev.TEXT_NODE and "\n" in prev.data:
        return prev.data.rsplit("\n", 1)[1]
    return "    "


def comment(doc, text: str, indent: str):
    """A comment wrapped at 96 columns, its lines indented under the opening <!--."""
    lines = textwrap.wrap(" ".join(text.split()), 96 - len(indent) - 5, break_on_hyphens=False)
    body = "".join("\n" + indent + "     " + line for line in lines)
    return doc.createComment(body + "\n" + indent)


def analyzer(doc, kind: str, stem: bool, case_split: bool, indent: str):
    a = doc.createElement("analyzer")
    a.setAttribute("type", kind)
    # StandardTokenizer splits "wi-fi" at the hyphen, CKAN's WhitespaceTokenizer did not (and
    # WordDelimiterGraph then indexed "wifi" too): join Latin/digit words across a hyphen with
    # "_", which StandardTokenizer keeps inside a word and WordDelimiterGraph splits on.
    steps = [
        ("charFilter", "solr.PatternReplaceCharFilterFactory",
         {"pattern": HYPHEN_IN_WORD, "replacement": "_"}),
        ("tokenizer", "solr.StandardTokenizerFactory", {}),
    ]
    wdgf = dict(WDGF_INDEX if kind == "index" else WDGF_QUERY)
    wdgf["splitOnCaseChange"] = "1" if case_split else "0"
    steps.append(("filter", "solr.WordDelimiterGraphFilterFactory", wdgf))
    if kind == "index":  # required on index analyzers after graph filters
        steps.append(("filter", "solr.FlattenGraphFilterFactory", {}))
    steps += [
        ("filter", "solr.CJKWidthFilterFactory", {}),
        ("filter", "solr.LowerCaseFilterFactory", {}),
        ("filter", "solr.CJKBigramFilterFactory",
         {"han": "true", "hiragana": "true", "katakana": "true", "hangul": "true",
          "outputUnigrams": "true" if kind == "index" else "false"}),
    ]
    if stem:
        # Snowball's English rules only strip Latin suffixes, so CJK tokens pass unchanged.
        steps += [
            ("filter", "solr.EnglishPossessiveFilterFactory", {}),
            ("filter", "solr.SnowballPorterFilterFactory",
             {"language": "English", "protected": "protwords.txt"}),
        ]
        steps.append(("filter", "solr.ASCIIFoldingFilterFactory", {}))
    for tag, cls, attrs in steps:
        a.appendChild(doc.createTextNode("\n" + indent + "    "))
        e = doc.createElement(tag)
        e.setAttribute("class", cls)
        for k, v in attrs.items():
            e.setAttribute(k, v)
        a.appendChild(e)
    a.appendChild(doc.createTextNode("\n" + indent))
    return a


def rewrite_text_type(doc, ft, stem: bool) -> None:
    name = ft.getAttribute("name")
    if ft.getAttribute("class") != "solr.TextField":
        raise SchemaError(f"field type {name!r} is not a solr.TextField in CKAN's schema")
    old = [a for a in ft.childNodes if a.nodeType == a.ELEMENT_NODE]
    if not old or any(a.tagName != "analyzer" for a in old):
        raise SchemaError(f"unexpected content in field type {name!r}; update the script")
    # CKAN's text_general does not split on case change; keep that.
    # Dismax/edismax give the clauses of one whitespace-separated query word SHOULD, so
    # 常住人口 (常住 住人 人口) would match any one of its bigrams: a phrase keeps them together.
    ft.setAttribute("autoGeneratePhraseQueries", "true")
    case_split = any(
        f.getAttribute("splitOnCaseChange") == "1"
        for f in elements(ft, "filter")
        if f.getAttribute("class").endswith("WordDelimiterGraphFilterFactory"))
    inner = indent_of(old[0])
    outer = indent_of(ft)
    for child in list(ft.childNodes):
        ft.removeChild(child).unlink()
    stem_note = ", then English possessives and Snowball stemming" if stem else ""
    ft.appendChild(doc.createTextNode("\n" + inner))
    ft.appendChild(comment(doc, TYPE_COMMENT.format(stem=stem_note), inner))
    for kind in ("index", "query"):
        ft.appendChild(doc.createTextNode("\n" + inner))
        ft.appendChild(analyzer(doc, kind, stem, case_split, inner))
    ft.appendChild(doc.createTextNode("\n" + outer))


def transform(src: bytes) -> bytes:
    doc = minidom.parseString(src)
    schema = doc.documentElement
    if schema.tagName != "schema":
        raise SchemaError("CKAN's schema.xml has no <schema> root")
    name = schema.getAttribute("name")
    if not name.startswith("ckan-"):
        raise SchemaError(f"unexpected schema name {name!r} (CKAN checks ckan-X.Y)")

    types = {ft.getAttribute("name"): ft for ft in elements(schema, "fieldType")}
    fields = {f.getAttribute("name"): f for f in elements(schema, "field")}
    for tname, stem in TEXT_TYPES.items():
        if tname not in types:
            raise SchemaError(f"CKAN's schema has no field type {tname!r}")
        rewrite_text_type(doc, types[tname], stem)
    for fname in MUST_BE_CJK:
        if fname not in fields:
            raise SchemaError(f"CKAN's schema has no field {fname!r}")
        if fields[fname].getAttribute("type") not in TEXT_TYPES:
            raise SchemaError(f"field {fname!r} has type {fields[fname].getAttribute('type')!r}, "
                              "not one rewritten here")

    catchall = [d for d in elements(schema, "dynamicField") if d.getAttribute("name") == "*"]
    if len(catchall) != 1:
        raise SchemaError("CKAN's schema has no single catch-all dynamicField '*'")
    star = catchall[0]
    if types.get(star.getAttribute("type")) is None or \
            types[star.getAttribute("type")].getAttribute("class") != "solr.StrField":
        raise SchemaError("the catch-all dynamicField '*' is not a string field")
    star.setAttribute("multiValued", "true")
    star.parentNode.insertBefore(comment(doc, CATCHALL_COMMENT, indent_of(star)), star)
    star.parentNode.insertBefore(doc.createTextNode("\n" + indent_of(star)), star)

    doc.insertBefore(comment(
        doc,
        f"Generated by ckanext/govopen/solr/schema.py from CKAN's {name} schema.xml: do not edit. "
        "Changes: Chinese-aware analysis on the field types 'text' and 'text_general'; "
        "multiValued catch-all dynamic field '*'.", ""), schema)
    # minidom writes the nodes before <schema> (comments) on one line: one per line instead
    top = "\n".join(node.toxml() for node in doc.childNodes)
    return ('<?xml version="1.0" encoding="UTF-8"?>\n' + top + "\n").encode("utf-8")


def _write(dest: Path, data: bytes) -> None:
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = dest.with_name(dest.name + ".tmp")
    tmp.write_bytes(data)
    tmp.replace(dest)


def configset(directory: Path, ckan_schema: Path | None = None) -> list[Path]:
    """Write a core's configuration into DIRECTORY/conf; the files written."""
    conf = Path(directory) / "conf"
    written = [conf / "schema.xml", conf / "solrconfig.xml", *(conf / name for name in WORD_LISTS)]
    _write(written[0], transform((ckan_schema or ckan_schema_path()).read_bytes()))
    _write(written[1], SOLRCONFIG.read_bytes())
    for path in written[2:]:
        _write(path, f"# {path.name}: empty on purpose (the schema may refer to it)\n".encode())
    return written


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    target = p.add_mutually_exclusive_group()
    target.add_argument("--out", help="file to write the schema to (default: standard output)")
    target.add_argument("--configset", help="directory to write a whole core configuration into (DIR/conf)")
    p.add_argument("--ckan-schema", help="CKAN's schema.xml (default: the installed CKAN's)")
    args = p.parse_args()
    try:
        src_path = Path(args.ckan_schema) if args.ckan_schema else ckan_schema_path()
        if args.configset:
            for path in configset(Path(args.configset), src_path):
                print(path)
            return
        out = transform(src_path.read_bytes())
    except SchemaError as err:
        sys.exit(f"solr schema: {err}")
    if args.out:
        _write(Path(args.out), out)
    else:
        sys.stdout.buffer.write(out)


if __name__ == "__main__":
    main()
