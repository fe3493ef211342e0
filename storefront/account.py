"""Buyer accounts: register, sign in, and set a new password through a link sent by e-mail
(quotes and orders belong to an account)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from storefront import queries
from storefront.web import BuyerPage, safe_next

router = APIRouter(prefix="/account")
FIELDS = ("email", "password")


@router.get("/login", name="account_login")
async def login_form(page: BuyerPage, next: str = "/", notice: str = "") -> Response:
    return page.render(
        "account/login.html", form={"email": ""}, errors={}, next=safe_next(next), notice=notice == "password_set"
    )


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
        elif error and error.reason == "ACCOUNT_DISABLED":
            message = error.message  # told only after the right password
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


@router.get("/forgot", name="account_forgot")
async def forgot_form(page: BuyerPage) -> Response:
    return page.render("account/forgot.html", form={"email": ""}, errors={}, sent=False)


@router.post("/forgot")
async def forgot(page: BuyerPage, request: Request) -> Response:
    data = await request.form()
    email = str(data.get("email") or "").strip()
    result = await page.query(queries.REQUEST_PASSWORD_RESET, {"email": email}, auth=False)
    if not (result.data or {}).get("requestPasswordReset"):
        error = result.error()
        if error and error.code == "RATE_LIMITED":
            message = page._("Too many attempts; wait a few minutes and try again.")
        else:
            message = page._("Enter the e-mail address you registered with.")
        return page.render("account/forgot.html", status_code=422, form={"email": email}, errors={"email": message})
    # The same page whether or not the address has an account: that is not ours to tell.
    return page.render("account/forgot.html", form={"email": email}, errors={}, sent=True)


def _reset_page(page: BuyerPage, token: str, errors: dict[str, str], status_code: int = 200) -> Response:
    response = page.render("account/reset.html", status_code=status_code, token=token, errors=errors)
    # The token is in this page's address: no other site may be told it (same-origin, not
    # no-referrer, under which the browser sends `Origin: null` and the form would be refused).
    response.headers["Referrer-Policy"] = "same-origin"
    return response


@router.get("/reset", name="account_reset")
async def reset_form(page: BuyerPage, token: str = "") -> Response:
    return _reset_page(page, token[:200], {})


@router.post("/reset")
async def reset(page: BuyerPage, request: Request) -> Response:
    data = await request.form()
    token, password = str(data.get("token") or "")[:200], str(data.get("password") or "")
    result = await page.query(queries.RESET_PASSWORD, {"token": token, "password": password}, auth=False)
    if (result.data or {}).get("resetPassword"):
        page.sign_out()  # every login of the account has ended, this browser's too
        return page.redirect("/account/login?notice=password_set")
    errors = result.field_errors(("token", "newPassword"))
    if "token" in errors or "" in errors:
        return _reset_page(
            page, token, {"token": page._("This reset link is invalid, used or expired; ask for a new one.")}, 422
        )
    return _reset_page(page, token, {"password": errors.get("newPassword", "")}, 422)


@router.post("/logout", name="account_logout")
async def logout(page: BuyerPage) -> Response:
    page.sign_out()
    return page.redirect("/")
