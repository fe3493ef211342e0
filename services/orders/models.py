"""Tables of the orders database. Only this service reads or writes them."""

from __future__ import annotations

from sqlmodel import SQLModel

from services.common.db import service_registry


class OrdersTable(SQLModel, registry=service_registry()):
    """Base of every orders table: its own MetaData, so its migrations see only its tables."""
