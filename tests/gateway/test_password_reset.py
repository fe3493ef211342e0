"""Password reset by e-mail through the public GraphQL API, with a real SMTP server catching
the mail: the link works once and expires, ends every login, and no answer tells whether an
address is registered."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import update

from gateway.app import create_app
from gateway.identity.models import GatewayTable, PasswordReset
from gateway.settings import GatewaySettings
from services.common.clock import utcnow
from services.common.mail import CaughtMail
from tests.databases import Databases, empty_tables
from tests.gateway.factories import GraphQL
from tests.mailcatcher import MailCatcher, mail_catcher

REGISTER = """
mutation ($email: String!) {
  register(input: {email: $email, password: "a long passphrase", role: BUYER}) { token refreshToken }
}"""
LOGIN = "mutation ($e: String!, $p: String!) { login(email: $e, password: $p) { token refreshToken } }"
REQUEST = "mutation ($e: String!) { requestPasswordReset(email: $e) }"
RESET = "mutation ($t: String!, $p: String!) { resetPassword(token: $t, newPassword: $p) }"
REFRESH = "mutation ($r: String!) { refreshToken(refreshToken: $r) { token } }"
VIEWER = "{ viewer { account { email } } }"
NEW_PASSWORD = "cormorant lantern quarry"
EMAIL = "kurt@teile-hamburg.de"


class Client(GraphQL):
    def __init__(self, client: TestClient, language: str = "en") -> None:
        super().__init__(client)
        self.language = language

    def __call__(self, query: str, variables: dict[str, Any] | None = None, *, token: str | None = None) -> Any:
        headers = {"Accept-Language": self.language, **({"Authorization": f"Bearer {token}"} if token else {})}
        response = self.client.post("/graphql", json={"query": query, "variables": variables or {}}, headers=headers)
        return response.json()


@pytest.fixture
def catcher(tmp_path: Path) -> Iterator[MailCatcher]:
    with mail_catcher(tmp_path / "mail") as running:
        yield running


@pytest.fixture
def client(databases: Databases, catcher: MailCatcher) -> Iterator[TestClient]:
    settings = GatewaySettings(
        database_url=databases.migrated("gateway"),
        smtp_url=catcher.url,
        shop_origin="https://parts.example",
        password_reset_mails_per_window=2,
    )
    with TestClient(create_app(settings)) as test_client:
        yield test_client
    empty_tables(databases.engine("gateway"), GatewayTable.metadata)


def token_in(mail: CaughtMail) -> str:
    link = re.search(r"https://parts\.example/account/reset\?token=\S+", mail.text())
    assert link is not None, mail.text()
    return parse_qs(urlsplit(link.group(0)).query)["token"][0]


def error(result: dict[str, Any]) -> tuple[str, str | None]:
    extensions = result["errors"][0]["extensions"]
    return extensions["code"], extensions.get("field")


def test_a_reset_link_sets_the_password_once_and_ends_every_login(client: TestClient, catcher: MailCatcher) -> None:
    gql = Client(client, "de")
    session = gql(REGISTER, {"email": EMAIL})["data"]["register"]
    assert gql(REQUEST, {"e": "  Kurt@Teile-Hamburg.de "}) == {"data": {"requestPasswordReset": True}}
    mail = catcher.wait_for(lambda m: m.to == EMAIL)
    assert mail.subject == "Neues Passwort für Tongnan Parts Exchange festlegen"
    token = token_in(mail)

    assert gql(RESET, {"t": token, "p": NEW_PASSWORD}) == {"data": {"resetPassword": True}}
    # Used once: the same link again is refused, on the token.
    assert error(gql(RESET, {"t": token, "p": "another long passphrase"})) == ("BAD_USER_INPUT", "token")
    # The old password no longer opens the account; the new one does.
    assert error(gql(LOGIN, {"e": EMAIL, "p": "a long passphrase"}))[0] == "UNAUTHENTICATED"
    assert "errors" not in gql(LOGIN, {"e": EMAIL, "p": NEW_PASSWORD})
    # The login from before the reset has ended: its refresh token and its access token.
    assert error(gql(REFRESH, {"r": session["refreshToken"]}))[0] == "UNAUTHENTICATED"
    assert error(gql(VIEWER, token=session["token"]))[0] == "UNAUTHENTICATED"


def test_an_unknown_address_gets_the_same_answer_and_no_mail(client: TestClient, catcher: MailCatcher) -> None:
    gql = Client(client)
    gql(REGISTER, {"email": EMAIL})
    unknown = gql(REQUEST, {"e": "nobody@teile-hamburg.de"})
    known = gql(REQUEST, {"e": EMAIL})
    assert unknown == known == {"data": {"requestPasswordReset": True}}
    catcher.wait_for(lambda m: m.to == EMAIL)
    time.sleep(0.3)  # the unknown address's mail would have been sent by now, and was not
    assert [m.to for m in catcher.messages()] == [EMAIL]
    # Throttled alike: two requests per address and client are free, the third waits, whether
    # the address is registered or not.
    assert gql(REQUEST, {"e": "nobody@teile-hamburg.de"}) == gql(REQUEST, {"e": EMAIL})
    assert error(gql(REQUEST, {"e": "nobody@teile-hamburg.de"})) == ("RATE_LIMITED", "email")
    assert error(gql(REQUEST, {"e": EMAIL})) == ("RATE_LIMITED", "email")


def test_an_expired_or_replaced_link_is_refused_and_a_weak_password_keeps_it(
    client: TestClient, catcher: MailCatcher, databases: Databases
) -> None:
    gql = Client(client)
    gql(REGISTER, {"email": EMAIL})
    gql(REQUEST, {"e": EMAIL})
    first = token_in(catcher.wait_for(lambda m: m.to == EMAIL))
    gql(REQUEST, {"e": EMAIL})
    catcher.wait_for(lambda m: m.to == EMAIL and token_in(m) != first)
    second = next(token_in(m) for m in catcher.messages() if token_in(m) != first)
    # Asking again voided the first link.
    assert error(gql(RESET, {"t": first, "p": NEW_PASSWORD})) == ("BAD_USER_INPUT", "token")
    # A guessable password is refused on its field, and the link still works afterwards.
    assert error(gql(RESET, {"t": second, "p": "password1234"})) == ("BAD_USER_INPUT", "newPassword")
    with databases.engine("gateway").begin() as connection:
        connection.execute(update(PasswordReset).values(expires_at=utcnow() - timedelta(seconds=1)))
    assert error(gql(RESET, {"t": second, "p": NEW_PASSWORD})) == ("BAD_USER_INPUT", "token")
    assert error(gql(RESET, {"t": "made-up", "p": NEW_PASSWORD})) == ("BAD_USER_INPUT", "token")
