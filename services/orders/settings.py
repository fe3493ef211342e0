from __future__ import annotations

from typing import ClassVar

from pydantic import SecretStr, model_validator
from pydantic_settings import SettingsConfigDict

from services.common.settings import ServiceSettings

# localstripe accepts any key; these only mark that we are talking to it.
LOCALSTRIPE_SECRET_KEY = "sk_test_localstripe"
LOCALSTRIPE_PUBLISHABLE_KEY = "pk_test_localstripe"


class OrdersSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="TONGNAN_ORDERS_", extra="ignore", populate_by_name=True)

    service_name: ClassVar[str] = "orders"
    default_port: ClassVar[int] = 8002

    # Where the stripe SDK sends its calls: localstripe in development, Stripe in production.
    stripe_api_base: str = "http://127.0.0.1:8420"
    stripe_secret_key: SecretStr | None = None
    stripe_publishable_key: str | None = None
    stripe_webhook_secret: SecretStr | None = None

    @model_validator(mode="after")
    def _stripe_keys(self) -> OrdersSettings:
        if self.environment == "production":
            if self.stripe_secret_key is None:
                raise ValueError("TONGNAN_ORDERS_STRIPE_SECRET_KEY must be set in production")
            if self.stripe_webhook_secret is None:
                raise ValueError("TONGNAN_ORDERS_STRIPE_WEBHOOK_SECRET must be set in production")
        else:
            self.stripe_secret_key = self.stripe_secret_key or SecretStr(LOCALSTRIPE_SECRET_KEY)
            self.stripe_publishable_key = self.stripe_publishable_key or LOCALSTRIPE_PUBLISHABLE_KEY
        return self
