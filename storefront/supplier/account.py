"""Signing in to the supplier portal, registering with the company, signing out."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from storefront import queries
from storefront.supplier.forms import read_form
from storefront.web import SupplierPage, safe_next

router = APIRouter(prefix="/supplier")

REGISTER_FIELDS = ("email", "password", "name_en", "name_zh", "uscc")


@router.get("/login", name="supplier_login")
async def login_form(page: SupplierPage, next: str = "/supplier") -> Response:
    return page.render("supplier/login.html", form={"email": ""}, errors={}, next=safe_next(next, "/supplier"))


@router.post("/login")
async def login(page: SupplierPage, request: Request) -> Response:
    form = await read_form(request, ("email", "password", "next"))
    target = safe_next(form["next"], "/supplier")
    result = await page.query(queries.LOGIN, {"email": form["email"].strip(), "password": form["password"]}, auth=False)
    payload = (result.data or {}).get("login")
    errors: dict[str, str] = {}
    if payload is None:
        error = result.error()
        if error and error.code == "RATE_LIMITED":
            errors["password"] = page._("Too many attempts; wait a few minutes and try again.")
        elif error and error.reason == "ACCOUNT_DISABLED":
            errors["password"] = error.message  # told only after the right password
        elif error and error.code == "BAD_USER_INPUT" and error.form_field(("email",)):
            errors["email"] = error.message
        else:
            errors["password"] = page._("Wrong e-mail address or password.")
    elif payload["account"]["role"] != "SUPPLIER":
        errors["email"] = page._("This account is not a supplier account.")
    if errors or payload is None:
        return page.render(
            "supplier/login.html", status_code=422, form={"email": form["email"]}, errors=errors, next=target
        )
    page.sign_in(payload["token"], payload["refreshToken"])
    return page.redirect(target)


@router.get("/register", name="supplier_register")
async def register_form(page: SupplierPage) -> Response:
    return page.render("supplier/register.html", form=dict.fromkeys(REGISTER_FIELDS, ""), errors={})


@router.post("/register")
async def register(page: SupplierPage, request: Request) -> Response:
    form = await read_form(request, REGISTER_FIELDS)
    variables = {
        "input": {
            "email": form["email"].strip(),
            "password": form["password"],
            "role": "SUPPLIER",
            "supplier": {"nameEn": form["name_en"].strip(), "nameZh": form["name_zh"].strip(), "uscc": form["uscc"]},
        }
    }
    result = await page.query(queries.REGISTER, variables, auth=False)
    payload = (result.data or {}).get("register")
    if payload is None:
        errors = result.field_errors(REGISTER_FIELDS)
        return page.render("supplier/register.html", status_code=422, form={**form, "password": ""}, errors=errors)
    page.sign_in(payload["token"], payload["refreshToken"])
    return page.redirect("/supplier?notice=welcome")


@router.post("/logout", name="supplier_logout")
async def logout(page: SupplierPage) -> Response:
    page.sign_out()
    return page.redirect("/supplier/login")
