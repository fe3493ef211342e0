"""The orders service tested against the real stack (tests/orders/fixtures.py): the catalog,
certification and orders apps served on loopback ports, localstripe, and real databases emptied
before each test, with the ledger checked after it.
"""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from tests.orders.factories import Stack


@pytest.fixture
def stack(orders_stack: Stack) -> Stack:
    """The orders stack (tests/orders/fixtures.py), by the short name these tests give it: in
    the gateway and storefront tests `stack` is the gateway's own."""
    return orders_stack


@pytest.fixture
def buyer() -> str:
    return f"acct-buyer-{uuid.uuid4().hex[:8]}"


@pytest.fixture
def alternator(stack: Stack) -> dict[str, Any]:
    """A listed alternator of a certified supplier, 5 units on hand."""
    return stack.part(stack.supplier())
