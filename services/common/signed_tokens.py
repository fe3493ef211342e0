"""Short-lived HS256 JWTs: the one way we sign and check a token, for every kind of token."""

from __future__ import annotations

import time
import uuid
from typing import Any

import jwt

from services.common.errors import Unauthenticated

ALGORITHM = "HS256"
REQUIRED_CLAIMS = ["exp", "iat", "sub", "aud", "iss"]


def sign(claims: dict[str, Any], secret: str, *, issuer: str, audience: str, ttl_seconds: int) -> str:
    now = int(time.time())
    body = {**claims, "iss": issuer, "aud": audience, "iat": now, "exp": now + ttl_seconds, "jti": uuid.uuid4().hex}
    return jwt.encode(body, secret, algorithm=ALGORITHM)


def verify(token: str, secret: str, *, issuer: str, audience: str, kind: str) -> dict[str, Any]:
    """The token's claims, or Unauthenticated naming the token kind.

    One allowed algorithm: `alg: none` and algorithm confusion are refused by PyJWT.
    """
    try:
        claims: dict[str, Any] = jwt.decode(
            token,
            secret,
            algorithms=[ALGORITHM],
            audience=audience,
            issuer=issuer,
            options={"require": REQUIRED_CLAIMS},
        )
    except jwt.ExpiredSignatureError:
        raise Unauthenticated(f"{kind} expired") from None
    except jwt.InvalidTokenError:
        raise Unauthenticated(f"{kind} invalid") from None
    return claims
