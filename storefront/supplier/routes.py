"""Every router of the supplier portal, for the app to include."""

from __future__ import annotations

from fastapi import APIRouter

from storefront.supplier import (
    account,
    certificates,
    csv_import,
    orders,
    parts,
    payouts,
    returns,
    settlements,
    verification,
)


def routers() -> list[APIRouter]:
    return [
        account.router,
        parts.router,
        csv_import.router,
        certificates.router,
        verification.router,
        orders.router,
        returns.router,
        settlements.router,
        payouts.router,
    ]
