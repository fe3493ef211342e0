"""The back office's API: the certificate review queue and its decisions, people disabled and
enabled again, and the audit log of both. Against the real catalog and certification services
(in process), on SQLite and PostgreSQL."""

from __future__ import annotations

import base64
import uuid
from typing import Any

from sqlalchemy import event

from gateway.identity import service as identity_service
from marketplace.roles import AccountRole, Role
from services.common.db import session_scope
from tests.certification.factories import pdf_bytes
from tests.databases import Databases
from tests.factories import headers_for
from tests.gateway.factories import Stack

PASSWORD = "a long passphrase for staff"
LOGIN = """
mutation ($e: String!, $p: String!) { login(email: $e, password: $p) { token refreshToken account { id } } }"""
QUEUE = """
query ($first: Int, $after: String) {
  certificateReviewQueue(first: $first, after: $after) {
    edges { node { id number status document { sizeBytes } } } pageInfo { hasNextPage endCursor }
  }
}"""
DECIDE = """
mutation ($id: ID!, $reason: String!) { %s(id: $id, reason: $reason) { id status } }"""
RECORD = """
query ($id: ID!) {
  node(id: $id) {
    ... on Certificate {
      status
      document { contentBase64 }
      history { action fromStatus toStatus reason actorRole actorEmail }
    }
  }
}"""
AUDIT = """
query ($actor: ID, $action: String) {
  auditLog(actor: $actor, action: $action, first: 50) {
    edges { node { actorId actorEmail actorRole action subjectId reason at } }
  }
}"""
DISABLE = """
mutation ($id: ID!, $reason: String!) {
  disableAccount(id: $id, reason: $reason) { email disabledAt disabledReason }
}"""
ENABLE = """
mutation ($id: ID!, $reason: String!) { enableAccount(id: $id, reason: $reason) { email disabledAt } }"""
ACCOUNTS = """
query ($role: Role, $search: String, $first: Int, $after: String) {
  accounts(role: $role, search: $search, first: $first, after: $after) {
    edges { node { id email role disabledAt } } pageInfo { hasNextPage endCursor }
  }
}"""
VIEWER = "{ viewer { account { email } } }"


class Person:
    """An account made as `tongnan staff create` (or registration) makes it, signed in through the API."""

    def __init__(self, stack: Stack, databases: Databases, role: AccountRole, supplier_id: str | None = None) -> None:
        self.email = f"{role.value.lower()}-{uuid.uuid4().hex[:8]}@tongnan-platform.cn"
        with session_scope(databases.engine("gateway")) as session:
            identity_service.register(
                session,
                email=self.email,
                password=PASSWORD,
                role=role,
                supplier_id=uuid.UUID(supplier_id) if supplier_id else None,
                allow_staff_roles=True,
            )
        self.gql = stack.gql
        self.token = ""  # none until signed in
        signed_in = self.ok(LOGIN, {"e": self.email, "p": PASSWORD}, token=None)["login"]
        self.token = signed_in["token"]
        self.refresh_token: str = signed_in["refreshToken"]
        self.id: str = signed_in["account"]["id"]

    def run(self, query: str, variables: dict[str, Any] | None = None, **kwargs: Any) -> Any:
        return self.gql(query, variables, token=kwargs.get("token", self.token))

    def ok(self, query: str, variables: dict[str, Any] | None = None, **kwargs: Any) -> Any:
        result = self.run(query, variables, **kwargs)
        assert "errors" not in result, result["errors"]
        return result["data"]


def refused(result: dict[str, Any]) -> tuple[str, str | None]:
    """The code of the first error, and the field it names."""
    extensions = result["errors"][0]["extensions"]
    return extensions["code"], extensions.get("field")


def submitted_certificate(stack: Stack, holder_id: str, *, with_document: bool = True) -> dict[str, Any]:
    """An ISO 9001 certificate its holder submitted (and uploaded the PDF of), awaiting review."""
    holder = headers_for(Role.SUPPLIER, actor_id=f"holder-{holder_id[:8]}", supplier_id=holder_id)
    created = stack.certification.post(
        "/certificates",
        headers=holder,
        json={
            "scheme": "ISO_9001",
            "number": f"CQC-QMS-{uuid.uuid4().hex[:8].upper()}",
            "issuing_body": "China Quality Certification Centre (CQC)",
            "holder_id": holder_id,
            "holder_name": "Chongqing Tongnan Test Reman Co., Ltd.",
            "scope": {},
            "valid_from": "2026-01-01",
            "valid_until": "2029-01-01",
        },
    )
    assert created.status_code == 201, created.text
    certificate: dict[str, Any] = created.json()
    if with_document:
        uploaded = stack.certification.post(
            f"/certificates/{certificate['id']}/document",
            headers=holder,
            files={"file": ("iso9001.pdf", pdf_bytes("ISO 9001 scan"), "application/pdf")},
        )
        assert uploaded.status_code == 200, uploaded.text
    return certificate


def gid(type_name: str, raw: str) -> str:
    from gateway.ids import global_id

    return global_id(type_name, raw)


def test_an_inspector_works_the_queue_oldest_first_and_every_decision_has_a_reason(
    stack: Stack, databases: Databases
) -> None:
    holder_id = str(uuid.uuid4())
    older = submitted_certificate(stack, holder_id)
    newer = submitted_certificate(stack, holder_id)
    inspector = Person(stack, databases, AccountRole.INSPECTOR)
    admin = Person(stack, databases, AccountRole.ADMIN)
    buyer = Person(stack, databases, AccountRole.BUYER)
    holder = Person(stack, databases, AccountRole.SUPPLIER, holder_id)

    # The queue, the longest waiting first, page by page.
    queued: list[str] = []
    after = None
    while True:
        page = inspector.ok(QUEUE, {"first": 2, "after": after})["certificateReviewQueue"]
        queued += [edge["node"]["id"] for edge in page["edges"]]
        assert all(edge["node"]["status"] == "PENDING_REVIEW" for edge in page["edges"])
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    older_id, newer_id = gid("Certificate", older["id"]), gid("Certificate", newer["id"])
    assert queued.index(older_id) < queued.index(newer_id)
    # Only staff see the queue.
    assert refused(buyer.run(QUEUE)) == ("FORBIDDEN", None)
    assert refused(holder.run(QUEUE)) == ("FORBIDDEN", None)
    assert refused(stack.gql(QUEUE))[0] == "UNAUTHENTICATED"

    # The record beside its PDF, as the inspector opens it.
    record = inspector.ok(RECORD, {"id": older_id})["node"]
    assert base64.b64decode(record["document"]["contentBase64"]) == pdf_bytes("ISO 9001 scan")

    # No decision without a reason; a supplier never decides, not even on its own.
    for blank in ("", "   "):
        assert refused(inspector.run(DECIDE % "approveCertificate", {"id": older_id, "reason": blank})) == (
            "BAD_USER_INPUT",
            "reason",
        )
    assert refused(inspector.run(DECIDE % "revokeCertificate", {"id": older_id, "reason": " "})) == (
        "BAD_USER_INPUT",
        "reason",
    )
    assert refused(holder.run(DECIDE % "approveCertificate", {"id": older_id, "reason": "mine"}))[0] == "FORBIDDEN"
    assert refused(buyer.run(DECIDE % "suspendCertificate", {"id": older_id, "reason": "x"}))[0] == "FORBIDDEN"
    assert inspector.ok(RECORD, {"id": older_id})["node"]["status"] == "PENDING_REVIEW"

    approve = {"id": older_id, "reason": "scan matches the CQC register entry"}
    assert inspector.ok(DECIDE % "approveCertificate", approve)["approveCertificate"]["status"] == "VALID"
    # Sent again (its answer lost), the same decision answers the certificate and changes nothing;
    # anyone else's, or another reason, is a conflict with the decision taken.
    assert inspector.ok(DECIDE % "approveCertificate", approve)["approveCertificate"]["status"] == "VALID"
    assert refused(admin.run(DECIDE % "approveCertificate", approve))[0] == "CONFLICT"
    other_reason = {"id": older_id, "reason": "approved twice?"}
    assert refused(inspector.run(DECIDE % "approveCertificate", other_reason))[0] == "CONFLICT"
    waiting = [e["node"]["id"] for e in inspector.ok(QUEUE, {"first": 100})["certificateReviewQueue"]["edges"]]
    assert older_id not in waiting and newer_id in waiting
    suspend = {"id": older_id, "reason": "CQC lists the certificate as suspended since May"}
    assert admin.ok(DECIDE % "suspendCertificate", suspend)["suspendCertificate"]["status"] == "SUSPENDED"
    revoke = {"id": newer_id, "reason": "the number belongs to another company"}
    assert inspector.ok(DECIDE % "revokeCertificate", revoke)["revokeCertificate"]["status"] == "REVOKED"

    # The history: who, what, why; the holder sees it too, without the staff's addresses.
    history = inspector.ok(RECORD, {"id": older_id})["node"]["history"]
    assert [(h["action"], h["fromStatus"], h["toStatus"]) for h in history] == [
        ("SUBMITTED", None, "PENDING_REVIEW"),
        ("DOCUMENT_UPLOADED", "PENDING_REVIEW", "PENDING_REVIEW"),
        ("APPROVED", "PENDING_REVIEW", "VALID"),
        ("SUSPENDED", "VALID", "SUSPENDED"),
    ]
    assert history[2] == {
        "action": "APPROVED",
        "fromStatus": "PENDING_REVIEW",
        "toStatus": "VALID",
        "reason": "scan matches the CQC register entry",
        "actorRole": "INSPECTOR",
        "actorEmail": inspector.email,
    }
    assert history[3]["actorEmail"] == admin.email and history[3]["reason"] == suspend["reason"]
    seen_by_holder = holder.ok(RECORD, {"id": older_id})["node"]["history"]
    assert [h["action"] for h in seen_by_holder] == [h["action"] for h in history]
    assert {h["actorEmail"] for h in seen_by_holder} == {None}
    assert refused(buyer.run(RECORD, {"id": older_id}))[0] == "FORBIDDEN"

    # The audit log, for admins: every decision with its actor and reason, the newest first.
    entries = [e["node"] for e in admin.ok(AUDIT, {"actor": inspector.id})["auditLog"]["edges"]]
    assert [(e["action"], e["subjectId"], e["reason"]) for e in entries] == [
        ("revokeCertificate", newer_id, revoke["reason"]),
        ("approveCertificate", older_id, approve["reason"]),
    ]
    assert {(e["actorId"], e["actorEmail"], e["actorRole"]) for e in entries} == {
        (inspector.id, inspector.email, "INSPECTOR")
    }
    suspended = admin.ok(AUDIT, {"action": "suspendCertificate"})["auditLog"]["edges"]
    assert (suspended[0]["node"]["subjectId"], suspended[0]["node"]["actorEmail"]) == (older_id, admin.email)
    assert refused(inspector.run(AUDIT)) == ("FORBIDDEN", None)


def test_a_disabled_account_is_refused_at_its_next_request_and_works_again_once_enabled(
    stack: Stack, databases: Databases
) -> None:
    admin = Person(stack, databases, AccountRole.ADMIN)
    inspector = Person(stack, databases, AccountRole.INSPECTOR)
    buyer = Person(stack, databases, AccountRole.BUYER)
    api_key = buyer.ok('mutation { createApiKey(name: "erp") { key } }')["createApiKey"]["key"]
    assert buyer.ok(VIEWER)["viewer"]["account"]["email"] == buyer.email

    # Only admins; never without a reason; never themselves.
    assert refused(inspector.run(DISABLE, {"id": buyer.id, "reason": "fraud"})) == ("FORBIDDEN", None)
    assert refused(buyer.run(DISABLE, {"id": inspector.id, "reason": "fraud"})) == ("FORBIDDEN", None)
    assert refused(admin.run(DISABLE, {"id": buyer.id, "reason": " "})) == ("BAD_USER_INPUT", "reason")
    assert refused(admin.run(DISABLE, {"id": admin.id, "reason": "testing"})) == ("BAD_USER_INPUT", "id")
    assert refused(admin.run(DISABLE, {"id": "not-an-id", "reason": "fraud"})) == ("BAD_USER_INPUT", "id")

    why = "card testing from this account (Stripe Radar case 4411)"
    disabled = admin.ok(DISABLE, {"id": buyer.id, "reason": why})["disableAccount"]
    assert disabled["disabledAt"] is not None and disabled["disabledReason"] == why
    # Disabling again changes nothing, and records nothing more.
    assert admin.ok(DISABLE, {"id": buyer.id, "reason": why})["disableAccount"]["disabledAt"] == disabled["disabledAt"]

    # The access token issued before is refused at once, and so are the API key, the refresh token
    # and the password.
    for result in (
        buyer.run(VIEWER),
        stack.gql.client.post("/graphql", json={"query": VIEWER}, headers={"X-API-Key": api_key}).json(),
        stack.gql("mutation ($r: String!) { refreshToken(refreshToken: $r) { token } }", {"r": buyer.refresh_token}),
        stack.gql(LOGIN, {"e": buyer.email, "p": PASSWORD}),
    ):
        error = result["errors"][0]
        assert error["extensions"]["code"] == "UNAUTHENTICATED", result
        assert "disabled" in error["message"]

    listed = admin.ok(ACCOUNTS, {"role": "BUYER", "search": buyer.email.upper()[:14]})["accounts"]["edges"]
    assert [(e["node"]["email"], e["node"]["disabledAt"] is not None) for e in listed] == [(buyer.email, True)]
    assert refused(inspector.run(ACCOUNTS)) == ("FORBIDDEN", None)

    assert admin.ok(ENABLE, {"id": buyer.id, "reason": "Radar case closed"})["enableAccount"]["disabledAt"] is None
    # The API key works again; a person signs in again (the logins were ended).
    again = stack.gql.client.post("/graphql", json={"query": VIEWER}, headers={"X-API-Key": api_key}).json()
    assert again["data"]["viewer"]["account"]["email"] == buyer.email
    assert "ended" in buyer.run(VIEWER)["errors"][0]["message"]
    token = buyer.ok(LOGIN, {"e": buyer.email, "p": PASSWORD}, token=None)["login"]["token"]
    assert buyer.ok(VIEWER, token=token)["viewer"]["account"]["email"] == buyer.email

    entries = [e["node"] for e in admin.ok(AUDIT, {"actor": admin.id})["auditLog"]["edges"]]
    assert [(e["action"], e["subjectId"], e["reason"], e["actorEmail"]) for e in entries] == [
        ("enableAccount", buyer.id, "Radar case closed", admin.email),
        ("disableAccount", buyer.id, why, admin.email),
    ]


def test_an_authenticated_request_checks_the_account_in_one_statement(stack: Stack, databases: Databases) -> None:
    """The gateway's request path stays cheap: the token's login and the account's state are read
    together, by primary key and index, in one statement."""
    buyer = Person(stack, databases, AccountRole.BUYER)
    statements: list[str] = []

    def count(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        statements.append(statement)

    app: Any = stack.gql.client.app
    engine = app.state.engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        buyer.ok("{ apiVersion }")
    finally:
        event.remove(engine, "before_cursor_execute", count)
    reads = [s for s in statements if s.lstrip().upper().startswith("SELECT")]
    assert len(reads) == 1, reads
