# The two commands in README.md are `make run` and `make test`; everything else here serves them.
# Each step is idempotent: a stamp file records what was installed, so re-runs are quick.
SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV := .venv
PYTHON := $(VENV)/bin/python
PYTHON_BOOTSTRAP ?= $(shell command -v python3.11 || command -v python3)
SASS := node_modules/.bin/sass
PYTEST_WORKERS ?= 2

# Python keeps its compiled modules (__pycache__, git-ignored) even where the environment says
# not to: every test process, and the manage.py commands and workers the tests start, would
# otherwise compile the project and rewrite every test's asserts again (seconds each).
unexport PYTHONDONTWRITEBYTECODE

# Where no PostgreSQL was installed, .ci/ensure-postgres.sh starts a private server and writes its
# URLs here; they stand in for the default ones unless DATABASE_URL is set. Read when a recipe
# runs (`=`), so after the `database` step has written it.
export PRIVATE_POSTGRES_DIR ?= .venv/postgres
DATABASE_ENV = $(if $(DATABASE_URL),,$(shell cat $(PRIVATE_POSTGRES_DIR)/database.env 2>/dev/null))

# Development settings for `make run`; production reads the real environment (docs/deployment.md).
RUN_ENV = DJANGO_DEBUG=true SECRET_KEY=development-only-not-secret $(DATABASE_ENV)
# Tests run with DEBUG off, as production does, but over plain HTTP on 127.0.0.1.
TEST_ENV = DJANGO_DEBUG=false SECRET_KEY=test-only-not-secret HTTPS_ONLY=false STATIC_MANIFEST=false \
	DJANGO_ALLOW_ASYNC_UNSAFE=true $(DATABASE_ENV)

.PHONY: help setup run serve test test-dates test-model lint format assets database chromium demo-data demo-code generate-data check-deploy bandit benchmark screenshots \
	backup restore-check

help:
	@echo "make run    set everything up and serve the app with demo data on http://127.0.0.1:8000"
	@echo "make test   set everything up and run the whole test suite (browser journeys included)"
	@echo "make lint   ruff check and format check"

$(VENV)/.installed: pyproject.toml
	@$(PYTHON_BOOTSTRAP) -c "import sys; assert sys.version_info[:2] == (3, 11)" 2>/dev/null || { echo "Python 3.11 is needed: install python3.11 (Debian: apt-get install python3.11 python3.11-venv)"; exit 1; }
	test -x $(PYTHON) || $(PYTHON_BOOTSTRAP) -m venv $(VENV)
	$(PYTHON) -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(PYTHON) .ci/requirements.py dev > $(VENV)/requirements.txt
	$(PYTHON) -m pip install --quiet --disable-pip-version-check -r $(VENV)/requirements.txt
	touch $@

node_modules/.installed: package.json package-lock.json
	@command -v npm >/dev/null || { echo "npm is needed: apt-get install nodejs npm"; exit 1; }
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

static/build/app.css: node_modules/.installed $(wildcard static/src/scss/*.scss)
	mkdir -p static/build/govuk static/build/moj
	cp -r node_modules/govuk-frontend/dist/govuk/assets static/build/govuk/
	cp -r node_modules/@ministryofjustice/frontend/moj/assets static/build/moj/
	cp node_modules/govuk-frontend/dist/govuk/govuk-frontend.min.js static/build/
	$(SASS) --load-path=node_modules --load-path=. --quiet-deps --silence-deprecation=import \
		--style=compressed --no-source-map static/src/scss/app.scss $@

assets: static/build/app.css

# PostgreSQL answering, the roles isotp_owner and isotp_app, the database (docs/security.md).
# `migrate` connects as the owner (DATABASE_OWNER_URL); everything else as the app (DATABASE_URL).
database:
	@bash .ci/ensure-postgres.sh

chromium:
	@bash .ci/ensure-chromium.sh

setup: $(VENV)/.installed assets database
	$(RUN_ENV) $(PYTHON) manage.py migrate --no-input
	$(RUN_ENV) $(PYTHON) manage.py collectstatic --no-input --verbosity 0

demo-data: setup
	$(RUN_ENV) $(PYTHON) manage.py seed_demo

# A national-scale data set for measuring (docs/generated-data.md): SCALE=1 is 100,000
# offenders. It REPLACES every case and account in the development database (demo data too).
SCALE ?= 0.01
SEED ?= 1
generate-data: setup
	$(RUN_ENV) $(PYTHON) manage.py generate_data --scale $(SCALE) --seed $(SEED) --replace

# The web server and, beside it, the task queue's worker (bulk prints, emails, daily jobs);
# Ctrl-C stops both.
run: demo-data
	@echo "Open http://127.0.0.1:8000 and sign in with one of the accounts listed above."
	@echo "For the security code, run 'make demo-code' in another terminal."
	$(RUN_ENV) .ci/with-worker.sh $(PYTHON) manage.py runserver 127.0.0.1:8000

# Production style (docs/deployment.md): gunicorn with threads, DEBUG off, static files by
# whitenoise, the task queue's worker beside it; settings from the environment (SECRET_KEY...).
serve: setup
	$(DATABASE_ENV) .ci/serve.sh

# TEST_TODAY=YYYY-MM-DD runs the suite as if that were today (tests/clock.py).
test: $(VENV)/.installed assets database chromium
	$(TEST_ENV) $(PYTHON) manage.py collectstatic --no-input --verbosity 0
	$(VENV)/bin/ruff check .
	$(VENV)/bin/bandit -c pyproject.toml -r . --severity-level medium --quiet
	$(MAKE) --no-print-directory check-deploy
	$(TEST_ENV) $(PYTHON) manage.py makemigrations --check --dry-run
	$(TEST_ENV) $(VENV)/bin/pytest -n $(PYTEST_WORKERS) $(PYTEST_ARGS)

# The whole suite at each date tests/clock.py's dates_to_try lists (the next twelve months' bank
# holidays and the days either side, a Monday, a Friday, 29 February 2028, a month's and a
# year's last day), as if it were today; not part of `make test`. DATES="2027-03-26 ..." runs
# those instead; PYTEST_ARGS narrows the tests. Prints each date's result and a summary.
test-dates: $(VENV)/.installed assets database chromium
	$(TEST_ENV) $(PYTHON) manage.py collectstatic --no-input --verbosity 0
	@dates="$${DATES:-$$($(PYTHON) -c 'from datetime import date; from tests.clock import dates_to_try; print(*dates_to_try(date.today()))')}"; \
	passed=0; failed=""; \
	for day in $$dates; do \
		echo "=== make test-dates: the suite as if today were $$day"; \
		if TEST_TODAY=$$day $(TEST_ENV) $(VENV)/bin/pytest -n $(PYTEST_WORKERS) -q \
			$(PYTEST_ARGS); then passed=$$((passed + 1)); else failed="$$failed $$day"; fi; \
	done; \
	echo "=== make test-dates: $$passed of $$(echo $$dates | wc -w) dates passed$${failed:+; failed:$$failed}"; \
	[ -z "$$failed" ]

# The model-based tests of the programme's rules, with many more and longer sequences.
test-model: $(VENV)/.installed assets database
	HYPOTHESIS_PROFILE=long $(TEST_ENV) $(VENV)/bin/pytest -p no:xdist \
		tests/test_programme_state_machine.py --hypothesis-show-statistics

lint: $(VENV)/.installed
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: $(VENV)/.installed
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

# The demo accounts' current second-factor code (they share a published demo key).
demo-code: $(VENV)/.installed
	@$(RUN_ENV) $(PYTHON) manage.py demo_code

check-deploy: $(VENV)/.installed
	DJANGO_DEBUG=false SECRET_KEY=$$(openssl rand -hex 40) ALLOWED_HOSTS=isotp.example.org \
		$(PYTHON) manage.py check --deploy --fail-level WARNING

# Static security checks over the project's code (configured in pyproject.toml): no medium or
# high findings; a reviewed false positive carries `# nosec <id>` and the reason.
bandit: $(VENV)/.installed
	$(VENV)/bin/bandit -c pyproject.toml -r . --severity-level medium --quiet

# Every page timed beside its raw SQL, EXPLAINs, and a throughput run (docs/performance.md).
# DEBUG off, as in production, over plain HTTP on 127.0.0.1. wrk comes from Debian's packages.
BENCHMARK_ENV = DJANGO_DEBUG=false SECRET_KEY=benchmark-only-not-secret HTTPS_ONLY=false \
	STATIC_MANIFEST=false LOG_LEVEL=ERROR $(DATABASE_ENV)
benchmark: setup
	@if ! command -v wrk >/dev/null && [ "$${BENCHMARK_THROUGHPUT_SECONDS:-10}" != 0 ]; then \
		if [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq wrk; \
		else echo "wrk is needed for the throughput run: sudo apt-get install wrk" \
			"(or BENCHMARK_THROUGHPUT_SECONDS=0 make benchmark to skip it)"; exit 1; fi; fi
	$(BENCHMARK_ENV) $(PYTHON) benchmarks/run.py

# The pictures docs/design.md describes, taken by a browser test of the redesigned pages.
screenshots: $(VENV)/.installed assets database chromium
	$(TEST_ENV) SCREENSHOT_DIR=docs/design $(VENV)/bin/pytest -p no:xdist tests/browser/test_design_screenshots.py

# Backups that are tested (docs/deployment.md, "Backups"): a pg_dump with each table's row count
# and checksum, and a check that the newest restores into a scratch database with the same.
BACKUP_DIR ?= .venv/backups
backup: $(VENV)/.installed database
	$(RUN_ENV) $(PYTHON) manage.py backup --dir $(BACKUP_DIR)

restore-check: $(VENV)/.installed database
	$(RUN_ENV) $(PYTHON) manage.py restore_check --dir $(BACKUP_DIR)
