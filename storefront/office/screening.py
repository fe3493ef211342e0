"""Sanctions screening in the back office (admins): the orders on hold because a name on them
is near an entry of a consolidated sanctions list, each with its potential matches; an admin
clears a false positive or confirms a match (the order is cancelled and refunded), always with
a reason, which the gateway audits."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from storefront.office.staff import OfficePage, Staff, current_admin, to_login
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
    data = await request.form()
    decision = str(data.get("decision") or "")
    reason = " ".join(str(data.get("reason") or "").split())
    form = {"reason": reason}
    if decision not in ("clear", "confirm"):
        errors = {"": page._("Choose a decision.")}
        return await _holds_page(page, staff, failed=order_id, form=form, errors=errors, status_code=422)
    if not reason:
        errors = {"reason": page._("Give the reason for this decision.")}
        return await _holds_page(page, staff, failed=order_id, form=form, errors=errors, status_code=422)
    mutation, name = (CLEAR, "clearScreeningHold") if decision == "clear" else (CONFIRM, "confirmScreeningMatch")
    result = await page.query(mutation, {"id": order_id, "reason": reason})
    if (result.data or {}).get(name) is None:
        if result.error("UNAUTHENTICATED"):
            return to_login(page)
        errors = result.field_errors(("reason",)) or {"": page._("The decision could not be made.")}
        return await _holds_page(page, staff, failed=order_id, form=form, errors=errors, status_code=422)
    return page.redirect(f"/office/screening?notice={'cleared' if decision == 'clear' else 'confirmed'}")
