"""The supplier portal's payouts: where each of its statements' payouts stands (created, sent,
paid or failed with the bank's reason) and the bank account it is paid to, given and changed
here. The full account number is never shown again: only its last four digits."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from storefront.supplier.portal import supplier_of, to_login
from storefront.web import Page, SupplierPage

router = APIRouter(prefix="/supplier/payouts")

ACCOUNT_FIELDS = ("bank_name", "account_name", "account_number", "cnaps_code", "bic")

PAYOUTS = """
query SupplierPayouts($after: String) {
  viewer { account { email role supplier {
    id nameEn nameZh verified
    bankAccount { bankName accountName accountNumberMasked cnapsCode bic since }
  } } }
  settlements(first: 20, after: $after) {
    edges { node {
      id createdAt lineCount payoutStatus total { formatted }
      payout { reasonCode reasonText accountNumberMasked bankName sentAt settledAt }
    } }
    pageInfo { hasNextPage endCursor }
  }
}"""
SET_ACCOUNT = """
mutation SupplierSetBankAccount($input: BankAccountInput!) {
  setBankAccount(input: $input) { accountNumberMasked }
}"""


async def _payouts_page(
    page: Page,
    *,
    after: str | None = None,
    form: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    notice: str | None = None,
    status_code: int = 200,
) -> Response:
    result = await page.query(PAYOUTS, {"after": after})
    supplier = supplier_of(result.data)
    if supplier is None:
        return to_login(page)
    account = supplier.get("bankAccount")
    connection = (result.data or {}).get("settlements") or {"edges": [], "pageInfo": {}}
    if form is None:
        # The number is never sent back to the browser: a change types it again.
        form = {name: "" for name in ACCOUNT_FIELDS}
        if account:
            form.update(
                bank_name=account["bankName"],
                account_name=account["accountName"],
                cnaps_code=account["cnapsCode"],
                bic=account.get("bic") or "",
            )
    return page.render(
        "supplier/payouts.html",
        supplier=supplier,
        account=account,
        statements=[e["node"] for e in connection["edges"]],
        page_info=connection.get("pageInfo") or {},
        form=form,
        errors=errors or {},
        notice=notice,
        status_code=status_code,
    )


@router.get("", name="supplier_payouts")
async def payouts(page: SupplierPage, after: str = "", notice: str = "") -> Response:
    notices = {"saved": page._("Your bank account is saved. The next payouts go to it.")}
    return await _payouts_page(page, after=after or None, notice=notices.get(notice))


@router.post("/bank-account", name="supplier_bank_account")
async def set_bank_account(page: SupplierPage, request: Request) -> Response:
    data = await request.form()
    form = {name: str(data.get(name) or "").strip() for name in ACCOUNT_FIELDS}
    variables: dict[str, Any] = {
        "input": {
            "bankName": form["bank_name"],
            "accountName": form["account_name"],
            "accountNumber": form["account_number"],
            "cnapsCode": form["cnaps_code"],
            "bic": form["bic"] or None,
        }
    }
    result = await page.query(SET_ACCOUNT, variables)
    if (result.data or {}).get("setBankAccount") is None:
        if result.error("UNAUTHENTICATED"):
            return to_login(page)
        return await _payouts_page(page, form=form, errors=result.field_errors(ACCOUNT_FIELDS), status_code=422)
    return page.redirect("/supplier/payouts?notice=saved")
