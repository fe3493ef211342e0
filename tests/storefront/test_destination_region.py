"""The province the storefront sends with a quote, from the shipping address (Canada's HST)."""

from __future__ import annotations

import pytest

from storefront.checkout import destination_region


@pytest.mark.parametrize(
    ("address", "region"),
    [
        ({"country": "CA", "countryArea": "ON"}, "CA-ON"),  # as the address book normalises it
        ({"country": "CA", "countryArea": "ns"}, "CA-NS"),
        ({"country": "CA", "countryArea": "Prince Edward Island"}, "CA-PE"),
        ({"country": "CA", "countryArea": "CA-NB"}, "CA-NB"),
        ({"country": "CA", "countryArea": "XX"}, None),  # not a province: the quote asks for one
        ({"country": "DE", "countryArea": ""}, None),
        ({"country": "DE"}, None),
    ],
)
def test_destination_region(address: dict[str, str], region: str | None) -> None:
    assert destination_region(address) == region
