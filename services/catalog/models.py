"""Tables of the catalog database. Only this service reads or writes them."""

from __future__ import annotations

from sqlmodel import SQLModel

from services.common.db import service_registry


class CatalogTable(SQLModel, registry=service_registry()):
    """Base of every catalog table: its own MetaData, so its migrations see only its tables."""
