"""Accounts, passwords, tokens and API keys, on the migrated gateway database."""

from __future__ import annotations

import base64
import json
import time
import uuid
from collections.abc import Iterator

import jwt
import pytest
import time_machine
from sqlmodel import Session, select

from gateway.identity import service
from gateway.identity.models import Account, ApiKey, ApiKeyScope, GatewayTable
from gateway.identity.throttle import LoginThrottle
from gateway.identity.tokens import issue_access_token, read_access_token
from gateway.settings import GatewaySettings
from marketplace.roles import AccountRole
from services.common.errors import BadInput, Conflict, Forbidden, RateLimited, Unauthenticated
from tests.databases import Databases, empty_tables

SECRET = "test-jwt-secret-of-enough-length-for-hs256"


@pytest.fixture
def session(databases: Databases) -> Iterator[Session]:
    engine = databases.engine("gateway")
    with Session(engine, expire_on_commit=False) as s:
        yield s
        s.commit()
    empty_tables(engine, GatewayTable.metadata)


def throttle(free_failures: int = 5) -> LoginThrottle:
    return LoginThrottle(
        GatewaySettings(),
        namespace="login",
        free_failures=free_failures,
        backoff_cap_seconds=300,
        per_address=50,
        window_seconds=900,
    )


@pytest.fixture
def frozen() -> Iterator[time_machine.Traveller]:
    """The wall clock stopped (the throttle's windows live in `limits`' storage, which reads it)."""
    with time_machine.travel(time.time(), tick=False) as traveller:
        yield traveller


def make_buyer(session: Session, email: str = "anna@werkstatt-hamburg.de") -> Account:
    return service.register(session, email=email, password="correct horse battery", role=AccountRole.BUYER)


def test_password_is_stored_as_argon2_and_login_works_case_insensitively(session: Session) -> None:
    account = make_buyer(session, "Anna@Werkstatt-Hamburg.de")
    assert account.email == "anna@werkstatt-hamburg.de"
    assert account.password_hash.startswith("$argon2id$")
    assert "correct horse" not in account.password_hash
    found = service.authenticate(session, email="ANNA@werkstatt-hamburg.de", password="correct horse battery")
    assert found.id == account.id


def test_registration_refuses_bad_input_naming_the_field(session: Session) -> None:
    cases = [
        (dict(email="not-an-address", password="long enough pw"), "email"),
        (dict(email="a@b.de", password="short"), "password"),
    ]
    for kwargs, field in cases:
        with pytest.raises(BadInput) as err:
            service.register(session, role=AccountRole.BUYER, **kwargs)  # type: ignore[arg-type]
        assert err.value.field == field
    with pytest.raises(BadInput) as err:
        service.register(session, email="x@y.de", password="long enough pw", role=AccountRole.ADMIN)
    assert err.value.field == "role"
    with pytest.raises(BadInput) as err:
        service.register(session, email="x@y.de", password="long enough pw", role=AccountRole.SUPPLIER)
    assert err.value.field == "supplier"
    make_buyer(session)
    with pytest.raises(Conflict) as conflict:
        make_buyer(session, "ANNA@werkstatt-hamburg.de")
    assert conflict.value.field == "email"


@pytest.mark.parametrize(
    ("password", "personal", "advice"),
    [
        ("Password1234", [], "This is similar to a commonly used password."),
        ("qwertyuiop12", [], "This is similar to a commonly used password."),
        ("kurt.fischer@teile-hamburg.de", [], "Add another word or two."),
        ("Ruifeng Remanufacturing", ["Ruifeng Remanufacturing", "瑞丰再制造"], "Add another word or two."),
    ],
)
def test_registration_refuses_guessable_passwords_with_zxcvbns_advice(
    session: Session, password: str, personal: list[str], advice: str
) -> None:
    with pytest.raises(BadInput) as refused:
        service.register(
            session,
            email="kurt.fischer@teile-hamburg.de",
            password=password,
            role=AccountRole.BUYER,
            personal=personal,
        )
    assert refused.value.field == "password"
    assert refused.value.detail.startswith(advice)
    assert session.exec(select(Account)).first() is None


def test_a_long_strong_password_is_judged_quickly(session: Session) -> None:
    started = time.perf_counter()
    account = service.register(
        session, email="kurt@teile-hamburg.de", password="Zq7!vR2#mW9@" * 21, role=AccountRole.BUYER
    )
    assert account.id and time.perf_counter() - started < 2.0


def test_wrong_password_and_unknown_email_give_the_same_answer(session: Session) -> None:
    make_buyer(session)
    messages = []
    for email, password in (("anna@werkstatt-hamburg.de", "wrong password!"), ("nobody@x.de", "whatever pw")):
        with pytest.raises(Unauthenticated) as err:
            service.authenticate(session, email=email, password=password)
        messages.append(err.value.detail)
    assert messages[0] == messages[1]


async def test_login_throttling_stops_guessing_even_with_the_right_password(frozen: time_machine.Traveller) -> None:
    guard = throttle(free_failures=3)
    for _ in range(3):
        await guard.check("anna@werkstatt-hamburg.de", "6.6.6.6")
        await guard.failed("anna@werkstatt-hamburg.de", "6.6.6.6")
    with pytest.raises(RateLimited) as limited:
        await guard.check("anna@werkstatt-hamburg.de", "6.6.6.6")
    assert limited.value.status == 429
    assert limited.value.retry_after_seconds == 1


async def test_login_throttling_per_address_across_accounts(frozen: time_machine.Traveller) -> None:
    guard = LoginThrottle(
        GatewaySettings(),
        namespace="login",
        free_failures=100,
        backoff_cap_seconds=300,
        per_address=2,
        window_seconds=60,
    )
    await guard.failed("a@x.de", "6.6.6.6")
    await guard.failed("b@x.de", "6.6.6.6")
    with pytest.raises(RateLimited):
        await guard.check("c@x.de", "6.6.6.6")
    await guard.check("c@x.de", "7.7.7.7")  # another address is not affected
    frozen.shift(61)
    await guard.check("c@x.de", "6.6.6.6")  # the window has passed


async def test_login_backoff_doubles_per_email_and_address_up_to_its_cap_and_a_success_resets_it(
    frozen: time_machine.Traveller,
) -> None:
    guard = LoginThrottle(
        GatewaySettings(),
        namespace="login",
        free_failures=3,
        backoff_cap_seconds=8,
        per_address=100,
        window_seconds=900,
    )
    email, attacker, owner = "anna@werkstatt-hamburg.de", "203.0.113.66", "198.51.100.7"
    for _ in range(3):
        await guard.check(email, attacker)
        await guard.failed(email, attacker)
    waits = []
    for _ in range(6):
        with pytest.raises(RateLimited) as limited:
            await guard.check(email, attacker)
        waits.append(limited.value.retry_after_seconds)
        await guard.check(email, owner)  # the owner, elsewhere, is never held up by it
        frozen.shift(waits[-1])
        await guard.check(email, attacker)
        await guard.failed(email, attacker)
    assert waits == [1, 2, 4, 8, 8, 8]
    await guard.succeeded(email, attacker)
    for _ in range(3):
        await guard.check(email, attacker)
        await guard.failed(email, attacker)


def test_access_token_round_trip_and_refusals(session: Session) -> None:
    account = make_buyer(session)
    token = issue_access_token(account, SECRET, ttl_seconds=60)
    principal = read_access_token(token, SECRET)
    assert (principal.account_id, principal.role) == (account.id, AccountRole.BUYER)

    expired = issue_access_token(account, SECRET, ttl_seconds=-1)
    with pytest.raises(Unauthenticated, match="expired"):
        read_access_token(expired, SECRET)
    with pytest.raises(Unauthenticated, match="invalid"):
        read_access_token(issue_access_token(account, "another-secret-of-enough-length-xx", ttl_seconds=60), SECRET)

    claims = jwt.decode(token, options={"verify_signature": False})
    header = base64.urlsafe_b64encode(json.dumps({"alg": "none", "typ": "JWT"}).encode()).rstrip(b"=")
    body = base64.urlsafe_b64encode(json.dumps({**claims, "role": "ADMIN"}).encode()).rstrip(b"=")
    with pytest.raises(Unauthenticated, match="invalid"):
        read_access_token(f"{header.decode()}.{body.decode()}.", SECRET)


def test_refresh_token_rotates_and_cannot_be_used_twice(session: Session) -> None:
    account = make_buyer(session)
    first = service.issue_refresh_token(session, account, ttl_days=30)
    owner, second, _ = service.rotate_refresh_token(session, first, ttl_days=30)
    assert owner.id == account.id and second != first
    with pytest.raises(Unauthenticated):
        service.rotate_refresh_token(session, first, ttl_days=30)
    with pytest.raises(Unauthenticated):
        service.rotate_refresh_token(session, "tnr_forged_token", ttl_days=30)


def test_api_key_is_shown_once_stored_hashed_scoped_and_revocable(session: Session) -> None:
    account = make_buyer(session)
    created = service.create_api_key(session, account, name="ERP sync", scope=ApiKeyScope.READ)
    assert created.key.startswith("tnx_")
    stored = session.get(ApiKey, created.record.id)
    assert stored is not None and created.key not in (stored.key_hash, stored.prefix)
    assert stored.last_used_at is None

    principal = service.authenticate_api_key(session, created.key)
    assert principal.account_id == account.id and not principal.may_write
    assert stored.last_used_at is not None

    with pytest.raises(Conflict):
        service.create_api_key(session, account, name="ERP sync", scope=ApiKeyScope.READ)
    with pytest.raises(Unauthenticated):
        service.authenticate_api_key(session, created.key[:-1] + ("A" if created.key[-1] != "A" else "B"))

    other = make_buyer(session, "someone@else.ae")
    intruder = service.authenticate_api_key(
        session, service.create_api_key(session, other, name="mine", scope=ApiKeyScope.READ_WRITE).key
    )
    with pytest.raises(Forbidden):
        service.revoke_api_key(session, intruder, created.record.id)

    service.revoke_api_key(session, principal, created.record.id)
    service.revoke_api_key(session, principal, created.record.id)  # idempotent
    with pytest.raises(Unauthenticated, match="revoked"):
        service.authenticate_api_key(session, created.key)


def test_malformed_or_unknown_api_keys_are_refused(session: Session) -> None:
    with pytest.raises(Unauthenticated):
        service.authenticate_api_key(session, f"tnx_{uuid.uuid4().hex[:12]}_{'x' * 43}")
    with pytest.raises(Unauthenticated):
        service.authenticate_api_key(session, "Bearer something")
