"""Payouts in the back office (admins): run a settlement, the statements with their payout
status, the pain.001 file for the chosen ones, and a bank status report imported with what it
did. Everything goes through the public API with the admin's token; the gateway and the
orders service decide who may."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Request
from fastapi.responses import Response
from starlette.datastructures import UploadFile

from storefront.api_client import Upload
from storefront.office.staff import OfficePage, Staff, current_admin
from storefront.web import Page

router = APIRouter(prefix="/office/payouts")

MAX_REPORT_BYTES = 5 * 1024 * 1024
# The bank pays on China's calendar: "today" for an execution date is today in Beijing.
CHINA_TZ = ZoneInfo("Asia/Shanghai")
STATUSES = ("CREATED", "SENT", "PAID", "FAILED")

STATEMENTS = """
query OfficePayouts($after: String) {
  settlements(first: 50, after: $after) {
    edges { node {
      id createdAt lineCount payoutStatus total { formatted }
      payout { endToEndId reasonCode reasonText accountNumberMasked settledAt }
      supplier { id nameZh nameEn bankAccount { bankName accountNumberMasked cnapsCode } }
    } }
    pageInfo { hasNextPage endCursor }
  }
}"""
RUN = "mutation OfficeRunSettlement { runSettlement { id } }"
EXPORT = """
mutation OfficeExportPayouts($ids: [ID!]!, $date: Date) {
  exportPayouts(batchIds: $ids, executionDate: $date) { messageId filename xml payoutCount }
}"""
IMPORT = """
mutation OfficeImportReport($file: Upload!) {
  importBankStatusReport(file: $file) {
    kind messageId alreadyImported importedAt
    entries { endToEndId outcome bankStatus reasonCode reasonText
              statement { id total { formatted } supplier { nameZh nameEn } } }
  }
}"""


async def _list_page(
    page: Page,
    staff: Staff,
    *,
    after: str | None = None,
    notice: str | None = None,
    error: str | None = None,
    report: dict[str, Any] | None = None,
    status_code: int = 200,
) -> Response:
    result = await page.query(STATEMENTS, {"after": after})
    connection = (result.data or {}).get("settlements") or {"edges": [], "pageInfo": {}}
    return page.render(
        "office/payouts/index.html",
        staff=staff,
        statements=[e["node"] for e in connection["edges"]],
        page_info=connection.get("pageInfo") or {},
        today=datetime.now(CHINA_TZ).date().isoformat(),
        notice=notice,
        error=error,
        report=report,
        status_code=status_code,
    )


@router.get("", name="office_payouts")
async def payouts(page: OfficePage, after: str = "", notice: str = "") -> Response:
    staff = await current_admin(page)
    if isinstance(staff, Response):
        return staff
    notices = {
        "run": page._("Settlement run: statements for every delivered line past the hold."),
        "nothing": page._("Settlement run: no delivered line is due yet."),
    }
    return await _list_page(page, staff, after=after or None, notice=notices.get(notice))


@router.post("/run", name="office_payouts_run")
async def run(page: OfficePage) -> Response:
    staff = await current_admin(page)
    if isinstance(staff, Response):
        return staff
    result = await page.query(RUN)
    made = (result.data or {}).get("runSettlement")
    if made is None:
        error = result.error()
        return await _list_page(page, staff, error=error.message if error else None, status_code=409)
    return page.redirect("/office/payouts?notice=" + ("run" if made else "nothing"))


@router.post("/export", name="office_payouts_export")
async def export(page: OfficePage, request: Request) -> Response:
    staff = await current_admin(page)
    if isinstance(staff, Response):
        return staff
    form = await request.form()
    ids = [str(v) for v in form.getlist("statement")]
    if not ids:
        return await _list_page(page, staff, error=page._("Choose the statements to pay."), status_code=422)
    execution_date = str(form.get("execution_date") or "").strip() or None
    result = await page.query(EXPORT, {"ids": ids, "date": execution_date})
    exported = (result.data or {}).get("exportPayouts")
    if exported is None:
        error = result.error()
        return await _list_page(page, staff, error=error.message if error else None, status_code=422)
    return page.apply(
        Response(
            content=exported["xml"].encode("utf-8"),
            media_type="application/xml",
            headers={"Content-Disposition": f'attachment; filename="{exported["filename"]}"'},
        )
    )


@router.post("/import", name="office_payouts_import")
async def import_report(page: OfficePage, request: Request) -> Response:
    staff = await current_admin(page)
    if isinstance(staff, Response):
        return staff
    form = await request.form()
    upload = form.get("file")
    if not isinstance(upload, UploadFile) or not upload.filename:
        return await _list_page(page, staff, error=page._("Choose the bank's status report file."), status_code=422)
    content = await upload.read(MAX_REPORT_BYTES + 1)
    if len(content) > MAX_REPORT_BYTES:
        return await _list_page(page, staff, error=page._("The file is too large."), status_code=422)
    result = await page.query(
        IMPORT, files={"file": Upload(filename=upload.filename, content=content, content_type="application/xml")}
    )
    report = (result.data or {}).get("importBankStatusReport")
    if report is None:
        error = result.error()
        return await _list_page(page, staff, error=error.message if error else None, status_code=422)
    return await _list_page(page, staff, report=report)
