"""Cross-site request forgery: every request that changes something comes from our own pages.

Two checks, both required on every unsafe method (POST, PUT, PATCH, DELETE), as OWASP's
cheat sheet and Django's middleware do:

- Origin. The browser names the site whose page sent the request. It must be this
  storefront's public origin (`public_origin`; in development and tests the request's own
  scheme and host). `Origin: null` (a sandboxed frame, a `data:` page, some redirects) and a
  missing Origin are refused: every browser we support sends it on a form post and a fetch.
- A token tied to the session. Every visitor gets a random session id in an HttpOnly cookie;
  each form carries that id signed with the storefront's secret key (the house's one way to
  sign, services.common.signed_tokens), in the hidden field `csrf_token` or, from our own
  scripts, the `X-CSRF-Token` header. Another site can neither read our pages for a token
  nor mint one, and a cookie it manages to plant does not match a token it can sign. The
  session id is renewed when someone signs in or out, so an id known before sign-in is
  worth nothing after it.

A refused request does nothing and answers 403 with a page that says why.
"""

from __future__ import annotations

import hmac
import secrets
from typing import Literal

from fastapi import Request

from services.common import signed_tokens
from services.common.errors import Unauthenticated
from storefront.settings import StorefrontSettings

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})
TOKEN_FIELD = "csrf_token"
TOKEN_HEADER = "X-CSRF-Token"
# A form left open longer than this is refused; reloading the page gives a fresh token.
TOKEN_TTL_SECONDS = 12 * 3600
ISSUER = "tongnan-storefront"
AUDIENCE = "tongnan-storefront-form"
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


class RequestRefused(Exception):
    """An unsafe request without our origin or without a valid token for its session."""

    def __init__(self, reason: Literal["origin", "token"]) -> None:
        super().__init__(f"cross-site request refused: {reason}")
        self.reason = reason


def session_cookie(settings: StorefrontSettings) -> str:
    # Over HTTPS, the __Host- prefix makes browsers refuse the cookie from a sibling subdomain
    # or from plain HTTP, so nobody else can plant a session id for us.
    return "__Host-tn_session" if settings.cookies_secure else "tn_session"


def new_session_id() -> str:
    return secrets.token_urlsafe(32)


def token_for(session_id: str, settings: StorefrontSettings) -> str:
    return signed_tokens.sign(
        {"sub": session_id},
        settings.secret_key.get_secret_value(),
        issuer=ISSUER,
        audience=AUDIENCE,
        ttl_seconds=TOKEN_TTL_SECONDS,
    )


def token_matches(token: str, session_id: str, settings: StorefrontSettings) -> bool:
    try:
        claims = signed_tokens.verify(
            token, settings.secret_key.get_secret_value(), issuer=ISSUER, audience=AUDIENCE, kind="form token"
        )
    except Unauthenticated:
        return False
    return hmac.compare_digest(str(claims.get("sub", "")), session_id)


def expected_origin(request: Request, settings: StorefrontSettings) -> str:
    if settings.public_origin:
        return settings.public_origin
    # Development and tests: wherever the browser reached us.
    return f"{request.url.scheme}://{request.headers.get('host', '')}".lower()


async def _sent_token(request: Request) -> str:
    header = request.headers.get(TOKEN_HEADER)
    if header:
        return header
    if request.headers.get("content-type", "").lower().startswith(FORM_TYPES):
        # Starlette keeps the parsed form on the request, so the route reads the same one.
        value = (await request.form()).get(TOKEN_FIELD)
        return value if isinstance(value, str) else ""
    return ""


async def protect(request: Request) -> None:
    """Every route's first dependency: unsafe methods pass only from our own pages."""
    if request.method in SAFE_METHODS:
        return
    settings: StorefrontSettings = request.app.state.settings
    origin = request.headers.get("origin", "").lower()
    if not origin or origin != expected_origin(request, settings):
        raise RequestRefused("origin")
    session_id = request.cookies.get(session_cookie(settings), "")
    token = await _sent_token(request)
    if not session_id or not token or not token_matches(token, session_id, settings):
        raise RequestRefused("token")
