"""The signed token by which the gateway tells a service who is calling.

The gateway mints a short-lived HS256 JWT naming the actor (account id, role,
supplier id) for every upstream call; each service verifies it and refuses a call
without one. No service trusts a bare header.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Annotated

from fastapi import Depends, Request

from services.common import signed_tokens
from services.common.errors import Forbidden, Unauthenticated

AUDIENCE = "tongnan-internal"
ISSUER = "tongnan-gateway"
DEFAULT_TTL_SECONDS = 60


class Role(StrEnum):
    ANONYMOUS = "ANONYMOUS"  # the public: reads listed parts, verifies certificates
    BUYER = "BUYER"
    SUPPLIER = "SUPPLIER"
    INSPECTOR = "INSPECTOR"
    ADMIN = "ADMIN"
    SYSTEM = "SYSTEM"  # one service calling another, or a scheduled job


@dataclass(frozen=True, slots=True)
class Actor:
    id: str
    role: Role
    supplier_id: str | None = None

    @property
    def is_staff(self) -> bool:
        return self.role in (Role.ADMIN, Role.SYSTEM)

    def require(self, *roles: Role) -> None:
        if self.role not in roles and not self.is_staff:
            raise Forbidden(f"this action needs the role {' or '.join(r.value for r in roles)}")


ANONYMOUS = Actor(id="anonymous", role=Role.ANONYMOUS)
SYSTEM = Actor(id="system", role=Role.SYSTEM)


def issue_token(actor: Actor, secret: str, *, ttl_seconds: int = DEFAULT_TTL_SECONDS) -> str:
    claims = {"sub": actor.id, "role": actor.role.value, "sid": actor.supplier_id}
    return signed_tokens.sign(claims, secret, issuer=ISSUER, audience=AUDIENCE, ttl_seconds=ttl_seconds)


def verify_token(token: str, secret: str) -> Actor:
    claims = signed_tokens.verify(token, secret, issuer=ISSUER, audience=AUDIENCE, kind="internal token")
    try:
        role = Role(str(claims.get("role")))
    except ValueError:
        raise Unauthenticated("internal token names an unknown role") from None
    return Actor(id=str(claims["sub"]), role=role, supplier_id=claims.get("sid"))


def internal_headers(actor: Actor, secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {issue_token(actor, secret)}"}


def current_actor(request: Request) -> Actor:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token:
        raise Unauthenticated("calls to this service need the gateway's internal token")
    return verify_token(token, request.app.state.internal_secret)


ActorDep = Annotated[Actor, Depends(current_actor)]
