"""Money back to buyers (admins): every refund, newest first, each with its order; and the card
disputes, each with the date its evidence is due at Stripe."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import Response

from storefront.office.staff import OfficePage, current_admin

router = APIRouter(prefix="/office/money")

REFUNDS = """
query OfficeRefunds($after: String) {
  refunds(first: 50, after: $after) {
    edges { node { id orderId orderNumber amount { formatted } reason stripeRefundId createdAt } }
    pageInfo { hasNextPage endCursor }
  }
  disputes(first: 50) {
    edges { node { id stripeDisputeId reason status evidenceDueBy amount { formatted } order { number } } }
  }
}"""


@router.get("", name="office_money")
async def money_back(page: OfficePage, after: str = "") -> Response:
    staff = await current_admin(page)
    if isinstance(staff, Response):
        return staff
    result = await page.query(REFUNDS, {"after": after or None})
    data = result.data or {}
    refunds = data.get("refunds") or {"edges": [], "pageInfo": {"hasNextPage": False}}
    disputes = [edge["node"] for edge in (data.get("disputes") or {"edges": []})["edges"]]
    return page.render("office/money/index.html", staff=staff, refunds=refunds, disputes=disputes, errors=result.errors)
