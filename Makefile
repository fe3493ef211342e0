# Two commands on a fresh machine: `make up` runs the stack, `make test` runs every check.
PYTHON ?= python3
# uv lives in a virtual environment of its own under var/, so the system's Python (which
# Debian and Ubuntu mark as externally managed, PEP 668) is only used to create it.
BOOTSTRAP := var/bootstrap
UV := $(BOOTSTRAP)/bin/uv
RUN := $(UV) run --frozen
PYTEST := $(RUN) pytest

.PHONY: install up migrate test lint rules typecheck contract release-schema pytest-sqlite pytest-postgres pytest-gateway-strawberry clean

$(UV):
	@$(PYTHON) -m venv $(BOOTSTRAP)
	@$(BOOTSTRAP)/bin/pip install --quiet --disable-pip-version-check "uv>=0.9"

install: $(UV)
	@$(UV) sync --frozen --quiet --python $(BOOTSTRAP)/bin/python

up: install
	$(RUN) tongnan up

migrate: install
	$(RUN) tongnan migrate

lint: install
	$(RUN) ruff check .
	$(RUN) ruff format --check .

# Every rule data file: sources, dates, overlapping rows, coverage of every quotable country.
rules: install
	$(RUN) tongnan rules check

typecheck: install
	$(RUN) mypy services gateway storefront ops seed tests bench

# schema.graphql is the code's schema; it keeps the public contract (contract/public.graphql)
# and breaks nothing of the released schema (contract/released.graphql). See gateway/contract.py.
contract: install
	$(RUN) tongnan schema --check
	$(RUN) python -m gateway.contract

# A deliberate release: the current schema becomes the one later changes must not break.
release-schema: install
	$(RUN) tongnan schema --check
	$(RUN) python -m gateway.contract --release

# Each pass has a temporary directory of its own, so the two can run at once (`make test`).
pytest-sqlite: install
	TONGNAN_TEST_DB=sqlite $(PYTEST) --basetemp=var/pytest/sqlite $(PYTEST_ARGS)

# CI must prove the PostgreSQL pass; a laptop without a server says that it skipped it.
pytest-postgres: install
	@if $(RUN) python -c 'import sys; from tests.databases import postgres_reachable; sys.exit(0 if postgres_reachable() else 1)'; then \
		TONGNAN_TEST_DB=postgresql $(PYTEST) --basetemp=var/pytest/postgresql $(PYTEST_ARGS); \
	elif [ "$$CI" = "true" ]; then \
		echo "PostgreSQL is unreachable at 127.0.0.1:5432 and CI=true: the PostgreSQL pass cannot be skipped"; exit 1; \
	else \
		echo "*** PostgreSQL pass SKIPPED: no server at 127.0.0.1:5432 (CI runs it) ***"; \
	fi

# The gateway suite again under strawberry's own executor (the way back should a strawberry or
# graphql-core release break ours, gateway/execution.py): both must answer alike.
pytest-gateway-strawberry: install
	TONGNAN_TEST_DB=sqlite TONGNAN_GATEWAY_EXECUTOR=strawberry $(PYTEST) --basetemp=var/pytest/strawberry -m "not alone" tests/gateway

# The SQLite and PostgreSQL passes run side by side: much of each is waiting on servers and
# subprocesses. Each pass's output is printed whole when it ends. Then the few tests marked
# `alone` (promises about time, such as a restart within 5 s) run on a machine doing nothing else.
test: lint typecheck contract rules
	@mkdir -p var/pytest
	@$(MAKE) --no-print-directory -j2 --output-sync=target pytest-sqlite pytest-postgres PYTEST_ARGS='-m "not alone"'
	@$(MAKE) --no-print-directory pytest-sqlite pytest-postgres PYTEST_ARGS='-m alone'
	@$(MAKE) --no-print-directory pytest-gateway-strawberry

clean:
	rm -rf var .pytest_cache .mypy_cache .ruff_cache
