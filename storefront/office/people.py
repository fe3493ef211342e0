"""People (admins): accounts by role and address, disabled and enabled again, each with a reason."""

from __future__ import annotations

from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import Response

from storefront.office.staff import ROLES, OfficePage, Staff, current_staff, not_for, to_login
from storefront.web import Page

router = APIRouter(prefix="/office/people")

ACCOUNTS = """
query OfficeAccounts($role: Role, $search: String, $after: String) {
  accounts(role: $role, search: $search, first: 25, after: $after) {
    edges { node { id email role createdAt disabledAt disabledReason } }
    pageInfo { hasNextPage endCursor }
  }
}"""
CHANGE = """
mutation OfficeAccountState($id: ID!, $reason: String!) { %s(id: $id, reason: $reason) { id disabledAt } }"""
MUTATIONS = {"disable": "disableAccount", "enable": "enableAccount"}


async def _people_page(
    page: Page,
    staff: Staff,
    *,
    role: str,
    q: str,
    after: str,
    row_errors: dict[str, str] | None = None,
    typed: dict[str, str] | None = None,
    notice: str | None = None,
    status_code: int = 200,
) -> Response:
    variables = {"role": role if role in ROLES else None, "search": q.strip() or None, "after": after or None}
    result = await page.query(ACCOUNTS, variables)
    connection = (result.data or {}).get("accounts") or {"edges": [], "pageInfo": {}}
    return page.render(
        "office/people/list.html",
        status_code=status_code,
        staff=staff,
        accounts=[e["node"] for e in connection["edges"]],
        page_info=connection["pageInfo"],
        filters={"role": variables["role"] or "", "q": q},
        roles=ROLES,
        row_errors=row_errors or {},
        typed=typed or {},
        notice=notice,
        error=result.error(),
    )


@router.get("", name="office_people")
async def people(page: OfficePage, role: str = "", q: str = "", after: str = "", notice: str = "") -> Response:
    staff = await current_staff(page)
    if staff is None:
        return to_login(page)
    if not staff.is_admin:
        return not_for(page, staff)
    notices = {
        "disable": page._("The account is disabled: its next request is refused."),
        "enable": page._("The account is enabled again."),
    }
    return await _people_page(page, staff, role=role, q=q, after=after, notice=notices.get(notice))


@router.post("/{account_id}/{change}", name="office_account_state")
async def change_state(page: OfficePage, account_id: str, change: str, request: Request) -> Response:
    staff = await current_staff(page)
    if staff is None:
        return to_login(page)
    if not staff.is_admin:
        return not_for(page, staff)
    data = await request.form()
    role, q = str(data.get("role") or ""), str(data.get("q") or "")
    reason = str(data.get("reason") or "").strip()
    back = {"role": role, "q": q}
    if change not in MUTATIONS:
        return page.render("not_found.html", status_code=404)
    error: str | None = None
    if not reason:
        error = page._("Give the reason for this change.")
    else:
        result = await page.query(CHANGE % MUTATIONS[change], {"id": account_id, "reason": reason})
        if (result.data or {}).get(MUTATIONS[change]) is None:
            if result.error("UNAUTHENTICATED"):
                return to_login(page)
            refused = result.error()
            error = refused.message if refused else page._("The change could not be made.")
    if error is not None:
        return await _people_page(
            page,
            staff,
            **back,
            after="",
            row_errors={account_id: error},
            typed={account_id: reason},
            status_code=422,
        )
    query = urlencode({k: v for k, v in {**back, "notice": change}.items() if v})
    return page.redirect(f"/office/people?{query}")
