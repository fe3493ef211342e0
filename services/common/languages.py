"""The languages the platform writes to people in, and the choice of one for a locale.

A person's e-mails (an order's, a password reset's) are written in one of `LANGUAGES`: the
language of their account's `locale`, which the gateway records from the locale they browse in,
and English for any other. The services that write mail and the gateway that records the
locale choose with the same function.
"""

from __future__ import annotations

LANGUAGES = ("en", "zh", "de")


def language(locale: str | None) -> str:
    """The language among `LANGUAGES` for a locale (`de-AT`, `zh_CN`, `fr`): its own, else English."""
    short = (locale or "en").split("-")[0].split("_")[0].lower()
    return short if short in LANGUAGES else "en"
