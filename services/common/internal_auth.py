"""The signed token by which the gateway tells a service who is calling: its transport.

The gateway mints a short-lived HS256 JWT for every upstream call naming the caller: its id
(`sub`), role (`role`), the supplier it acts for (`sid`) and whether it is staff (`staff`, may
act for anyone); each service verifies it and refuses a call without one. No service trusts a
bare header. What the roles are and what each may do is the marketplace's
(marketplace/actors.py), which reads the claims verified here; infrastructure that only needs
to know whether the caller is staff (dead letters) reads `CallerDep`.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Annotated, Any, Protocol

from fastapi import Depends, Request

from services.common import signed_tokens
from services.common.errors import Unauthenticated

AUDIENCE = "tongnan-internal"
ISSUER = "tongnan-gateway"
DEFAULT_TTL_SECONDS = 60


# Tokens this process has signed, by secret, claims and lifetime: one is used again for the same
# caller until half its life has passed, so every call it makes still has at least half of it.
# Signing a fresh token for each of the four to six calls a page makes was 2 % of the gateway's
# CPU, and made every call's token new to the service's verification cache below.
SIGNED_KEPT = 4096
_signed: dict[tuple[str, tuple[tuple[str, Any], ...], int], tuple[str, float]] = {}


def sign_claims(claims: dict[str, Any], secret: str, *, ttl_seconds: int = DEFAULT_TTL_SECONDS) -> str:
    key = (secret, tuple(sorted(claims.items())), ttl_seconds)
    kept = _signed.get(key)
    now = time.time()
    if kept is not None and now < kept[1]:
        return kept[0]
    token = signed_tokens.sign(claims, secret, issuer=ISSUER, audience=AUDIENCE, ttl_seconds=ttl_seconds)
    if len(_signed) >= SIGNED_KEPT:
        _signed.clear()
    _signed[key] = (token, now + ttl_seconds / 2)
    return token


# Tokens this process has verified, by secret and token, with their claims. The gateway signs
# one token for every call one request of its makes (a page of parts: two calls to the catalog,
# two to certification), and PyJWT's checks were 7 to 8% of those services' CPU time under the
# storefront's listing load. A kept token counts only until its `exp`, as PyJWT would have it.
VERIFIED_KEPT = 4096
_verified: dict[tuple[str, str], dict[str, Any]] = {}


def verify_claims(token: str, secret: str) -> dict[str, Any]:
    key = (secret, token)
    claims = _verified.get(key)
    if claims is None or claims["exp"] <= time.time():
        claims = signed_tokens.verify(token, secret, issuer=ISSUER, audience=AUDIENCE, kind="internal token")
        if len(_verified) >= VERIFIED_KEPT:
            _verified.clear()  # they live a minute: a full table is mostly expired ones
        _verified[key] = claims
    return dict(claims)


def bearer_claims(request: Request) -> dict[str, Any]:
    """The verified claims of the request's internal token, or Unauthenticated."""
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token:
        raise Unauthenticated("calls to this service need the gateway's internal token")
    return verify_claims(token, request.app.state.internal_secret)


class Caller(Protocol):
    """A caller as infrastructure sees it: who, and whether staff (marketplace.actors.Actor is one)."""

    @property
    def id(self) -> str: ...

    @property
    def is_staff(self) -> bool: ...


@dataclass(frozen=True, slots=True)
class TokenCaller:
    id: str
    is_staff: bool


async def current_caller(request: Request) -> Caller:
    # async, as marketplace.actors.current_actor: no hop to the thread pool for a token check.
    claims = bearer_claims(request)
    return TokenCaller(id=str(claims["sub"]), is_staff=claims.get("staff") is True)


CallerDep = Annotated[Caller, Depends(current_caller)]
