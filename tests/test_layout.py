"""Tests mirror the code, and no module imports a test module or a conftest.

Shared fixtures are found by pytest itself: in conftest files, or in the fixture modules that
tests/conftest.py registers. Shared helpers (data builders, callers, GraphQL documents) live in
factories modules. A fixture imported by name would be a second fixture of its own in the
importing module, with its own session-scoped servers and database connections; a helper taken
from a test module ties one test file to another's insides.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SCANNED = ("tests", "bench")


def forbidden(module: str) -> bool:
    """A conftest, or a test module of ours: nothing may import either."""
    last = module.rsplit(".", 1)[-1]
    return last == "conftest" or (module.startswith("tests.") and last.startswith("test_"))


def imported_modules(source: str, package: str) -> Iterator[tuple[int, str]]:
    """Every module `source` imports, at any depth of the file, as (line, dotted name); relative
    imports resolved against `package`. `from a import b` yields both `a` and `a.b`, since `b`
    may be a module."""
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")
                parent = parts[: len(parts) - (node.level - 1)]
                base = ".".join([*parent, base] if base else parent)
            yield node.lineno, base
            for alias in node.names:
                yield node.lineno, f"{base}.{alias.name}"


def test_no_module_of_the_tests_or_benchmarks_imports_a_test_module_or_a_conftest() -> None:
    offences = []
    for directory in SCANNED:
        for path in sorted((ROOT / directory).rglob("*.py")):
            package = ".".join(path.relative_to(ROOT).parent.parts)
            for line, module in imported_modules(path.read_text(encoding="utf-8"), package):
                if forbidden(module):
                    offences.append(f"{path.relative_to(ROOT)}:{line} imports {module}")
    assert offences == [], "move what they share to a factories module or a fixture:\n" + "\n".join(offences)


def test_the_check_sees_every_way_of_importing_one() -> None:
    source = """
from tests.orders.conftest import Stack
from tests.gateway.test_orders_api import gid
import tests.catalog.test_images
from tests.e2e import test_checkout
from .conftest import ADMIN
from . import test_pages


def later():
    from tests.catalog.conftest import licence_pdf


from tests.orders.factories import paid_order
from tests.databases import Databases
import pytest
"""
    imports = imported_modules(source, "tests.storefront")
    found = sorted({(line, module) for line, module in imports if forbidden(module)})
    assert found == [
        (2, "tests.orders.conftest"),
        (3, "tests.gateway.test_orders_api"),
        (4, "tests.catalog.test_images"),
        (5, "tests.e2e.test_checkout"),
        (6, "tests.storefront.conftest"),
        (7, "tests.storefront.test_pages"),
        (11, "tests.catalog.conftest"),
    ]
