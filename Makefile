# The two commands of the README: `make demo` and `make test`.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
PY := $(BIN)/python

.PHONY: demo test lint bench bench-complaints worker beat install migrate clean-demo

$(VENV)/.installed: requirements.txt
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "Python 3.11 is required ($(PYTHON) not found)"; exit 1; }
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	@touch $@

install: $(VENV)/.installed

migrate: install
	$(PY) manage.py migrate --noinput

## make demo: SQLite and in-process tasks; seeds the small demo once, prints the logins, serves :8000
demo: install
	$(PY) manage.py migrate --noinput
	$(PY) manage.py compilemessages --ignore=.venv >/dev/null 2>&1 || true
	$(PY) manage.py seed_demo --scale small --seed 1 --if-empty
	$(PY) manage.py demo_users
	$(PY) manage.py runserver 127.0.0.1:8000

## make test: the whole suite on PostgreSQL and Redis when they answer (required when CI=true)
test: install
	@bash scripts/run_tests.sh

lint: install
	$(BIN)/ruff check .

## make bench: every benchmark in bench/; make bench-complaints ARGS="--users 5 --seconds 5": the complaint load test
bench: install
	@bash scripts/run_bench.sh

bench-complaints: install
	@bash scripts/run_bench.sh bench/load_complaints.py $(ARGS)

worker: install
	$(BIN)/celery -A shuangjian worker -l info --concurrency 2

beat: install
	$(BIN)/celery -A shuangjian beat -l info
