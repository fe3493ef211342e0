"""Demo certificates for the demo catalogue's suppliers and parts.

Run by `tongnan up` after the catalog's demo. Deterministic ids (uuid5) and numbers; dates
are relative to the day of loading so that the picture stays the same: most certificates
valid, a few expiring within 30 days, one revoked, one awaiting review, and gaps that make
some parts ineligible in some markets (no EU battery declaration for part of the battery
modules, no EAC for water pumps, the revoked IATF 16949 of the braking supplier, no R149
for some headlamps). Each record gets a small generated PDF, stored content-addressed like
an upload, and an audit entry by the `demo-import` system actor.
"""

from __future__ import annotations

import io
import random
import uuid
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

from pypdf import PdfWriter
from sqlalchemy import Engine, func, select
from sqlmodel import Session

from marketplace.compliance import registry
from seed.catalog import DemoCatalog, DemoPart, DemoSupplier, demo_catalog
from services.certification.models import Certificate, CertificateEvent, CertificatePart, CertificateStatus
from services.certification.settings import CertificationSettings
from services.certification.storage import open_document_store
from services.common.clock import utcnow
from services.common.documents import DocumentStore
from services.common.objects import ObjectStore

NAMESPACE = uuid.UUID("0b7e2d4c-5f1a-4c3e-8d2b-6a9f1e3c7b55")
ACTOR_ID = "demo-import"

QMS_BODIES = (
    "SGS-CSTC Standards Technical Services Co., Ltd.",
    "China Quality Certification Centre (CQC)",
    "TÜV SÜD Certification and Testing (China) Co., Ltd.",
)


@dataclass
class Draft:
    scheme: str
    number: str
    issuing_body: str
    holder: DemoSupplier
    valid_from: date
    valid_until: date
    categories: list[str] = field(default_factory=list)
    parts: list[DemoPart] = field(default_factory=list)
    oem_numbers: list[str] = field(default_factory=list)
    status: CertificateStatus = CertificateStatus.VALID
    reason: str | None = None


def _pdf(draft: Draft) -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    writer.add_metadata(
        {
            "/Title": f"{draft.scheme} {draft.number}",
            "/Author": draft.issuing_body,
            "/Subject": f"Demo certificate for {draft.holder.name_en}",
        }
    )
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def demo_drafts(catalog: DemoCatalog, today: date) -> list[Draft]:
    rng = random.Random(20261126)
    by_category: dict[str, list[DemoPart]] = {}
    for part in catalog.parts:
        by_category.setdefault(part.category, []).append(part)
    supplier_of = {s.id: s for s in catalog.suppliers}

    def holder_for(category: str) -> DemoSupplier:
        return supplier_of[by_category[category][0].supplier_id]

    def since(days: int) -> date:
        return today - timedelta(days=days)

    def until(days: int) -> date:
        return today + timedelta(days=days)

    drafts: list[Draft] = []
    serial = iter(range(1, 10_000))

    # Supplier level: ISO 9001 for all but the turbocharger maker (which holds IATF 16949).
    for i, supplier in enumerate(catalog.suppliers):
        if supplier.id == holder_for("turbocharger").id:
            continue
        expiring = supplier.id == holder_for("transmission").id  # surveillance audit due
        drafts.append(
            Draft(
                "ISO_9001",
                f"{['SGS', 'CQC', 'TUV'][i % 3]}-QMS-{2024 - i % 2}-{rng.randint(10000, 99999)}",
                QMS_BODIES[i % 3],
                supplier,
                since(700 + 30 * i),
                until(21 if expiring else 400 + 60 * i),
            )
        )
    drafts.append(
        Draft(
            "IATF_16949",
            f"05{rng.randint(10000, 99999)}",
            QMS_BODIES[2],
            holder_for("turbocharger"),
            since(500),
            until(595),
        )
    )
    drafts.append(
        Draft(
            "IATF_16949",
            f"04{rng.randint(10000, 99999)}",
            QMS_BODIES[0],
            holder_for("alternator"),
            since(300),
            until(795),
        )
    )
    braking = holder_for("brake_pads")
    drafts.append(
        Draft(
            "IATF_16949",
            f"04{rng.randint(10000, 99999)}",
            QMS_BODIES[1],
            braking,
            since(400),
            until(695),
            status=CertificateStatus.REVOKED,
            reason="Certification body withdrew the certificate after a failed special audit (IATF Rules 8.0)",
        )
    )

    # Brake pads: an R90 approval per lining type for most pads; FMVSS 135 report for the category.
    pads = by_category.get("brake_pads", [])
    for part in pads[: max(1, len(pads) * 3 // 4)]:
        drafts.append(
            Draft(
                "ECE_R90",
                f"E4 90R-02 {rng.randint(1000, 9999)}/{next(serial):04d}",
                "RDW (E4), technical service TÜV Rheinland",
                braking,
                since(rng.randint(200, 900)),
                until(rng.randint(400, 1500)),
                parts=[part],
            )
        )
    drafts.append(
        Draft(
            "FMVSS_135",
            f"LINK-FMVSS135-{rng.randint(100000, 999999)}",
            "Link Engineering Company (dynamometer test report)",
            braking,
            since(330),
            until(12),
            categories=["brake_pads", "brake_caliper"],
        )
    )
    drafts.append(
        Draft(
            "GCC_CONFORMITY",
            f"SABER-PC-2026-{rng.randint(100000, 999999)}",
            "Intertek Testing Services (SASO notified body)",
            braking,
            since(100),
            until(265),
            categories=["brake_pads", "shock_absorber", "steering_rack"],
        )
    )
    eac = "ООО «Авто-Стандарт» (RA.RU.11АБ12)"
    drafts.append(
        Draft(
            "EAC_TR_CU_018",
            f"ЕАЭС RU С-CN.АБ12.В.{rng.randint(10000, 99999)}/25",
            eac,
            braking,
            since(250),
            until(845),
            categories=["brake_caliper", "brake_pads", "steering_rack", "power_steering_pump", "shock_absorber"],
        )
    )
    alternators = holder_for("alternator")
    drafts.append(
        Draft(
            "EAC_TR_CU_018",
            f"ЕАЭС RU С-CN.АБ12.В.{rng.randint(10000, 99999)}/25",
            eac,
            alternators,
            since(150),
            until(945),
            categories=["alternator", "starter"],
        )
    )
    drafts.append(
        Draft(
            "EAC_TR_CU_018",
            f"ЕАЭС RU С-CN.АБ12.В.{rng.randint(10000, 99999)}/24",
            eac,
            holder_for("turbocharger"),
            since(900),
            until(25),
            categories=["turbocharger"],
        )
    )

    # Electronics and lamps.
    electronics = holder_for("ecu")
    drafts.append(
        Draft(
            "ECE_R10",
            f"E1 10R-06 {rng.randint(10000, 99999)}",
            "KBA (E1), technical service TÜV SÜD Auto Service",
            electronics,
            since(420),
            until(1400),
            categories=["ecu"],
        )
    )
    lamps = by_category.get("headlamp", [])
    for part in lamps[: max(1, len(lamps) * 2 // 3)]:
        drafts.append(
            Draft(
                "ECE_R149",
                f"E9 149R-00 {next(serial):04d}",
                "Ministerio de Industria (E9), technical service IDIADA",
                electronics,
                since(rng.randint(100, 700)),
                until(rng.randint(500, 1800)),
                parts=[part],
            )
        )
    drafts.append(
        Draft(
            "FMVSS_108",
            f"INTERTEK-FMVSS108-{rng.randint(100000, 999999)}",
            "Intertek Testing Services NA (compliance test report)",
            electronics,
            since(5),
            until(1090),
            categories=["headlamp"],
            status=CertificateStatus.PENDING_REVIEW,
        )
    )

    # Traction batteries and drive motors.
    batteries = holder_for("nev_battery_module")
    modules = by_category.get("nev_battery_module", [])
    for index, part in enumerate(modules):
        if index % 5 == 4:
            continue  # no UN 38.3 summary on file: cannot ship anywhere
        drafts.append(
            Draft(
                "UN_38_3",
                f"CATARC-UN383-2026-{next(serial):04d}",
                "CATARC Automotive Test Center (Tianjin) Co., Ltd.",
                batteries,
                since(rng.randint(60, 500)),
                until(rng.randint(200, 900)),
                parts=[part],
            )
        )
        if index % 3 != 2:
            drafts.append(
                Draft(
                    "ECE_R100",
                    f"E4 100R-03 {next(serial):04d}",
                    "RDW (E4), technical service TÜV Rheinland",
                    batteries,
                    since(rng.randint(60, 500)),
                    until(rng.randint(300, 1200)),
                    parts=[part],
                )
            )
        if index % 2 == 0:
            drafts.append(
                Draft(
                    "EU_BATTERY_2023_1542",
                    f"DOC-EU-2023-1542-LY-{next(serial):04d}",
                    "TÜV Rheinland LGA Products GmbH (notified body 0197)",
                    batteries,
                    since(rng.randint(30, 300)),
                    until(rng.randint(500, 1500)),
                    parts=[part],
                )
            )
    drafts.append(
        Draft(
            "ECE_R10",
            f"E4 10R-06 {rng.randint(10000, 99999)}",
            "RDW (E4), technical service TÜV Rheinland",
            batteries,
            since(200),
            until(18),
            categories=["nev_drive_motor"],
        )
    )
    return drafts


def load_if_empty(engine: Engine, document_dir: Path | None = None) -> str | None:
    with Session(engine) as probe:
        if probe.scalar(select(func.count()).select_from(Certificate)):
            return None
    settings = CertificationSettings()
    if document_dir is None:
        store = open_document_store(settings)  # the configured store, S3 included
    else:
        store = DocumentStore(ObjectStore.local(document_dir), max_bytes=settings.max_document_bytes)
    today = utcnow().date()
    drafts = demo_drafts(demo_catalog(), today)
    with Session(engine) as session:
        for draft in drafts:
            _insert(session, store, draft)
        session.commit()
    return f"loaded {len(drafts)} certificates"


def _insert(session: Session, store: DocumentStore, draft: Draft) -> None:
    number = registry.validate_number(draft.scheme, draft.number)
    stored = store.put(io.BytesIO(_pdf(draft)))
    now = utcnow()
    certificate = Certificate(
        id=uuid.uuid5(NAMESPACE, f"{draft.scheme}:{number}"),
        scheme=draft.scheme,
        number=number,
        issuing_body=draft.issuing_body,
        holder_id=draft.holder.id,
        holder_name=draft.holder.name_en,
        scope_categories=draft.categories,
        scope_oem_numbers=draft.oem_numbers,
        valid_from=draft.valid_from,
        valid_until=draft.valid_until,
        status=draft.status.value,
        document_sha256=stored.sha256,
        document_size=stored.size,
        document_uploaded_at=now,
        submitted_by=ACTOR_ID,
    )
    session.add(certificate)
    session.flush()
    session.add_all(CertificatePart(certificate_id=certificate.id, part_id=p.id) for p in draft.parts)
    # The revoked one was valid until its revocation, which follows as its own entry.
    imported_as = CertificateStatus.VALID if draft.status is CertificateStatus.REVOKED else draft.status
    session.add(
        CertificateEvent(
            certificate_id=certificate.id,
            actor_id=ACTOR_ID,
            actor_role="SYSTEM",
            action="IMPORTED",
            at=now,
            to_status=imported_as.value,
            detail={"source": "demo data", "sha256": stored.sha256},
        )
    )
    if draft.status is CertificateStatus.REVOKED:
        session.add(
            CertificateEvent(
                certificate_id=certificate.id,
                actor_id=ACTOR_ID,
                actor_role="SYSTEM",
                action="REVOKED",
                at=now + timedelta(milliseconds=1),
                from_status=imported_as.value,
                to_status=draft.status.value,
                reason=draft.reason,
            )
        )
