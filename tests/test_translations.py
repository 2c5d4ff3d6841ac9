"""Translations the CKAN way: the catalogs are complete and compiled, the pages a govopen portal
shows read as Chinese for every role, plurals work in Chinese, English pages read as English,
and a new language is only a new catalog."""
from __future__ import annotations

import html.parser
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa

import ckan.model as model
import ckan.plugins.toolkit as tk
from ckan.tests import factories, helpers

from ckanext.govopen import catalogs, translations
from tests.requests_support import _code, application, approve, call

ROOT = Path(__file__).parents[1]


# --- the catalogs (no CKAN needed) ---------------------------------------------------------

def test_every_msgid_in_code_and_templates_is_translated_and_compiled():
    """The CI check: `python -m ckanext.govopen.catalogs check` finds nothing."""
    assert catalogs.problems() == []


def test_the_check_catches_a_missing_msgid(tmp_path, monkeypatch):
    # A copy of the package with one new msgid in a template: the check must name it.
    copy = tmp_path / "govopen"
    shutil.copytree(catalogs.ROOT, copy, ignore=shutil.ignore_patterns("__pycache__"))
    (copy / "templates" / "header.html").write_text(
        (copy / "templates" / "header.html").read_text(encoding="utf-8") + '{{ _("A brand new words") }}\n',
        encoding="utf-8")
    monkeypatch.setattr(catalogs, "ROOT", copy)
    monkeypatch.setattr(catalogs, "I18N", copy / "i18n")
    monkeypatch.setattr(catalogs, "POT", copy / "i18n" / catalogs.POT.name)
    found = catalogs.problems()
    assert any("A brand new words" in line and "missing" in line for line in found), found
    assert any("pot is stale" in line for line in found), found


def test_the_check_catches_a_stale_mo_and_a_broken_placeholder(tmp_path, monkeypatch):
    copy = tmp_path / "govopen"
    shutil.copytree(catalogs.ROOT, copy, ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setattr(catalogs, "ROOT", copy)
    monkeypatch.setattr(catalogs, "I18N", copy / "i18n")
    monkeypatch.setattr(catalogs, "POT", copy / "i18n" / catalogs.POT.name)
    po = catalogs.po_path("zh_Hans_CN")
    catalog = catalogs.read(po, "zh_Hans_CN")
    catalog["Page %(page)d of %(pages)d"].string = "第 %(page)d 页"
    catalogs.write(catalog, po)
    found = catalogs.problems()
    assert any("placeholders differ" in line and "Page %(page)d" in line for line in found), found
    assert any("stale" in line for line in found), found


def test_the_pot_and_the_tool_run_from_the_command_line(tmp_path):
    out = subprocess.run([sys.executable, "-m", "ckanext.govopen.catalogs", "check"], capture_output=True,
                         text=True, cwd=ROOT)
    assert out.returncode == 0, out.stdout + out.stderr
    assert "0 problem(s) in zh_Hans_CN" in out.stdout


def test_no_inline_translation_pairs_are_left():
    """No T("中文", "English") in templates, no t(zh, en) in Python, no ZH dictionaries."""
    package = catalogs.ROOT
    for path in package.rglob("*.html"):
        text = path.read_text(encoding="utf-8")
        assert not re.search(r"govopen_t\(|\bT\(", text), path
    for path in package.rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        assert not re.search(r"^ZH\b|\b_?t\(\s*[\"f]", text, re.M), path


def test_templates_and_mail_carry_english_msgids_only():
    # Chinese lives in the catalogs; a Chinese character in a template is text no other
    # language could ever show (the full-width punctuation of Chinese layout aside).
    han = re.compile(r"[\u4e00-\u9fff]")
    for path in (catalogs.ROOT / "templates").rglob("*"):
        if path.suffix in (".html", ".txt"):
            text = re.sub(r"\{#.*?#\}", "", path.read_text(encoding="utf-8"), flags=re.S)  # comments may cite terms
            assert not han.search(text), (path, han.findall(text)[:10])


# --- the pages -----------------------------------------------------------------------------

# Words a Chinese page may show in Latin letters: names of formats, protocols and products,
# and the names of the languages in the language picker (each in its own language).
ALLOWED = {
    "ckan", "api", "json", "csv", "xls", "xlsx", "xml", "rdf", "pdf", "zip", "html", "url", "urls", "rss",
    "atom", "http", "https", "www", "id", "sql", "markdown", "jsonld", "ttl", "png", "jpg", "gif",
    "english", "datastore", "solr", "utc", "cst", "gmt", "dcat", "facebook", "openid",
    # format types and database products of the national catalogue template's pick lists
    "bmp", "dbf", "dbase", "doc", "docx", "mpg", "mysql", "oracle", "ppt", "sqlserver", "swf", "sybase", "txt",
    "wps", "ofd", "kingbasees", "db", "dm", "et", "rm", "rmvb", "avi", "mp", "mp4", "wav", "tif", "tiff", "jpeg",
    "shp", "dwg", "dxf", "geojson", "kml", "wms", "wfs", "gb", "xlsb", "ods", "odt", "rtf", "wmv", "flv",
    "gbase", "oscar", "postgresql", "db2", "informix", "access", "mongodb", "hbase", "hive", "excel", "word",
}


class _Visible(html.parser.HTMLParser):
    """The text a reader sees or hears: text nodes outside script/style, and the attributes
    shown as tooltips, placeholders, labels and button captions."""

    SKIP = {"script", "style", "noscript", "template", "code", "pre"}
    SHOWN_ATTRS = ("title", "placeholder", "aria-label", "alt", "data-bs-title")

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self._skip = 0
        self._stack: list[str] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag in self.SKIP or attrs.get("lang", "").startswith("en") or "sr-only-en" in (attrs.get("class") or ""):
            self._skip += 1
            self._stack.append(tag)
            return
        if self._stack:
            self._stack.append(tag)
        for name in self.SHOWN_ATTRS:
            if attrs.get(name):
                self.parts.append(attrs[name])
        if tag == "input" and attrs.get("type") in ("submit", "button") and attrs.get("value"):
            self.parts.append(attrs["value"])

    def handle_endtag(self, tag):
        if self._stack:
            self._stack.pop()
            if not self._stack:
                self._skip = 0

    def handle_data(self, data):
        if not self._skip:
            self.parts.append(data)


def english_words(page: str, content: list[str]) -> list[str]:
    """Latin-letter words on PAGE that are UI text: not in CONTENT (names and titles the data
    carries), not a URL, address or identifier, not in ALLOWED."""
    parser = _Visible()
    parser.feed(page)
    text = "\n".join(parser.parts)
    for value in sorted(content, key=len, reverse=True):
        text = text.replace(value, " ")
    # Addresses, links, domain names, MIME types and paths, UUIDs: identifiers, not words.
    text = re.sub(r"\S+@\S+|https?://\S+|\b[\w-]+(?:\.[\w-]+)+\b|\S*/\S*|[0-9a-f]{8}(?:-[0-9a-f]{4}){3}-[0-9a-f]{12}",
                  " ", text)
    words = re.findall(r"[A-Za-z][A-Za-z'’]+", text)
    # Acronyms and product names (CC BY-SA, ODbL, MIME, KingbaseES) are names, not UI words.
    return sorted({w for w in words if w.lower() not in ALLOWED and sum(c.isupper() for c in w) < 2})


@pytest.fixture
def crawl_portal(portal, app):  # noqa: F811
    """The request tests' city with one decided and one open request, a group, and every name
    the data carries (so the crawl can tell data from UI text)."""
    group = factories.Group(name="population", title="人口")
    helpers.call_action("member_create", id=group["id"], object=portal["ds"]["id"], object_type="package",
                        capacity="public")
    open_req = call("govopen_request_create", portal["citizen"], **application(portal))
    decided = call("govopen_request_create", portal["citizen"], **application(portal, purpose="人口研究"))
    approve(portal, decided)
    # The factories fill descriptions and "about" texts with random English: data, not UI.
    model.Session.execute(sa.text("""UPDATE "group" SET description = ''"""))
    model.Session.execute(sa.text("""UPDATE "user" SET about = ''"""))
    model.Session.execute(sa.text("UPDATE package SET notes = ''"))
    # ...and English names, which pages also show cut short ("Gonzalez, Jordan and…"), where they
    # could not be told from UI text: every organization and person gets a Chinese name.
    model.Session.execute(sa.text("""UPDATE "group" SET title = '部门' || substr(md5(id), 1, 4)"""))
    model.Session.execute(sa.text("""UPDATE "user" SET fullname = '用户' || substr(md5(id), 1, 4)"""))
    model.Session.commit()
    from ckan.lib import search
    search.rebuild()
    content = []
    for key in ("owner", "other", "ds", "r1", "r2"):
        content += [str(portal[key].get(f) or "") for f in ("name", "title", "display_name")]
    users = model.Session.query(model.User).all()
    content += [u.name for u in users] + [u.fullname or "" for u in users] + [u.display_name for u in users]
    orgs = model.Session.query(model.Group).all()
    content += [o.name for o in orgs] + [o.title or "" for o in orgs]
    content += [portal["r1"]["url"], portal["r2"]["url"], "data-bureau"]
    tokens = {name: {"Authorization": factories.APIToken(user=portal[name]["name"])["token"]}
              for name in ("citizen", "editor", "supervisor", "admin")}
    return {**portal, "open": open_req, "decided": decided, "content": [c for c in content if c],
            "headers": {"anonymous": {}, "applicant": tokens["citizen"], "department staff": tokens["editor"],
                        "data authority": tokens["supervisor"], "sysadmin": tokens["admin"]}}


def _pages(p: dict, role: str) -> list[str]:
    ds, r1 = p["ds"]["name"], p["r1"]["id"]
    pages = ["/", "/dataset/", "/dataset/?q=%E5%87%BA%E7%94%9F", f"/dataset/{ds}", f"/dataset/{ds}/resource/{r1}",
             "/organization/", f"/organization/{p['owner']['name']}", "/group/", "/group/population", "/about",
             f"/dataset/{ds}/request/objection"]
    if role != "anonymous":
        pages += ["/requests", "/dashboard/datasets", f"/user/{p['citizen']['name']}"]
    if role == "applicant":
        pages += [f"/dataset/{ds}/request/open_application", f"/requests/{p['open']['id']}",
                  f"/requests/{p['decided']['id']}", f"/requests/{p['decided']['id']}/letter"]
    if role in ("department staff", "data authority", "sysadmin"):
        pages += ["/requests/queue", f"/requests/{p['open']['id']}", f"/requests/{p['decided']['id']}/letter"]
    if role in ("department staff", "sysadmin"):
        pages += [f"/dataset/edit/{ds}", f"/dataset/{ds}/resource/{r1}/edit", f"/dataset/activity/{ds}"]
    if role in ("data authority", "sysadmin"):
        pages += ["/requests/overview"]
    if role == "sysadmin":
        pages += ["/ckan-admin/govopen/policy"]
    return pages


ROLES = ("anonymous", "applicant", "department staff", "data authority", "sysadmin")


@pytest.mark.usefixtures("with_plugins")
@pytest.mark.parametrize("role", ROLES)
def test_chinese_pages_show_no_english_ui_words(app, crawl_portal, role):
    found = {}
    for url in _pages(crawl_portal, role):
        res = app.get(url, headers=crawl_portal["headers"][role])
        assert res.status_code == 200, (role, url, res.status_code)
        words = english_words(res.get_data(as_text=True), crawl_portal["content"])
        if words:
            found[url] = words
    assert not found, f"English on Chinese pages as {role}: {found}"


def test_the_crawl_sees_english_when_there_is_some():
    # The detector itself: UI English is caught, data, URLs and allowed words are not.
    page = ('<p title="Search datasets">数据集</p><script>var x = "Hidden words";</script>'
            '<a href="/dataset">Traffic accidents</a> CSV https://example.gov.cn/a.csv <b>3 datasets found</b>')
    assert english_words(page, ["Traffic accidents"]) == ["Search", "datasets", "found"]


@pytest.mark.usefixtures("with_plugins")
def test_english_pages_read_as_english(app, crawl_portal):
    headers = crawl_portal["headers"]["applicant"]
    body = app.get(f"/en/requests/{crawl_portal['decided']['id']}", headers=headers).get_data(as_text=True)
    assert "Approved" in body and "同意" not in body
    body = app.get("/en/requests", headers=headers).get_data(as_text=True)
    assert "My requests" in body and "我的申请" not in body


# --- plurals -------------------------------------------------------------------------------

@pytest.mark.usefixtures("with_plugins", "clean_db", "clean_index")
def test_a_plural_reads_as_chinese_on_the_search_page(app):
    org = factories.Organization(department_code=_code("11340181MB0000209"), region_code="340181",
                                 department_type="ordinary")
    for i in range(2):
        factories.Dataset(owner_org=org["id"], title=f"人口统计{i}", open_category="unconditional",
                          share_category="unconditional", resource_class="department",
                          update_frequency="monthly", catalogue_code=f"307001/00000{i + 1}")
    body = app.get("/dataset/?q=%E4%BA%BA%E5%8F%A3").get_data(as_text=True)
    assert "datasets found" not in body and "dataset found" not in body
    assert "查找到匹配「人口」的2个数据集" in body  # CKAN's own zh_Hans_CN plural, no longer lost


@pytest.mark.usefixtures("with_plugins")
def test_govopen_plurals_are_chinese_whatever_the_plugin_order(app):
    # Harvest's translation directory has no zh_Hans_CN: Flask-Babel alone would keep the
    # English plural rule of that empty catalog. Our domain takes it from real catalogs.
    with translations.in_locale("zh_Hans_CN"):
        assert tk.ungettext("%(num)d day", "%(num)d days", 1) == "1 日"
        assert tk.ungettext("%(num)d day", "%(num)d days", 5) == "5 日"
        assert tk.ungettext("{num} Dataset", "{num} Datasets", 5) != "{num} Datasets"
    with translations.in_locale("en"):
        assert tk.ungettext("%(num)d day", "%(num)d days", 5) == "5 days"


# ITranslation runs in reverse plugin order: with harvest listed first, its catalog directory
# (no zh_Hans_CN) is merged last, which is what lost every Chinese plural before the fix.
@pytest.mark.ckan_config("ckan.plugins", "harvest govopen scheming_datasets scheming_organizations activity image_view")
@pytest.mark.usefixtures("with_plugins")
def test_plurals_stay_chinese_with_harvest_merged_last(app):
    from ckan.plugins import PluginImplementations, ITranslation

    domains = [p.i18n_domain() for p in PluginImplementations(ITranslation)]
    assert domains[-1] == "ckanext-harvest"  # the order that broke plurals
    with app.flask_app.test_request_context("/"):
        with translations.in_locale("zh_Hans_CN"):
            assert tk.ungettext("{number} dataset found", "{number} datasets found", 3) == "找到{number}个数据集"
            assert tk.ungettext("%(num)d day", "%(num)d days", 3) == "3 日"


def test_plural_rule_is_the_last_real_catalogs(tmp_path):
    from babel.messages.catalog import Catalog
    from babel.messages.mofile import write_mo

    def catalog(directory, domain, plural_forms):
        path = tmp_path / directory / "zh_Hans_CN" / "LC_MESSAGES"
        path.mkdir(parents=True)
        cat = Catalog(locale="zh_Hans_CN", domain=domain)
        cat._num_plurals, cat._plural_expr = plural_forms
        with (path / f"{domain}.mo").open("wb") as f:
            write_mo(f, cat)
        return str(tmp_path / directory)

    core = catalog("core", "ckan", (1, "0"))
    empty = str(tmp_path / "nothing")  # a plugin with no catalog for the language
    rule = translations.plural_rule([core, empty], ["ckan", "ckanext-harvest"], "zh_Hans_CN")
    assert rule is not None and rule(5) == 0
    assert translations.plural_rule([empty], ["x"], "zh_Hans_CN") is None


# --- a new language is a new catalog ---------------------------------------------------------

@pytest.fixture
def mongolian_app(tmp_path, monkeypatch, ckan_config, with_plugins, crawl_portal):
    """The portal with one more catalog, mn_MN, written for this test only: a copy of govopen's
    i18n/ directory plus i18n/mn_MN/LC_MESSAGES/ckanext-govopen.po, compiled by the same tool,
    and mn_MN offered. Nothing else changes."""
    from ckanext.govopen.plugin import GovopenPlugin

    i18n = tmp_path / "i18n"
    shutil.copytree(catalogs.I18N, i18n)
    po = i18n / "mn_MN" / "LC_MESSAGES" / f"{catalogs.DOMAIN}.po"
    po.parent.mkdir(parents=True)
    po.write_text('msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=UTF-8\\n"\n'
                  '"Plural-Forms: nplurals=2; plural=(n != 1);\\n"\n\n'
                  'msgid "Open category"\nmsgstr "Нээлттэй байдлын ангилал"\n\n'
                  'msgid "Update frequency"\nmsgstr "Шинэчлэлийн давтамж"\n\n'
                  'msgid "Monthly"\nmsgstr "Сар бүр"\n',
                  encoding="utf-8")
    monkeypatch.setattr(catalogs, "I18N", i18n)
    catalogs.compile_all()
    monkeypatch.setattr(GovopenPlugin, "i18n_directory", lambda self: str(i18n))
    monkeypatch.setitem(ckan_config, "ckan.locales_offered", "zh_Hans_CN en mn_MN")
    return helpers._get_test_app()


def test_adding_a_language_is_adding_a_catalog(mongolian_app, crawl_portal):
    body = mongolian_app.get(f"/mn_MN/dataset/{crawl_portal['ds']['name']}").get_data(as_text=True)
    assert "Нээлттэй байдлын ангилал" in body  # govopen's msgid, from the new catalog
    assert "Шинэчлэлийн давтамж" in body and "Сар бүр" in body  # a schema field and its value
    assert "开放类型" not in body and "更新周期" not in body
    chinese = mongolian_app.get(f"/dataset/{crawl_portal['ds']['name']}").get_data(as_text=True)
    assert "开放类型" in chinese and "Нээлттэй" not in chinese  # the default language is untouched
