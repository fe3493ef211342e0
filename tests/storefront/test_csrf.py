"""Forms change something only when sent from our own pages: the right Origin and the CSRF
token of the visitor's session, or a 403 page and nothing done."""

from __future__ import annotations

import re
from collections.abc import Iterator

import httpx
import pytest

from services.common import signed_tokens
from services.common.settings import ConfigurationError
from storefront import csrf
from storefront.app import create_app
from storefront.settings import StorefrontSettings
from tests.gateway.factories import Stack, closed_port
from tests.storefront.factories import PASSWORD, BrowserClient, register_supplier, sign_in, sku_prefix

SITE = "http://storefront.test"
CREATE_PART = "mutation ($input: PartInput!) { createPart(input: $input) { id } }"
AVAILABLE = "query ($id: ID!) { part(id: $id) { available } }"
REFUSED = "This form could not be accepted"


@pytest.fixture
def supplier_with_part(storefront: BrowserClient, stack: Stack) -> str:
    """A signed-in supplier with one part of 3 in stock; the part's id."""
    account = register_supplier(stack)
    sign_in(storefront, account)
    storefront.cookies.set("tn_locale", "en")
    created = stack.gql(
        CREATE_PART,
        {
            "input": {
                "sku": f"{sku_prefix()}-CSRF",
                "titleEn": "Remanufactured alternator",
                "category": "alternator",
                "condition": "REMANUFACTURED",
                "oemNumbers": [],
                "priceCny": 98000,
                "warrantyMonths": 12,
                "weightGrams": 5200,
                "onHand": 3,
            }
        },
        token=account["token"],
    )
    assert "errors" not in created, created
    part_id: str = created["data"]["createPart"]["id"]
    return part_id


def stock_of(stack: Stack, part_id: str) -> int:
    available: int = stack.gql(AVAILABLE, {"id": part_id})["data"]["part"]["available"]
    return available


def token_on(page: httpx.Response) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert found, "the page's form carries no CSRF token"
    return found.group(1)


def set_stock(
    client: BrowserClient, part_id: str, on_hand: int, *, origin: str | None, token: str | None
) -> httpx.Response:
    """The stock form sent by hand, with exactly the Origin and token given."""
    headers = {"Origin": origin} if origin is not None else {}
    data = {"on_hand": str(on_hand), **({"csrf_token": token} if token is not None else {})}
    return client.post_by_hand(f"/supplier/parts/{part_id}/stock", data=data, headers=headers, follow_redirects=False)


def test_every_form_that_posts_carries_the_sessions_token(storefront: BrowserClient, supplier_with_part: str) -> None:
    for path in ("/supplier", "/supplier/certificates", "/supplier/import", "/supplier/parts/new"):
        html = storefront.get(path).text
        forms = re.findall(r'<form[^>]*method="post"[^>]*>(.*?)</form>', html, re.S)
        assert forms, path
        for form in forms:
            assert 'name="csrf_token"' in form, (path, form[:200])
    # The certificate's upload form is multipart and carries it too.
    certificates = storefront.get("/supplier/certificates").text
    upload = re.search(r'<form[^>]*enctype="multipart/form-data"[^>]*>(.*?)</form>', certificates, re.S)
    assert upload and 'name="csrf_token"' in upload.group(1)


def test_a_form_without_our_origin_is_refused_and_changes_nothing(
    storefront: BrowserClient, stack: Stack, supplier_with_part: str
) -> None:
    token = token_on(storefront.get("/supplier"))
    for origin in (
        None,
        "null",
        "https://evil.example",
        "http://storefront.test.evil.example",
        "https://storefront.test",
    ):
        answer = set_stock(storefront, supplier_with_part, 9, origin=origin, token=token)
        assert answer.status_code == 403, (origin, answer.status_code)
        assert REFUSED in answer.text and "Nothing was changed" in answer.text
        assert stock_of(stack, supplier_with_part) == 3
    # Language preferences are a change too: no cookie is set from another site's form.
    answer = storefront.post_by_hand(
        "/preferences", data={"locale": "de", "csrf_token": token, "next": "/"}, headers={"Origin": "null"},
        follow_redirects=False,
    )  # fmt: skip
    assert answer.status_code == 403
    assert not any(c.startswith("tn_locale=") for c in answer.headers.get_list("set-cookie"))


def test_a_form_without_its_sessions_token_is_refused_and_changes_nothing(
    storefront: BrowserClient, stack: Stack, supplier_with_part: str
) -> None:
    token = token_on(storefront.get("/supplier"))
    session_id = storefront.cookies.get("tn_session")
    assert session_id
    settings = StorefrontSettings()
    someone_elses = csrf.token_for(csrf.new_session_id(), settings)
    other_key = signed_tokens.sign(
        {"sub": session_id}, "a-secret-that-is-not-the-storefronts-own", issuer=csrf.ISSUER, audience=csrf.AUDIENCE,
        ttl_seconds=3600,
    )  # fmt: skip
    expired = signed_tokens.sign(
        {"sub": session_id}, settings.secret_key.get_secret_value(), issuer=csrf.ISSUER, audience=csrf.AUDIENCE,
        ttl_seconds=-60,
    )  # fmt: skip
    for wrong in (None, "", "not-a-token", token[:-2], someone_elses, other_key, expired):
        answer = set_stock(storefront, supplier_with_part, 9, origin=SITE, token=wrong)
        assert answer.status_code == 403, (wrong, answer.status_code)
        assert REFUSED in answer.text
        assert stock_of(stack, supplier_with_part) == 3
    # The right token without the session cookie it belongs to is no better.
    storefront.cookies.delete("tn_session")
    assert set_stock(storefront, supplier_with_part, 9, origin=SITE, token=token).status_code == 403
    assert stock_of(stack, supplier_with_part) == 3


def test_the_page_a_browser_shows_is_the_form_that_works(
    storefront: BrowserClient, stack: Stack, supplier_with_part: str
) -> None:
    token = token_on(storefront.get("/supplier"))
    answer = set_stock(storefront, supplier_with_part, 9, origin=SITE, token=token)
    assert answer.status_code == 303 and "notice=stock_saved" in answer.headers["location"]
    assert stock_of(stack, supplier_with_part) == 9
    # The same page's token serves every form of the session, and again.
    answer = set_stock(storefront, supplier_with_part, 4, origin=SITE, token=token)
    assert answer.status_code == 303
    assert stock_of(stack, supplier_with_part) == 4


def test_a_multipart_upload_without_the_token_is_refused(storefront: BrowserClient, supplier_with_part: str) -> None:
    page = storefront.get("/supplier/import")
    csv_file = {"file": ("parts.csv", b"sku,title_en\n", "text/csv")}
    refused = storefront.post_by_hand(
        "/supplier/import", files=csv_file, headers={"Origin": SITE}, follow_redirects=False
    )
    assert refused.status_code == 403 and REFUSED in refused.text
    sent = storefront.post_by_hand(
        "/supplier/import", files=csv_file, data={"csrf_token": token_on(page)}, headers={"Origin": SITE},
    )  # fmt: skip
    assert sent.status_code != 403


def test_signing_in_starts_a_new_session(storefront: BrowserClient, stack: Stack) -> None:
    """A session id known before sign-in (planted by someone else, say) is worth nothing after it."""
    account = register_supplier(stack)
    login_page = storefront.get("/supplier/login")
    before = token_on(login_page)
    answer = storefront.post_by_hand(
        "/supplier/login", data={"email": account["email"], "password": PASSWORD, "csrf_token": before},
        headers={"Origin": SITE}, follow_redirects=False,
    )  # fmt: skip
    assert answer.status_code == 303
    assert any(c.startswith("tn_session=") for c in answer.headers.get_list("set-cookie"))
    stale = storefront.post_by_hand(
        "/preferences", data={"locale": "de", "csrf_token": before, "next": "/"}, headers={"Origin": SITE},
        follow_redirects=False,
    )  # fmt: skip
    assert stale.status_code == 403


def test_a_script_posts_with_the_token_in_its_header(storefront: BrowserClient) -> None:
    token = token_on(storefront.get("/account/login"))
    path = "/orders/T3JkZXI6eA==/pay"
    without = storefront.post_by_hand(path, json={}, headers={"Origin": SITE})
    assert without.status_code == 403 and "error" in without.json()
    with_token = storefront.post_by_hand(path, json={}, headers={"Origin": SITE, csrf.TOKEN_HEADER: token})
    assert with_token.status_code == 400  # past the check: no card was given


@pytest.fixture
def public_storefront() -> Iterator[BrowserClient]:
    """A storefront with a configured public origin (its gateway is not needed for preferences)."""
    settings = StorefrontSettings(
        gateway_url=f"http://127.0.0.1:{closed_port()}", public_origin="https://parts.example/"
    )
    with BrowserClient(create_app(settings), base_url=SITE) as client:
        yield client


def test_with_a_public_origin_only_that_origin_is_accepted(public_storefront: BrowserClient) -> None:
    token = token_on(public_storefront.get("/account/login"))
    sent = {"locale": "de", "csrf_token": token, "next": "/"}
    # The host the request came in on is no longer enough.
    own_host = public_storefront.post_by_hand("/preferences", data=sent, headers={"Origin": SITE})
    assert own_host.status_code == 403
    answer = public_storefront.post_by_hand(
        "/preferences", data=sent, headers={"Origin": "https://parts.example"},
        follow_redirects=False,
    )  # fmt: skip
    assert answer.status_code == 303
    assert any(c.startswith("tn_locale=de;") for c in answer.headers.get_list("set-cookie"))


def test_production_needs_its_own_secret_and_public_origin() -> None:
    with pytest.raises(ConfigurationError, match="TONGNAN_STOREFRONT_SECRET_KEY"):
        StorefrontSettings(environment="production", public_origin="https://parts.example")
    with pytest.raises(ConfigurationError, match="TONGNAN_STOREFRONT_SECRET_KEY"):
        StorefrontSettings(environment="production", secret_key="too-short", public_origin="https://parts.example")
    with pytest.raises(ConfigurationError, match="TONGNAN_STOREFRONT_PUBLIC_ORIGIN"):
        StorefrontSettings(environment="production", secret_key="a-production-secret-of-enough-length-000")
    with pytest.raises(ValueError, match="TONGNAN_STOREFRONT_PUBLIC_ORIGIN"):
        StorefrontSettings(public_origin="parts.example/shop")
    settings = StorefrontSettings(
        environment="production", secret_key="a-production-secret-of-enough-length-000",
        public_origin="HTTPS://Parts.Example",
    )  # fmt: skip
    assert settings.public_origin == "https://parts.example"
    assert csrf.session_cookie(settings) == "__Host-tn_session"
