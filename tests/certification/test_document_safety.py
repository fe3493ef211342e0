"""What an inspector opens cannot act on their machine: a certificate PDF with active content
or a decompression bomb is refused, naming the file, and nothing is kept."""

from __future__ import annotations

import time
import tracemalloc
import uuid
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from tests.certification.factories import flate_bomb_pdf, pdf_with_harmless_navigation, submit, unsafe_pdfs, upload
from tests.factories import as_supplier

UNSAFE = unsafe_pdfs()


def stored_files(root: Path) -> list[Path]:
    return sorted(root.rglob("*.pdf"))


@pytest.mark.parametrize("kind", list(UNSAFE))
def test_a_pdf_with_active_content_is_refused_naming_the_file(client: TestClient, tmp_path: Path, kind: str) -> None:
    content, named = UNSAFE[kind]
    holder = uuid.uuid4()
    created = submit(client, holder)
    response = client.post(
        f"/certificates/{created['id']}/document",
        files={"file": ("certificate.pdf", content, "application/pdf")},
        headers=as_supplier(holder),
    )
    assert response.status_code == 422, response.text
    problem = response.json()
    assert problem["code"] == "UNSAFE_DOCUMENT" and problem["field"] == "file"
    assert named in problem["detail"]
    assert stored_files(tmp_path / "documents") == []
    assert client.get(f"/certificates/{created['id']}", headers=as_supplier(holder)).json()["document"] is None


def test_opening_at_a_page_and_a_web_link_are_no_reason_to_refuse(client: TestClient) -> None:
    holder = uuid.uuid4()
    created = submit(client, holder)
    uploaded = upload(client, created["id"], pdf_with_harmless_navigation(), as_supplier(holder))
    assert uploaded["document"]["size_bytes"] > 0


def test_a_flate_bomb_is_refused_quickly_and_without_the_memory(client: TestClient, tmp_path: Path) -> None:
    holder = uuid.uuid4()
    created = submit(client, holder)
    bomb = flate_bomb_pdf(2 * 1024**3)
    assert len(bomb) < 3 * 1024 * 1024  # a small file: well under the 10 MiB cap
    tracemalloc.start()
    try:
        started = time.monotonic()
        response = client.post(
            f"/certificates/{created['id']}/document",
            files={"file": ("certificate.pdf", bomb, "application/pdf")},
            headers=as_supplier(holder),
        )
        elapsed = time.monotonic() - started
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert response.status_code == 422, response.text
    problem = response.json()
    assert problem["code"] == "UNSAFE_DOCUMENT" and problem["field"] == "file"
    assert "unpacks to more than" in problem["detail"]
    # Counting stops at the budget (256 MiB), a mebibyte at a time: never the 2 GiB, never all of it held.
    assert elapsed < 30, elapsed
    assert peak < 64 * 1024 * 1024, peak
    assert stored_files(tmp_path / "documents") == []
