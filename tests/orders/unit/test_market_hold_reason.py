"""The reason an unpaid order is held at the re-check before payment: a restricted condition or
destination is named as such (with what the rule says), not as "missing certification"."""

from __future__ import annotations

import uuid
from types import SimpleNamespace
from typing import Any, cast

from services.orders.checkout.market_holds import _reason
from services.orders.clients.catalog import Eligibility


def test_a_condition_refusal_is_the_reason_given_and_missing_schemes_stay_the_fallback() -> None:
    order = cast(Any, SimpleNamespace(destination_country="BR"))
    line = cast(Any, SimpleNamespace(sku="ALT-1"))
    licence = {
        "code": "CONDITION_LICENCE_REQUIRED",
        "message": "remanufactured parts need an import licence in BR, which we cannot verify",
        "source": "Portaria SECEX 23/2011",
    }
    missing = {"code": "MISSING_CERTIFICATION", "message": "missing certification for Brazil: ISO_9001", "source": "x"}
    verdict = Eligibility(uuid.uuid4(), False, ["ISO_9001"], [licence, missing])
    why = _reason(order, [(line, verdict)], {})
    assert why.startswith(
        "payment held: may no longer be sold in BR (ALT-1: remanufactured parts need an import licence"
    )
    assert "ISO_9001" not in why
    # Without a legality reason (certificates only), the schemes missing, as before.
    plain = Eligibility(uuid.uuid4(), False, ["ECE_R90"], [missing | {"message": "missing ECE_R90"}])
    assert "ALT-1: missing ECE_R90" in _reason(order, [(line, plain)], {})
