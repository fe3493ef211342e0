"""Alembic environment of the certification database."""

import services.certification.models as models
from services.common.migrations import run_env

run_env(models.CertificationTable.metadata)
