"""Who is calling a service, and what that caller may do.

The gateway names the caller of every upstream call in the internal token (carried by
services/common/internal_auth.py); a service reads it as an `Actor` with `ActorDep`. Staff
(admins and the platform itself) may act for anyone; everyone else only in their own role.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, Request

from marketplace.roles import STAFF_ROLES, Role
from services.common import internal_auth
from services.common.errors import Forbidden, Unauthenticated


@dataclass(frozen=True, slots=True)
class Actor:
    id: str
    role: Role
    supplier_id: str | None = None

    @property
    def is_staff(self) -> bool:
        return self.role in STAFF_ROLES

    def require(self, *roles: Role) -> None:
        if self.role not in roles and not self.is_staff:
            raise Forbidden(f"this action needs the role {' or '.join(r.value for r in roles)}")


ANONYMOUS = Actor(id="anonymous", role=Role.ANONYMOUS)
SYSTEM = Actor(id="system", role=Role.SYSTEM)


def issue_token(actor: Actor, secret: str, *, ttl_seconds: int = internal_auth.DEFAULT_TTL_SECONDS) -> str:
    claims = {"sub": actor.id, "role": actor.role.value, "sid": actor.supplier_id, "staff": actor.is_staff}
    return internal_auth.sign_claims(claims, secret, ttl_seconds=ttl_seconds)


def _actor(claims: dict[str, Any]) -> Actor:
    try:
        role = Role(str(claims.get("role")))
    except ValueError:
        raise Unauthenticated("internal token names an unknown role") from None
    return Actor(id=str(claims["sub"]), role=role, supplier_id=claims.get("sid"))


def verify_token(token: str, secret: str) -> Actor:
    return _actor(internal_auth.verify_claims(token, secret))


def internal_headers(actor: Actor, secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {issue_token(actor, secret)}"}


async def current_actor(request: Request) -> Actor:
    # async: verifying the token is a few microseconds of CPU, cheaper on the event loop than a
    # hop to the thread pool, which FastAPI makes for every plain `def` dependency.
    return _actor(internal_auth.bearer_claims(request))


ActorDep = Annotated[Actor, Depends(current_actor)]
