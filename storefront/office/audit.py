"""The audit log (admins): who did what, when and why, newest first."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import Response

from storefront.office.staff import OfficePage, current_staff, not_for, to_login

router = APIRouter(prefix="/office/audit")

AUDIT_LOG = """
query OfficeAuditLog($actor: ID, $action: String, $after: String) {
  auditLog(actor: $actor, action: $action, first: 50, after: $after) {
    edges { node { id at actorId actorEmail actorRole action subjectId reason } }
    pageInfo { hasNextPage endCursor }
  }
}"""
# The staff actions the log holds so far, for the filter; others are still shown unfiltered.
ACTIONS = (
    "approveCertificate",
    "suspendCertificate",
    "revokeCertificate",
    "disableAccount",
    "enableAccount",
    "verifySupplier",
    "rejectSupplier",
    "runSettlement",
    "exportPayouts",
    "importBankStatusReport",
)


@router.get("", name="office_audit")
async def audit_log(page: OfficePage, action: str = "", actor: str = "", after: str = "") -> Response:
    staff = await current_staff(page)
    if staff is None:
        return to_login(page)
    if not staff.is_admin:
        return not_for(page, staff)
    variables = {"actor": actor or None, "action": action or None, "after": after or None}
    result = await page.query(AUDIT_LOG, variables)
    connection = (result.data or {}).get("auditLog") or {"edges": [], "pageInfo": {}}
    return page.render(
        "office/audit/list.html",
        staff=staff,
        entries=[e["node"] for e in connection["edges"]],
        page_info=connection["pageInfo"],
        filters={"action": action, "actor": actor},
        actions=ACTIONS,
        error=result.error(),
    )
