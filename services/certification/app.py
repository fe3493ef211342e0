from __future__ import annotations

from fastapi import FastAPI
from starlette.types import ASGIApp, Receive, Scope, Send

from services.certification.api import router
from services.certification.models import EVENTS
from services.certification.settings import CertificationSettings
from services.certification.storage import open_document_store
from services.common.app import build_service_app
from services.common.errors import problem
from services.common.events.dead_letter_api import dead_letter_router
from services.common.ratelimit import RateLimit
from services.common.settings import load_or_exit

# Multipart framing around the file itself.
UPLOAD_OVERHEAD_BYTES = 64 * 1024


class UploadSizeLimit:
    """Refuses a document upload whose declared Content-Length is over the cap before its
    body is read (the service also counts the bytes, for uploads sent without a length)."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] == "POST" and "/document" in scope["path"]:
            length = dict(scope["headers"]).get(b"content-length")
            if length is not None and length.isdigit() and int(length) > self.max_bytes + UPLOAD_OVERHEAD_BYTES:
                response = problem(
                    413,
                    "PAYLOAD_TOO_LARGE",
                    "Payload too large",
                    f"a certificate document may be at most {self.max_bytes} bytes",
                    field="file",
                )
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)


def create_app(settings: CertificationSettings | None = None) -> FastAPI:
    settings = settings or load_or_exit(CertificationSettings)
    app = build_service_app(
        settings,
        title="Tongnan certification service",
        description="Certificate records and their review, public verification, market rules and "
        "eligibility of parts for a destination country.",
        routers=[router, dead_letter_router(EVENTS)],
        events=EVENTS,
    )
    app.state.document_store = open_document_store(settings)
    app.state.verify_limit = RateLimit(
        settings,
        namespace="certification-verify",
        per_minute=settings.verify_rate_per_minute,
        burst=settings.verify_burst,
    )
    app.add_middleware(UploadSizeLimit, max_bytes=settings.max_document_bytes)
    return app
