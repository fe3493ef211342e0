"""The supplier's settlement statements in CNY: the list, a statement's order lines, and its CSV
to download."""

from __future__ import annotations

import base64
import re

from fastapi import APIRouter
from fastapi.responses import Response

from storefront import queries
from storefront.supplier.portal import field_or_unavailable, supplier_of, to_login
from storefront.web import SupplierPage

router = APIRouter(prefix="/supplier")


@router.get("/settlements", name="supplier_settlements")
async def settlements(page: SupplierPage, after: str = "") -> Response:
    result = await page.query(queries.SUPPLIER_SETTLEMENTS, {"after": after or None})
    supplier = supplier_of(result.data)
    if supplier is None:
        return to_login(page)
    connection = field_or_unavailable(result, "settlements") or {"edges": [], "pageInfo": {}}
    return page.render(
        "supplier/settlements.html",
        supplier=supplier,
        statements=[e["node"] for e in connection["edges"]],
        page_info=connection.get("pageInfo") or {},
    )


@router.get("/settlements/{settlement_id}", name="supplier_settlement")
async def settlement(page: SupplierPage, settlement_id: str) -> Response:
    result = await page.query(queries.SUPPLIER_SETTLEMENT, {"id": settlement_id})
    supplier = supplier_of(result.data)
    if supplier is None:
        return to_login(page)
    statement = field_or_unavailable(result, "settlement")
    if statement is None:
        return page.render("not_found.html", status_code=404)
    return page.render("supplier/settlement.html", supplier=supplier, statement=statement)


@router.get("/settlements/{settlement_id}/statement.csv", name="supplier_settlement_csv")
async def settlement_csv(page: SupplierPage, settlement_id: str) -> Response:
    result = await page.query(queries.SETTLEMENT_CSV, {"id": settlement_id})
    if result.error("UNAUTHENTICATED", "FORBIDDEN"):
        return to_login(page)
    statement = field_or_unavailable(result, "settlement")
    if statement is None:
        return page.render("not_found.html", status_code=404)
    filename = f"settlement-{statement['createdAt'][:10]}-{_node_key(statement['id'])}.csv"
    # With a byte order mark, spreadsheet programs read the Chinese of the CSV as UTF-8.
    return page.apply(
        Response(
            content=("\ufeff" + statement["csv"]).encode("utf-8"),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="{filename}"'},
        )
    )


def _node_key(global_id: str) -> str:
    """A short, file-name-safe key of a global id: the first characters of the UUID inside it."""
    try:
        raw = base64.b64decode(global_id, validate=True).decode()
    except (ValueError, UnicodeDecodeError):
        raw = global_id
    key = raw.rpartition(":")[2]
    return re.sub(r"[^0-9A-Za-z]", "", key)[:8] or "statement"
