"""Demo data for a development stack: made-up Tongnan suppliers and their parts (catalog),
certificates for them (certification), exchange rates (orders). The ops layer (`tongnan up`)
loads it into empty databases; no service imports this package, and tests that want the demo
data import it themselves.

Each module writes through its service's own models, and only into an empty database, so a
restarted stack keeps whatever people made since."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping

from sqlalchemy import Engine

from seed import catalog, certification, orders
from services.common.db import make_engine

# In this order: certificates refer to the catalog's suppliers and parts.
LOADERS: tuple[tuple[str, Callable[[Engine], str | None]], ...] = (
    ("catalog", catalog.load_if_empty),
    ("certification", certification.load_if_empty),
    ("orders", orders.load_if_empty),
)


def load_if_empty(db_urls: Mapping[str, str]) -> Iterator[tuple[str, str | None]]:
    """Demo data into each service's database (`db_urls`, by service) that is empty: for each
    service in turn, what was loaded, or None where the database already had data."""
    for service, load in LOADERS:
        engine = make_engine(db_urls[service])
        try:
            yield service, load(engine)
        finally:
            engine.dispose()
