"""Fixtures and factories for the catalog tests: a real migrated database, emptied per test."""

from __future__ import annotations

import io
import itertools
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from pypdf import PdfWriter
from sqlalchemy import Engine

from marketplace.roles import Role
from services.catalog.app import create_app
from services.catalog.domain import uscc_check_character
from services.catalog.models import CatalogTable
from services.catalog.settings import CatalogSettings
from tests.conftest import FreshHeaders, headers_for
from tests.databases import Databases, empty_tables

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


def as_supplier(supplier_id: str | uuid.UUID) -> dict[str, str]:
    return headers_for(Role.SUPPLIER, actor_id=f"acct-{supplier_id}", supplier_id=str(supplier_id))


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


@pytest.fixture(scope="session")
def catalog_app_client(databases: Databases, tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    settings = CatalogSettings(
        database_url=databases.migrated("catalog"),
        image_dir=tmp_path_factory.mktemp("catalog-images"),
        licence_dir=tmp_path_factory.mktemp("catalog-licences"),
    )
    app = create_app(settings)
    with TestClient(app) as client:
        yield client


@pytest.fixture
def engine(databases: Databases) -> Engine:
    engine = databases.engine("catalog")
    empty_tables(engine, CatalogTable.metadata)
    return engine


@pytest.fixture
def client(catalog_app_client: TestClient, engine: Engine) -> TestClient:
    """The catalog app over an emptied database."""
    return catalog_app_client


@pytest.fixture
def supplier(client: TestClient) -> dict[str, Any]:
    return create_supplier(client)
