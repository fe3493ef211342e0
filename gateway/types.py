"""GraphQL types that every domain module uses: Money and relay page info."""

from __future__ import annotations

from typing import Annotated

import strawberry
from babel import Locale, UnknownLocaleError

from services.common.money import Money as MoneyValue
from services.orders.contract.shared import MoneyRead

SUPPORTED_LOCALES = ("en", "zh", "de", "fr", "es", "it", "ar", "ru", "ja", "ko", "pt", "pl", "tr")


@strawberry.type(description="An amount in a currency's minor units (cents, fen, fils), and how to show it.")
class Money:
    amount: int = strawberry.field(description="minor units of the currency (JPY has none, KWD three)")
    currency: str = strawberry.field(description="ISO 4217")
    formatted: str = strawberry.field(description="for the caller's locale (Accept-Language)")

    @classmethod
    def of(cls, value: MoneyValue, locale: str) -> Money:
        return cls(amount=value.amount, currency=value.currency, formatted=value.format(locale))

    @classmethod
    def read(cls, value: MoneyRead, locale: str) -> Money:
        """An amount as the orders service answers it, formatted for the caller's locale (not the
        service's)."""
        return cls.of(MoneyValue(value.amount, value.currency), locale)


@strawberry.type(description="Where a page of a connection ends, and whether more follow (Relay's PageInfo).")
class PageInfo:
    has_next_page: bool = strawberry.field(description="True when another page follows this one.")
    end_cursor: str | None = strawberry.field(
        description="Pass as `after` for the next page; null when the page is empty."
    )


def negotiate_locale(accept_language: str | None) -> str:
    """The caller's best supported locale from an Accept-Language header; English by default."""
    if not accept_language:
        return "en"
    weighted: list[tuple[float, str]] = []
    for index, item in enumerate(accept_language.split(",")):
        tag, _, params = item.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        if tag and tag != "*":
            weighted.append((quality - index * 1e-6, tag.replace("_", "-")))
    preferred = [tag for _, tag in sorted(weighted, reverse=True)]
    try:
        chosen = Locale.negotiate(preferred, SUPPORTED_LOCALES, sep="-")
    except (UnknownLocaleError, ValueError):
        chosen = None
    return str(chosen) if chosen else "en"


# The two arguments of every paginated field (forward pagination, as Relay's connections),
# described once.
PageSize = Annotated[int | None, strawberry.argument(description="Page size, 1 to 100; outside that: BAD_USER_INPUT.")]
PageAfter = Annotated[
    str | None, strawberry.argument(description="The `endCursor` of the page before; none for the first.")
]
