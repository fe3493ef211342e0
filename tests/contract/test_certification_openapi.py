"""The certification service against requests generated from its own OpenAPI schema, as the back office."""

from __future__ import annotations

from schemathesis import Case

from services.certification.app import create_app
from services.certification.settings import CertificationSettings
from tests.contract.factories import GENERATED, Seeded, as_admin, call_and_check, openapi_of
from tests.orders.factories import Stack

schema = openapi_of(create_app(CertificationSettings(database_url="sqlite://")))


@schema.parametrize()
@GENERATED
def test_certification_answers_as_its_schema_declares(case: Case, served: Stack, seeded: Seeded) -> None:
    call_and_check(case, str(served.certification.base_url).rstrip("/"), seeded, as_admin)
