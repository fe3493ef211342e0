"""Public verification by scheme and number, rate limited per client address."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import timedelta
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import Engine, update

from services.certification.models import Certificate
from tests.certification.factories import ANONYMOUS, INSPECTOR, certify, make_client, submit, today
from tests.databases import Databases

PRIVATE_KEYS = {"notes", "document", "sha256", "document_sha256", "holder_id"}


def verify(client: TestClient, scheme: str, number: str, headers: Mapping[str, str] = ANONYMOUS) -> dict[str, object]:
    response = client.get("/verify", params={"scheme": scheme, "number": number}, headers=headers)
    assert response.status_code == 200, response.text
    body: dict[str, object] = response.json()
    return body


def test_a_valid_certificate_verifies_with_holder_scope_and_dates_but_nothing_private(client: TestClient) -> None:
    holder = uuid.uuid4()
    valid = certify(
        client, holder, number="E4 90R-01 1234/5678", categories=["brake_pads"], holder_name="Tongnan Brake Co."
    )
    body = verify(client, "ece_r90", "e4  90r-01 1234/5678")
    assert body["status"] == "VALID"
    assert body["holder_name"] == "Tongnan Brake Co."
    assert body["scope"] == "brake_pads"
    assert body["valid_from"] == valid["valid_from"] and body["valid_until"] == valid["valid_until"]
    assert not PRIVATE_KEYS & set(body)
    assert "internal" not in str(body)


def test_unknown_suspended_revoked_expired_and_pending(client: TestClient, engine: Engine) -> None:
    holder = uuid.uuid4()
    assert verify(client, "ECE_R90", "E4 90R-01 9999/9999")["status"] == "UNKNOWN"
    assert verify(client, "ECE_R90", "not even a number")["status"] == "UNKNOWN"

    pending = submit(client, holder)
    assert verify(client, "ECE_R90", pending["number"]) == {
        "scheme": "ECE_R90",
        "number": pending["number"],
        "status": "UNKNOWN",
        "holder_name": None,
        "issuing_body": None,
        "scope": None,
        "scope_detail": None,
        "valid_from": None,
        "valid_until": None,
    }

    suspended = certify(client, holder)
    client.post(f"/certificates/{suspended['id']}/suspend", json={"reason": "audit"}, headers=INSPECTOR)
    assert verify(client, "ECE_R90", suspended["number"])["status"] == "SUSPENDED"

    revoked = certify(client, holder)
    client.post(f"/certificates/{revoked['id']}/revoke", json={"reason": "fraud"}, headers=INSPECTOR)
    assert verify(client, "ECE_R90", revoked["number"])["status"] == "REVOKED"

    lapsed = certify(client, holder)
    with engine.begin() as connection:  # as if the certificate had been approved long ago
        connection.execute(
            update(Certificate)
            .where(Certificate.id == uuid.UUID(lapsed["id"]))  # type: ignore[arg-type]
            .values(valid_from=today() - timedelta(days=800), valid_until=today() - timedelta(days=1))
        )
    assert verify(client, "ECE_R90", lapsed["number"])["status"] == "EXPIRED"
    assert client.get(f"/certificates/{lapsed['id']}", headers=ANONYMOUS).json()["status"] == "EXPIRED"
    by_status = {
        status: {
            c["id"]
            for c in client.get(
                "/certificates", params={"holder_id": str(holder), "status": status}, headers=ANONYMOUS
            ).json()["items"]
        }
        for status in ("EXPIRED", "VALID", "REVOKED")
    }
    assert by_status == {"EXPIRED": {lapsed["id"]}, "VALID": set(), "REVOKED": {revoked["id"]}}


def test_an_unknown_scheme_is_bad_input(client: TestClient) -> None:
    response = client.get("/verify", params={"scheme": "NOPE", "number": "1"}, headers=ANONYMOUS)
    assert response.status_code == 422
    assert response.json()["field"] == "scheme"
    missing = client.get("/verify", params={"scheme": "ECE_R90"}, headers=ANONYMOUS)
    assert missing.status_code == 422 and missing.json()["field"] == "number"


def test_verification_is_rate_limited_per_client_address(engine: Engine, databases: Databases, tmp_path: Path) -> None:
    with make_client(databases, tmp_path, verify_burst=3, verify_rate_per_minute=6) as client:
        first_client = dict(ANONYMOUS) | {"X-Client-Address": "203.0.113.7"}
        other_client = dict(ANONYMOUS) | {"X-Client-Address": "198.51.100.20"}
        params = {"scheme": "ISO_9001", "number": "Q-1"}
        codes = [client.get("/verify", params=params, headers=first_client).status_code for _ in range(4)]
        assert codes == [200, 200, 200, 429]
        limited = client.get("/verify", params=params, headers=first_client)
        assert limited.status_code == 429
        assert limited.headers["content-type"].startswith("application/problem+json")
        assert limited.json()["code"] == "RATE_LIMITED"
        # 3 requests at 6 a minute: a window of 3 in any 30 s, which frees its first in 30 s at most.
        assert 1 <= int(limited.headers["Retry-After"]) <= 30
        # Another address has its own bucket.
        assert client.get("/verify", params=params, headers=other_client).status_code == 200
