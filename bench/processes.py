"""The stack's processes by role, as the benchmarks report their CPU and memory."""

from __future__ import annotations

import os

import psutil

# A marker in a process's command line, and the role it names (first match wins: localstripe
# runs from services.orders.checkout, so the orders service's app is named by its module).
ROLES = (
    ("gateway.app", "gateway"),
    ("services.catalog.app", "catalog"),
    ("services.certification.app", "certification"),
    ("services.orders.app", "orders"),
    ("storefront.app", "storefront"),
    ("ops.cli worker", "worker"),
    ("ops.cli up", "tongnan up"),
    ("localstripe", "localstripe"),
    ("nats-server", "nats"),
    ("mail", "mail"),
)


def role_of(process: psutil.Process) -> str:
    """The role of one of the stack's processes, else its program's name."""
    try:
        argv = process.cmdline()
    except psutil.Error:
        return process.name()
    joined = " ".join(argv)
    for marker, name in ROLES:
        if marker in joined:
            return name
    return os.path.basename(argv[0]) if argv else process.name()
