# Two commands on a fresh machine: `make run` and `make test`.
# PYTHON=/path/to/python3.12 overrides the interpreter the venv is built from.
VENV := .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
export PYTHON

.PHONY: run test stack bench migrate demo check clean screenshots fuzz fuzz-api faults

$(PY):
	@interpreter="$$(scripts/find-python)" || exit 1; \
	echo "Creating $(VENV) with $$interpreter"; \
	"$$interpreter" -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

# The stamp files re-install only when a requirements file changes.
$(VENV)/.installed: requirements.txt | $(PY)
	$(PY) -m pip install --quiet -r requirements.txt
	@touch $@

$(VENV)/.installed-dev: requirements.txt requirements-dev.txt | $(PY)
	$(PY) -m pip install --quiet -r requirements-dev.txt
	@touch $@ $(VENV)/.installed

migrate: $(VENV)/.installed
	@mkdir -p var
	$(PY) manage.py migrate --no-input

demo: migrate
	$(PY) manage.py seed_demo

# The local LFPSE stand-in runs beside the app (README, "Reporting to LFPSE"); it does not know
# Hillside's made-up ODS code, so the demo shows a rejection. `LFPSE_API_URL= make run` runs with LFPSE off.
LFPSE_STANDIN_PORT ?= 8765
run: migrate
	@$(PY) manage.py lfpse_standin --port $(LFPSE_STANDIN_PORT) --unknown-ods R9H --state var/lfpse-standin.json \
		>var/lfpse-standin.log 2>&1 & standin=$$!; trap 'kill $$standin 2>/dev/null' EXIT INT TERM; \
	$(PY) -c "import socket, time; [time.sleep(0.2) for _ in range(50) if socket.socket().connect_ex(('127.0.0.1', $(LFPSE_STANDIN_PORT)))]"; \
	export LFPSE_API_URL="$${LFPSE_API_URL-http://127.0.0.1:$(LFPSE_STANDIN_PORT)}"; \
	$(PY) manage.py seed_demo && echo "LFPSE: $${LFPSE_API_URL:-off} (stand-in log: var/lfpse-standin.log)" && \
	echo "Serving http://127.0.0.1:8000 (Ctrl-C to stop)" && \
	DJANGO_DEBUG="$${DJANGO_DEBUG-true}" $(PY) manage.py runserver 127.0.0.1:8000

test: $(VENV)/.installed-dev
	@mkdir -p var
	$(BIN)/pytest $(PYTEST_ARGS)

# Hostile input at depth (SECURITY.md, "What was tried"): FUZZ_INPUTS generated requests shared over every
# form, list and download, against DATABASE_URL (SQLite unless set); prints the count and each server
# error found. `make test` sends 25 a form.
FUZZ_INPUTS ?= 100000
fuzz: $(VENV)/.installed-dev
	@mkdir -p var
	FUZZ_INPUTS=$(FUZZ_INPUTS) $(BIN)/pytest tests/security/test_fuzzed_forms.py -k hostile -q $(PYTEST_ARGS)

# The fault tests (README, "Faults") with FAULT_REPORTS reports through each fault (200 in `make test`):
# `make faults FAULT_REPORTS=1000`. They need PostgreSQL (DATABASE_URL) and Redis, as in CI.
FAULT_REPORTS ?= 200
faults: $(VENV)/.installed-dev
	@mkdir -p var
	FAULT_REPORTS=$(FAULT_REPORTS) $(BIN)/pytest tests/faults -q $(PYTEST_ARGS)

# The API at depth (README, "API"): Schemathesis sends API_FUZZ_EXAMPLES generated requests per operation
# and mode (schema-valid and not) and checks each answer against the schema. `make test` sends 25.
API_FUZZ_EXAMPLES ?= 500
fuzz-api: $(VENV)/.installed-dev
	@mkdir -p var
	API_FUZZ_EXAMPLES=$(API_FUZZ_EXAMPLES) $(BIN)/pytest api/tests/test_schemathesis.py -q -s $(PYTEST_ARGS)

# gunicorn + Celery worker + Celery beat, as in production, against
# DATABASE_URL and CELERY_BROKER_URL.
stack: $(VENV)/.installed
	@test -n "$$DATABASE_URL" -a -n "$$CELERY_BROKER_URL" || { echo "make stack needs DATABASE_URL and CELERY_BROKER_URL"; exit 1; }
	$(PY) manage.py migrate --no-input
	$(PY) manage.py collectstatic --no-input --verbosity 0
	PATH="$(abspath $(BIN)):$$PATH" $(BIN)/honcho start

# National-scale measurement (README, "Performance"): loads 2,000,000 incidents into
# BENCH_DATABASE_URL (default: a dedicated medsafety_bench database) once, serves them with
# gunicorn as `make stack` does and drives each key page with locust.
$(VENV)/.installed-bench: requirements.txt requirements-bench.txt | $(PY)
	$(PY) -m pip install --quiet -r requirements-bench.txt
	@touch $@ $(VENV)/.installed

bench: $(VENV)/.installed-bench
	@mkdir -p var/bench
	$(PY) scripts/bench/run.py

check: $(VENV)/.installed
	$(PY) manage.py check

screenshots: $(VENV)/.installed-dev
	$(PY) scripts/screenshots.py

clean:
	rm -rf $(VENV) var/medsafety.sqlite3
