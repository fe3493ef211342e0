"""Tables of the gateway's own database: identity and API keys."""

from __future__ import annotations

from sqlmodel import SQLModel

from services.common.db import service_registry


class GatewayTable(SQLModel, registry=service_registry()):
    """Base of every gateway table: its own MetaData, so its migrations see only its tables."""
