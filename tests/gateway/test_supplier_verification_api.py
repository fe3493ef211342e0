"""Supplier verification through the public API: a supplier applies with its USCC, licence PDF
and legal representative; an admin verifies or rejects; the USCC is bound only by verification."""

from __future__ import annotations

import base64
import hashlib
import uuid
from typing import Any

from tests.catalog.factories import valid_uscc
from tests.gateway.factories import (
    OWN_SUPPLIER,
    REGISTER_SUPPLIER,
    VERIFY_SUPPLIER,
    Stack,
    codes,
    data_of,
    submit_verification,
)

REJECT = "mutation ($id: ID!, $reason: String!) { rejectSupplier(id: $id, reason: $reason) { verified } }"
PENDING = """query ($after: String) {
  suppliers(first: 100, after: $after, verificationStatus: PENDING) {
    edges { node { id nameEn verification { status legalRepresentative licence { sha256 } } } }
    pageInfo { hasNextPage endCursor } } }"""
IMPORT = "mutation ($c: String!) { importParts(csv: $c) { created errors { line message } } }"


def register(stack: Stack, uscc: str, name: str = "Tongnan Reman") -> dict[str, Any]:
    """A supplier account; its token and its supplier's global id."""
    email = f"kyb-{uuid.uuid4().hex[:8]}@reman.example.cn"
    answer = data_of(stack.gql(REGISTER_SUPPLIER, {"email": email, "uscc": uscc, "en": name}))["register"]
    return {"token": answer["token"], "id": answer["account"]["supplier"]["id"]}


def own(stack: Stack, token: str) -> dict[str, Any]:
    return dict(data_of(stack.gql(OWN_SUPPLIER, token=token))["viewer"]["account"]["supplier"])


def pending_ids(stack: Stack, admin: str) -> list[str]:
    ids, after = [], None
    while True:
        page = data_of(stack.gql(PENDING, {"after": after}, token=admin))["suppliers"]
        ids += [e["node"]["id"] for e in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            return ids
        after = page["pageInfo"]["endCursor"]


def test_an_unverified_supplier_cannot_import_until_an_admin_verifies_its_licence(stack: Stack) -> None:
    supplier = register(stack, valid_uscc())
    assert own(stack, supplier["token"])["verification"]["status"] == "NOT_SUBMITTED"
    csv = "sku,title_en,category,condition,price_cny,weight_grams\nKYB-1,Starter,starter,REMANUFACTURED,520.00,3900\n"
    refused = stack.gql(IMPORT, {"c": csv}, token=supplier["token"])
    assert codes(refused) == ["FORBIDDEN"] and refused["errors"][0]["extensions"]["reason"] == "SUPPLIER_NOT_VERIFIED"

    uscc = own(stack, supplier["token"])["verification"]["uscc"]
    applied = data_of(submit_verification(stack.gql, supplier["token"], uscc, "王芳"))["submitSupplierVerification"]
    assert applied["verified"] is False and applied["verification"]["status"] == "PENDING"
    assert applied["verification"]["legalRepresentative"] == "王芳"
    admin = stack.admin_token()
    assert supplier["id"] in pending_ids(stack, admin)
    # Still refused while the application waits.
    assert codes(stack.gql(IMPORT, {"c": csv}, token=supplier["token"])) == ["FORBIDDEN"]

    # The admin opens the licence the supplier sent; a rival supplier sees nothing of it.
    licence = "query ($id: ID!) { supplier(id: $id) { verification { licence { sha256 contentBase64 } } } }"
    opened = data_of(stack.gql(licence, {"id": supplier["id"]}, token=admin))["supplier"]["verification"]["licence"]
    content = base64.b64decode(opened["contentBase64"])
    assert content.startswith(b"%PDF-") and hashlib.sha256(content).hexdigest() == opened["sha256"]
    other = register(stack, valid_uscc())
    assert data_of(stack.gql(licence, {"id": supplier["id"]}, token=other["token"]))["supplier"]["verification"] is None

    verified = data_of(stack.gql(VERIFY_SUPPLIER, {"id": supplier["id"], "reason": "matches"}, token=admin))
    assert verified["verifySupplier"]["verified"] is True
    assert supplier["id"] not in pending_ids(stack, admin)
    audit = 'query { auditLog(action: "verifySupplier", first: 5) { edges { node { subjectId reason } } } }'
    logged = [e["node"] for e in data_of(stack.gql(audit, token=admin))["auditLog"]["edges"]]
    assert {"subjectId": supplier["id"], "reason": "matches"} in logged
    assert data_of(stack.gql(IMPORT, {"c": csv}, token=supplier["token"]))["importParts"]["created"] == 1
    # Others see the badge, not the application.
    public = data_of(stack.gql("query ($id: ID!) { supplier(id: $id) { verified verification { status } } }",
                               {"id": supplier["id"]}))["supplier"]  # fmt: skip
    assert public == {"verified": True, "verification": None}


def test_a_squatter_cannot_block_the_real_company_and_its_code_is_bound_once_verified(stack: Stack) -> None:
    code = valid_uscc()
    squatter = register(stack, code, "First Come Trading")
    real = register(stack, code, "The Real Reman Co")
    assert squatter["id"] != real["id"]
    for supplier in (squatter, real):
        assert "errors" not in submit_verification(stack.gql, supplier["token"], code)
    admin = stack.admin_token()
    assert data_of(stack.gql(VERIFY_SUPPLIER, {"id": real["id"]}, token=admin))["verifySupplier"]["verified"]

    rival = stack.gql(VERIFY_SUPPLIER, {"id": squatter["id"]}, token=admin)
    assert codes(rival) == ["CONFLICT"] and rival["errors"][0]["extensions"]["field"] == "uscc"
    late = stack.gql(REGISTER_SUPPLIER, {"email": "late@reman.example.cn", "uscc": code, "en": "Late Co"})
    assert codes(late) == ["CONFLICT"] and late["errors"][0]["extensions"]["field"] == "uscc"
    message = late["errors"][0]["message"]
    assert "verified supplier" in message and code not in message and code[17] not in message.split("Code")[-1]


def test_a_wrong_check_character_is_refused_without_revealing_the_right_one(stack: Stack) -> None:
    good = valid_uscc()
    wrong = good[:17] + ("0" if good[17] != "0" else "1")
    refused = stack.gql(REGISTER_SUPPLIER, {"email": "typo@reman.example.cn", "uscc": wrong, "en": "Typo Co"})
    assert codes(refused) == ["BAD_USER_INPUT"] and refused["errors"][0]["extensions"]["field"] == "uscc"
    message = refused["errors"][0]["message"]
    assert "check character" in message and repr(good[17]) not in message and good[:17] not in message


def test_a_rejected_supplier_reads_the_reason_and_applies_again(stack: Stack) -> None:
    supplier = register(stack, valid_uscc())
    uscc = own(stack, supplier["token"])["verification"]["uscc"]
    not_pdf = submit_verification(stack.gql, supplier["token"], uscc, licence=b"this is not a PDF at all")
    assert codes(not_pdf) == ["BAD_USER_INPUT"] and not_pdf["errors"][0]["extensions"]["field"] == "licence"
    no_name = submit_verification(stack.gql, supplier["token"], uscc, legal_representative=" ")
    assert no_name["errors"][0]["extensions"]["field"] == "legalRepresentative"
    assert "errors" not in submit_verification(stack.gql, supplier["token"], uscc)

    admin = stack.admin_token()
    # Only admins decide; a reason is required to reject.
    assert codes(stack.gql(REJECT, {"id": supplier["id"], "reason": "no"}, token=supplier["token"])) == ["FORBIDDEN"]
    blank = stack.gql(REJECT, {"id": supplier["id"], "reason": "  "}, token=admin)
    assert codes(blank) == ["BAD_USER_INPUT"] and blank["errors"][0]["extensions"]["field"] == "reason"
    data_of(stack.gql(REJECT, {"id": supplier["id"], "reason": "the scan is unreadable"}, token=admin))
    seen = own(stack, supplier["token"])["verification"]
    assert seen["status"] == "REJECTED" and seen["reason"] == "the scan is unreadable"

    again = data_of(submit_verification(stack.gql, supplier["token"], uscc))["submitSupplierVerification"]
    assert again["verification"]["status"] == "PENDING" and again["verification"]["reason"] is None
