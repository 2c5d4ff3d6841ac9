"""The portal's languages, the CKAN way.

Code and templates carry English msgids (``tk._``, ``_()`` and ``ngettext`` in Jinja); the
translations live in gettext catalogs under ``i18n/<locale>/LC_MESSAGES/ckanext-govopen.po``
(compiled to ``.mo``), which the plugin registers through ``ITranslation``. Chinese
(zh_Hans_CN) is the default language of a govopen portal; adding a language is adding a
catalog (see the README, "Translations").

Pure modules cannot call gettext: they mark their msgids with :func:`ckanext.govopen.text.N_`
and the glue translates them with :func:`gettext`.

Two repairs to CKAN's Babel set-up live here:

* Flask-Babel merges the catalogs of every translation directory (CKAN's, then each
  ``ITranslation`` plugin's) and keeps the plural rule of the *last* one it loads, even when
  that plugin has no catalog for the language (an empty catalog's rule is English ``n != 1``).
  With ckanext-harvest loaded, every plural on a Chinese page then fell back to English.
  :func:`install` gives the app a domain that takes the plural rule from the last catalog that
  exists for the language, whatever the plugin order.
* Mail goes out in the recipient's language (:func:`recipient_locale`, :func:`in_locale`),
  not the language of whoever's request triggered it.
"""
from __future__ import annotations

import contextlib
import gettext as _gettext
from typing import Any, Callable, Iterator

import ckan.plugins.toolkit as tk
import flask
import flask_babel
from babel.support import Translations

from ckanext.govopen.text import Message

__all__ = ["_", "current_lang", "gettext", "in_locale", "install", "offered_locales", "plural_rule", "recipient_locale",
           "text"]


def current_lang() -> str:
    try:
        return tk.h.lang() or tk.config["ckan.locale_default"]
    except (RuntimeError, TypeError, AttributeError):
        # No request (CLI, background job): the portal's default language.
        return tk.config["ckan.locale_default"]


def gettext(msgid: str) -> str:
    """MSGID (an English msgid, e.g. one a pure module marked with N_) in the current language:
    the request's, or outside a request (an action called from the CLI, a job, a test) the
    portal's default, where CKAN's own ``_`` would answer in English."""
    if flask.has_request_context():
        return tk._(msgid)
    with in_locale(tk.config["ckan.locale_default"]):
        return tk._(msgid)


_ = gettext  # the name Babel's extraction and every CKAN developer look for


def text(value: Any) -> str:
    """VALUE in the current language: a :class:`~ckanext.govopen.text.Message` translated with
    its parameters, a plain msgid (a citation, a system note) through the catalog; text that
    is no msgid (typed by a person, or stored by an older version) comes back unchanged."""
    if isinstance(value, Message):
        return value.text(gettext)
    if not value or not isinstance(value, str):
        return value or ""  # gettext("") would be the catalog's header
    return gettext(value)


def offered_locales() -> list[str]:
    return [str(loc) for loc in tk.h.get_available_locales()]


def recipient_locale(user: Any) -> str:
    """The language to write to USER in: the ``locale`` in their plugin extras when the portal
    offers it, else the portal's default language."""
    wanted = ((getattr(user, "plugin_extras", None) or {}).get("locale") or "").strip()
    if wanted and wanted in offered_locales():
        return wanted
    return tk.config["ckan.locale_default"]


@contextlib.contextmanager
def in_locale(locale: str) -> Iterator[None]:
    """Within the block, ``tk._`` and ``tk.ungettext`` answer in LOCALE, in a web request or
    not: outside one (a background job, a CLI command) gettext has no catalogs at all, so the
    block runs in CKAN's own stand-in request context, the one ``h.url_for`` uses there."""
    with contextlib.ExitStack() as stack:
        if not flask.has_request_context():
            from ckan.lib.helpers import _get_auto_flask_context

            standin = _get_auto_flask_context()
            if standin is not None:  # a fresh context of that app: threads must not share one
                stack.enter_context(standin.app.test_request_context())
        stack.enter_context(flask_babel.force_locale(locale))
        yield


def plural_rule(directories: list[str], domains: list[str], locale: str) -> Callable[[int], int] | None:
    """The plural rule of the last catalog for LOCALE that exists among DIRECTORIES (each with
    its domain, or the one domain for all), or None when there is none."""
    rule = None
    for index, directory in enumerate(directories):
        domain = domains[0] if len(domains) == 1 else domains[index]
        catalog = Translations.load(directory, [locale], domain)
        if isinstance(catalog, _gettext.GNUTranslations):
            rule = catalog.plural
    return rule


class _Domain(flask_babel.Domain):
    """Flask-Babel's domain, with the plural rule taken from catalogs that exist."""

    def get_translations(self):  # type: ignore[no-untyped-def]
        translations = super().get_translations()
        if isinstance(translations, Translations) and not getattr(translations, "_govopen_plural", False):
            rule = plural_rule(list(self.translation_directories), self.domain, str(flask_babel.get_locale()))
            if rule is not None:
                translations.plural = rule
            translations._govopen_plural = True  # the merged object is cached per locale: once is enough
        return translations


def install(app: Any) -> None:
    """Give APP (CKAN's Flask app, after Babel is set up) the domain above."""
    babel = app.extensions.get("babel")
    if babel is None:
        return
    babel.instance.__dict__["domain_instance"] = _Domain(domain=babel.default_domain)
