"""`tongnan markets-rebuild`: every part's markets decided again from certification's
certificates, for when the bundled market rules changed with a deploy (or a database predates
the read model, or demo certificates were loaded as they stand rather than through review)."""

from __future__ import annotations

from sqlalchemy import Engine

from services.catalog import jobs as catalog_jobs
from services.certification import jobs as certification_jobs


def rebuild(certification: Engine, catalog: Engine) -> int:
    """Returns how many parts' markets changed (each announced as part.markets_changed)."""
    return catalog_jobs.rebuild_markets(catalog, certification_jobs.reviewed_certificates(certification))


def rebuild_unless_decided(certification: Engine, catalog: Engine) -> int | None:
    """As `rebuild`, unless every part's markets already stand decided for today under the
    bundled rules from the certificates as they are: then None, and no part is read."""
    certificates = certification_jobs.reviewed_certificates(certification)
    if catalog_jobs.markets_decided(catalog, certificates):
        return None
    return catalog_jobs.rebuild_markets(catalog, certificates)
