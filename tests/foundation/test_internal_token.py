"""A service keeps the internal tokens it has verified, since the gateway sends one token with every
call of a request; a kept token still counts only until it expires, and only under its secret."""

from __future__ import annotations

import time

import jwt
import pytest

from services.common import internal_auth, signed_tokens
from services.common.errors import Unauthenticated

SECRET = "test-internal-secret-of-enough-length"
CLAIMS = {"sub": "acct-1", "role": "BUYER", "sid": None, "staff": False}


def test_a_verified_token_is_refused_once_it_has_expired() -> None:
    while time.time() % 1 > 0.5:  # signed early in a second, a token of one second lives half of one at least
        time.sleep(0.02)
    token = internal_auth.sign_claims(CLAIMS, SECRET, ttl_seconds=1)
    assert internal_auth.verify_claims(token, SECRET)["sub"] == "acct-1"
    assert internal_auth.verify_claims(token, SECRET)["sub"] == "acct-1"  # the second time from what was kept
    time.sleep(1.1)
    with pytest.raises(Unauthenticated, match="expired"):
        internal_auth.verify_claims(token, SECRET)


def test_a_verified_token_is_refused_under_another_secret() -> None:
    token = internal_auth.sign_claims(CLAIMS, SECRET)
    assert internal_auth.verify_claims(token, SECRET)["role"] == "BUYER"
    with pytest.raises(Unauthenticated, match="invalid"):
        internal_auth.verify_claims(token, "another-secret-of-enough-length-too")


def test_a_tampered_copy_of_a_verified_token_is_refused() -> None:
    token = internal_auth.sign_claims(CLAIMS, SECRET)
    internal_auth.verify_claims(token, SECRET)
    signature = token.rpartition(".")[2]
    as_admin = jwt.encode({**jwt.decode(token, options={"verify_signature": False}), "role": "ADMIN"}, "a-guess")
    forged = as_admin.rpartition(".")[0] + "." + signature
    with pytest.raises(Unauthenticated, match="invalid"):
        internal_auth.verify_claims(forged, SECRET)
    assert internal_auth.verify_claims(token, SECRET)["role"] == "BUYER"


def test_changing_the_claims_handed_out_changes_nothing_kept() -> None:
    token = internal_auth.sign_claims(CLAIMS, SECRET)
    internal_auth.verify_claims(token, SECRET)["role"] = "ADMIN"
    assert internal_auth.verify_claims(token, SECRET)["role"] == "BUYER"


def test_the_same_callers_token_is_signed_again_only_once_half_its_life_has_passed(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Every call a request makes carries its caller's token: signed once per half lifetime, so
    a token handed out still has at least half of its life, and the service's cache hits."""
    signed: list[dict[str, object]] = []
    sign = signed_tokens.sign

    def counted(claims: dict[str, object], *args: object, **kwargs: object) -> str:
        signed.append(claims)
        return sign(claims, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(signed_tokens, "sign", counted)
    caller = {**CLAIMS, "sub": "acct-half-life"}
    first = internal_auth.sign_claims(caller, SECRET, ttl_seconds=1)
    assert internal_auth.sign_claims(caller, SECRET, ttl_seconds=1) == first and len(signed) == 1
    internal_auth.sign_claims({**caller, "sub": "acct-other"}, SECRET, ttl_seconds=1)
    internal_auth.sign_claims(caller, "another-secret-of-enough-length-too", ttl_seconds=1)
    assert len(signed) == 3
    time.sleep(0.55)
    internal_auth.sign_claims(caller, SECRET, ttl_seconds=1)
    assert len(signed) == 4
