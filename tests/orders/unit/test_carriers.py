"""The carriers' tracking-number formats (services/orders/data/carriers.json) and their check digits."""

from __future__ import annotations

import pytest

from services.common.errors import BadInput
from services.orders.fulfilment import carriers

# One real-shaped number per format, with its check digit where the format has one.
VALID = {
    "DHL_EXPRESS": ["1234567890", "JD014600006281234567", "JJD000390007880176512"],
    "UPS": ["1Z999AA10123456784"],
    "FEDEX": ["123456789012", "123456789012345", "12345678901234567890", "1234567890123456789012"],
    "CHINA_POST_EMS": ["EA123456785CN", "RR473124829CN"],
    "SF_EXPRESS": ["SF1234567890123", "123456789012"],
    "CAINIAO": ["LP00123456789012"],
    "MAERSK": ["MAEU123456789", "123456789", "MSKU9070323"],
    "COSCO": ["COSU1234567890", "CSQU3054383"],
    "SEA_FREIGHT": ["CSQU3054383", "ONEYSH1234567890"],
}


def test_every_carrier_has_a_valid_example_a_source_and_a_link_with_the_number() -> None:
    assert {c.code for c in carriers.carriers()} == set(VALID)
    for carrier in carriers.carriers():
        assert carrier.source.startswith("https://")
        assert carrier.tracking_url is None or "{number}" in carrier.tracking_url
        for number in VALID[carrier.code]:
            assert carrier.accepts(number), (carrier.code, number)


@pytest.mark.parametrize(
    ("carrier", "number"),
    [
        ("CHINA_POST_EMS", "EA123456784CN"),  # S10 check digit off by one
        ("CHINA_POST_EMS", "EA123456785DE"),  # leaves from China, so CN
        ("MAERSK", "CSQU3054384"),  # ISO 6346 check digit off by one
        ("DHL_EXPRESS", "JD01460000628123456"),  # one digit short
        ("UPS", "1Z999AA1012345678"),
        ("CAINIAO", "LP0012345678901"),
    ],
)
def test_a_number_off_by_one_character_is_refused(carrier: str, number: str) -> None:
    with pytest.raises(BadInput) as refused:
        carriers.checked_shipment(carrier, number)
    assert refused.value.field == "tracking_number"


def test_a_carrier_is_named_by_code_name_or_alias_and_the_number_as_typed() -> None:
    for name in ("DHL", "dhl express", "DHL_EXPRESS", "  DHL   Express "):
        carrier, number = carriers.checked_shipment(name, "12 3456-7890")
        assert (carrier.name, number) == ("DHL Express", "1234567890")
    assert carriers.checked_shipment("顺丰", "sf1234567890123")[0].code == "SF_EXPRESS"
    with pytest.raises(BadInput) as unknown:
        carriers.checked_shipment("Pony Express", "1234567890")
    assert unknown.value.field == "carrier"
    assert carriers.tracking_url("Other sea freight", "CSQU3054383") is None
    assert carriers.tracking_url("a carrier of old", "123") is None
