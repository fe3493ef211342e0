"""The catalog service against requests generated from its own OpenAPI schema, as the back office."""

from __future__ import annotations

from schemathesis import Case

from services.catalog.app import create_app
from services.catalog.settings import CatalogSettings
from tests.contract.factories import GENERATED, Seeded, as_admin, call_and_check, openapi_of
from tests.orders.factories import Stack

schema = openapi_of(create_app(CatalogSettings(database_url="sqlite://")))


@schema.parametrize()
@GENERATED
def test_catalog_answers_as_its_schema_declares(case: Case, served: Stack, seeded: Seeded) -> None:
    call_and_check(case, str(served.catalog.base_url).rstrip("/"), seeded, as_admin)
