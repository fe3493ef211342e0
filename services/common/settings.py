"""Configuration shared by every process, read from `TONGNAN_...` environment variables.

Each service subclasses `ServiceSettings` with its own prefix (`TONGNAN_CATALOG_`,
`TONGNAN_ORDERS_`, ...). Values that the whole stack shares (the environment, the
internal token secret, the database URL template) have one name without a service
part, so one export configures every process.
"""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar, Literal

from pydantic import AliasChoices, Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

Environment = Literal["development", "test", "production"]

# Only good for a laptop: production refuses to start with it.
DEVELOPMENT_INTERNAL_SECRET = "development-only-internal-secret-change-me"
DEFAULT_URL_TEMPLATE = "sqlite:///{var_dir}/{service}.db"


class ConfigurationError(Exception):
    """A setting that cannot work; the message is one line meant for the operator."""


def normalise_database_url(url: str, *, field: str) -> str:
    """Validate a database URL and pick our drivers for it.

    `postgresql://` (as every PostgreSQL tool writes it) selects psycopg 3.
    """
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise ConfigurationError(f"{field}: {url!r} is not a database URL") from None
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    if parsed.get_backend_name() not in ("sqlite", "postgresql"):
        raise ConfigurationError(f"{field}: only sqlite and postgresql URLs are supported, got {url!r}")
    return parsed.render_as_string(hide_password=False)


def _shared(name: str) -> AliasChoices:
    return AliasChoices(f"TONGNAN_{name.upper()}", name)


class StackSettings(BaseSettings):
    """Settings that every process reads under the same names."""

    model_config = SettingsConfigDict(env_prefix="TONGNAN_", extra="ignore", populate_by_name=True)

    # Fixed names, whatever prefix a subclass reads its own settings under.
    environment: Environment = Field("development", validation_alias=_shared("environment"))
    var_dir: Path = Field(Path("var"), validation_alias=_shared("var_dir"))
    database_url_template: str = Field(DEFAULT_URL_TEMPLATE, validation_alias=_shared("database_url_template"))
    internal_secret: SecretStr = Field(
        SecretStr(DEVELOPMENT_INTERNAL_SECRET), validation_alias=_shared("internal_secret")
    )

    @model_validator(mode="after")
    def _no_default_secret_in_production(self) -> StackSettings:
        if self.environment == "production" and (
            self.internal_secret.get_secret_value() == DEVELOPMENT_INTERNAL_SECRET
        ):
            raise ValueError("TONGNAN_INTERNAL_SECRET must be set in production")
        return self

    def database_url_for(self, service: str) -> str:
        url = self.database_url_template.format(service=service, var_dir=self.var_dir.as_posix())
        return normalise_database_url(url, field="TONGNAN_DATABASE_URL_TEMPLATE")


class ServiceSettings(StackSettings):
    """Base of one service's settings; subclasses set `service_name` and the env prefix."""

    service_name: ClassVar[str]
    default_port: ClassVar[int]

    host: str = "127.0.0.1"
    port: int = 0
    # Overrides the template for this one service.
    database_url: str | None = Field(default=None)

    @field_validator("port")
    @classmethod
    def _port_range(cls, value: int) -> int:
        if not 0 <= value <= 65535:
            raise ValueError("must be between 1 and 65535")
        return value

    @model_validator(mode="after")
    def _defaults(self) -> ServiceSettings:
        if self.port == 0:
            self.port = self.default_port
        prefix = str(self.model_config.get("env_prefix", "")).upper()
        if self.database_url is None:
            self.database_url = self.database_url_for(self.service_name)
        else:
            self.database_url = normalise_database_url(self.database_url, field=f"{prefix}DATABASE_URL")
        return self

    @property
    def db_url(self) -> str:
        assert self.database_url is not None  # filled by the validator
        return self.database_url
