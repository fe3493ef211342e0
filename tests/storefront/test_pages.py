"""The storefront's pages over the real API in-process, without a browser."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from tests.gateway.factories import Stack
from tests.storefront.factories import PASSWORD, register_supplier, sign_in, sku_prefix

CREATE_PART = """
mutation ($input: PartInput!) { createPart(input: $input) { id } }"""


def test_search_lists_parts_with_price_stock_and_whether_they_ship(storefront: TestClient) -> None:
    page = storefront.get("/", params={"q": "alternator"})
    assert page.status_code == 200
    html = page.text
    assert html.count('class="result"') == 20
    assert re.search(r"Refurbished alternator for \w+", html)
    assert re.search(r"\d+ in stock|Out of stock", html)
    assert "Ships to Germany" in html or "Not available in Germany" in html
    assert 'rel="next"' in html
    # The orders service is down in this stack: prices stay in CNY, and the page says so.
    assert "Prices in EUR are not available right now" in html
    assert "CN¥" in html


def test_a_malformed_vin_is_marked_on_its_field(storefront: TestClient) -> None:
    page = storefront.get("/", params={"vin": "WVW123"})
    assert page.status_code == 422
    assert re.search(r'<input id="vin"[^>]*aria-invalid="true"', page.text)
    assert "A VIN has 17 letters and digits" in page.text


def test_an_unknown_part_is_a_friendly_404(storefront: TestClient) -> None:
    for part_id in ("UGFydDowMDAwMDAwMC0wMDAwLTQwMDAtODAwMC0wMDAwMDAwMDAwMDA=", "not-an-id"):
        page = storefront.get(f"/parts/{part_id}")
        assert page.status_code == 404
        assert "We could not find that page" in page.text


def test_a_gateway_that_is_down_gives_a_friendly_page(storefront_without_gateway: TestClient) -> None:
    for path in ("/", "/verify?scheme=ISO_9001&number=1", "/supplier/login"):
        page = storefront_without_gateway.get(path)
        if path == "/supplier/login":
            assert page.status_code == 200  # the form needs no API until it is sent
            continue
        assert page.status_code == 503
        assert "We cannot reach the parts exchange right now" in page.text
        assert "Traceback" not in page.text and "httpx" not in page.text
    assert storefront_without_gateway.get("/readyz").status_code == 503
    assert storefront_without_gateway.get("/healthz").status_code == 200


def test_preferences_are_kept_in_cookies_and_never_redirect_off_site(storefront: TestClient) -> None:
    answer = storefront.post(
        "/preferences",
        data={"locale": "de", "currency": "GBP", "country": "FR", "next": "//evil.example/x"},
        follow_redirects=False,
    )
    assert answer.status_code == 303
    assert answer.headers["location"] == "/"
    cookies = answer.headers.get_list("set-cookie")
    assert any(c.startswith("tn_locale=de;") and "HttpOnly" in c and "SameSite=lax" in c for c in cookies)
    page = storefront.get("/")
    assert '<html lang="de">' in page.text
    assert "Lieferbar nach Frankreich" in page.text or "Nicht lieferbar nach Frankreich" in page.text
    assert '<option value="GBP" selected>' in page.text
    # Values we do not offer are ignored.
    storefront.post("/preferences", data={"currency": "XXX", "country": "ZZ", "next": "/"})
    assert '<option value="GBP" selected>' in storefront.get("/").text


def test_a_form_posted_from_another_site_is_refused(storefront: TestClient) -> None:
    answer = storefront.post(
        "/supplier/login", data={"email": "a@b.cn", "password": "x"}, headers={"Origin": "https://evil.example"}
    )
    assert answer.status_code == 403
    page = storefront.get("/")
    assert "script-src 'self'" in page.headers["content-security-policy"]
    assert page.headers["x-frame-options"] == "DENY"


def test_a_title_with_markup_is_escaped(storefront: TestClient, stack: Stack) -> None:
    account = register_supplier(stack)
    title = '<script>alert("x")</script> Alternator <img src=x onerror=alert(1)>'
    created = stack.gql(
        CREATE_PART,
        {
            "input": {
                "sku": f"{sku_prefix()}-X",
                "titleEn": title,
                "category": "alternator",
                "condition": "USED",
                "oemNumbers": ["<b>1</b>"],
                "priceCny": 10000,
                "warrantyMonths": 6,
                "weightGrams": 5000,
            }
        },
        token=account["token"],
    )
    part_id = created["data"]["createPart"]["id"]
    html = storefront.get(f"/parts/{part_id}").text
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; Alternator &lt;img src=x onerror=alert(1)&gt;" in html
    assert "<script>alert" not in html and "<img src=x" not in html and "<b>1</b>" not in html


def test_verification_of_an_unknown_certificate_says_so(storefront: TestClient) -> None:
    page = storefront.get("/verify", params={"scheme": "ISO_9001", "number": "NO-SUCH-NUMBER"})
    assert page.status_code == 200
    assert "Not on record" in page.text
    assert "No certificate with this scheme and number is on record" in page.text
    assert storefront.get("/verify", params={"scheme": "ISO_9001"}).status_code == 422


def test_supplier_pages_ask_to_sign_in_then_return(storefront: TestClient, stack: Stack) -> None:
    answer = storefront.get("/supplier/import", follow_redirects=False)
    assert answer.status_code == 303
    assert answer.headers["location"] == "/supplier/login?next=/supplier/import"
    account = register_supplier(stack)
    wrong = storefront.post("/supplier/login", data={"email": account["email"], "password": "wrong-password-1"})
    assert wrong.status_code == 422
    assert 'id="f-password" name="password" type="password" value=""' in wrong.text
    assert f'value="{account["email"]}"' in wrong.text
    answer = storefront.post(
        "/supplier/login",
        data={"email": account["email"], "password": PASSWORD, "next": "/supplier/import"},
        follow_redirects=False,
    )
    assert answer.status_code == 303 and answer.headers["location"] == "/supplier/import"
    cookies = answer.headers.get_list("set-cookie")
    assert any(c.startswith("tn_token=") and "HttpOnly" in c for c in cookies)
    assert any(c.startswith("tn_refresh=") and "HttpOnly" in c for c in cookies)
    assert "从 CSV 导入配件" in storefront.get("/supplier/import").text  # Chinese first for suppliers


def test_an_expired_access_token_is_renewed_with_the_refresh_token(storefront: TestClient, stack: Stack) -> None:
    account = register_supplier(stack)
    sign_in(storefront, {**account, "token": "eyJhbGciOiJIUzI1NiJ9.e30.expired"})
    page = storefront.get("/supplier", follow_redirects=False)
    assert page.status_code == 200
    assert account["email"] in page.text
    renewed = [c for c in page.headers.get_list("set-cookie") if c.startswith("tn_token=")]
    assert renewed and "expired" not in renewed[0]
    # A refresh token is good once: the old one no longer signs anybody in.
    storefront.cookies.clear()
    sign_in(storefront, {**account, "token": "expired"})
    answer = storefront.get("/supplier", follow_redirects=False)
    assert answer.status_code == 303 and answer.headers["location"].startswith("/supplier/login")


def test_a_buyer_account_cannot_use_the_supplier_portal(storefront: TestClient, stack: Stack) -> None:
    answer = stack.gql(
        'mutation ($p: String!) { register(input: {email: "buyer-x@garage.de", password: $p, role: BUYER}) { token } }',
        {"p": PASSWORD},
    )
    assert "errors" not in answer
    page = storefront.post("/supplier/login", data={"email": "buyer-x@garage.de", "password": PASSWORD})
    assert page.status_code == 422
    assert "此账号不是供应商账号" in page.text


def test_part_form_errors_keep_the_typing_and_mark_the_field(storefront: TestClient, stack: Stack) -> None:
    sign_in(storefront, register_supplier(stack))
    form = {
        "sku": f"{sku_prefix()}-1",
        "title_en": "Remanufactured starter",
        "title_zh": "再制造起动机",
        "category": "starter",
        "condition": "REMANUFACTURED",
        "price_cny": "12.345",
        "weight_grams": "3000",
        "fitments": "Toyota:Corolla:2014-2019",
    }
    page = storefront.post("/supplier/parts/new", data=form)
    assert page.status_code == 422
    assert re.search(r'id="f-price_cny"[^>]*value="12.345"[^>]*aria-invalid="true"', page.text)
    assert 'value="再制造起动机"' in page.text
    # The catalog's own refusal, named by extensions.field, lands on the same field.
    page = storefront.post(
        "/supplier/parts/new", data={**form, "price_cny": "120", "fitments": "Toyota:Corolla:2019-2014"}
    )
    assert page.status_code == 422
    assert 'id="f-fitments-error"' in page.text
    page = storefront.post("/supplier/parts/new", data={**form, "price_cny": "120"}, follow_redirects=False)
    assert page.status_code == 303 and "notice=part_saved" in page.headers["location"]


def test_csv_import_reports_each_bad_row(storefront: TestClient, stack: Stack) -> None:
    from tests.storefront.factories import GOOD_AND_BAD_CSV

    sign_in(storefront, register_supplier(stack))
    prefix = sku_prefix()
    page = storefront.post(
        "/supplier/import", files={"file": ("parts.csv", GOOD_AND_BAD_CSV.format(p=prefix).encode())}
    )
    assert page.status_code == 200
    assert "新建 2 个，更新 0 个，1 行有错误" in page.text
    assert re.search(r"<tr><td>3</td><td><code>condition</code></td>", page.text)
    assert storefront.post("/supplier/import", data={"csv": "  "}).status_code == 422


def test_certificate_submission_shows_its_review_status(storefront: TestClient, stack: Stack) -> None:
    sign_in(storefront, register_supplier(stack))
    storefront.cookies.set("tn_locale", "en")
    missing = storefront.post("/supplier/certificates", data={"scheme": "ISO_9001"})
    assert missing.status_code == 422
    assert re.search(r'id="f-number"[^>]*aria-invalid="true"', missing.text)
    page = storefront.post(
        "/supplier/certificates",
        data={
            "scheme": "ISO_9001",
            "number": f"CQC-{sku_prefix()}",
            "issuing_body": "China Quality Certification Centre (CQC)",
            "valid_from": "2026-01-01",
            "valid_until": "2029-01-01",
        },
    )
    assert page.status_code == 200, page.text
    assert "Status: Pending review" in page.text


def test_search_sorts_by_price_counts_the_results_and_keeps_the_order_in_its_links(storefront: TestClient) -> None:
    page = storefront.get("/", params={"q": "alternator", "sort": "price-asc"})
    assert page.status_code == 200
    html = page.text
    assert re.search(r'id="result-count"[^>]*>\d+ parts<', html)
    assert '<option value="price-asc" selected>' in html
    prices = [float(p.replace(",", "")) for p in re.findall(r'class="price">CN¥([\d,.]+)<', html)]
    assert len(prices) == 20 and prices == sorted(prices)
    assert re.search(r'rel="next" href="/\?[^"]*sort=price-asc', html)
    # A made-up order in a shared link is the default order, not an error.
    assert storefront.get("/", params={"q": "alternator", "sort": "cheapest"}).status_code == 200
    german = storefront.get("/", params={"q": "alternator", "sort": "newest"}, cookies={"tn_locale": "de"}).text
    assert re.search(r"\d+ Teile", german) and "Neueste zuerst" in german


@pytest.mark.parametrize(
    ("accept_language", "html_lang", "currency", "country"),
    [
        ("en-US,en;q=0.9", "en", "USD", "United States"),
        ("en-GB", "en", "GBP", "United Kingdom"),
        ("ja-JP,ja;q=0.9,en;q=0.5", "en", "JPY", "Japan"),
        ("de-DE,de;q=0.9", "de", "EUR", "Deutschland"),
        ("ar-AE", "en", "AED", "United Arab Emirates"),
        # Chinese pages; the parts come from China, so the destination is the default one (in
        # yuan, the browser's currency, which we quote in).
        ("zh-CN,zh;q=0.9", "zh-Hans", "CNY", "德国"),
        ("fr-CH;q=0.2, en-US;q=0.8", "en", "USD", "United States"),  # by q, not by order
        ("", "en", "EUR", "Germany"),
    ],
)
def test_a_first_visit_takes_its_country_and_currency_from_accept_language(
    storefront: TestClient, accept_language: str, html_lang: str, currency: str, country: str
) -> None:
    page = storefront.get("/", headers={"Accept-Language": accept_language})
    assert f'<html lang="{html_lang}">' in page.text
    summary = re.search(r"<summary>(.*?)</summary>", page.text, re.S)
    assert summary and f"{currency} · " in summary.group(1) and country in summary.group(1), page.text[:2000]
    assert f'<option value="{currency}" selected>' in page.text


def test_the_switcher_s_choice_wins_over_accept_language_and_is_kept(storefront: TestClient) -> None:
    storefront.post("/preferences", data={"currency": "JPY", "country": "JP", "next": "/"})
    for header in ("en-US", "de-DE", "ar-AE"):
        page = storefront.get("/", headers={"Accept-Language": header})
        assert '<option value="JPY" selected>' in page.text and '<option value="JP" selected>' in page.text


def test_a_ships_to_search_says_which_conditions_the_destination_restricts(storefront: TestClient) -> None:
    # Germany restricts no condition: no notice.
    storefront.post("/preferences", data={"country": "DE", "next": "/"})
    assert 'id="condition-restrictions"' not in storefront.get("/", params={"ships": "1"}).text
    # Brazil treats remanufactured parts as used (Portaria SECEX 23/2011): they are left out, and said so.
    storefront.post("/preferences", data={"country": "BR", "next": "/"})
    page = storefront.get("/", params={"ships": "1"})
    assert page.status_code == 200
    notice = re.search(r'<p class="hint" id="condition-restrictions" role="note">([^<]*)</p>', page.text)
    assert notice is not None, page.text
    assert "Used, tested / Remanufactured / Refurbished parts" in notice.group(1) and "Brazil" in notice.group(1)
    listed = " ".join(re.findall(r'<li class="result[^"]*">.*?</li>', page.text, re.S))
    assert "Remanufactured" not in listed and "Used, tested" not in listed
