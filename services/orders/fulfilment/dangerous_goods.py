"""The dangerous-goods declaration data of an order, from the lines of the quote it was placed on.

A quote classifies each dangerous line (services/orders/landed_cost: UN number, proper shipping
name, class, packing group where one is assigned, packing instruction and regime of the
shipment's transport mode, net quantity per package, packages, the state-of-charge requirement
for air). The order keeps a copy, with the emergency contact from the settings, so that the
supplier's packing slip and the forwarder's declaration say what was quoted even if the rules
change later.
"""

from __future__ import annotations

from typing import Any


def declaration(detail: dict[str, Any], emergency_contact: str | None) -> dict[str, Any] | None:
    """The declaration data of a quote's `detail` (LandedCost.as_json), or None without dangerous goods."""
    lines = []
    for line_no, line in enumerate(detail.get("lines", [])):
        dg = line.get("dangerousGoodsClass")
        if not dg:
            continue
        lines.append(
            {
                "line_no": line_no,
                "part_id": line.get("partId"),
                "un_number": dg["unNumber"],
                "proper_shipping_name": dg["properShippingName"],
                "hazard_class": dg["hazardClass"],
                "packing_group": dg.get("packingGroup"),
                "packing_instruction": dg["packingInstruction"],
                "regime": dg["regime"],
                "net_quantity_per_package_kg": dg["netQuantityPerPackageKg"],
                "packages": dg["packages"],
                "state_of_charge": dg.get("stateOfCharge"),
                "source": dg.get("source", ""),
            }
        )
    if not lines:
        return None
    return {
        "mode": detail.get("transportMode"),
        "shipping_service": detail.get("shippingService"),
        "emergency_contact": emergency_contact,
        "lines": lines,
    }


def for_lines(data: dict[str, Any] | None, line_nos: set[int]) -> dict[str, Any] | None:
    """The declaration restricted to some lines (a supplier's own), or None when none is dangerous."""
    if not data:
        return None
    lines = [line for line in data.get("lines", []) if line.get("line_no") in line_nos]
    return {**data, "lines": lines} if lines else None
