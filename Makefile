# Entry points: `make run` (Airflow + APIs on embedded defaults), `make test` (the whole suite),
# `make bench` (benchmarks), `make lint`. DOMAIN=<name> narrows test/run to one domain.
SHELL := /bin/bash
PYTHON ?= python3.11
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
DOMAIN ?=
DATE ?=
# Days loaded by `make run`: the earlier ones are feature history, the last one trains and serves.
DAYS ?= 2

export PYTHONPATH := $(CURDIR)
export PYTHONDONTWRITEBYTECODE := 1

.PHONY: venv run pipelines test lint bench lock clean

$(STAMP): requirements.txt constraints.txt
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "$(PYTHON) not found; set PYTHON=/path/to/python3.11" >&2; exit 1; }
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	$(PY) -m pip check
	@touch $(STAMP)

venv: $(STAMP)

# The main job: bootstrap each built domain once, then Airflow on 8080 + the APIs (Ctrl-C stops all).
run: $(STAMP)
	$(PY) -m launcher $(if $(DOMAIN),--domain $(DOMAIN),)

# Pipelines only, outside Airflow: every built domain (or DOMAIN=name) for DATE (default: yesterday).
pipelines: $(STAMP)
	$(PY) -m domains run $(if $(DOMAIN),$(DOMAIN),all) --days $(DAYS) $(if $(DATE),--date $(DATE),)

# Whole suite; DOMAIN=fraud runs one domain's tests (tests/domains/fraud and tests/api/test_fraud_api.py).
test: $(STAMP)
	$(PY) -m ruff check .
	$(PY) -m pytest $(if $(DOMAIN),tests/domains/$(DOMAIN) $(wildcard tests/api/test_$(DOMAIN)_api.py),tests) $(PYTEST_ARGS)

lint: $(STAMP)
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .

bench: $(STAMP)
	$(PY) -m bench

# Re-resolve constraints.txt from requirements.txt in a throw-away venv.
lock:
	rm -rf /tmp/lock-venv && $(PYTHON) -m venv /tmp/lock-venv
	grep -v '^-c ' requirements.txt > /tmp/lock-req.txt
	/tmp/lock-venv/bin/pip install --quiet -r /tmp/lock-req.txt
	/tmp/lock-venv/bin/pip check
	(echo "# Full pinned set behind requirements.txt (pip freeze of a clean install). Regenerate: make lock"; \
	  /tmp/lock-venv/bin/pip freeze) > constraints.txt

clean:
	rm -rf var .pytest_cache .ruff_cache
