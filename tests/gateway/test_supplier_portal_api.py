"""What the supplier portal needs from the public API, against the real services: settlement
statements with their CSV (a supplier its own, finance all, buyers none), and a certificate's
PDF sent as a GraphQL multipart request."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from fastapi.testclient import TestClient

from marketplace.roles import AccountRole
from tests.gateway.factories import Gateway, gid
from tests.orders.factories import ADMIN, Stack, delivered_days_ago, pdf_bytes

SETTLEMENTS = """
query ($first: Int, $after: String) {
  settlements(first: $first, after: $after) {
    edges { cursor node { id lineCount createdAt deliveredFrom deliveredUntil total { amount currency formatted }
                          supplier { id } } }
    pageInfo { hasNextPage endCursor }
  }
}"""
STATEMENT = """
query ($id: ID!) {
  settlement(id: $id) {
    id lineCount total { amount currency }
    lines { orderId orderReference orderLineId sku quantity deliveredAt
            goods { amount currency } platformFee { amount } payable { amount currency } }
    csv
  }
}"""
ADD_CERTIFICATE = """
mutation ($input: CertificateInput!) { addCertificate(input: $input) { id status document { sizeBytes } } }"""
UPLOAD = """
mutation ($id: ID!, $file: Upload!) {
  uploadCertificateDocument(certificateId: $id, file: $file) {
    id status document { sha256 sizeBytes uploadedAt }
  }
}"""
MY_CERTIFICATES = """
query ($status: CertificateStatus) {
  myCertificates(first: 10, status: $status) {
    edges { cursor node { id scheme number status categories document { sizeBytes } } }
    pageInfo { hasNextPage endCursor }
  }
}"""


def _codes(result: dict[str, Any]) -> list[str]:
    return [e["extensions"]["code"] for e in result.get("errors", [])]


def test_a_supplier_pages_through_its_own_statements_and_downloads_the_csv(
    orders_stack: Stack,
    gateway: Gateway,
) -> None:
    s1, s2 = orders_stack.supplier(), orders_stack.supplier()
    p1, p2 = orders_stack.part(s1, on_hand=5), orders_stack.part(s2, on_hand=5)
    buyer_id = "acct-buyer-portal"
    first = delivered_days_ago(orders_stack, buyer_id, p1, days_ago=30)
    delivered_days_ago(orders_stack, buyer_id, p2, days_ago=20)
    assert orders_stack.orders.post("/settlements/run", headers=ADMIN).status_code == 200
    second = delivered_days_ago(orders_stack, buyer_id, p1, days_ago=16)
    assert orders_stack.orders.post("/settlements/run", headers=ADMIN).status_code == 200

    supplier = gateway.account(AccountRole.SUPPLIER, s1)
    page = gateway.ok(SETTLEMENTS, {"first": 1}, token=supplier)["settlements"]
    assert page["pageInfo"]["hasNextPage"] is True
    newest = page["edges"][0]["node"]
    assert newest["supplier"]["id"] == gid("Supplier", s1)
    assert newest["total"]["currency"] == "CNY" and newest["total"]["amount"] > 0
    assert newest["total"]["formatted"].startswith("CN¥")
    assert newest["lineCount"] == 1 and newest["deliveredFrom"] == newest["deliveredUntil"]
    rest = gateway.ok(SETTLEMENTS, {"first": 1, "after": page["pageInfo"]["endCursor"]}, token=supplier)
    older = rest["settlements"]
    assert older["pageInfo"]["hasNextPage"] is False
    assert [e["node"]["id"] for e in older["edges"]] != [newest["id"]] and len(older["edges"]) == 1

    statement = gateway.ok(STATEMENT, {"id": newest["id"]}, token=supplier)["settlement"]
    (line,) = statement["lines"]
    assert line["orderId"] == gid("Order", second["id"]) and line["orderReference"] == second["id"]
    assert line["orderLineId"] == gid("OrderLine", second["lines"][0]["id"])
    assert line["sku"] == p1["sku"] and line["quantity"] == 1
    assert line["goods"]["currency"] == "CNY" and line["payable"]["currency"] == "CNY"
    assert line["payable"]["amount"] == line["goods"]["amount"] - line["platformFee"]["amount"]
    assert line["payable"]["amount"] == statement["total"]["amount"]
    rows = list(csv.DictReader(io.StringIO(statement["csv"])))
    assert [r["order_id"] for r in rows] == [second["id"]]
    assert rows[0]["payable_cny"] == f"{line['payable']['amount'] / 100:.2f}"
    oldest = gateway.ok(STATEMENT, {"id": older["edges"][0]["node"]["id"]}, token=supplier)["settlement"]
    assert [x["orderReference"] for x in oldest["lines"]] == [first["id"]]
    # Listed statements carry their lines and CSV too, fetched when asked for.
    listed = gateway.ok(
        "{ settlements { edges { node { lines { sku } again: lines { orderReference } csv } } } }", token=supplier
    )["settlements"]["edges"]
    assert [e["node"]["again"][0]["orderReference"] for e in listed] == [second["id"], first["id"]]
    assert all(e["node"]["lines"][0]["sku"] == p1["sku"] and p1["sku"] in e["node"]["csv"] for e in listed)

    # Another supplier sees its own statement only; this one is not there for it.
    other = gateway.account(AccountRole.SUPPLIER, s2)
    theirs = gateway.ok(SETTLEMENTS, {}, token=other)["settlements"]["edges"]
    assert [e["node"]["supplier"]["id"] for e in theirs] == [gid("Supplier", s2)]
    hidden = gateway.gql(STATEMENT, {"id": newest["id"]}, token=other)
    assert hidden["data"]["settlement"] is None and "errors" not in hidden
    node = gateway.ok("query ($id: ID!) { node(id: $id) { id } }", {"id": newest["id"]}, token=other)
    assert node["node"] is None

    # Finance sees every supplier's; buyers and anonymous callers none.
    admin = gateway.account(AccountRole.ADMIN)
    assert len(gateway.ok(SETTLEMENTS, {"first": 10}, token=admin)["settlements"]["edges"]) == 3
    buyer = gateway.account(AccountRole.BUYER)
    assert _codes(gateway.gql(SETTLEMENTS, {}, token=buyer)) == ["FORBIDDEN"]
    assert _codes(gateway.gql(STATEMENT, {"id": newest["id"]})) == ["UNAUTHENTICATED"]
    bad = gateway.gql(SETTLEMENTS, {"after": gid("Order", second["id"])}, token=supplier)
    assert _codes(bad) == ["BAD_USER_INPUT"] and bad["errors"][0]["extensions"]["field"] == "after"


def _upload(gw: Gateway, certificate_id: str, content: bytes, token: str | None, name: str = "cert.pdf") -> Any:
    """A GraphQL multipart request (operations, map, then the file), as upload clients send it."""
    operations = {"query": UPLOAD, "variables": {"id": certificate_id, "file": None}}
    response = gw.gql.client.post(
        "/graphql",
        data={"operations": json.dumps(operations), "map": json.dumps({"0": ["variables.file"]})},
        files={"0": (name, content, "application/pdf")},
        headers={"Authorization": f"Bearer {token}"} if token else {},
    )
    return response


def test_a_supplier_uploads_its_certificate_pdf_and_sees_it_pending(
    orders_stack: Stack,
    gateway: Gateway,
) -> None:
    supplier_id = orders_stack.supplier(certified=False)
    supplier = gateway.account(AccountRole.SUPPLIER, supplier_id)
    certificate_input = {
        "scheme": "ISO_9001",
        "number": f"CQC-QMS-{supplier_id[:8].upper()}",
        "issuingBody": "China Quality Certification Centre (CQC)",
        "validFrom": "2026-01-01",
        "validUntil": "2029-01-01",
        "categories": ["alternator"],
    }
    added = gateway.ok(ADD_CERTIFICATE, {"input": certificate_input}, token=supplier)["addCertificate"]
    assert added["status"] == "PENDING_REVIEW" and added["document"] is None

    pdf = pdf_bytes()
    response = _upload(gateway, added["id"], pdf, supplier)
    assert response.status_code == 200, response.text
    uploaded = response.json()
    assert "errors" not in uploaded, uploaded
    document = uploaded["data"]["uploadCertificateDocument"]["document"]
    assert document["sizeBytes"] == len(pdf) and len(document["sha256"]) == 64

    mine = gateway.ok(MY_CERTIFICATES, {}, token=supplier)["myCertificates"]
    (edge,) = mine["edges"]
    assert edge["node"]["id"] == added["id"] and edge["node"]["status"] == "PENDING_REVIEW"
    assert edge["node"]["categories"] == ["alternator"] and edge["node"]["document"]["sizeBytes"] == len(pdf)
    assert gateway.ok(MY_CERTIFICATES, {"status": "VALID"}, token=supplier)["myCertificates"]["edges"] == []

    # Not a PDF, or larger than the cap: BAD_USER_INPUT naming the file.
    not_pdf = _upload(gateway, added["id"], b"GIF89a this is a picture", supplier, name="scan.gif").json()
    assert _codes(not_pdf) == ["BAD_USER_INPUT"] and not_pdf["errors"][0]["extensions"]["field"] == "file"
    too_large = _upload(gateway, added["id"], pdf + b"\0" * (10 * 1024 * 1024), supplier).json()
    assert _codes(too_large) == ["BAD_USER_INPUT"] and too_large["errors"][0]["extensions"]["field"] == "file"
    # The file as a plain JSON variable is no upload.
    as_json = gateway.gql(UPLOAD, {"id": added["id"], "file": "JVBERi0="}, token=supplier)
    assert _codes(as_json) == ["BAD_USER_INPUT"]

    # Another supplier's certificate, a buyer's list, and a multipart request without credentials.
    stranger = gateway.account(AccountRole.SUPPLIER, orders_stack.supplier(certified=False))
    refused = _upload(gateway, added["id"], pdf, stranger).json()
    assert _codes(refused) in (["FORBIDDEN"], ["NOT_FOUND"])
    assert gateway.ok(MY_CERTIFICATES, {}, token=stranger)["myCertificates"]["edges"] == []
    buyer = gateway.account(AccountRole.BUYER)
    assert _codes(gateway.gql(MY_CERTIFICATES, {}, token=buyer)) == ["FORBIDDEN"]
    anonymous = _upload(gateway, added["id"], pdf, None)
    assert anonymous.status_code == 400 and _codes(anonymous.json()) == ["BAD_USER_INPUT"]


def test_a_multipart_body_may_carry_a_document_but_no_more(gateway_client: TestClient) -> None:
    operations = json.dumps({"query": "{ apiVersion }", "variables": {}})
    # Over the JSON limit but within it plus the upload allowance: past the size check.
    within = gateway_client.post(
        "/graphql",
        data={"operations": operations, "map": "{}"},
        files={"0": ("scan.pdf", b"%PDF-" + b"x" * (600 * 1024), "application/pdf")},
        headers={"Authorization": "Bearer not-a-token"},
    )
    assert within.status_code == 401  # refused for its credential, not for its size
    beyond = gateway_client.post(
        "/graphql",
        data={"operations": operations, "map": "{}"},
        files={"0": ("scan.pdf", b"%PDF-" + b"x" * (11 * 1024 * 1024), "application/pdf")},
        headers={"Authorization": "Bearer not-a-token"},
    )
    assert beyond.status_code == 413
    assert beyond.json()["errors"][0]["extensions"] == {"code": "BAD_USER_INPUT", "reason": "BODY_TOO_LARGE"}
