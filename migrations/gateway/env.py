"""Alembic environment of the gateway database."""

import gateway.identity.models as models
from services.common.migrations import run_env

run_env(models.GatewayTable.metadata)
