"""The carriers orders ship with and the shape of their tracking numbers (data/carriers.json).

A supplier names the carrier by its code, its name or a common alias ("DHL", "顺丰"); the
shipment keeps the carrier's name and the number as the carrier prints it without spaces, so
the buyer's tracking link is built from what was stored. A number that fits none of the
carrier's formats (or fails its check digit) is refused before anything is written: a typo
found at the supplier's desk costs nothing, one found by the buyer costs a support case.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from services.common.errors import BadInput

DATA = Path(__file__).resolve().parent.parent / "data" / "carriers.json"

_SEPARATORS = re.compile(r"[\s\-]+")


@dataclass(frozen=True)
class Format:
    kind: str
    pattern: re.Pattern[str]
    check: str | None


@dataclass(frozen=True)
class Carrier:
    code: str
    name: str
    aliases: tuple[str, ...]
    formats: tuple[Format, ...]
    tracking_url: str | None
    source: str

    def accepts(self, number: str) -> bool:
        return any(f.pattern.fullmatch(number) and _check_digit_ok(f.check, number) for f in self.formats)

    def url_for(self, number: str) -> str | None:
        return self.tracking_url.replace("{number}", number) if self.tracking_url else None


def _key(text: str) -> str:
    return " ".join(text.split()).casefold()


@cache
def carriers() -> tuple[Carrier, ...]:
    raw = json.loads(DATA.read_text(encoding="utf-8"))
    return tuple(
        Carrier(
            code=entry["code"],
            name=entry["name"],
            aliases=tuple(entry.get("aliases", ())),
            formats=tuple(
                Format(kind=f["kind"], pattern=re.compile(f["pattern"]), check=f.get("check")) for f in entry["formats"]
            ),
            tracking_url=entry.get("trackingUrl"),
            source=entry["source"],
        )
        for entry in raw["carriers"]
    )


@cache
def _by_key() -> dict[str, Carrier]:
    found: dict[str, Carrier] = {}
    for carrier in carriers():
        for name in (carrier.code, carrier.name, *carrier.aliases):
            found.setdefault(_key(name), carrier)
    return found


def find(name: str) -> Carrier | None:
    """The carrier named by its code, name or an alias, in any case; None if we do not know it."""
    return _by_key().get(_key(name))


def normalized(number: str) -> str:
    return _SEPARATORS.sub("", number).upper()


def checked_shipment(carrier_name: str, tracking_number: str) -> tuple[Carrier, str]:
    """The carrier and the number as stored, or BadInput naming the field that is wrong."""
    carrier = find(carrier_name)
    if carrier is None:
        known = ", ".join(c.name for c in carriers())
        raise BadInput(f"unknown carrier {carrier_name.strip()!r}; we ship with {known}", field="carrier")
    number = normalized(tracking_number)
    if not carrier.accepts(number):
        kinds = ", ".join(f.kind for f in carrier.formats)
        raise BadInput(
            f"{number!r} is not a {carrier.name} tracking number ({kinds}); check it against the label",
            field="tracking_number",
        )
    return carrier, number


def tracking_url(carrier_name: str | None, tracking_number: str | None) -> str | None:
    """Where the buyer follows a stored shipment; None for a carrier without a public page (or a
    shipment recorded before carriers were checked, under a name we do not know)."""
    if not carrier_name or not tracking_number:
        return None
    carrier = find(carrier_name)
    return carrier.url_for(tracking_number) if carrier is not None else None


# --- check digits ------------------------------------------------------------------------------

_S10_WEIGHTS = (8, 6, 4, 2, 3, 5, 9, 7)


def _s10_ok(number: str) -> bool:
    """UPU S10: the ninth digit of the serial checks the eight before it."""
    digits = number[2:11]
    total = sum(int(d) * w for d, w in zip(digits[:8], _S10_WEIGHTS, strict=True))
    check = 11 - total % 11
    check = 0 if check == 10 else 5 if check == 11 else check
    return check == int(digits[8])


def _iso6346_value(char: str) -> int:
    if char.isdigit():
        return int(char)
    # A=10 upwards, skipping the multiples of 11 (11, 22, 33).
    value = 10
    for letter in "ABCDEFGHIJKLMNOPQRSTUVWXYZ":
        if value % 11 == 0:
            value += 1
        if letter == char:
            return value
        value += 1
    raise ValueError(char)


def _iso6346_ok(number: str) -> bool:
    total = sum(_iso6346_value(c) * 2**i for i, c in enumerate(number[:10]))
    return total % 11 % 10 == int(number[10])


def _check_digit_ok(check: str | None, number: str) -> bool:
    if check is None:
        return True
    if check == "s10":
        return _s10_ok(number)
    if check == "iso6346":
        return _iso6346_ok(number)
    raise ValueError(f"carriers.json names an unknown check {check!r}")
