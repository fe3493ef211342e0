"""Buyer accounts: register and sign in (quotes and orders belong to an account)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from storefront import queries
from storefront.web import BuyerPage, safe_next

router = APIRouter(prefix="/account")
FIELDS = ("email", "password")


@router.get("/login", name="account_login")
async def login_form(page: BuyerPage, next: str = "/") -> Response:
    return page.render("account/login.html", form={"email": ""}, errors={}, next=safe_next(next))


@router.post("/login")
async def login(page: BuyerPage, request: Request) -> Response:
    data = await request.form()
    email, password = str(data.get("email") or "").strip(), str(data.get("password") or "")
    target = safe_next(str(data.get("next") or "/"))
    result = await page.query(queries.LOGIN, {"email": email, "password": password}, auth=False)
    payload = (result.data or {}).get("login")
    if payload is None or payload["account"]["role"] != "BUYER":
        error = result.error()
        if payload is not None:
            message = page._("This is a supplier account; sign in on the supplier portal.")
        elif error and error.code == "RATE_LIMITED":
            message = page._("Too many attempts; wait a few minutes and try again.")
        else:
            message = page._("Wrong e-mail address or password.")
        return page.render(
            "account/login.html", status_code=422, form={"email": email}, errors={"password": message}, next=target
        )
    page.sign_in(payload["token"], payload["refreshToken"])
    return page.redirect(target)


@router.get("/register", name="account_register")
async def register_form(page: BuyerPage, next: str = "/") -> Response:
    return page.render("account/register.html", form={"email": ""}, errors={}, next=safe_next(next))


@router.post("/register")
async def register(page: BuyerPage, request: Request) -> Response:
    data = await request.form()
    email, password = str(data.get("email") or "").strip(), str(data.get("password") or "")
    target = safe_next(str(data.get("next") or "/"))
    variables = {"input": {"email": email, "password": password, "role": "BUYER"}}
    result = await page.query(queries.REGISTER, variables, auth=False)
    payload = (result.data or {}).get("register")
    if payload is None:
        errors = result.field_errors(FIELDS)
        if "" in errors:
            errors.setdefault("email", errors.pop(""))
        return page.render("account/register.html", status_code=422, form={"email": email}, errors=errors, next=target)
    page.sign_in(payload["token"], payload["refreshToken"])
    return page.redirect(target)


@router.post("/logout", name="account_logout")
async def logout(page: BuyerPage) -> Response:
    page.sign_out()
    return page.redirect("/")
