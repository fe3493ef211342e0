"""Alembic environment of the catalog database."""

import services.catalog.models as models
from services.common.migrations import run_env

run_env(models.CatalogTable.metadata)
