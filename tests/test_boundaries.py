"""The arrows between the parts, checked on the source: which package may import which.

- A service (a package under `services/` other than `common`) may import another service's
  `contract` module and nothing else of it.
- The gateway may import of a service only its contract.
- `services/common` is infrastructure: it imports no service, no gateway and no marketplace rule.
- `marketplace` (the rules several parts apply) imports no service and no gateway.
- No service, nor `services/common`, imports the gateway, the storefront, the ops layer or the
  demo data (`seed`); the storefront imports no service's internals either.
- A contract imports nothing of its own service, so importing it brings none of the service along.
- The worker (`ops/worker`) reaches a service only through its `jobs` module, its settings and its
  contract, and the gateway through `gateway.jobs` and its settings.

Imports are read with `ast`, inside functions too, so a late import cannot slip past. The first
tests build small trees that break each rule, so the checker is shown to catch what it names.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
# What the service layer may never reach: the layers above it, and the demo data.
ABOVE_SERVICES = ("gateway", "storefront", "ops", "seed")


@dataclass(frozen=True)
class Violation:
    module: str
    imported: str
    rule: str

    def __str__(self) -> str:
        return f"{self.module} imports {self.imported}: {self.rule}"


def _imports(path: Path) -> Iterator[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            # `from services.catalog import contract` imports the module services.catalog.contract.
            yield from (f"{node.module}.{alias.name}" for alias in node.names)


def _module_name(root: Path, path: Path) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _service_of(module: str) -> str | None:
    """The service a module belongs to (`services.orders.x` → `orders`); None outside services or in common."""
    parts = module.split(".")
    if len(parts) >= 2 and parts[0] == "services" and parts[1] != "common":
        return parts[1]
    return None


def _is_contract(imported: str) -> bool:
    parts = imported.split(".")
    return len(parts) >= 3 and parts[2] == "contract"


def _top(module: str) -> str:
    return module.split(".")[0]


def _worker_rule_broken(imported: str) -> str | None:
    parts = imported.split(".")
    reaches_a_service = parts[0] == "services" and len(parts) > 1 and parts[1] != "common"
    if reaches_a_service and (len(parts) < 3 or parts[2] not in ("jobs", "settings", "contract")):
        return "the worker reaches a service only through its jobs module, settings and contract"
    if parts[0] == "gateway" and (len(parts) < 2 or parts[1] not in ("jobs", "settings")):
        return "the worker reaches the gateway only through gateway.jobs and its settings"
    return None


def _rule_broken(module: str, imported: str) -> str | None:
    if module.startswith("ops.worker"):
        return _worker_rule_broken(imported)
    target_service = _service_of(imported)
    # `from services import catalog` names a whole service: treat it as reaching its internals.
    if imported.split(".")[:2] == ["services", "common"]:
        target_service = None
    own_service = _service_of(module)
    top = _top(module)
    if module.startswith("services.common"):
        if target_service is not None:
            return "services/common is infrastructure and imports no service"
        if _top(imported) in (*ABOVE_SERVICES, "marketplace"):
            return "services/common is infrastructure and imports nothing above it"
        return None
    if top == "marketplace":
        if target_service is not None or _top(imported) in ABOVE_SERVICES:
            return "marketplace holds rules, and imports no service or layer above the services"
        return None
    if own_service is not None and _is_contract(module):
        if target_service is not None and not _is_contract(imported):
            return "a contract imports nothing of a service, its own included"
        if _top(imported) in (*ABOVE_SERVICES,):
            return "a contract imports nothing above the services"
        return None
    if own_service is not None:
        if target_service is not None and target_service != own_service and not _is_contract(imported):
            return "a service may import only another service's contract"
        if _top(imported) in ABOVE_SERVICES:
            return "a service imports nothing of the gateway, the storefront, ops or the demo data"
        return None
    if top == "gateway":
        if target_service is not None and not _is_contract(imported):
            return "the gateway may import only a service's contract"
        if _top(imported) in ("storefront", "ops", "seed"):
            return "the gateway imports nothing of the storefront, ops or the demo data"
        return None
    if top == "storefront":
        if target_service is not None:
            return "the storefront talks to the GraphQL API, and imports no service"
        if _top(imported) in ("gateway", "ops", "seed"):
            return "the storefront talks to the GraphQL API, and imports nothing of the gateway, ops or seed"
    return None


def violations(root: Path, packages: tuple[str, ...]) -> list[Violation]:
    found = []
    for package in packages:
        for path in sorted((root / package).rglob("*.py")):
            module = _module_name(root, path)
            for imported in _imports(path):
                rule = _rule_broken(module, imported)
                if rule:
                    found.append(Violation(module, imported, rule))
    return found


CHECKED = ("services", "gateway", "storefront", "marketplace", "ops")


def test_the_code_keeps_its_arrows() -> None:
    found = violations(ROOT, tuple(p for p in CHECKED if (ROOT / p).is_dir()))
    assert not found, "\n".join(map(str, found))


def _tree(tmp_path: Path, files: dict[str, str]) -> Path:
    for name, source in files.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(source)
    return tmp_path


@pytest.mark.parametrize(
    ("files", "expected"),
    [
        pytest.param(
            {"services/orders/checkout.py": "from services.catalog.models import Part\n"},
            ("services.orders.checkout", "services.catalog.models.Part"),
            id="a service importing another's internals",
        ),
        pytest.param(
            {"services/orders/checkout.py": "def late():\n    import services.catalog.search\n"},
            ("services.orders.checkout", "services.catalog.search"),
            id="the same, inside a function",
        ),
        pytest.param(
            {"services/certification/seeding.py": "from services import catalog\n"},
            ("services.certification.seeding", "services.catalog"),
            id="a whole service imported by name",
        ),
        pytest.param(
            {"gateway/catalog/types.py": "from services.catalog.schemas import PartRead\n"},
            ("gateway.catalog.types", "services.catalog.schemas.PartRead"),
            id="the gateway importing a service's schemas",
        ),
        pytest.param(
            {"services/common/money.py": "from services.orders.fx import rate\n"},
            ("services.common.money", "services.orders.fx.rate"),
            id="services/common importing a service",
        ),
        pytest.param(
            {"services/common/mail.py": "from gateway.settings import GatewaySettings\n"},
            ("services.common.mail", "gateway.settings.GatewaySettings"),
            id="services/common importing the gateway",
        ),
        pytest.param(
            {"services/catalog/app.py": "from seed.catalog import seed_demo\n"},
            ("services.catalog.app", "seed.catalog.seed_demo"),
            id="a service importing the demo data",
        ),
        pytest.param(
            {"services/catalog/contract.py": "from services.catalog.models import Part\n"},
            ("services.catalog.contract", "services.catalog.models.Part"),
            id="a contract importing its own service",
        ),
        pytest.param(
            {"ops/worker/jobs.py": "from services.orders.models import Order\n"},
            ("ops.worker.jobs", "services.orders.models.Order"),
            id="the worker reaching past a service's jobs module",
        ),
        pytest.param(
            {"storefront/web.py": "from services.orders.models import Order\n"},
            ("storefront.web", "services.orders.models.Order"),
            id="the storefront importing a service",
        ),
    ],
)
def test_each_broken_arrow_is_caught(tmp_path: Path, files: dict[str, str], expected: tuple[str, str]) -> None:
    root = _tree(tmp_path, files)
    found = violations(root, ("services", "gateway", "storefront", "ops"))
    assert [(v.module, v.imported) for v in found] == [expected]


def test_contracts_and_common_pass(tmp_path: Path) -> None:
    root = _tree(
        tmp_path,
        {
            "services/orders/clients/catalog.py": "from services.catalog.contract import PartPage\n"
            "from services.common.http import ServiceClient\n",
            "services/orders/quotes/api.py": "from services.orders.quotes import service\n",
            "gateway/catalog/types.py": "from services.catalog import contract\n"
            "from services.common.errors import BadInput\n",
            "services/common/db.py": "import sqlalchemy\nfrom services.common.settings import StackSettings\n",
            "ops/worker/jobs.py": "from services.orders import jobs\nfrom gateway.settings import GatewaySettings\n",
            "ops/cli.py": "from services.orders.screening import cli\n",
        },
    )
    assert violations(root, ("services", "gateway", "ops")) == []


# Where an HTTP client may be built, and why each is not a call between our processes: every
# call from one of our processes to another goes through services/common/http.py.
HTTP_CLIENTS_ALLOWED = {
    "services/common/http.py": "the one client between our processes",
    "storefront/api_client.py": "the storefront calls the public GraphQL API, as any integrator does",
    "services/orders/integrations/delivery.py": "integrators' own endpoints, outside, signed and guarded",
    "services/orders/app.py": "localstripe's webhook set-up, in development only",
    "services/orders/quotes/fx_feed.py": "the ECB's rates, outside",
    "ops/stack.py": "the supervisor's readiness checks",
}
# Where a request limit may be built over the `limits` library.
LIMITERS_ALLOWED = {
    "services/common/ratelimit.py": "the one request limit, per caller",
    "gateway/identity/throttle.py": "login and reset throttles: a backoff per account and address, not a rate",
}


def _calls_or_imports(path: Path, names: tuple[str, ...]) -> bool:
    """Whether the file calls one of `names` (`httpx.Client`) or imports from one (`limits.strategies`)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        call = node.func if isinstance(node, ast.Call) else None
        if (
            isinstance(call, ast.Attribute)
            and isinstance(call.value, ast.Name)
            and f"{call.value.id}.{call.attr}" in names
        ):
            return True
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith(names):
            return True
    return False


def _files_using(names: tuple[str, ...]) -> set[str]:
    return {
        str(path.relative_to(ROOT))
        for package in CHECKED
        for path in sorted((ROOT / package).rglob("*.py"))
        if _calls_or_imports(path, names)
    }


def test_one_http_client_between_our_processes() -> None:
    users = _files_using(("httpx.Client", "httpx.AsyncClient", "httpx.get", "httpx.post", "httpx.request"))
    assert users - HTTP_CLIENTS_ALLOWED.keys() == set(), "call our services through services/common/http.py"


def test_one_request_limit() -> None:
    users = _files_using(("limits.strategies", "limits.aio.strategies"))
    assert users - LIMITERS_ALLOWED.keys() == set(), "limit requests with services/common/ratelimit.py"
