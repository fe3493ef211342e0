"""Access tokens (short-lived JWTs) and the opaque secrets behind refresh tokens and API keys."""

from __future__ import annotations

import hashlib
import secrets
import uuid
from dataclasses import dataclass

from gateway.identity.models import Account, ApiKeyScope
from marketplace.roles import AccountRole
from services.common import signed_tokens
from services.common.errors import Unauthenticated

AUDIENCE = "tongnan-api"
ISSUER = "tongnan-gateway"


@dataclass(frozen=True, slots=True)
class Principal:
    """Who is calling the public API, and through what."""

    account_id: uuid.UUID
    role: AccountRole
    supplier_id: uuid.UUID | None
    # None for a person's access token; the key's scope for an integrator's API key.
    api_key_scope: ApiKeyScope | None = None
    # The login (refresh-token family) a person's access token was issued under; it stops
    # working once that login is ended.
    login_id: uuid.UUID | None = None

    @property
    def may_write(self) -> bool:
        return self.api_key_scope in (None, ApiKeyScope.READ_WRITE)


def issue_access_token(account: Account, secret: str, *, ttl_seconds: int, login_id: uuid.UUID | None = None) -> str:
    claims = {
        "sub": str(account.id),
        "role": account.role.value,
        "sid": str(account.supplier_id) if account.supplier_id else None,
        "lid": str(login_id) if login_id else None,
    }
    return signed_tokens.sign(claims, secret, issuer=ISSUER, audience=AUDIENCE, ttl_seconds=ttl_seconds)


def read_access_token(token: str, secret: str) -> Principal:
    claims = signed_tokens.verify(token, secret, issuer=ISSUER, audience=AUDIENCE, kind="access token")
    try:
        role = AccountRole(claims["role"])
        account_id = uuid.UUID(claims["sub"])
        supplier_id = uuid.UUID(claims["sid"]) if claims.get("sid") else None
        login_id = uuid.UUID(claims["lid"]) if claims.get("lid") else None
    except (KeyError, ValueError, TypeError):
        raise Unauthenticated("access token invalid") from None
    return Principal(account_id=account_id, role=role, supplier_id=supplier_id, login_id=login_id)


def new_secret(prefix: str) -> tuple[str, str]:
    """(lookup id, full token) for an opaque credential: `tnx_<lookup>_<secret>`."""
    lookup = secrets.token_hex(6)
    return lookup, f"{prefix}_{lookup}_{secrets.token_urlsafe(32)}"


def digest(token: str) -> str:
    """SHA-256 is enough for 256-bit random secrets; argon2 is kept for people's passwords."""
    return hashlib.sha256(token.encode()).hexdigest()
