# Quick start: `make run` (install, migrate, load samples, serve).
# `make test` runs every check and every test (what CI runs, .ci/run); `make test-fast` is the
# developer loop (lint, types, tests not marked slow; the aim is under 3 minutes on 2 cores).
# The tests not marked slow run on every core (pytest-xdist, PYTEST_WORKERS=auto; 0 runs
# them in one process); the slow ones (processes killed, concurrency, deadlines) run after
# them, one at a time, so that no other test's load can bend what they time.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DITEP := $(BIN)/ditep
PYTEST_WORKERS ?= auto

.PHONY: install run serve test test-all test-fast check lint format typecheck pytest pytest-fast migrate samples clean

$(STAMP): pyproject.toml requirements/constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c requirements/constraints.txt -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

migrate: install
	$(DITEP) migrate

samples: migrate
	$(DITEP) samples load samples/ditep-les-cedres

# Loads the samples (idempotent), prints the URLs, a fresh key and a curl, serves both.
run: migrate
	$(DITEP) serve --samples samples/ditep-les-cedres

test: install lint typecheck pytest

# The same as `make test` (every check, every test), under the name of the fast/all pair.
test-all: test

test-fast: install lint typecheck pytest-fast

lint: install
	$(BIN)/ruff format --check .
	$(BIN)/ruff check .
	$(BIN)/lint-imports

typecheck: install
	$(BIN)/mypy shared/ditep_core shared/ditep_counting services/agenda-ingest/agenda_ingest \
		services/activity-api/activity_api services/cli/ditep_cli migrations tests benchmarks

# Every test: those not marked slow on every core, then the slow ones in one process.
pytest: pytest-fast
	$(BIN)/pytest -m slow

# Leaves out the tests marked slow (processes killed, 50 concurrent pushes, schemathesis,
# large generated exports, the region benchmark): pyproject.toml lists the markers.
pytest-fast: install
	$(BIN)/pytest -n $(PYTEST_WORKERS) -m "not slow"

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

clean:
	rm -rf $(VENV) var .mypy_cache .pytest_cache .ruff_cache .import_linter_cache
