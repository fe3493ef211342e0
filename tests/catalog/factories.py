"""Catalog test data made through the catalog's API (suppliers, parts, licences) and each role's
headers.
"""

from __future__ import annotations

import io
import itertools
import uuid
import zlib
from datetime import date, datetime, timedelta
from struct import pack
from typing import Any

import httpx
from fastapi.testclient import TestClient
from PIL import Image
from pypdf import PdfWriter
from sqlalchemy import Engine
from sqlmodel import Session

from marketplace.roles import Role
from services.catalog import markets
from services.catalog.domain import uscc_check_character
from services.common.clock import utcnow
from tests.factories import FreshHeaders, as_supplier

ADMIN = FreshHeaders(Role.ADMIN, "acct-admin")
SYSTEM = FreshHeaders(Role.SYSTEM, "orders-service")
ANONYMOUS = FreshHeaders(Role.ANONYMOUS, "anonymous")
BUYER = FreshHeaders(Role.BUYER, "acct-buyer")
_serial = itertools.count(1)


def valid_uscc(n: int | None = None) -> str:
    """A well-formed USCC (Tongnan division code) with the right GB 32100-2015 check character."""
    n = next(_serial) if n is None else n
    first17 = f"91500152MA{n:07d}"
    return first17 + uscc_check_character(first17)


def licence_pdf(title: str = "Business licence") -> bytes:
    """A one-page PDF standing in for a scanned business licence (营业执照)."""
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    writer.add_metadata({"/Title": title})
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def apply_for_verification(
    client: httpx.Client, supplier_id: str, uscc: str, legal_representative: str = "李伟"
) -> httpx.Response:
    """The supplier's application through the catalog's route, as the gateway sends it."""
    return client.post(
        f"/suppliers/{supplier_id}/verification/application",
        data={"uscc": uscc, "legal_representative": legal_representative},
        files={"file": ("licence.pdf", licence_pdf(f"licence {supplier_id}"), "application/pdf")},
        headers=as_supplier(supplier_id),
    )


def verify_supplier(client: httpx.Client, supplier_id: str, uscc: str) -> dict[str, Any]:
    """Apply with a licence and have an admin verify it: the only way a supplier may list parts."""
    applied = apply_for_verification(client, supplier_id, uscc)
    assert applied.status_code == 200, applied.text
    response = client.post(
        f"/suppliers/{supplier_id}/verification", json={"verified": True, "reason": "licence checked"}, headers=ADMIN
    )
    assert response.status_code == 200, response.text
    return dict(response.json())


def create_supplier(client: TestClient, *, verified: bool = True, **overrides: Any) -> dict[str, Any]:
    """A supplier as an admin registers it; verified (licence reviewed) unless asked otherwise."""
    n = next(_serial)
    body = {
        "name_en": f"Chongqing Tongnan Test Remanufacturing {n} Co., Ltd.",
        "name_zh": f"重庆潼南测试再制造{n}有限公司",
        "uscc": valid_uscc(n),
        "address": "Tongnan District, Chongqing",
    } | overrides
    response = client.post("/suppliers", json=body, headers=ADMIN)
    assert response.status_code == 201, response.text
    if verified:
        return verify_supplier(client, response.json()["id"], response.json()["uscc"])
    return dict(response.json())


def part_body(**overrides: Any) -> dict[str, Any]:
    n = next(_serial)
    return {
        "sku": f"SKU-{n}",
        "title_en": "Remanufactured alternator for Volkswagen Golf",
        "title_zh": "大众高尔夫 发电机 再制造",
        "description_en": "Tested 140 A alternator.",
        "category": "alternator",
        "condition": "REMANUFACTURED",
        "oem_numbers": ["06H903016L"],
        "price_cny": 118000,
        "core_charge_cny": 30000,
        "warranty_months": 24,
        "weight_grams": 6200,
        "fitments": [{"make": "Volkswagen", "model": "Golf", "year_from": 2009, "year_to": 2013}],
        "on_hand": 5,
    } | overrides


def create_part(client: TestClient, supplier_id: str, **overrides: Any) -> dict[str, Any]:
    response = client.post("/parts", json=part_body(**overrides), headers=as_supplier(supplier_id))
    assert response.status_code == 201, response.text
    return dict(response.json())


GPS_IFD = 0x8825
MAKE = 0x010F


def photo_with_location(size: tuple[int, int] = (640, 480)) -> bytes:
    """A JPEG as a phone writes it: EXIF with the camera and where it was taken."""
    picture = Image.new("RGB", size, (200, 40, 40))
    exif = Image.Exif()
    exif[MAKE] = "PhoneMaker"
    exif[GPS_IFD] = {1: "N", 2: (29.0, 51.0, 0.0), 3: "E", 4: (105.0, 52.0, 0.0)}
    out = io.BytesIO()
    picture.save(out, format="JPEG", exif=exif, quality=90)
    return out.getvalue()


def png(size: tuple[int, int] = (400, 300), colour: tuple[int, int, int] = (20, 120, 200)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, format="PNG")
    return out.getvalue()


def png_claiming(width: int, height: int) -> bytes:
    """A tiny PNG whose header claims a huge canvas: a decompression bomb's first bytes."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return pack(">I", len(data)) + kind + data + pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    header = pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    row = b"\0" * (width + 1)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(row * 4)) + chunk(b"IEND", b"")


def certificate(
    supplier_id: str,
    scheme: str,
    *,
    status: str = "VALID",
    categories: tuple[str, ...] = (),
    part_ids: tuple[str, ...] = (),
    oem_numbers: tuple[str, ...] = (),
    certificate_id: str | None = None,
    updated_at: datetime | None = None,
    valid_until: date | None = None,
    reason: str | None = None,
) -> dict[str, Any]:
    """A certificate.approved/suspended/revoked payload as certification writes it."""
    today = utcnow().date()
    return {
        "certificate_id": certificate_id or str(uuid.uuid4()),
        "supplier_id": supplier_id,
        "scheme": scheme,
        "number": "X",
        "status": status,
        "action": "APPROVED",
        "reason": reason,
        "valid_from": (today - timedelta(days=30)).isoformat(),
        "valid_until": (valid_until or today + timedelta(days=365)).isoformat(),
        "scope": {"categories": list(categories), "oem_numbers": list(oem_numbers), "part_ids": list(part_ids)},
        "updated_at": (updated_at or utcnow()).isoformat(),
    }


def apply(engine: Engine, data: dict[str, Any]) -> list[uuid.UUID]:
    with Session(engine) as session:
        changed = markets.apply_certificate(session, data)
        session.commit()
    return changed


def search(client: TestClient, **params: Any) -> dict[str, Any]:
    response = client.get("/parts/search", params=params, headers=ANONYMOUS)
    assert response.status_code == 200, response.text
    return dict(response.json())


def nodes(page: dict[str, Any]) -> list[dict[str, Any]]:
    return [e["node"] for e in page["edges"]]


def forget_kept_answers(client: TestClient) -> None:
    """The app's kept selector answers, facet counts and word counts forgotten: its database was
    emptied."""
    state: Any = client.app.state  # type: ignore[attr-defined]
    state.selectors.clear()
    state.facets.clear()
    state.word_counts.clear()
