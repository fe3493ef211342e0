"""Alembic environment of the orders database."""

import services.orders.models as models
from services.common.migrations import run_env

run_env(models.OrdersTable.metadata)
