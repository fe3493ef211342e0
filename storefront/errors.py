"""The server's error codes in the page's language, from gettext catalogs.

The API answers every refusal with a stable code (`extensions.code`) and, where it says
more, a `reason` (NOT_AN_IMAGE, PAYMENT_DECLINED ...); its message is English. The
storefront words each code itself, in storefront/locale/<lang>/LC_MESSAGES/errors.po, one
message id per code. The catalogs are read with Babel (read_po, then compiled in memory into
a `babel.support.Translations`), so translators work on ordinary .po files and no compiled
.mo file is committed.

Which words a page shows: the server's message is English and the most specific (it may
name what exactly was found), so an English page keeps it; the English catalog words a
refusal that came without one. On another page a `reason` names one refusal exactly, so its
message replaces the server's; a public code alone (BAD_USER_INPUT, CONFLICT ...) is broad,
so its message is followed by the server's words, and nothing is lost.
"""

from __future__ import annotations

import io
from dataclasses import replace
from functools import cache
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations

from storefront.api_client import ApiError
from storefront.i18n import LOCALES

LOCALE_DIR = Path(__file__).parent / "locale"
DOMAIN = "errors"
# Codes too broad to stand for the server's message, which says what exactly is wrong.
GENERIC = frozenset({"BAD_USER_INPUT", "CONFLICT", "NOT_FOUND", "FORBIDDEN", "UNAUTHENTICATED", "RATE_LIMITED"})


def po_path(locale: str) -> Path:
    return LOCALE_DIR / locale / "LC_MESSAGES" / f"{DOMAIN}.po"


@cache
def translations(locale: str) -> Translations:
    """The locale's catalog, read from its .po file once per process."""
    with po_path(locale).open("rb") as source:
        catalog = read_po(source, locale=locale, domain=DOMAIN)
    compiled = io.BytesIO()
    write_mo(compiled, catalog)
    compiled.seek(0)
    return Translations(compiled, domain=DOMAIN)


def message_for(code: str, locale: str) -> str | None:
    """The code's message in the locale, None when the catalog has none."""
    language = locale if locale in LOCALES else "en"
    text = translations(language).gettext(code)
    return text if text != code else None


def localised(error: ApiError, locale: str) -> ApiError:
    """The error with its message in the page's language (see the module's note)."""
    if locale == "en" and error.message:
        return error  # the server's own words are English and the most specific
    if error.reason:
        specific = message_for(error.reason, locale)
        if specific is not None:
            return replace(error, message=specific)
    general = message_for(error.code, locale)
    if general is None:
        return error
    if error.code in GENERIC and error.message:
        return replace(error, message=f"{general} ({error.message})")
    return replace(error, message=general)
