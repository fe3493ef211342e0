"""Configuration shared by every process, read from `TONGNAN_...` environment variables.

Each service subclasses `ServiceSettings` with its own prefix (`TONGNAN_CATALOG_`,
`TONGNAN_ORDERS_`, ...). Values that the whole stack shares (the environment, the
internal token secret, the database URL template) have one name without a service
part, so one export configures every process.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, ClassVar, Literal, TypeVar
from urllib.parse import urlsplit

from pydantic import (
    AliasChoices,
    BeforeValidator,
    Field,
    IPvAnyNetwork,
    SecretStr,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

Environment = Literal["development", "test", "production"]

# Only good for a laptop: production refuses to start with any of these.
DEVELOPMENT_INTERNAL_SECRET = "development-only-internal-secret-change-me"
DEVELOPMENT_JWT_SECRET = "development-only-jwt-secret-change-me-please"
DEVELOPMENT_STOREFRONT_SECRET = "development-only-storefront-secret-change-me"
# localstripe accepts any key; these only mark that we are talking to it.
LOCALSTRIPE_SECRET_KEY = "sk_test_localstripe"
LOCALSTRIPE_PUBLISHABLE_KEY = "pk_test_localstripe"
LOCALSTRIPE_WEBHOOK_SECRET = "whsec_localstripe_development"
DEVELOPMENT_DATABASE_PASSWORD = "tongnan"  # docker-compose.yml's PostgreSQL in development
DEVELOPMENT_VALUES = frozenset(
    {
        DEVELOPMENT_INTERNAL_SECRET,
        DEVELOPMENT_JWT_SECRET,
        DEVELOPMENT_STOREFRONT_SECRET,
        LOCALSTRIPE_SECRET_KEY,
        LOCALSTRIPE_PUBLISHABLE_KEY,
        LOCALSTRIPE_WEBHOOK_SECRET,
        "whsec_localstripe",  # what docker-compose.yml gives localstripe in development
        DEVELOPMENT_DATABASE_PASSWORD,
    }
)
# Our own signing secrets: HMAC-SHA256 keys need 32 random bytes (RFC 7518, section 3.2).
MIN_SECRET_BYTES = 32
STRIPE_TEST_KEY_PREFIXES = ("sk_test_", "pk_test_", "rk_test_")
DEFAULT_URL_TEMPLATE = "sqlite:///{var_dir}/{service}.db"
DEFAULT_NATS_PORT = 4222
DEFAULT_NATS_URL = f"nats://127.0.0.1:{DEFAULT_NATS_PORT}"


def _comma_separated(value: object) -> object:
    return [part.strip() for part in value.split(",") if part.strip()] if isinstance(value, str) else value


# Networks of the proxies whose X-Forwarded-For names the visitor: CIDRs or single addresses,
# comma-separated in the environment (the gateway's and the storefront's setting alike).
ProxyNetworks = Annotated[tuple[IPvAnyNetwork, ...], NoDecode, BeforeValidator(_comma_separated)]


class ConfigurationError(Exception):
    """A setting that cannot work; the message is one line meant for the operator."""


Value = SecretStr | str | None


def _plain(value: Value) -> str:
    return value.get_secret_value() if isinstance(value, SecretStr) else (value or "")


def _refuse_development_value(variable: str, value: Value) -> None:
    text = _plain(value)
    if not text:
        raise ConfigurationError(f"{variable} must be set in production")
    if text in DEVELOPMENT_VALUES:
        raise ConfigurationError(f"{variable} must be set in production: it is a development value")


def check_production(
    *,
    secrets: Mapping[str, Value] | None = None,
    given_secrets: Mapping[str, Value] | None = None,
    stripe_keys: Mapping[str, Value] | None = None,
    urls: Mapping[str, str] | None = None,
    databases: Mapping[str, str] | None = None,
) -> None:
    """What production refuses to start with, for every process: each mapping goes from the
    environment variable that sets a value to the value. Raises ConfigurationError naming the
    first variable that fails.

    secrets        our own signing secrets: set, no development value, at least 32 bytes
    given_secrets  secrets someone else made (Stripe's webhook secret): set, no development value
    stripe_keys    set, and live keys, not test keys or localstripe's placeholders
    urls           https only
    databases      PostgreSQL, not SQLite (a file on one machine is not a production database),
                   without a development password
    """
    for variable, value in (secrets or {}).items():
        _refuse_development_value(variable, value)
        size = len(_plain(value).encode())
        if size < MIN_SECRET_BYTES:
            raise ConfigurationError(
                f"{variable} must be at least {MIN_SECRET_BYTES} random bytes in production, not {size}"
            )
    for variable, value in (stripe_keys or {}).items():
        if _plain(value).startswith(STRIPE_TEST_KEY_PREFIXES):  # localstripe's placeholders too
            raise ConfigurationError(f"{variable} is a Stripe test key; production takes a live key")
        _refuse_development_value(variable, value)
    for variable, value in (given_secrets or {}).items():
        _refuse_development_value(variable, value)
    for variable, url in (urls or {}).items():
        if urlsplit(url).scheme.lower() != "https":
            raise ConfigurationError(f"{variable} must be an https:// URL in production, not {url!r}")
    for variable, url in (databases or {}).items():
        parsed = make_url(url)
        if parsed.get_backend_name() == "sqlite":
            raise ConfigurationError(f"{variable} must name a PostgreSQL database in production, not SQLite")
        if parsed.password in DEVELOPMENT_VALUES:
            raise ConfigurationError(f"{variable} has a development password; production's database has its own")


def describe(exc: ValidationError, settings_cls: type[BaseSettings]) -> str:
    """A settings error as one line naming the environment variable."""
    err = exc.errors()[0]
    message = str(err.get("msg", "invalid")).removeprefix("Value error, ")
    if err.get("loc"):
        prefix = str(settings_cls.model_config.get("env_prefix", "TONGNAN_"))
        return f"{prefix}{str(err['loc'][0]).upper()}: {message}"
    return message


AnySettings = TypeVar("AnySettings", bound=BaseSettings)


def load(settings_cls: type[AnySettings]) -> AnySettings:
    """Settings from the environment; raises ConfigurationError with one line for the operator."""
    try:
        return settings_cls()
    except ValidationError as exc:
        raise ConfigurationError(describe(exc, settings_cls)) from None


def load_or_exit(settings_cls: type[AnySettings]) -> AnySettings:
    """A process's settings at start-up: one that cannot work ends the process with one line
    naming it, not a traceback."""
    try:
        return load(settings_cls)
    except ConfigurationError as exc:
        raise SystemExit(f"error: {exc}") from None


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
    # The NATS server with JetStream that carries events between services; `tongnan up`
    # starts its own on TONGNAN_NATS_PORT unless this names one.
    nats_url: str = Field(DEFAULT_NATS_URL, validation_alias=_shared("nats_url"))
    # Where rate limits are counted when several processes must share them (redis://host:6379/0);
    # unset, each process counts its own.
    redis_url: str | None = Field(None, validation_alias=_shared("redis_url"))
    # What our keys start with in that Redis, so environments (or test runs) can share one.
    redis_key_prefix: str = Field("tongnan", validation_alias=_shared("redis_key_prefix"))

    @model_validator(mode="after")
    def _production_internal_secret(self) -> StackSettings:
        if self.environment == "production":
            check_production(secrets={"TONGNAN_INTERNAL_SECRET": self.internal_secret})
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
            source = "TONGNAN_DATABASE_URL_TEMPLATE"
        else:
            self.database_url = normalise_database_url(self.database_url, field=f"{prefix}DATABASE_URL")
            source = f"{prefix}DATABASE_URL"
        if self.environment == "production":
            check_production(databases={source: self.database_url})
        return self

    @property
    def db_url(self) -> str:
        assert self.database_url is not None  # filled by the validator
        return self.database_url
