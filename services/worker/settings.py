from __future__ import annotations

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from services.common.settings import StackSettings


class WorkerSettings(StackSettings):
    """How often each job runs. The worker reads every service's own settings as well (their
    databases, Stripe, the FX limits), under the services' own variables."""

    model_config = SettingsConfigDict(env_prefix="TONGNAN_WORKER_", extra="ignore", populate_by_name=True)

    reconcile_every_seconds: float = Field(default=300.0, gt=0)
    fx_import_every_seconds: float = Field(default=3600.0, gt=0)
    settlement_every_seconds: float = Field(default=24 * 3600.0, gt=0)
    certificate_expiry_every_seconds: float = Field(default=3600.0, gt=0)
    retention_every_seconds: float = Field(default=3600.0, gt=0)
    reservation_sweep_every_seconds: float = Field(default=60.0, gt=0)
    # Where the ECB's daily reference rates are read; empty: only the bundled snapshot.
    ecb_rates_url: str = "https://www.ecb.europa.eu/stats/eurofxref/eurofxref-daily.xml"
