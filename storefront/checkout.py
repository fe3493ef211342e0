"""Buying: the cart (a cookie), a landed-cost quote, placing the order, paying by card with
Stripe.js, and the buyer's orders.

Payment: placeOrder creates the PaymentIntent; the browser turns the card into a
PaymentMethod with `stripe.createPaymentMethod` (the card goes to Stripe, or to localstripe in
development, never to us); the page then asks us to `payOrder` with the payment method; a
card that needs 3-D Secure is finished with `stripe.confirmCardPayment`, its one challenge. The
order becomes PAID only from Stripe's signed webhook, so the order page shows what the API says.
"""

from __future__ import annotations

import uuid
from typing import Any
from urllib.parse import quote as urlquote

import pycountry
from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response

from storefront import addresses, queries
from storefront.api_client import ApiUnavailable
from storefront.buyer import convert_prices
from storefront.web import BuyerPage, Page

router = APIRouter()

COOKIE_CART = "tn_cart"
MAX_LINES = 20
MAX_QUANTITY = 99
MAX_ID_LENGTH = 120
# Incoterms 2020 offered to buyers abroad (EXW is not: the buyer cannot clear export in China).
# FOB and CIF are for sea freight only; the quote says so when the shipping service flies or goes by rail.
INCOTERMS = ("DDP", "DAP", "CIP", "CIF", "FCA", "FOB")
SHIPPING_SERVICES = ("express", "economy")

MONEY = "{ amount currency formatted }"
AMOUNTS = f"goods {MONEY} coreDeposit {MONEY} shipping {MONEY} insurance {MONEY} duty {MONEY} vat {MONEY} total {MONEY}"

CREATE_QUOTE = """
mutation CreateQuote($input: QuoteInput!) { createQuote(input: $input) { id } }"""

QUOTE = f"""
query Quote($id: ID!, $locale: String) {{
  quote(id: $id) {{
    id destinationCountry destinationRegion incoterm currency fxRate expiresAt expired shippingService dutyStatus notes
    date dated taxScheme taxRegistration
    {AMOUNTS}
    lines {{ quantity part {{ id sku title(locale: $locale) }} {AMOUNTS} }}
  }}
}}"""

PLACE_ORDER = """
mutation PlaceOrder($quoteId: ID!, $key: String!, $address: ID) {
  placeOrder(quoteId: $quoteId, idempotencyKey: $key, shippingAddressId: $address) { order { id status } }
}"""

START_CARD_SETUP = "mutation { startCardSetup { clientSecret publishableKey } }"

PAY_ORDER = """
mutation PayOrder($orderId: ID!, $paymentMethodId: String!) {
  payOrder(orderId: $orderId, paymentMethodId: $paymentMethodId) {
    id status paymentStatus requiresAction actionClientSecret
  }
}"""

ORDER_FIELDS = f"""
    id number status paymentStatus attention screeningStatus currency destinationCountry incoterm createdAt paidAt
    {AMOUNTS}
    refunded {MONEY}
    shippingAddress {{ formatted vatNumber eoriNumber }}
    statusHistory {{ status at reason }}
    disputes {{ status reason createdAt updatedAt }}
    nonDeliveryReportedAt
    lines {{
      id quantity status total {MONEY}
      part {{ id sku title(locale: $locale) }}
      supplier {{ nameEn nameZh }}
      shipment {{ carrier trackingNumber shippedAt trackingUrl }}
      coreReturn {{ id status deadline refund {MONEY} }}
      partReturn {{
        id status reason description warrantyUntil decisionNote refunded {MONEY}
        returnShipment {{ carrier trackingNumber }} replacementShipment {{ carrier trackingNumber }}
      }}
    }}"""

ORDER = f"""
query Order($id: ID!, $locale: String) {{
  order(id: $id) {{ {ORDER_FIELDS} }}
}}"""

ORDER_BY_NUMBER = f"""
query OrderByNumber($number: String!, $locale: String) {{
  orderByNumber(number: $number) {{ {ORDER_FIELDS} }}
}}"""

MY_ORDERS = f"""
query MyOrders($after: String) {{
  myOrders(first: 20, after: $after) {{
    edges {{ node {{ id number status paymentStatus createdAt total {MONEY} lines {{ quantity }} }} }}
    pageInfo {{ hasNextPage endCursor }}
  }}
}}"""

CART_ESTIMATE = """
query CartEstimate($lines: [CartLineInput!]!, $country: String!, $currency: String!) {
  cartEstimate(lines: $lines, destinationCountry: $country, currency: $currency) {
    subtotal { formatted }
    coreDeposit { amount formatted }
    options { service transitDays total { formatted } shipping { formatted } duty { formatted } vat { formatted } }
  }
}"""

PART_FOR_SALE = """
query PartForSale($id: ID!, $country: String!) {
  node(id: $id) { ... on Part { id listed eligibility(country: $country) { eligible } } }
}"""

REQUEST_CORE_RETURN = """
mutation RequestCoreReturn($lineId: ID!) { requestCoreReturn(orderLineId: $lineId) { id status } }"""


# --- the cart, kept in a cookie: "partId*quantity|partId*quantity" -----------------------------


def read_cart(page: Page) -> dict[str, int]:
    cart: dict[str, int] = {}
    for item in (page.request.cookies.get(COOKIE_CART) or "").split("|"):
        part_id, _, quantity = item.partition("*")
        well_formed = 0 < len(part_id) <= MAX_ID_LENGTH and quantity.isdigit() and 0 < int(quantity) <= MAX_QUANTITY
        if well_formed and len(cart) < MAX_LINES:
            cart[part_id] = int(quantity)
    return cart


def write_cart(page: Page, cart: dict[str, int]) -> None:
    page.remember(COOKIE_CART, "|".join(f"{k}*{v}" for k, v in cart.items() if v > 0))


def _quantity(text: str) -> int | None:
    text = text.strip()
    return int(text) if text.isdigit() and int(text) <= MAX_QUANTITY else None


async def _cart_parts(page: Page, cart: dict[str, int]) -> tuple[list[dict[str, Any]], bool]:
    """The cart's parts with their prices in the visitor's currency, and whether they could be
    converted (else they stay in CNY, and the page says so)."""
    if not cart:
        return [], True
    variables: dict[str, Any] = {"locale": page.locale, "country": page.country}
    ids = list(cart)
    fields = "\n".join(
        f"  p{i}: node(id: $id{i}) {{ ... on Part {{ id sku title(locale: $locale) available "
        f"price {{ formatted }} eligibility(country: $country) {{ eligible missingSchemes }} }} }}"
        for i in range(len(ids))
    )
    declared = ", ".join(f"$id{i}: ID!" for i in range(len(ids)))
    document = f"query Cart($locale: String, $country: String!, {declared}) {{\n{fields}\n}}"
    variables.update({f"id{i}": part_id for i, part_id in enumerate(ids)})
    result = await page.query(document, variables, auth=False)
    data = result.data or {}
    parts = []
    for i, part_id in enumerate(ids):
        node = data.get(f"p{i}")
        if node:
            parts.append({**node, "quantity": cart[part_id]})
    return parts, await convert_prices(page, parts)


async def _cart_estimate(page: Page, parts: list[dict[str, Any]]) -> tuple[dict[str, Any] | None, str | None]:
    """The cart's subtotal and its shipping options (cheapest first) before any sign-in, or
    None and why not; without the orders service, None and no reason (the quote form still works)."""
    if not parts:
        return None, None
    lines = [{"partId": p["id"], "quantity": p["quantity"]} for p in parts]
    variables = {"lines": lines, "country": page.country, "currency": page.currency}
    try:
        result = await page.query(CART_ESTIMATE, variables, auth=False)
    except ApiUnavailable:
        return None, None
    estimate = (result.data or {}).get("cartEstimate")
    if estimate is None:
        error = result.error()
        return None, error.message if error else None
    return estimate, None


async def _render_cart(
    page: Page,
    cart: tuple[list[dict[str, Any]], bool],
    errors: dict[str, str],
    status_code: int = 200,
    title: str | None = None,
    *,
    book: list[dict[str, Any]] | None = None,
    chosen_id: str | None = None,
    address_form: dict[str, str] | None = None,
    address_errors: dict[str, str] | None = None,
) -> Response:
    parts, converted = cart
    estimate, no_estimate = await _cart_estimate(page, parts)
    return page.render(
        "cart.html",
        status_code=status_code,
        parts=parts,
        converted=converted,
        estimate=estimate,
        no_estimate=no_estimate,
        errors=errors,
        errors_title=title,
        incoterms=INCOTERMS,
        services=SHIPPING_SERVICES,
        signed_in=book is not None,
        addresses=book or [],
        chosen_id=chosen_id,
        address_form=address_form or {},
        address_errors=address_errors or {},
    )


async def _book_if_signed_in(page: Page) -> list[dict[str, Any]] | None:
    """The buyer's address book for the quote form; None for a visitor who is not signed in."""
    if not page.token and not page.refresh_token:
        return None
    result = await page.query(addresses.MY_ADDRESSES)
    viewer = (result.data or {}).get("viewer") or {}
    return list(viewer.get("addresses") or []) if result.data is not None and not result.errors else None


@router.get("/cart", name="cart")
async def cart(page: BuyerPage) -> Response:
    return await _render_cart(
        page,
        await _cart_parts(page, read_cart(page)),
        {},
        book=await _book_if_signed_in(page),
        chosen_id=page.request.cookies.get(addresses.COOKIE_SHIP_TO),
    )


@router.post("/cart/add", name="cart_add")
async def cart_add(page: BuyerPage, request: Request) -> Response:
    form = await request.form()
    part_id = str(form.get("part_id") or "").strip()
    quantity = _quantity(str(form.get("quantity") or "1")) or 1
    cart = read_cart(page)
    # Global ids are short; anything else would only bloat the cookie past what browsers keep.
    if 0 < len(part_id) <= MAX_ID_LENGTH and "|" not in part_id and (part_id in cart or len(cart) < MAX_LINES):
        # The page hides the button for such parts; this refuses the same part posted by hand.
        refusal = await _not_for_sale(page, part_id)
        if refusal is not None:
            return await _render_cart(
                page,
                await _cart_parts(page, cart),
                {"": refusal},
                status_code=409,
                title=page._("The part was not added to the cart."),
            )
        cart[part_id] = min(MAX_QUANTITY, cart.get(part_id, 0) + quantity)
    write_cart(page, cart)
    return page.redirect("/cart")


async def _not_for_sale(page: Page, part_id: str) -> str | None:
    """Why this part may not go into this buyer's cart (the buyer's "Ship to" country), or None."""
    result = await page.query(PART_FOR_SALE, {"id": part_id, "country": page.country}, auth=False)
    part = (result.data or {}).get("node")
    if not part or not part.get("listed"):
        return page._("This part is no longer offered.")
    if not part["eligibility"]["eligible"]:
        return page._(
            "This part may not be sold in {country}, so it cannot be added to the cart.",
            country=page.country_name(page.country),
        )
    return None


@router.post("/cart/update", name="cart_update")
async def cart_update(page: BuyerPage, request: Request) -> Response:
    form = await request.form()
    cart = read_cart(page)
    for part_id in list(cart):
        typed = form.get(f"q_{part_id}")
        if typed is None:
            continue
        quantity = _quantity(str(typed))
        if quantity == 0 or form.get("remove") == part_id:
            cart.pop(part_id)
        elif quantity is not None:
            cart[part_id] = quantity
    if form.get("remove"):
        cart.pop(str(form.get("remove")), None)
    write_cart(page, cart)
    return page.redirect("/cart")


async def _signed_in_buyer(page: Page) -> bool:
    if not page.token and not page.refresh_token:
        return False
    result = await page.query(queries.VIEWER)
    account = ((result.data or {}).get("viewer") or {}).get("account")
    return bool(account and account.get("role") == "BUYER")


def _to_login(page: Page, target: str) -> Response:
    return page.redirect(f"/account/login?next={urlquote(target)}")


def destination_region(address: dict[str, Any]) -> str | None:
    """The address's province or state as an ISO 3166-2 code (CA + ON -> CA-ON), for the import tax
    of the countries that tax by province (Canada's HST); None when it has none we know."""
    country = str(address.get("country") or "").upper()
    area = str(address.get("countryArea") or "").strip()
    if not country or not area:
        return None
    code = area.upper() if area.upper().startswith(f"{country}-") else f"{country}-{area.upper()}"
    if pycountry.subdivisions.get(code=code) is not None:
        return code
    by_name = [s for s in pycountry.subdivisions.get(country_code=country) or [] if s.name.lower() == area.lower()]
    return by_name[0].code if by_name else None


async def _create_quote(
    page: Page, lines: list[dict[str, Any]], incoterm: str, service: str, region: str | None = None
) -> Any:
    variables = {
        "input": {
            "lines": lines,
            "destinationCountry": page.country,
            "incoterm": incoterm if incoterm in INCOTERMS else "DDP",
            "currency": page.currency,
            "shippingService": service if service in SHIPPING_SERVICES else None,
            "destinationRegion": region,
        },
    }
    return await page.query(CREATE_QUOTE, variables)


@router.post("/cart/quote", name="cart_quote")
async def cart_quote(page: BuyerPage, request: Request) -> Response:
    if not await _signed_in_buyer(page):
        return _to_login(page, "/cart")
    form = await request.form()
    cart = read_cart(page)
    if not cart:
        return page.redirect("/cart")
    address, address_errors = await addresses.ship_to(page, form)
    if address is None:
        return await _render_cart(
            page,
            await _cart_parts(page, cart),
            {"": page._("Check the shipping address.")},
            status_code=422,
            book=await _book_if_signed_in(page),
            chosen_id=addresses.NEW,
            address_form=addresses.typed(form),
            address_errors=address_errors,
        )
    addresses.follow_address(page, address)
    lines = [{"partId": k, "quantity": v} for k, v in cart.items()]
    result = await _create_quote(
        page,
        lines,
        str(form.get("incoterm") or "DDP"),
        str(form.get("service") or ""),
        destination_region(address),
    )
    created = (result.data or {}).get("createQuote")
    if created is None:
        error = result.error()
        message = error.message if error else page._("The quote could not be made.")
        return await _render_cart(
            page,
            await _cart_parts(page, cart),
            {"": message},
            status_code=422,
            book=await _book_if_signed_in(page),
            chosen_id=address["id"],
        )
    return page.redirect(f"/quotes/{created['id']}")


@router.get("/quotes/{quote_id}", name="quote")
async def quote(page: BuyerPage, quote_id: str) -> Response:
    if not await _signed_in_buyer(page):
        return _to_login(page, page.here)
    result = await page.query(QUOTE, {"id": quote_id, "locale": page.locale})
    found = (result.data or {}).get("quote")
    if not found:
        return page.render("not_found.html", status_code=404)
    return page.render(
        "quote.html", quote=found, idempotency_key=str(uuid.uuid4()), errors={}, ship_to=await _ship_to(page, found)
    )


async def _ship_to(page: Page, quote: dict[str, Any]) -> dict[str, Any] | None:
    """The address chosen before this quote, when it is in the country the quote is for."""
    address = await addresses.chosen(page)
    return address if address and address["country"] == quote["destinationCountry"] else None


@router.post("/quotes/{quote_id}/renew", name="quote_renew")
async def quote_renew(page: BuyerPage, quote_id: str) -> Response:
    """An expired quote priced again: same lines, destination, Incoterm and currency, today's rate."""
    if not await _signed_in_buyer(page):
        return _to_login(page, f"/quotes/{quote_id}")
    result = await page.query(QUOTE, {"id": quote_id, "locale": page.locale})
    old = (result.data or {}).get("quote")
    if not old:
        return page.render("not_found.html", status_code=404)
    lines = [{"partId": line["part"]["id"], "quantity": line["quantity"]} for line in old["lines"]]
    variables = {
        "input": {
            "lines": lines,
            "destinationCountry": old["destinationCountry"],
            "incoterm": old["incoterm"],
            "currency": old["currency"],
            "shippingService": old["shippingService"],
            "destinationRegion": old.get("destinationRegion"),
        }
    }
    renewed = await page.query(CREATE_QUOTE, variables)
    created = (renewed.data or {}).get("createQuote")
    if created is None:
        error = renewed.error()
        return page.render(
            "quote.html",
            status_code=422,
            quote=old,
            idempotency_key=str(uuid.uuid4()),
            errors={"": error.message if error else page._("The quote could not be made.")},
            ship_to=await _ship_to(page, old),
        )
    return page.redirect(f"/quotes/{created['id']}")


@router.post("/quotes/{quote_id}/order", name="quote_order")
async def quote_order(page: BuyerPage, quote_id: str, request: Request) -> Response:
    if not await _signed_in_buyer(page):
        return _to_login(page, f"/quotes/{quote_id}")
    form = await request.form()
    key = str(form.get("idempotency_key") or "")[:100] or str(uuid.uuid4())
    ship_to = await addresses.chosen(page)
    variables = {"quoteId": quote_id, "key": key, "address": ship_to["id"] if ship_to else None}
    result = await page.query(PLACE_ORDER, variables)
    placed = (result.data or {}).get("placeOrder")
    if placed is None:
        found = (await page.query(QUOTE, {"id": quote_id, "locale": page.locale})).data or {}
        if not found.get("quote"):
            return page.render("not_found.html", status_code=404)
        error = result.error()
        return page.render(
            "quote.html",
            status_code=409 if error and error.code == "CONFLICT" else 422,
            quote=found["quote"],
            idempotency_key=key,
            errors={"": error.message if error else page._("The order could not be placed.")},
            ship_to=await _ship_to(page, found["quote"]),
        )
    write_cart(page, {})
    return page.redirect(f"/orders/{placed['order']['id']}/pay")


# --- paying -----------------------------------------------------------------------------------


def _is_number(ref: str) -> bool:
    return ref[:3].upper() == "TN-"


async def _order(page: Page, ref: str) -> dict[str, Any] | None:
    """An order by its number (the address people see and mail links to) or by its id."""
    if _is_number(ref):
        result = await page.query(ORDER_BY_NUMBER, {"number": ref, "locale": page.locale})
        found = (result.data or {}).get("orderByNumber")
    else:
        result = await page.query(ORDER, {"id": ref, "locale": page.locale})
        found = (result.data or {}).get("order")
    return dict(found) if found else None


@router.get("/orders/{order_id}/pay", name="order_pay")
async def order_pay(page: BuyerPage, order_id: str) -> Response:
    if not await _signed_in_buyer(page):
        return _to_login(page, page.here)
    order = await _order(page, order_id)
    if order is None:
        return page.render("not_found.html", status_code=404)
    if order["status"] != "PENDING_PAYMENT":
        return page.redirect(f"/orders/{order['number']}")
    stripe_js = page.settings.stripe_js
    response = page.render("pay.html", order=order, stripe_js=stripe_js)
    origin = page.settings.stripe_origin
    response.headers["Content-Security-Policy"] = (
        f"default-src 'self'; script-src 'self' {origin}; style-src 'self'; "
        f"img-src 'self' data: {origin}; connect-src 'self' {page.settings.stripe_api_origin} {origin}; "
        f"frame-src {origin} https://hooks.stripe.com; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
    )
    return response


@router.post("/orders/{order_id}/card-setup", name="order_card_setup")
async def order_card_setup(page: BuyerPage, order_id: str) -> Response:
    result = await page.query(START_CARD_SETUP)
    setup = (result.data or {}).get("startCardSetup")
    if setup is None:
        error = result.error()
        return page.apply(JSONResponse({"error": error.message if error else "card setup failed"}, status_code=422))
    return page.apply(JSONResponse(setup))


@router.post("/orders/{order_id}/pay", name="order_pay_submit")
async def order_pay_submit(page: BuyerPage, order_id: str, request: Request) -> Response:
    try:
        body = await request.json()
    except ValueError:
        body = None
    payment_method = str(body.get("paymentMethodId") or "") if isinstance(body, dict) else ""
    if not payment_method:
        return page.apply(JSONResponse({"error": page._("The card could not be read.")}, status_code=400))
    result = await page.query(PAY_ORDER, {"orderId": order_id, "paymentMethodId": payment_method})
    paid = (result.data or {}).get("payOrder")
    if paid is None:
        error = result.error()
        return page.apply(JSONResponse({"error": error.message if error else "payment failed"}, status_code=402))
    return page.apply(JSONResponse(paid))


# --- orders -----------------------------------------------------------------------------------


@router.get("/orders", name="orders")
async def orders(page: BuyerPage, after: str = "", number: str = "") -> Response:
    if not await _signed_in_buyer(page):
        return _to_login(page, "/orders")
    wanted = number.strip()[:40]
    if wanted:
        found = await page.query(ORDER_BY_NUMBER, {"number": wanted, "locale": page.locale})
        match = (found.data or {}).get("orderByNumber")
        if match:
            return page.redirect(f"/orders/{urlquote(match['number'])}")
    result = await page.query(MY_ORDERS, {"after": after or None})
    connection = (result.data or {}).get("myOrders") or {"edges": [], "pageInfo": {}}
    return page.render(
        "orders.html",
        orders=[e["node"] for e in connection["edges"]],
        page_info=connection["pageInfo"],
        number=wanted,
        not_found=bool(wanted),
    )


@router.get("/orders/{order_id}", name="order")
async def order(page: BuyerPage, order_id: str, notice: str = "") -> Response:
    if not await _signed_in_buyer(page):
        return _to_login(page, page.here)
    found = await _order(page, order_id)
    if found is None:
        return page.render("not_found.html", status_code=404)
    return page.render("order.html", order=found, notice=notice)


@router.post("/orders/{order_id}/lines/{line_id}/core-return", name="core_return")
async def core_return(page: BuyerPage, order_id: str, line_id: str) -> Response:
    result = await page.query(REQUEST_CORE_RETURN, {"lineId": line_id})
    if (result.data or {}).get("requestCoreReturn") is None:
        found = await _order(page, order_id)
        if found is None:
            return page.render("not_found.html", status_code=404)
        error = result.error()
        return page.render(
            "order.html",
            status_code=422,
            order=found,
            notice="",
            error=error.message if error else "",
        )
    return page.redirect(f"/orders/{urlquote(order_id)}?notice=core_return")
