"""Signing in to the back office, and its start page listing the work there is."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from storefront import queries
from storefront.office.staff import STAFF_ROLES, OfficePage, current_staff, to_login
from storefront.web import safe_next

router = APIRouter(prefix="/office")


@router.get("", name="office_home")
async def home(page: OfficePage) -> Response:
    staff = await current_staff(page)
    if staff is None:
        return to_login(page)
    return page.render("office/home.html", staff=staff)


@router.get("/login", name="office_login")
async def login_form(page: OfficePage, next: str = "/office") -> Response:
    return page.render("office/login.html", form={"email": ""}, errors={}, next=safe_next(next, "/office"))


@router.post("/login")
async def login(page: OfficePage, request: Request) -> Response:
    data = await request.form()
    email, password = str(data.get("email") or "").strip(), str(data.get("password") or "")
    target = safe_next(str(data.get("next") or ""), "/office")
    if not target.startswith("/office"):
        target = "/office"
    result = await page.query(queries.LOGIN, {"email": email, "password": password}, auth=False)
    payload = (result.data or {}).get("login")
    errors: dict[str, str] = {}
    if payload is None:
        error = result.error()
        if error and error.code == "RATE_LIMITED":
            errors["password"] = page._("Too many attempts; wait a few minutes and try again.")
        elif error and error.reason == "ACCOUNT_DISABLED":
            errors["password"] = error.message  # told only after the right password
        else:
            errors["password"] = page._("Wrong e-mail address or password.")
    elif payload["account"]["role"] not in STAFF_ROLES:
        # A buyer's or supplier's account never opens the back office, whatever its password.
        errors["email"] = page._("This account is not a staff account.")
    if errors or payload is None:
        return page.render("office/login.html", status_code=422, form={"email": email}, errors=errors, next=target)
    page.sign_in(payload["token"], payload["refreshToken"])
    return page.redirect(target)


@router.post("/logout", name="office_logout")
async def logout(page: OfficePage) -> Response:
    page.sign_out()
    return page.redirect("/office/login")
