"""The shipped Chinese catalog, read with Babel alone, for pure tests of translated texts."""
import string

from babel.support import Translations

from ckanext.govopen import catalogs
from ckanext.govopen.catalogue.codes import credit_code_check_char

_ZH = Translations.load(str(catalogs.I18N), ["zh_Hans_CN"], catalogs.DOMAIN)


def zh(msgid: str) -> str:
    """MSGID in Chinese, from the compiled ckanext-govopen.mo (MSGID itself when untranslated)."""
    return _ZH.ugettext(msgid)


def placeholders(text: str) -> set[str]:
    """The str.format placeholders TEXT names (the pure modules' msgids use these)."""
    return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}


def department_code(n: int, region: str = "340181") -> str:
    """A valid unified social credit code for test department N (of REGION)."""
    first = f"11{region}MB{n:07d}"
    return first + credit_code_check_char(first)
