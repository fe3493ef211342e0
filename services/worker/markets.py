"""`tongnan markets-rebuild`: every part's markets decided again from certification's
certificates, for when the bundled market rules changed with a deploy (or a database predates
the read model, or demo certificates were loaded as they stand rather than through review)."""

from __future__ import annotations

from sqlalchemy import Engine
from sqlmodel import Session

from services.catalog import markets as part_markets
from services.certification import service as certificate_service


def rebuild(certification: Engine, catalog: Engine) -> int:
    """Returns how many parts' markets changed (each announced as part.markets_changed)."""
    with Session(certification) as session:
        payloads = certificate_service.reviewed_payloads(session)
    with Session(catalog) as session:
        changed = part_markets.rebuild(session, payloads, on=part_markets.today())
        session.commit()
    return len(changed)
