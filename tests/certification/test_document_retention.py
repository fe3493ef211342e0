"""A replaced document's file is deleted once its retention period has passed, by the cleanup
the scheduler runs; its SHA-256 stays in the history, and a file another certificate still
names stays on disk."""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from marketplace.roles import Role
from tests.certification.factories import INSPECTOR, make_client, pdf_bytes, submit, upload
from tests.databases import Databases
from tests.factories import FreshHeaders, as_supplier, headers_for

SCHEDULER = FreshHeaders(Role.SYSTEM, "scheduler")


@pytest.fixture
def no_retention(engine: Engine, databases: Databases, tmp_path: Path) -> Iterator[TestClient]:
    """The service with replaced files due for deletion at once."""
    with make_client(databases, tmp_path, replaced_document_retention_days=0) as test_client:
        yield test_client


def stored(tmp_path: Path, content: bytes) -> bool:
    digest = hashlib.sha256(content).hexdigest()
    return (tmp_path / "documents" / digest[:2] / f"{digest}.pdf").exists()


def purge(client: TestClient) -> dict[str, Any]:
    response = client.post("/documents/purge", headers=SCHEDULER)
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result


def history(client: TestClient, certificate_id: str) -> list[dict[str, Any]]:
    response = client.get(f"/certificates/{certificate_id}/history", headers=INSPECTOR)
    assert response.status_code == 200, response.text
    events: list[dict[str, Any]] = response.json()
    return events


def test_a_replaced_documents_file_is_deleted_and_its_hash_kept(no_retention: TestClient, tmp_path: Path) -> None:
    holder = uuid.uuid4()
    created = submit(no_retention, holder)
    first, second = pdf_bytes("first scan"), pdf_bytes("second, legible scan")
    upload(no_retention, created["id"], first, as_supplier(holder))
    replaced = upload(no_retention, created["id"], second, as_supplier(holder))
    assert replaced["document"]["sha256"] == hashlib.sha256(second).hexdigest()
    assert stored(tmp_path, first) and stored(tmp_path, second)  # nothing goes before the cleanup runs

    assert purge(no_retention) == {"deleted_files": 1, "kept_in_use": 0}
    assert not stored(tmp_path, first) and stored(tmp_path, second)
    download = no_retention.get(f"/certificates/{created['id']}/document", headers=as_supplier(holder))
    assert download.status_code == 200 and download.content == second

    # What an auditor needs is still there: which file was on record, and when it went.
    first_sha = hashlib.sha256(first).hexdigest()
    events = history(no_retention, created["id"])
    uploads = [e for e in events if e["action"] == "DOCUMENT_UPLOADED"]
    assert uploads[-1]["detail"]["replaced"] == first_sha
    (purged,) = [e for e in events if e["action"] == "DOCUMENT_PURGED"]
    assert purged["detail"] == {"sha256": first_sha, "size": len(first)} and purged["actor_id"] == "scheduler"

    # Run again (a retried or overlapping run): nothing more to do.
    assert purge(no_retention) == {"deleted_files": 0, "kept_in_use": 0}
    assert len([e for e in history(no_retention, created["id"]) if e["action"] == "DOCUMENT_PURGED"]) == 1

    # The same bytes uploaded again are stored again.
    upload(no_retention, created["id"], first, as_supplier(holder))
    assert stored(tmp_path, first)
    assert no_retention.get(f"/certificates/{created['id']}/document", headers=as_supplier(holder)).content == first


def test_a_replaced_file_stays_through_the_retention_period(client: TestClient, tmp_path: Path) -> None:
    holder = uuid.uuid4()
    created = submit(client, holder)
    first = pdf_bytes("first scan")
    upload(client, created["id"], first, as_supplier(holder))
    upload(client, created["id"], pdf_bytes("second scan"), as_supplier(holder))
    assert purge(client) == {"deleted_files": 0, "kept_in_use": 0}  # 30 days by default
    assert stored(tmp_path, first)


def test_a_file_another_certificate_still_names_is_kept(no_retention: TestClient, tmp_path: Path) -> None:
    holder = uuid.uuid4()
    shared = pdf_bytes("group certificate covering both sites")
    one, other = submit(no_retention, holder), submit(no_retention, holder)
    upload(no_retention, one["id"], shared, as_supplier(holder))
    upload(no_retention, other["id"], shared, as_supplier(holder))
    upload(no_retention, one["id"], pdf_bytes("site-specific certificate"), as_supplier(holder))

    assert purge(no_retention) == {"deleted_files": 0, "kept_in_use": 1}
    assert stored(tmp_path, shared)
    download = no_retention.get(f"/certificates/{other['id']}/document", headers=as_supplier(holder))
    assert download.status_code == 200 and download.content == shared
    assert not [e for e in history(no_retention, one["id"]) if e["action"] == "DOCUMENT_PURGED"]


def test_only_the_scheduler_or_an_admin_runs_the_cleanup(no_retention: TestClient) -> None:
    holder = uuid.uuid4()
    for headers in (as_supplier(holder), INSPECTOR):
        response = no_retention.post("/documents/purge", headers=headers)
        assert response.status_code == 403
        assert response.json()["code"] == "FORBIDDEN"
    admin = headers_for(Role.ADMIN, actor_id="admin-1")
    assert no_retention.post("/documents/purge", headers=admin).status_code == 200
