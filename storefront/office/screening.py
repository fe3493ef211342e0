"""Sanctions screening in the back office (admins): the orders on hold because a name on them
is near an entry of a consolidated sanctions list, each with its potential matches; an admin
clears a false positive or confirms a match (the order is cancelled and refunded), always with
a reason, which the gateway audits."""

from __future__ import annotations

from collections.abc import Awaitable
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from storefront.office import decisions
from storefront.office.staff import OfficePage, Staff, current_admin
from storefront.web import Page

router = APIRouter(prefix="/office/screening")

HOLDS = """
query OfficeScreeningHolds {
  screeningHolds(first: 100) {
    orderId orderNumber orderStatus paymentStatus destinationCountry placedAt cutoff total { formatted }
    lists { code name published extract }
    matches { list reference listedName matchedName screenedName role score }
  }
}"""
CLEAR = """
mutation OfficeClearScreeningHold($id: ID!, $reason: String!) {
  clearScreeningHold(orderId: $id, reason: $reason) { status }
}"""
CONFIRM = """
mutation OfficeConfirmScreeningMatch($id: ID!, $reason: String!) {
  confirmScreeningMatch(orderId: $id, reason: $reason) { status }
}"""
OUTCOMES = {
    "clear": decisions.Outcome(CLEAR, "clearScreeningHold", notice="cleared"),
    "confirm": decisions.Outcome(CONFIRM, "confirmScreeningMatch", notice="confirmed"),
}


async def _holds_page(
    page: Page,
    staff: Staff,
    *,
    notice: str | None = None,
    failed: str | None = None,
    form: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    result = await page.query(HOLDS)
    holds: list[dict[str, Any]] = (result.data or {}).get("screeningHolds") or []
    return page.render(
        "office/screening/index.html",
        status_code=status_code,
        staff=staff,
        holds=holds,
        notice=notice,
        failed=failed,
        form=form or {"reason": ""},
        errors=errors or {},
        load_errors=result.errors,
    )


@router.get("", name="office_screening")
async def holds(page: OfficePage, notice: str = "") -> Response:
    staff = await current_admin(page)
    if isinstance(staff, Response):
        return staff
    notices = {
        "cleared": page._("Hold cleared. The order goes on to its supplier."),
        "confirmed": page._("Match confirmed. The order is cancelled and any payment refunded in full."),
    }
    return await _holds_page(page, staff, notice=notices.get(notice))


@router.post("/{order_id}/decision", name="office_screening_decision")
async def decide(page: OfficePage, order_id: str, request: Request) -> Response:
    staff = await current_admin(page)
    if isinstance(staff, Response):
        return staff

    def show_again(*, form: dict[str, str], errors: dict[str, str]) -> Awaitable[Response]:
        return _holds_page(page, staff, failed=order_id, form=form, errors=errors, status_code=422)

    return await decisions.decide(
        page,
        request,
        order_id,
        OUTCOMES,
        reason_missing=page._("Give the reason for this decision."),
        show_again=show_again,
        done="/office/screening",
    )
