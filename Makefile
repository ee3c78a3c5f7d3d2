# The two commands of the README: `make run` and `make test`. Everything else is a step of theirs,
# but for `make deploy` (README "Running in production").
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: run test bench deploy setup install messages migrate lint clean axe

run: setup
	DEBUG=$${DEBUG:-1} $(PY) manage.py seed_demo
	DEBUG=$${DEBUG:-1} PATH="$(CURDIR)/$(VENV)/bin:$$PATH" $(VENV)/bin/honcho start -f Procfile

test: install messages axe
	$(VENV)/bin/pytest $(PYTEST_ARGS)

bench: install messages
	$(PY) -m tests.bench.run $(BENCH_ARGS)

setup: install messages migrate

# Production, run again after each update: with the production variables in the environment (DEBUG off,
# SECRET_KEY, DATABASE_URL…). Each step is idempotent; collectstatic keeps the old hashed files, which
# processes not yet restarted still link. `check --deploy` fails on any warning, e.g. DEBUG left on.
deploy: install messages
	$(PY) manage.py migrate --noinput
	$(PY) manage.py collectstatic --noinput --verbosity 1
	$(PY) manage.py check --deploy --fail-level WARNING

install: $(STAMP)

$(STAMP): requirements.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	mkdir -p var
	touch $(STAMP)

# Babel compiles the .po files, so no system gettext is needed on a fresh machine.
messages: install
	$(VENV)/bin/pybabel compile -d locale -D django --statistics

migrate: install
	DEBUG=$${DEBUG:-1} $(PY) manage.py migrate --noinput

# axe-core, injected by the browser tests for the accessibility audit, comes from the npm registry.
# Without npm the audit is skipped with a message, except under REQUIRE_SERVICES=1 (CI), where it fails.
AXE_VERSION := 4.14.1
AXE_JS := var/npm/node_modules/axe-core/axe.min.js

axe:
	@if [ -f $(AXE_JS) ]; then :; \
	elif command -v npm >/dev/null 2>&1; then \
	  npm install --no-save --no-audit --no-fund --prefix var/npm axe-core@$(AXE_VERSION) \
	  || { [ "$$REQUIRE_SERVICES" != 1 ] && echo "npm could not install axe-core: the accessibility audit is skipped"; }; \
	elif [ "$$REQUIRE_SERVICES" = 1 ]; then \
	  echo "npm is missing: cannot install axe-core for the accessibility audit" >&2; exit 1; \
	else echo "npm is missing: the browser tests skip the accessibility audit (axe-core)"; fi

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

clean:
	rm -rf $(VENV) var staticfiles
