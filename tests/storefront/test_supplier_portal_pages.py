"""The supplier portal's certificates (with their PDFs) and settlement statements (with the
CSV download), over the real API in-process, without a browser."""

from __future__ import annotations

import csv
import io
import re
import uuid
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from gateway.ids import global_id
from marketplace.roles import AccountRole
from storefront.app import create_app
from storefront.settings import StorefrontSettings
from tests.certification.factories import unsafe_pdfs
from tests.gateway.factories import Gateway, Stack
from tests.orders.factories import ADMIN, delivered_days_ago, pdf_bytes
from tests.orders.factories import Stack as OrdersStack
from tests.storefront.factories import BrowserClient, GatewayTransport, register_supplier, sign_in, sku_prefix

CERTIFICATE = {
    "scheme": "ISO_9001",
    "issuing_body": "China Quality Certification Centre (CQC)",
    "valid_from": "2026-01-01",
    "valid_until": "2029-01-01",
}


def test_a_certificate_is_submitted_with_its_pdf_and_listed_as_pending(storefront: TestClient, stack: Stack) -> None:
    sign_in(storefront, register_supplier(stack))
    storefront.cookies.set("tn_locale", "en")
    assert "You have no certificates on record yet" in storefront.get("/supplier/certificates").text

    # A file that is no PDF: the form keeps what was typed and marks the file.
    number = f"CQC-{sku_prefix()}"
    refused = storefront.post(
        "/supplier/certificates",
        data={**CERTIFICATE, "number": number, "categories": ["alternator"]},
        files={"file": ("scan.png", b"\x89PNG\r\n\x1a\n not a pdf", "image/png")},
    )
    assert refused.status_code == 422
    assert re.search(r'id="f-file"[^>]*aria-invalid="true"', refused.text)
    assert "Choose the certificate as a PDF file." in refused.text
    assert f'value="{number}"' in refused.text and '<option value="alternator" selected>' in refused.text
    assert "You have no certificates on record yet" in refused.text  # nothing was submitted

    page = storefront.post(
        "/supplier/certificates",
        data={**CERTIFICATE, "number": number, "categories": ["alternator"]},
        files={"file": ("iso9001.pdf", pdf_bytes(), "application/pdf")},
    )
    assert page.status_code == 200, page.text
    assert "Status: Pending review" in page.text and "Its PDF is on record." in page.text
    row = re.search(rf'<tr id="certificate-{number}">.*?</tr>', page.text, re.S)
    assert row is not None
    assert "Pending review" in row.group(0) and "PDF on record" in row.group(0) and "Alternator" in row.group(0)

    # One without its PDF, which the list then offers to upload.
    later = f"CQC-{sku_prefix()}"
    page = storefront.post("/supplier/certificates", data={**CERTIFICATE, "number": later})
    assert "Upload its PDF below" in page.text
    certificate_id = re.search(r'action="/supplier/certificates/([^/"]+)/document"', page.text)
    assert certificate_id is not None
    action = f"/supplier/certificates/{certificate_id.group(1)}/document"
    bad = storefront.post(action, files={"file": ("cert.pdf", b"%PDF-1.7 but nothing else", "application/pdf")})
    assert bad.status_code == 422 and re.search(r'<input id="pdf-\d+"[^>]*aria-invalid="true"', bad.text)
    done = storefront.post(action, files={"file": ("cert.pdf", pdf_bytes(), "application/pdf")}, follow_redirects=False)
    assert done.status_code == 303 and done.headers["location"] == "/supplier/certificates?notice=uploaded"
    listed = storefront.get(done.headers["location"]).text
    assert "The PDF is on record; an inspector reviews the certificate." in listed
    assert listed.count("PDF on record (") == 2


@pytest.fixture
def portal(gateway: Gateway) -> Iterator[TestClient]:
    """The storefront in front of the gateway over the orders stack (orders service up)."""
    app = create_app(StorefrontSettings(gateway_url="http://gateway"), transport=GatewayTransport(gateway.gql.client))
    with BrowserClient(app, base_url="http://storefront.test") as client:
        yield client


def test_a_supplier_reads_its_statement_and_downloads_the_csv(
    orders_stack: OrdersStack,
    gateway: Gateway,
    portal: TestClient,
) -> None:
    supplier_id = orders_stack.supplier()
    part = orders_stack.part(supplier_id, on_hand=5)
    order = delivered_days_ago(orders_stack, "acct-buyer-statement", part, days_ago=20)
    run = orders_stack.orders.post("/settlements/run", headers=ADMIN)
    assert run.status_code == 200, run.text
    (batch,) = [b for b in run.json() if b["supplier_id"] == supplier_id]

    answer = portal.get("/supplier/settlements", follow_redirects=False)
    assert answer.status_code == 303 and answer.headers["location"].startswith("/supplier/login")
    sign_in(portal, {"token": gateway.account(AccountRole.SUPPLIER, supplier_id), "refreshToken": ""})
    portal.cookies.set("tn_locale", "en")
    listing = portal.get("/supplier/settlements")
    assert listing.status_code == 200
    assert batch["total"]["formatted"] in listing.text
    link = re.search(r'href="(/supplier/settlements/[^"/]+)"', listing.text)
    assert link is not None
    statement = portal.get(link.group(1))
    assert statement.status_code == 200
    assert part["sku"] in statement.text and order["id"][:8] in statement.text
    assert f"<strong>{batch['total']['formatted']}</strong>" in statement.text

    download = portal.get(link.group(1) + "/statement.csv")
    assert download.status_code == 200
    assert download.headers["content-type"] == "text/csv; charset=utf-8"
    disposition = download.headers["content-disposition"]
    assert re.fullmatch(r'attachment; filename="settlement-\d{4}-\d{2}-\d{2}-[0-9a-f]{8}\.csv"', disposition)
    assert download.content.startswith("\ufeff".encode())
    rows = list(csv.DictReader(io.StringIO(download.content.decode("utf-8-sig"))))
    assert [r["order_id"] for r in rows] == [order["id"]] and rows[0]["sku"] == part["sku"]

    # Zh first for suppliers: the same page in Chinese.
    portal.cookies.set("tn_locale", "zh")
    assert "下载 CSV" in portal.get(link.group(1)).text

    # Another supplier finds no such statement.
    portal.cookies.clear()
    sign_in(portal, {"token": gateway.account(AccountRole.SUPPLIER, orders_stack.supplier()), "refreshToken": ""})
    assert portal.get(link.group(1)).status_code == 404
    assert portal.get(link.group(1) + "/statement.csv").status_code == 404
    portal.cookies.set("tn_locale", "en")
    assert "No settlements yet" in portal.get("/supplier/settlements").text


def test_settlements_with_the_orders_service_down_are_a_friendly_page(storefront: TestClient, stack: Stack) -> None:
    # In this stack the orders service is down: an empty list would tell the supplier it has no payouts.
    sign_in(storefront, register_supplier(stack))
    page = storefront.get("/supplier/settlements")
    assert page.status_code == 503
    assert "Traceback" not in page.text
    statement = global_id("SettlementStatement", str(uuid.uuid4()))
    assert storefront.get(f"/supplier/settlements/{statement}").status_code == 503
    assert storefront.get(f"/supplier/settlements/{statement}/statement.csv").status_code == 503
    # A malformed id is no statement at all.
    assert storefront.get("/supplier/settlements/not-an-id").status_code == 404


def test_a_certificate_pdf_with_javascript_is_refused_with_the_reason(storefront: TestClient, stack: Stack) -> None:
    """The certification service's refusal reaches the supplier through the API and the form."""
    sign_in(storefront, register_supplier(stack))
    storefront.cookies.set("tn_locale", "en")
    scripted, _named = unsafe_pdfs()["javascript name tree"]
    number = f"CQC-{sku_prefix()}"
    page = storefront.post(
        "/supplier/certificates",
        data={**CERTIFICATE, "number": number},
        files={"file": ("iso9001.pdf", scripted, "application/pdf")},
    )
    assert page.status_code == 422
    assert "the PDF contains JavaScript" in page.text
    row = re.search(rf'<tr id="certificate-{number}">.*?</tr>', page.text, re.S)
    assert row is not None and "PDF on record" not in row.group(0)
    assert "Unexpected error" not in page.text
