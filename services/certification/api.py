"""HTTP routes of the certification service: parse, call one service function, map the result."""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Form, Header, Query, Request, Response, UploadFile, status
from sqlmodel import Session

from marketplace.actors import ActorDep
from marketplace.compliance import markets, registry
from services.certification import eligibility as eligibility_service
from services.certification import retention
from services.certification import service as certificate_service
from services.certification import verification as verification_service
from services.certification.contract import (
    MAX_PARTS_PER_CALL,
    ApplicableRequest,
    ApplicableResponse,
    CertificateCreate,
    CertificatePage,
    CertificateRead,
    DocumentCheck,
    DocumentRead,
    DocumentVerification,
    EligibilityRequest,
    EligibilityResponse,
    EventRead,
    MarketRead,
    MarketRequirementsRead,
    NumberFormatRead,
    PartCertificates,
    PartEligibility,
    PurgeRead,
    RefusalRead,
    SchemeRead,
    ScopeRead,
    TransitionIn,
    VerificationRead,
)
from services.certification.service import CertificateView
from services.certification.settings import CertificationSettings
from services.common.app import SessionDep, in_session
from services.common.clock import utcnow
from services.common.documents import DocumentStore
from services.common.errors import BadInput, RateLimited
from services.common.pagination import page_size
from services.common.ratelimit import RateLimit, retry_after

router = APIRouter(tags=["certification"])

PROBLEMS: dict[int | str, dict[str, Any]] = {
    code: {"description": text, "content": {"application/problem+json": {}}}
    for code, text in {
        401: "No or invalid internal token",
        403: "Not allowed for this caller",
        404: "No such certificate",
        409: "Conflicts with the certificate's state or an existing record",
        422: "Invalid input; `field` names it",
    }.items()
}
UPLOAD_PROBLEMS = {**PROBLEMS, 413: {"description": "Document over the size cap"}}
LIMITED_PROBLEMS = {**PROBLEMS, 429: {"description": "Rate limited; see Retry-After"}}


def today() -> date:
    return utcnow().date()


def settings_of(request: Request) -> CertificationSettings:
    settings: CertificationSettings = request.app.state.settings
    return settings


def store_of(request: Request) -> DocumentStore:
    store: DocumentStore = request.app.state.document_store
    return store


def client_address(request: Request) -> str:
    """Every caller holds the gateway's internal token (checked before this runs), so the
    end client's address the gateway forwards is trusted; direct calls key on the peer."""
    forwarded = request.headers.get("x-client-address", "").strip()
    if forwarded:
        return forwarded[:100]
    return request.client.host if request.client else "unknown"


async def limit_verification(request: Request, _actor: ActorDep) -> None:
    """Public verification per end client's address; after the caller's token is checked (the
    actor), and in the event loop, as every limit is taken."""
    limit: RateLimit = request.app.state.verify_limit
    wait = await limit.take(client_address(request))
    if wait > 0:
        raise RateLimited("too many requests; slow down", retry_after_seconds=retry_after(wait))


VerificationLimited = Annotated[None, Depends(limit_verification)]


def to_read(v: CertificateView) -> CertificateRead:
    c = v.certificate
    document = None
    if v.private and c.document_sha256 is not None:
        assert c.document_size is not None and c.document_uploaded_at is not None
        document = DocumentRead(
            sha256=c.document_sha256, size_bytes=c.document_size, uploaded_at=c.document_uploaded_at
        )
    return CertificateRead(
        id=c.id,
        scheme=c.scheme,
        number=c.number,
        issuing_body=c.issuing_body,
        holder_id=c.holder_id,
        holder_name=c.holder_name,
        scope=ScopeRead(part_ids=v.part_ids, categories=c.scope_categories, oem_numbers=c.scope_oem_numbers),
        valid_from=c.valid_from,
        valid_until=c.valid_until,
        status=v.status,
        created_at=c.created_at,
        updated_at=c.updated_at,
        notes=c.notes if v.private else None,
        document=document,
    )


# --- registry and rules -----------------------------------------------------------------------


@router.get("/schemes", response_model=list[SchemeRead])
def list_schemes(_actor: ActorDep) -> list[SchemeRead]:
    return [
        SchemeRead(
            code=s.code,
            name=s.name,
            authority_type=s.authority_type,
            level=s.level.value,
            covers=list(s.covers),
            number_format=None
            if s.number_format is None
            else NumberFormatRead(
                pattern=s.number_format.pattern.pattern,
                example=s.number_format.example,
                description=s.number_format.description,
            ),
            typical_validity_months=s.typical_validity_months,
            satisfies=list(s.satisfies),
            source=s.source,
        )
        for s in registry.schemes().values()
    ]


def _market_read(m: registry.Market, on: date) -> MarketRead:
    return MarketRead(
        code=m.code,
        name=m.name,
        countries=list(m.countries),
        supplier_level=list(m.supplier_level),
        categories={k: list(v) for k, v in m.categories_on(on).items()},
        notes=m.notes,
        source=m.source,
        valid_from=m.valid_from,
        valid_to=m.valid_to,
    )


@router.get("/markets")
def list_markets(_actor: ActorDep) -> dict[str, Any]:
    """The markets in force today with their requirements today. No default market: a country in
    none is not served."""
    rules = registry.rules()
    on = today()
    return {"as_of": rules.as_of, "on": on, "markets": [_market_read(m, on) for m in rules.markets if m.in_force(on)]}


def _rule_source(market: registry.Market, category: str, on: date) -> str:
    """The category row's own source where it has one (a dated instrument), else the market's."""
    rule = market.rule_for(category, on)
    return rule.source if rule is not None and rule.source else market.source


@router.get("/market-requirements", response_model=MarketRequirementsRead, responses=PROBLEMS)
def market_requirements(
    _actor: ActorDep,
    country: Annotated[str, Query(max_length=10)],
    category: Annotated[str, Query(max_length=40)],
    on: Annotated[date | None, Query(alias="date", description="default today")] = None,
) -> MarketRequirementsRead:
    code = registry.country_code(country)
    day = on or today()
    markets.check_destination(code, day, field="country")
    req = registry.requirements(code, registry.category_slug(category), day)
    return MarketRequirementsRead(
        country=req.country,
        category=req.category,
        market=req.market.code,
        market_name=req.market.name,
        rules_as_of=req.as_of,
        schemes=list(req.schemes),
        supplier_schemes=list(req.supplier_schemes),
        part_schemes=list(req.part_schemes),
        note=req.market.notes.get(req.category),
        source=_rule_source(req.market, req.category, day),
    )


# --- certificates -----------------------------------------------------------------------------


@router.post("/certificates", response_model=CertificateRead, status_code=201, responses=PROBLEMS)
def submit_certificate(
    data: CertificateCreate,
    session: SessionDep,
    actor: ActorDep,
    response: Response,
    idempotency_key: Annotated[str | None, Header(alias="Idempotency-Key")] = None,
) -> CertificateRead:
    result, created = certificate_service.submit(session, actor, data, today=today(), idempotency_key=idempotency_key)
    if not created:
        response.status_code = status.HTTP_200_OK
    return to_read(result)


def _uuid_list(values: list[str], field: str) -> list[uuid.UUID]:
    parsed: list[uuid.UUID] = []
    for value in values:
        for piece in value.split(","):
            if not piece.strip():
                continue
            try:
                parsed.append(uuid.UUID(piece.strip()))
            except ValueError:
                raise BadInput(f"{piece.strip()!r} is not a UUID", field=field) from None
    if len(parsed) > MAX_PARTS_PER_CALL:
        raise BadInput(f"at most {MAX_PARTS_PER_CALL} ids per call", field=field)
    return parsed


@router.get("/certificates", response_model=CertificatePage, responses=PROBLEMS)
async def list_certificates(
    request: Request,
    actor: ActorDep,
    ids: Annotated[list[str] | None, Query(description="comma-separated or repeated; at most 100")] = None,
    holder_id: uuid.UUID | None = None,
    part_id: uuid.UUID | None = None,
    scheme: str | None = None,
    status: Annotated[str | None, Query(description="PENDING_REVIEW, VALID, EXPIRED, SUSPENDED or REVOKED")] = None,
    first: int | None = None,
    after: str | None = None,
    order: Annotated[
        str, Query(pattern="^(newest|oldest)$", description="newest (default) or oldest first")
    ] = "newest",
) -> CertificatePage:
    on = today()
    if ids is not None:
        wanted = _uuid_list(ids, "ids")

        def by_ids(session: Session) -> CertificatePage:
            found = certificate_service.get_many(session, actor, wanted, today=on)
            return CertificatePage(items=[to_read(v) for v in found])

        return await in_session(request, by_ids)

    def page(session: Session) -> CertificatePage:
        views, has_next, end = certificate_service.list_certificates(
            session,
            actor,
            today=on,
            holder_id=holder_id,
            part_id=part_id,
            scheme=scheme,
            status=status,
            first=page_size(first),
            after=after,
            oldest_first=order == "oldest",
        )
        return CertificatePage(items=[to_read(v) for v in views], has_next_page=has_next, end_cursor=end)

    return await in_session(request, page)


@router.post("/certificates/applicable", response_model=ApplicableResponse, responses=PROBLEMS)
async def applicable_certificates(body: ApplicableRequest, request: Request, actor: ActorDep) -> ApplicableResponse:
    """For a page of parts (DataLoader of `Part.certificates`): the certificates covering each."""
    on = today()

    def work(session: Session) -> ApplicableResponse:
        results = eligibility_service.applicable(
            session, actor, body.parts, today=on, include_revoked=body.include_revoked
        )
        # A supplier's certificate covers most of a page's parts: each is made once, not once a part.
        made: dict[uuid.UUID, CertificateRead] = {}

        def read(view: CertificateView) -> CertificateRead:
            found = made.get(view.certificate.id)
            if found is None:
                found = made[view.certificate.id] = to_read(view)
            return found

        return ApplicableResponse(
            results=[PartCertificates(part_id=p, certificates=[read(v) for v in views]) for p, views in results]
        )

    return await in_session(request, work)


@router.get("/certificates/{certificate_id}", response_model=CertificateRead, responses=PROBLEMS)
def get_certificate(certificate_id: uuid.UUID, session: SessionDep, actor: ActorDep) -> CertificateRead:
    return to_read(certificate_service.get(session, actor, certificate_id, today=today()))


@router.get("/certificates/{certificate_id}/history", response_model=list[EventRead], responses=PROBLEMS)
def certificate_history(certificate_id: uuid.UUID, session: SessionDep, actor: ActorDep) -> list[EventRead]:
    return [
        EventRead(
            id=e.id,
            at=e.at,
            actor_id=e.actor_id,
            actor_role=e.actor_role,
            action=e.action,
            from_status=e.from_status,
            to_status=e.to_status,
            reason=e.reason,
            detail=e.detail,
        )
        for e in certificate_service.history(session, actor, certificate_id)
    ]


@router.post("/certificates/{certificate_id}/approve", response_model=CertificateRead, responses=PROBLEMS)
def approve_certificate(
    certificate_id: uuid.UUID, session: SessionDep, actor: ActorDep, body: TransitionIn | None = None
) -> CertificateRead:
    reason = body.reason if body else None
    return to_read(certificate_service.approve(session, actor, certificate_id, reason, today=today()))


@router.post("/certificates/{certificate_id}/suspend", response_model=CertificateRead, responses=PROBLEMS)
def suspend_certificate(
    certificate_id: uuid.UUID, body: TransitionIn, session: SessionDep, actor: ActorDep
) -> CertificateRead:
    return to_read(certificate_service.suspend(session, actor, certificate_id, body.reason, today=today()))


@router.post("/certificates/{certificate_id}/revoke", response_model=CertificateRead, responses=PROBLEMS)
def revoke_certificate(
    certificate_id: uuid.UUID, body: TransitionIn, session: SessionDep, actor: ActorDep
) -> CertificateRead:
    return to_read(certificate_service.revoke(session, actor, certificate_id, body.reason, today=today()))


# --- documents --------------------------------------------------------------------------------


@router.post("/certificates/{certificate_id}/document", response_model=CertificateRead, responses=UPLOAD_PROBLEMS)
def upload_document(
    certificate_id: uuid.UUID,
    request: Request,
    session: SessionDep,
    actor: ActorDep,
    file: Annotated[UploadFile, File(description="the certificate as a PDF")],
) -> CertificateRead:
    keep_for = timedelta(days=settings_of(request).replaced_document_retention_days)
    return to_read(
        certificate_service.attach_document(
            session, actor, certificate_id, file.file, store_of(request), today=today(), keep_replaced_for=keep_for
        )
    )


@router.post(
    "/documents/purge",
    response_model=PurgeRead,
    responses=PROBLEMS,
    summary="Scheduler: delete the files of documents replaced longer ago than the retention period",
)
def purge_replaced_documents(request: Request, session: SessionDep, actor: ActorDep) -> PurgeRead:
    outcome = retention.purge(session, actor, store_of(request))
    return PurgeRead(deleted_files=outcome.deleted, kept_in_use=outcome.kept)


@router.get(
    "/certificates/{certificate_id}/document",
    response_class=Response,
    responses={**PROBLEMS, 200: {"content": {"application/pdf": {}}}},
)
def download_document(certificate_id: uuid.UUID, request: Request, session: SessionDep, actor: ActorDep) -> Response:
    certificate, content = certificate_service.document_for_download(session, actor, certificate_id, store_of(request))
    return Response(
        content,
        media_type="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="certificate-{certificate.id}.pdf"'},
    )


@router.post(
    "/certificates/{certificate_id}/document/verify",
    response_model=DocumentCheck,
    responses={**UPLOAD_PROBLEMS, **LIMITED_PROBLEMS},
)
def verify_document(
    certificate_id: uuid.UUID,
    request: Request,
    session: SessionDep,
    actor: ActorDep,
    _limited: VerificationLimited,
    file: Annotated[UploadFile, File(description="the file to compare with the document on record")],
) -> DocumentCheck:
    matches, sha256 = certificate_service.check_document(
        session, actor, certificate_id, file.file, max_bytes=settings_of(request).max_document_bytes
    )
    return DocumentCheck(certificate_id=certificate_id, matches=matches, sha256=sha256)


# --- public verification and eligibility ------------------------------------------------------


@router.get("/verify", response_model=VerificationRead, responses=LIMITED_PROBLEMS)
def verify_certificate(
    request: Request,
    session: SessionDep,
    _limited: VerificationLimited,
    scheme: Annotated[str, Query(min_length=1, max_length=32)],
    number: Annotated[str, Query(min_length=1, max_length=100)],
) -> VerificationRead:
    return verification_service.verify(session, scheme, number, today=today())


@router.post("/verify/document", response_model=DocumentVerification, responses=LIMITED_PROBLEMS)
def verify_document_by_number(
    request: Request,
    session: SessionDep,
    _limited: VerificationLimited,
    scheme: Annotated[str, Form(min_length=1, max_length=32)],
    number: Annotated[str, Form(min_length=1, max_length=100)],
    file: Annotated[UploadFile, File(description="the file to compare with the document on record")],
) -> DocumentVerification:
    return verification_service.verify_document(
        session, scheme, number, file.file, today=today(), max_bytes=settings_of(request).max_document_bytes
    )


@router.post("/eligibility", response_model=EligibilityResponse, responses=PROBLEMS)
async def check_eligibility(body: EligibilityRequest, request: Request, actor: ActorDep) -> EligibilityResponse:
    on, expiring_days = today(), settings_of(request).expiring_soon_days

    def work(session: Session) -> EligibilityResponse:
        result = eligibility_service.check(session, actor, body, today=on, expiring_days=expiring_days)
        return EligibilityResponse(
            country=result.country,
            market=result.market.code,
            date=result.on,
            rules_as_of=result.rules_as_of,
            results=[
                PartEligibility(
                    part_id=p.part_id,
                    eligible=p.eligible,
                    required_schemes=list(p.required),
                    missing_schemes=p.missing,
                    reasons=[RefusalRead(code=r.code, message=r.message, source=r.source) for r in p.refusals],
                    expiring_soon=[to_read(v) for v in p.expiring_soon],
                    certificate_ids=p.used,
                )
                for p in result.parts
            ],
        )

    return await in_session(request, work)
