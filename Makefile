# AcuGuide: `make run` serves the guide, `make test` checks everything.
# Both set up from nothing: Python 3.12+ virtualenv, dependencies, database, content.

VENV      := .venv
PY        := $(VENV)/bin/python
STAMP     := $(VENV)/.installed
NODE      := node_modules/.installed
HOST      ?= 127.0.0.1
PORT      ?= 8000
# pyenv picks the version in .python-version; otherwise the newest python3 found.
PYTHON    ?= $(shell for p in python3.13 python3.12 python3; do command -v $$p >/dev/null 2>&1 && $$p -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null && { echo $$p; break; }; done)

.PHONY: run test setup check-python lint screenshots clean bench lighthouse

check-python:
	@if [ -z "$(PYTHON)" ]; then \
	  found=$$(python3 --version 2>&1 || echo "no python3 at all"); \
	  echo "AcuGuide needs Python 3.12 or newer (Django 6). Found: $$found." >&2; \
	  echo "Install Python 3.12+ (e.g. 'pyenv install 3.12') or run 'make PYTHON=/path/to/python3.12 run'." >&2; \
	  exit 1; \
	fi

$(STAMP): requirements.txt requirements-dev.txt | check-python
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	@touch $(STAMP)

# package.json's tools: axe-core (injected by the browser tests) and lighthouse (make lighthouse).
$(NODE): package.json package-lock.json
	@if command -v npm >/dev/null 2>&1; then npm ci --no-audit --no-fund --silent && touch $@; \
	else echo "npm not found: accessibility (axe) browser tests will be skipped or fail under REQUIRE_BROWSER=1" >&2; fi

setup: $(STAMP)
	$(PY) manage.py migrate --noinput
	$(PY) manage.py load_guide
	$(PY) manage.py setup_roles

run: setup
	@echo "Editors: create the first account with '$(PY) manage.py createsuperuser', then add people"
	@echo "to the 'Editors' or 'Reviewers' group at http://$(HOST):$(PORT)/admin/auth/user/"
	@echo "AcuGuide is at http://$(HOST):$(PORT)/  (Ctrl-C stops it)"
	$(PY) manage.py runserver $(HOST):$(PORT)

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

# The whole suite on SQLite; then, when PostgreSQL is there (ACUGUIDE_PG_URL, set by
# `eval "$$(sudo bash .ci/services.sh)"` or by .ci/run), the whole suite again on it
# (the service tests, which make their own PostgreSQL databases, run once, in the first pass).
test: $(STAMP) $(NODE) lint
	DJANGO_SETTINGS_MODULE=acuguide.settings.test $(PY) manage.py check
	DJANGO_SETTINGS_MODULE=acuguide.settings.test $(PY) manage.py makemigrations --check --dry-run
	$(PY) -m pytest
	@if [ -n "$$ACUGUIDE_PG_URL" ]; then \
	  echo "== The whole suite again, on PostgreSQL =="; \
	  DATABASE_URL="$$ACUGUIDE_PG_URL" $(PY) -m pytest -m "not services"; \
	else \
	  echo "!! ACUGUIDE_PG_URL is not set: the PostgreSQL pass and the service tests did not run." >&2; \
	fi

# Throughput and latency of the main pages on gunicorn, PostgreSQL and Redis (not part of make test).
bench: $(STAMP)
	$(PY) scripts/bench.py

# Lighthouse's four scores for five pages on a phone, on gunicorn, PostgreSQL and Redis
# (writes its section of docs/performance.md; not part of make test).
lighthouse: $(STAMP) $(NODE)
	$(PY) scripts/lighthouse.py

screenshots: setup
	$(PY) scripts/screenshots.py

clean:
	rm -rf $(VENV) node_modules db.sqlite3 staticfiles screenshots lighthouse-reports
