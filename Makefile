# The one command surface: `make run`, `make test`, `make check`, `make bench`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
DEV_ENV := DEBUG=true
.DEFAULT_GOAL := help

.PHONY: help install browser run serve demo-data test check pytest bench loadtest clean

help:
	@echo "make run    install, migrate, load every UK postcode and the demo data, serve on http://127.0.0.1:8000"
	@echo "make test   install and run every test, lint and migration check"
	@echo "make check  lint, format check and migration check only"
	@echo "make bench  speed and memory benchmarks"
	@echo "make serve  gunicorn on http://127.0.0.1:8000 with production settings (docs/deploy.md)"
	@echo "make loadtest  gunicorn (4 processes) at 200,000 services under Locust for 2 minutes"

$(VENV)/.installed: requirements.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --upgrade pip
	$(VENV)/bin/pip install --quiet -r requirements-dev.txt
	touch $@

# npm ci also builds the NHS.UK stylesheet into build/static/ (package.json's postinstall).
node_modules/.installed: package.json package-lock.json frontend/nhsuk.scss
	npm ci --no-audit --no-fund
	touch $@

install: $(VENV)/.installed node_modules/.installed

# Debian's chromium drives the browser tests (Playwright's own download does not work offline).
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; \
	  else sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; fi; }

demo-data: install
	$(DEV_ENV) $(PY) manage.py migrate --no-input
	$(DEV_ENV) $(PY) manage.py load_areas
	$(DEV_ENV) $(PY) manage.py load_postcodes
	$(DEV_ENV) $(PY) manage.py import_gp_practices fixtures/gp_practices_demo.csv
	$(DEV_ENV) $(PY) manage.py load_needs
	$(DEV_ENV) $(PY) manage.py load_demo_directory --seed 1
	$(DEV_ENV) $(PY) manage.py load_demo_users
	$(DEV_ENV) $(PY) manage.py load_demo_referrals --seed 1

run: demo-data
	$(DEV_ENV) $(PY) manage.py runserver 127.0.0.1:8000

# Production settings (DEBUG off, JSON logs without postcodes) served by gunicorn, as
# docs/deploy.md describes, on the database that `make run` filled (or DATABASE_URL). For a
# browser on plain http://127.0.0.1:8000 it relaxes only the HTTPS redirect and secure cookies;
# a SECRET_KEY is made up for the run unless one is given, and the demo users may sign in
# (DEMO_USERS_ALLOWED; never in production, where their presence stops start-up).
SERVE_ENV := SECURE_SSL_REDIRECT=$${SECURE_SSL_REDIRECT:-false} SECURE_COOKIES=$${SECURE_COOKIES:-false} \
	DEMO_USERS_ALLOWED=$${DEMO_USERS_ALLOWED:-true} \
	SECRET_KEY=$${SECRET_KEY:-$$($(PY) -c 'import secrets; print(secrets.token_urlsafe(50))')} \
	ALLOWED_HOSTS=$${ALLOWED_HOSTS:-127.0.0.1,localhost} BIND=$${BIND:-127.0.0.1:8000}
STATIC_SOURCES := $(shell find static -type f 2>/dev/null) package-lock.json frontend/nhsuk.scss \
	requirements.txt

# collectstatic compresses every file (about a minute): only again when a source changed.
.collected-static: $(STATIC_SOURCES) | install
	SECRET_KEY="$$($(PY) -c 'import secrets; print(secrets.token_urlsafe(50))')" $(PY) manage.py collectstatic --no-input -v 0
	touch $@

serve: install .collected-static
	$(SERVE_ENV) $(PY) manage.py migrate --no-input
	$(SERVE_ENV) $(VENV)/bin/gunicorn -c gunicorn.conf.py

check: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(PY) manage.py makemigrations --check --dry-run --settings=config.test_settings

pytest: install browser
	$(VENV)/bin/pytest

test: check pytest

bench: install
	$(PY) -m benchmarks

# The production server under a fixed load (benchmarks/loadtest.py): SQLite in loadtest.sqlite3,
# or PostgreSQL when DATABASE_URL is set. Figures are written to docs/benchmarks.md.
loadtest: install
	$(PY) -m benchmarks.loadtest

clean:
	rm -rf $(VENV) node_modules build db.sqlite3 staticfiles .collected-static
