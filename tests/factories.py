"""Callers every test directory uses: the gateway's internal token for a role and an account."""

from __future__ import annotations

import uuid
from collections.abc import Iterator, Mapping

from prometheus_client.parser import text_string_to_metric_families

from marketplace.actors import Actor, internal_headers
from marketplace.roles import Role
from services.common.settings import DEVELOPMENT_INTERNAL_SECRET

# Every service built in tests uses this secret, so tests can mint the gateway's token.
TEST_INTERNAL_SECRET = DEVELOPMENT_INTERNAL_SECRET


def headers_for(role: Role, actor_id: str = "acct-test", supplier_id: str | None = None) -> dict[str, str]:
    """The internal token the gateway would send for this caller."""
    return internal_headers(Actor(id=actor_id, role=role, supplier_id=supplier_id), TEST_INTERNAL_SECRET)


class FreshHeaders(Mapping[str, str]):
    """The gateway's token for a fixed caller, minted on every use: tokens live 60 s and a
    test session lasts longer."""

    def __init__(self, role: Role, actor_id: str) -> None:
        self.role, self.actor_id = role, actor_id

    def _now(self) -> dict[str, str]:
        return headers_for(self.role, actor_id=self.actor_id)

    def __getitem__(self, key: str) -> str:
        return self._now()[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._now())

    def __len__(self) -> int:
        return 1


def as_supplier(supplier_id: str | uuid.UUID) -> dict[str, str]:
    """The token of the supplier's own account, as the gateway sends it for the supplier's users."""
    return headers_for(Role.SUPPLIER, actor_id=f"acct-{supplier_id}", supplier_id=str(supplier_id))


def sample(text: str, name: str, **labels: str) -> float | None:
    """One sample of a /metrics page as Prometheus reads it; None when the series is not there."""
    for family in text_string_to_metric_families(text):
        for s in family.samples:
            if s.name == name and all(s.labels.get(k) == v for k, v in labels.items()):
                return float(s.value)
    return None
