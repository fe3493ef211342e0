"""How a quote's price was made: a public page for anyone holding the quote's link.

A buyer sends the link to a customs broker, who has no account with us. The page asks the
gateway's public `quotePricing` query, without the visitor's credentials: the gateway reads the
quote with its own service credentials and answers only what priced it (destination, Incoterm,
date, the lines' HS codes, every rule with its source), never who asked for it. The quote's id
is a random UUID, so the link is as hard to guess as a receipt's; the gateway's per-address
rate limit applies as to every public query.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from fastapi import APIRouter
from fastapi.responses import Response

from storefront.web import BuyerPage

router = APIRouter()

RULE = "table key says source validFrom validTo"
QUOTE_PRICING = f"""
query QuotePricing($id: ID!) {{
  quotePricing(id: $id) {{
    id destinationCountry customsTerritory incoterm shippingService currency date dated
    fxRate fxSource fxAsOf createdAt notes
    lines {{ category hsCode quantity dutyRate vatRate }}
    pricedBy {{ {RULE} }}
  }}
}}"""


def percent(rate: str) -> str:
    """'0.027' as '2.7 %' (a rate the page cannot read is shown as it came)."""
    try:
        value = Decimal(rate) * 100
    except InvalidOperation:
        return rate
    text = format(value.normalize(), "f")
    return f"{text} %"


@router.get("/quotes/{quote_id}/pricing", name="quote_pricing")
async def quote_pricing(page: BuyerPage, quote_id: str) -> Response:
    result = await page.query(QUOTE_PRICING, {"id": quote_id}, auth=False)
    found: dict[str, Any] | None = (result.data or {}).get("quotePricing")
    if not found:
        return page.render("not_found.html", status_code=404)
    for line in found["lines"]:
        line["dutyPercent"], line["vatPercent"] = percent(line["dutyRate"]), percent(line["vatRate"])
    response = page.render("quote_pricing.html", pricing=found)
    # A link to send, not a page for search engines.
    response.headers["X-Robots-Tag"] = "noindex"
    return response
