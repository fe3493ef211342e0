"""Staff accounts come from `tongnan staff create`, never from self-registration."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from gateway.app import create_app
from gateway.models import GatewayTable
from gateway.settings import GatewaySettings
from ops.cli import main
from tests.databases import Databases, empty_tables


@pytest.fixture(autouse=True)
def clean_gateway(databases: Databases) -> Iterator[None]:
    yield
    empty_tables(databases.engine("gateway"), GatewayTable.metadata)


LOGIN = "mutation ($e: String!, $p: String!) { login(email: $e, password: $p) { account { email role } } }"


def test_an_admin_created_on_the_command_line_signs_in_as_admin(
    databases: Databases, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    url = databases.migrated("gateway")
    monkeypatch.setenv("TONGNAN_GATEWAY_DATABASE_URL", url)
    monkeypatch.setenv("TONGNAN_STAFF_PASSWORD", "inspect the core deposits")
    assert main(["staff", "create", "--email", "Li.Wei@Tongnan-Platform.cn", "--role", "ADMIN"]) == 0
    assert "ADMIN account li.wei@tongnan-platform.cn created" in capsys.readouterr().out

    # The same e-mail again is refused, naming the field; a weak password too.
    assert main(["staff", "create", "--email", "li.wei@tongnan-platform.cn", "--role", "INSPECTOR"]) == 1
    assert "error (email)" in capsys.readouterr().err
    monkeypatch.setenv("TONGNAN_STAFF_PASSWORD", "password")
    assert main(["staff", "create", "--email", "zhao@tongnan-platform.cn", "--role", "INSPECTOR"]) == 1
    assert "error (password)" in capsys.readouterr().err

    with TestClient(create_app(GatewaySettings(database_url=url))) as client:
        answer = client.post(
            "/graphql",
            json={"query": LOGIN, "variables": {"e": "li.wei@tongnan-platform.cn", "p": "inspect the core deposits"}},
        ).json()
    assert answer["data"]["login"]["account"] == {"email": "li.wei@tongnan-platform.cn", "role": "ADMIN"}


def test_without_a_password_and_no_terminal_nothing_is_created(
    databases: Databases, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("TONGNAN_GATEWAY_DATABASE_URL", databases.migrated("gateway"))
    monkeypatch.delenv("TONGNAN_STAFF_PASSWORD", raising=False)
    monkeypatch.setattr("sys.stdin", open("/dev/null"))  # noqa: SIM115 (closed with the test's process)
    assert main(["staff", "create", "--email", "x@tongnan-platform.cn", "--role", "ADMIN"]) == 2
    assert "TONGNAN_STAFF_PASSWORD" in capsys.readouterr().err
