"""Who is signed in to the back office, and the guard every office page starts with."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated
from urllib.parse import quote

from fastapi import Depends, Request
from fastapi.responses import Response

from storefront.web import Page

STAFF_ROLES = ("INSPECTOR", "ADMIN")
ROLES = ("BUYER", "SUPPLIER", "INSPECTOR", "ADMIN")

VIEWER = """
query OfficeViewer { viewer { account { id email role } } }"""


@dataclass(frozen=True, slots=True)
class Staff:
    id: str
    email: str
    role: str

    @property
    def is_admin(self) -> bool:
        return self.role == "ADMIN"


def office_page(request: Request) -> Page:
    return Page(request, "office")


OfficePage = Annotated[Page, Depends(office_page)]


def to_login(page: Page) -> Response:
    return page.redirect(f"/office/login?next={quote(page.here)}")


async def current_staff(page: Page) -> Staff | None:
    """The signed-in staff member, or None (nobody, or an account that is not staff)."""
    if not page.token and not page.refresh_token:
        return None
    result = await page.query(VIEWER)
    account = ((result.data or {}).get("viewer") or {}).get("account")
    if not account or account.get("role") not in STAFF_ROLES:
        return None
    return Staff(id=account["id"], email=account["email"], role=account["role"])


def not_for(page: Page, staff: Staff) -> Response:
    """An admin's page opened by an inspector: said plainly, with a 403."""
    return page.render("office/forbidden.html", status_code=403, staff=staff)


async def current_admin(page: Page) -> Staff | Response:
    """The signed-in admin; otherwise the response to send instead: the sign-in page for nobody,
    a 403 for an inspector (the API would refuse them too)."""
    staff = await current_staff(page)
    if staff is None:
        return to_login(page)
    if not staff.is_admin:
        return not_for(page, staff)
    return staff
