"""Every error code the server can answer has a message in every storefront language, in the
gettext catalogs (storefront/locale/<lang>/LC_MESSAGES/errors.po), and a page shows it."""

from __future__ import annotations

import re
from pathlib import Path

from babel.messages.pofile import read_po
from fastapi.testclient import TestClient

from gateway.errors import CODES
from storefront import errors
from storefront.i18n import LOCALES
from tests.storefront.factories import unique_email

ROOT = Path(__file__).resolve().parents[2]
# Where the server names its codes: an error class's `code`, a problem response, a refusal of
# the gateway's, and the `reason` that says more than a public code.
DECLARATIONS = (
    re.compile(r'\bcode(?:, title)? = "([A-Z][A-Z_]+)"'),
    re.compile(r'\bstatus, code, title = \d+, "([A-Z][A-Z_]+)"'),
    re.compile(r'\bproblem\(\s*\d+,\s*"([A-Z][A-Z_]+)"'),
    re.compile(r'RequestRefused\(\s*\d+,\s*"([A-Z][A-Z_]+)"'),
    re.compile(r'\breason="([A-Z][A-Z_]+)"'),
    re.compile(r'"reason": "([A-Z][A-Z_]+)"'),
    re.compile(r'"code": "([A-Z][A-Z_]+)"'),
)
# problem()'s default for an HTTP error without a code of its own (services/common/errors.py).
FALLBACKS = {"METHOD_NOT_ALLOWED", "HTTP_ERROR"}


def server_codes() -> set[str]:
    found = set(CODES) | FALLBACKS
    for source in [*ROOT.glob("services/**/*.py"), *ROOT.glob("gateway/**/*.py")]:
        text = source.read_text(encoding="utf-8")
        for pattern in DECLARATIONS:
            found.update(pattern.findall(text))
    return found


def test_the_scan_finds_the_codes_of_every_kind() -> None:
    codes = server_codes()
    # One of each: a public code, a service's own, a problem response's, a gateway reason.
    assert {"BAD_USER_INPUT", "PAYMENT_DECLINED", "SERVICE_BUSY", "BODY_TOO_LARGE", "NOT_AN_IMAGE"} <= codes
    assert {"PASSWORD_LENGTH", "QUOTE_EXPIRED", "UNSAFE_DOCUMENT", "DEADLINE"} <= codes


def test_every_server_error_code_has_a_message_in_every_language() -> None:
    codes = server_codes()
    for locale in LOCALES:
        with errors.po_path(locale).open("rb") as source:
            catalog = read_po(source, locale=locale, domain=errors.DOMAIN)
        translated = {m.id: m.string for m in catalog if m.id and m.string and not m.fuzzy}
        missing = sorted(codes - set(translated))
        assert missing == [], f"{locale}: no message for {missing}"
        for code in codes:
            assert errors.message_for(code, locale) == translated[code]
            assert translated[code] != code
    # The three catalogs say different things: none is a copy of another.
    assert len({errors.message_for("PAYMENT_DECLINED", locale) for locale in LOCALES}) == len(LOCALES)


def test_a_german_page_shows_the_password_rule_in_german(storefront: TestClient) -> None:
    storefront.cookies.set("tn_locale", "de")
    short = storefront.post("/account/register", data={"email": unique_email("b"), "password": "short", "next": "/"})
    assert short.status_code == 422
    error = re.search(r'<p class="error" id="f-password-error">([^<]+)</p>', short.text)
    assert error is not None
    assert error.group(1) == "Das Passwort muss 10 bis 256 Zeichen lang sein."

    storefront.cookies.set("tn_locale", "zh")
    weak = storefront.post(
        "/account/register", data={"email": unique_email("b"), "password": "password123", "next": "/"}
    )
    error = re.search(r'<p class="error" id="f-password-error">([^<]+)</p>', weak.text)
    assert error is not None and error.group(1) == "该密码太容易被猜到；请再加一两个词。"
