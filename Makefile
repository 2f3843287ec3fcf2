# The two commands of the README: `make demo` and `make test`. Everything is installed from uv.lock.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
UV_VERSION := 0.13.8
# uv installs into the checkout's .venv, from the lock only, never downloads a Python of its own, and compiles the
# bytecode at install time as pip does (each process would otherwise compile every module it imports, where
# PYTHONDONTWRITEBYTECODE is set: a second per process start).
UV := UV_PROJECT_ENVIRONMENT=$(VENV) UV_PYTHON_DOWNLOADS=never $(BIN)/uv
SYNC := $(UV) sync --frozen --inexact --compile-bytecode
PG_RUN := $(PY) scripts/pgserver.py run --

.PHONY: demo test test-fast lint format bench bench-complaints worker beat install migrate lock

$(BIN)/uv:
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "Python 3.11 is required ($(PYTHON) not found)"; exit 1; }
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)

# One stamp per dependency group set, remade when the lock changes.
$(VENV)/.local: uv.lock | $(BIN)/uv
	$(SYNC) --group local
	@touch $@
$(VENV)/.test: uv.lock | $(BIN)/uv
	$(SYNC) --group e2e --group bench --group lint
	@touch $@
$(VENV)/.bench: uv.lock | $(BIN)/uv
	$(SYNC) --group bench --group test
	@touch $@
$(VENV)/.lint: uv.lock | $(BIN)/uv
	$(SYNC) --group lint
	@touch $@

install: $(VENV)/.local

## make lock: re-resolve uv.lock after changing pyproject.toml
lock: | $(BIN)/uv
	$(UV) lock

migrate: install
	$(PG_RUN) $(PY) manage.py migrate --noinput

## make demo: PostgreSQL (yours, the one on :5432, or an embedded one) and in-process tasks; serves :8000
demo: install
	@$(PG_RUN) bash scripts/demo.sh

## make test: the whole suite (what CI runs); make test-fast: all but the services, worker and e2e tests
test: $(VENV)/.test
	@$(PG_RUN) bash scripts/run_tests.sh

test-fast: $(VENV)/.test
	@FAST=1 $(PG_RUN) bash scripts/run_tests.sh -m "not services and not worker and not e2e"

lint: $(VENV)/.lint
	$(BIN)/ruff format --check .
	$(BIN)/ruff check .
	$(BIN)/mypy

format: $(VENV)/.lint
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

## make bench: every benchmark in bench/; make bench-complaints ARGS="--users 5 --seconds 5": the complaint load test
bench: $(VENV)/.bench
	@$(PG_RUN) bash scripts/run_bench.sh

bench-complaints: $(VENV)/.bench
	@$(PG_RUN) bash scripts/run_bench.sh bench/load_complaints.py $(ARGS)

worker: install
	$(BIN)/celery -A shuangjian worker -l info --concurrency 2

beat: install
	$(BIN)/celery -A shuangjian beat -l info
