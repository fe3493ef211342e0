"""Certificate review in the back office: a new supplier's alternator may not be sold in Germany
until its ISO 9001 certificate is valid; an inspector opens the review queue, opens the record
beside its PDF, approves it with a reason; the buyer's part page then says it ships to Germany.
The supplier's steps go through the public API (the portal's pages are tested elsewhere)."""

from __future__ import annotations

import json
import re
import uuid
from typing import Any

import httpx
from playwright.sync_api import Browser, expect

from tests.certification.factories import pdf_bytes
from tests.e2e.factories import (
    CERTIFICATE,
    PART,
    RunningStack,
    graphql,
    new_page,
    office_sign_in,
    screenshot,
    staff_account,
    verified_through_the_api,
)
from tests.storefront.factories import PASSWORD, new_uscc, sku_prefix, unique_email

REGISTER = "mutation R($input: RegisterInput!) { register(input: $input) { token } }"
UPLOAD = "mutation U($c: ID!, $f: Upload!) { uploadCertificateDocument(certificateId: $c, file: $f) { id } }"


def upload_pdf(stack: RunningStack, token: str, certificate_id: str, content: bytes) -> None:
    """The holder's upload, a GraphQL multipart request as the portal sends it."""
    operations = json.dumps({"query": UPLOAD, "variables": {"c": certificate_id, "f": None}})
    response = httpx.post(
        f"{stack.gateway}/graphql",
        data={"operations": operations, "map": '{"0": ["variables.f"]}'},
        files={"0": ("iso9001.pdf", content, "application/pdf")},
        headers={"Authorization": f"Bearer {token}"},
        timeout=20,
    )
    body: dict[str, Any] = response.json()
    assert not body.get("errors"), body


def test_an_inspector_approves_a_certificate_from_the_queue_and_the_part_ships_to_germany(
    browser: Browser, running_stack: RunningStack
) -> None:
    marker = f"Rev{uuid.uuid4().hex[:6]}"
    uscc = new_uscc()
    token = graphql(
        running_stack,
        None,
        REGISTER,
        {
            "input": {
                "email": unique_email("review"),
                "password": PASSWORD,
                "role": "SUPPLIER",
                "supplier": {
                    "nameEn": f"Chongqing Tongnan {marker} Reman Co., Ltd.",
                    "nameZh": f"重庆潼南{marker}再制造有限公司",
                    "uscc": uscc,
                },
            }
        },
    )["register"]["token"]
    verified_through_the_api(running_stack, token, uscc)
    part = graphql(
        running_stack,
        token,
        PART,
        {
            "input": {
                "sku": f"{sku_prefix()}-REV",
                "titleEn": f"Remanufactured alternator {marker} for Toyota Corolla",
                "category": "alternator",
                "condition": "REMANUFACTURED",
                "oemNumbers": ["27060-0D030"],
                "priceCny": 98000,
                "warrantyMonths": 12,
                "weightGrams": 5200,
                "onHand": 3,
            }
        },
    )["createPart"]
    number = f"CQC-QMS-{uuid.uuid4().hex[:6].upper()}"
    certificate = graphql(
        running_stack,
        token,
        CERTIFICATE,
        {
            "input": {
                "scheme": "ISO_9001",
                "number": number,
                "issuingBody": "China Quality Certification Centre (CQC)",
                "validFrom": "2026-01-01",
                "validUntil": "2029-01-01",
            }
        },
    )["addCertificate"]
    upload_pdf(running_stack, token, certificate["id"], pdf_bytes(f"ISO 9001 {number}"))

    # The buyer in Germany: not yet (every supplier needs a valid ISO 9001 certificate).
    buyer = new_page(browser, running_stack, locale="en-DE")
    buyer.goto(f"/parts/{part['id']}")
    expect(buyer.locator("#eligibility")).to_contain_text(
        "may not be sold in Germany until these certificates are valid"
    )
    expect(buyer.locator("#eligibility ul.schemes")).to_contain_text("ISO_9001")

    # The inspector, in the back office (in Chinese, as staff see it first): the queue, then the record beside its PDF.
    inspector = new_page(browser, running_stack, locale="en-DE")
    office_sign_in(inspector, staff_account(running_stack, "INSPECTOR"))
    inspector.goto("/office")
    inspector.locator("ul.office-areas a[href='/office/certificates']").click()
    row = inspector.locator(f"#queued-{number}")
    expect(row).to_contain_text(f"重庆潼南{marker}再制造有限公司")
    with inspector.expect_response(re.compile(r"/document\.pdf$")) as pdf_response:
        row.get_by_role("link", name=number).click()
    assert pdf_response.value.status == 200
    assert pdf_response.value.header_value("content-type") == "application/pdf"
    # Framed by this site's record page only, and never kept by a cache.
    assert pdf_response.value.header_value("x-frame-options") == "SAMEORIGIN"
    assert pdf_response.value.header_value("cache-control") == "private, no-store"
    frame = inspector.locator("iframe#certificate-pdf")
    expect(frame).to_be_visible()
    expect(inspector.locator("#certificate-status")).to_have_text("待审核")
    screenshot(inspector, "office-certificate-record", "desktop")

    # A decision needs its reason.
    inspector.get_by_role("button", name="批准").click()
    expect(inspector.locator("#f-reason")).to_have_attribute("aria-invalid", "true")
    expect(inspector.locator("#f-reason-error")).to_have_text("请填写此决定的理由。")
    reason = f"Scan matches the CQC register entry for {number}"
    inspector.locator("#f-reason").fill(reason)
    inspector.get_by_role("button", name="批准").click()
    expect(inspector.locator("#decision-notice")).to_contain_text("已批准")
    expect(inspector.locator("#certificate-status")).to_have_text("有效")
    expect(inspector.locator("#certificate-history")).to_contain_text(reason)
    inspector.goto("/office/certificates")
    expect(inspector.locator(f"#queued-{number}")).to_have_count(0)

    # Markets follow the certificate's event through the worker: the buyer's page says so soon.
    eligibility = buyer.locator("#eligibility")
    for _ in range(30):
        buyer.reload()
        if "Ships to Germany" in (eligibility.text_content() or ""):
            break
        buyer.wait_for_timeout(1000)
    expect(eligibility).to_contain_text("Ships to Germany")
