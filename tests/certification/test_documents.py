"""Certificate documents: PDF only, capped, content-addressed; a differing file fails verification."""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Iterator
from pathlib import Path

from fastapi.testclient import TestClient

from tests.certification.factories import ANONYMOUS, INSPECTOR, certify, pdf_bytes, submit, upload
from tests.factories import as_supplier


def stored_files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*.pdf"))


def test_a_pdf_is_stored_under_its_sha256_once(client: TestClient, tmp_path: Path) -> None:
    holder = uuid.uuid4()
    content = pdf_bytes("RDW approval E4 90R-01")
    digest = hashlib.sha256(content).hexdigest()
    first = submit(client, holder)
    second = submit(client, holder)
    for created in (first, second):
        result = upload(client, created["id"], content, as_supplier(holder))
        assert result["document"]["sha256"] == digest
        assert result["document"]["size_bytes"] == len(content)
    files = stored_files(tmp_path / "documents")
    assert files == [tmp_path / "documents" / digest[:2] / f"{digest}.pdf"]
    assert files[0].read_bytes() == content

    download = client.get(f"/certificates/{first['id']}/document", headers=as_supplier(holder))
    assert download.status_code == 200
    assert download.headers["content-type"] == "application/pdf"
    assert download.content == content


def test_the_same_file_verifies_and_a_differing_file_fails(client: TestClient) -> None:
    holder = uuid.uuid4()
    valid = certify(client, holder)
    original = client.get(f"/certificates/{valid['id']}/document", headers=INSPECTOR).content

    same = client.post(
        f"/certificates/{valid['id']}/document/verify",
        files={"file": ("copy.pdf", original, "application/pdf")},
        headers=ANONYMOUS,
    )
    assert same.status_code == 200, same.text
    assert same.json()["matches"] is True
    assert same.json()["sha256"] == hashlib.sha256(original).hexdigest()

    tampered = original.replace(b"/Title", b"/Titlf", 1)
    assert tampered != original and len(tampered) == len(original)
    differing = client.post(
        f"/certificates/{valid['id']}/document/verify",
        files={"file": ("copy.pdf", tampered, "application/pdf")},
        headers=ANONYMOUS,
    )
    assert differing.status_code == 200
    assert differing.json()["matches"] is False

    # The public never gets the document itself nor the hash on record.
    assert client.get(f"/certificates/{valid['id']}/document", headers=ANONYMOUS).status_code == 403
    assert client.get(f"/certificates/{valid['id']}", headers=ANONYMOUS).json()["document"] is None


def test_a_non_pdf_upload_is_refused_naming_file(client: TestClient, tmp_path: Path) -> None:
    holder = uuid.uuid4()
    created = submit(client, holder)
    for content in (b"GIF89a not a certificate", b"%PDF-1.7\nthis is not really a pdf", b""):
        response = client.post(
            f"/certificates/{created['id']}/document",
            files={"file": ("certificate.pdf", content, "application/pdf")},
            headers=as_supplier(holder),
        )
        assert response.status_code == 422, response.text
        assert response.json()["field"] == "file"
    assert stored_files(tmp_path / "documents") == []
    assert client.get(f"/certificates/{created['id']}", headers=as_supplier(holder)).json()["document"] is None


def test_a_50_mb_upload_is_refused_with_413(client: TestClient, tmp_path: Path) -> None:
    holder = uuid.uuid4()
    created = submit(client, holder)
    huge = b"%PDF-1.7\n" + b"0" * (50 * 1024 * 1024)
    response = client.post(
        f"/certificates/{created['id']}/document",
        files={"file": ("big.pdf", huge, "application/pdf")},
        headers=as_supplier(holder),
    )
    assert response.status_code == 413
    assert response.json()["field"] == "file"
    assert stored_files(tmp_path / "documents") == []


def test_the_byte_count_is_enforced_without_a_content_length(client: TestClient, tmp_path: Path) -> None:
    """A body streamed without Content-Length passes the early check; the service still counts."""
    holder = uuid.uuid4()
    created = submit(client, holder)
    boundary = "tongnanboundary"
    head = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="big.pdf"\r\n'
        "Content-Type: application/pdf\r\n\r\n%PDF-1.7\n"
    ).encode()
    tail = f"\r\n--{boundary}--\r\n".encode()

    def chunks() -> Iterator[bytes]:
        yield head
        for _ in range(11):
            yield b"0" * (1024 * 1024)
        yield tail

    response = client.post(
        f"/certificates/{created['id']}/document",
        content=chunks(),
        headers=as_supplier(holder) | {"Content-Type": f"multipart/form-data; boundary={boundary}"},
    )
    assert response.status_code == 413, response.text
    assert response.json()["field"] == "file"
    assert stored_files(tmp_path / "documents") == []


def test_the_holder_cannot_replace_the_document_of_an_approved_certificate(client: TestClient) -> None:
    holder = uuid.uuid4()
    valid = certify(client, holder)
    response = client.post(
        f"/certificates/{valid['id']}/document",
        files={"file": ("new.pdf", pdf_bytes("swapped"), "application/pdf")},
        headers=as_supplier(holder),
    )
    assert response.status_code == 409
    assert client.get(f"/certificates/{valid['id']}", headers=INSPECTOR).json()["document"] == valid["document"]


def test_anyone_holding_the_file_can_check_it_against_the_scheme_and_number(client: TestClient) -> None:
    holder = uuid.uuid4()
    valid = certify(client, holder)
    original = client.get(f"/certificates/{valid['id']}/document", headers=INSPECTOR).content

    def check(content: bytes, number: str) -> dict[str, object]:
        response = client.post(
            "/verify/document",
            data={"scheme": "ECE_R90", "number": number},
            files={"file": ("copy.pdf", content, "application/pdf")},
            headers=ANONYMOUS,
        )
        assert response.status_code == 200, response.text
        body: dict[str, object] = response.json()
        return body

    assert check(original, valid["number"].lower()) | {"sha256": ""} == {
        "scheme": "ECE_R90",
        "number": valid["number"],
        "status": "VALID",
        "matches": True,
        "sha256": "",
    }
    assert check(pdf_bytes("a forgery"), valid["number"])["matches"] is False
    unknown = check(original, "E4 90R-01 0000/0000")
    assert unknown["status"] == "UNKNOWN" and unknown["matches"] is False
