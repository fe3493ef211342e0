"""What every contract test shares: the generation settings, the OpenAPI checks, and the seeded ids
a valid request is pointed at.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck, settings
from schemathesis import Case, CheckFunction, GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from marketplace.roles import Role
from tests.factories import headers_for

# Deterministic and bounded: the same requests on every run, a few per operation beyond the
# schema-derived edge cases of the coverage phase.
GENERATED = settings(
    max_examples=8,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)


OPENAPI_CHECKS: list[CheckFunction] = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


def openapi_of(app: FastAPI) -> schemathesis.BaseSchema:
    """The schema an app serves at /openapi.json. The app is only read, never started: its
    database is an in-memory SQLite it never connects to."""
    return schemathesis.openapi.from_dict(app.openapi())


@dataclass(frozen=True)
class Seeded:
    """What exists when the generated requests arrive, by the names the schemas give ids."""

    ids: dict[str, str]

    def fill(self, case: Case) -> None:
        """Point a valid request at things that exist: every id the schema names gets the
        seeded one. An invalid request keeps its broken values, to prove they are refused."""
        if case.meta is None or case.meta.generation.mode is not GenerationMode.POSITIVE:
            return
        for container in (case.path_parameters, case.query):
            if container:
                for name in container.keys() & self.ids.keys():
                    container[name] = self.ids[name]
        if isinstance(case.body, dict):
            for name in case.body.keys() & self.ids.keys():
                case.body[name] = self.ids[name]
            lines = case.body.get("lines")
            for line in lines if isinstance(lines, list) else []:
                if isinstance(line, dict) and "part_id" in line:
                    line["part_id"] = self.ids["part_id"]


def as_admin() -> dict[str, str]:
    """The back office's token, minted per request: tokens live 60 s, a suite longer."""
    return headers_for(Role.ADMIN, actor_id="acct-admin")


def call_and_check(case: Case, base_url: str, seeded: Seeded, headers: Callable[[], dict[str, Any]]) -> None:
    seeded.fill(case)
    response = case.call(base_url=base_url, headers=headers())
    case.validate_response(response, checks=OPENAPI_CHECKS)
