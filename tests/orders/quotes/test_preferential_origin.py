"""Preferential origin through the real stack: a supplier's CO_RCEP certificate, approved in
certification and copied to the catalog, gives its CN-origin part the RCEP rate in a quote; the
same part without it, or of another origin, pays MFN. Each quote line names its national line."""

from __future__ import annotations

import json
from typing import Any

from tests.orders.factories import SYSTEM, Stack, fx_document


def _with_aud(stack: Stack) -> None:
    document = fx_document()
    document["rates"]["AUD"] = "0.2131"
    response = stack.orders.put(
        "/fx/rates", content=json.dumps(document), headers={**SYSTEM, "Content-Type": "application/json"}
    )
    assert response.status_code < 300, response.text


def _line(quote: dict[str, Any]) -> dict[str, Any]:
    (line,) = quote["detail"]["lines"]
    return dict(line)


def test_rcep_certificate_gives_the_rcep_rate_to_australia_and_mfn_without_it(stack: Stack, buyer: str) -> None:
    _with_aud(stack)
    supplier = stack.supplier()
    part = stack.part(supplier)  # alternator, origin CN, CNY 1,180.00
    # 5 units, CNY 5,900 = AUD 1,257: above Australia's AUD 1,000 duty threshold, so duty is due.
    mfn = stack.quote(buyer, [(part["id"], 5)], country="AU", currency="AUD", incoterm="DAP")
    line = _line(mfn)
    assert [(m["measure"], m["rate"], m["scheme"]) for m in line["dutyMeasures"]] == [("MFN", "0.05", None)]
    assert mfn["duty"]["amount"] > 0

    stack.certify(supplier, "CO_RCEP", ["alternator"])
    rcep = stack.quote(buyer, [(part["id"], 5)], country="AU", currency="AUD", incoterm="DAP")
    line = _line(rcep)
    # RCEP, Australia's schedule: free from 2022-01-01 (duty_rates.json, scheme CO_RCEP).
    assert [(m["measure"], m["rate"], m["scheme"]) for m in line["dutyMeasures"]] == [("RCEP", "0", "CO_RCEP")]
    assert rcep["duty"]["amount"] == 0
    used = {(r["table"], r["key"]) for r in rcep["detail"]["rules"]}
    assert ("duty_rates", "AU CN RCEP 85") in used
    assert any("RCEP" in note and "CO_RCEP" in note for note in rcep["detail"]["notes"])

    # Japan's MFN rate on auto parts is already free: the preference is not claimed.
    japan = _line(stack.quote(buyer, [(part["id"], 5)], country="JP", currency="JPY", incoterm="DAP"))
    assert [(m["measure"], m["rate"]) for m in japan["dutyMeasures"]] == [("MFN", "0")]


def test_preferences_are_for_cn_origin_and_lines_name_their_national_line(stack: Stack, buyer: str) -> None:
    _with_aud(stack)
    supplier = stack.supplier()
    stack.certify(supplier, "CO_RCEP", ["alternator"])
    german = stack.part(supplier, country_of_origin="DE")
    line = _line(stack.quote(buyer, [(german["id"], 5)], country="AU", currency="AUD", incoterm="DAP"))
    assert line["origin"] == "DE"
    assert [m["measure"] for m in line["dutyMeasures"]] == ["MFN"]
    # To the US the alternator is read at HTSUS 8511.50.00, where Section 232 names it; the German
    # part pays no Section 301 or IEEPA duty on China.
    us = _line(stack.quote(buyer, [(german["id"], 1)], country="US", currency="USD", incoterm="DAP"))
    assert us["nationalLine"] == "85115000"
    # After the duty measures the line lists the customs fees on it: the MPF of every entry (since
    # 2025-08-29 no de minimis release for any origin), none of them a duty on China.
    fees = [fee["fee"] for fee in us["customsFees"]]
    assert fees == ["US MPF"]
    duties = {m["measure"] for m in us["dutyMeasures"]} - set(fees)
    assert duties == {"MFN", "US Section 232 auto parts"}
