# The two commands of the README: `make run` and `make test`. Everything else is a step of theirs,
# but for `make deploy` (README "Running in production").
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: run test bench deploy setup install messages migrate lint clean axe css

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

# Pages link only the part of Bootstrap's CSS that the portal uses (a fifth of it: less for a phone to
# fetch and parse before it draws), cut by PurgeCSS from the vendored bootstrap.min.css. Run again after
# using a Bootstrap class no template, script or Python module named before: tests/test_page_weight.py
# fails until then. Classes made up at run time are listed in the safelist.
PURGECSS_VERSION := 8.0.0
PURGECSS := var/purgecss/node_modules/.bin/purgecss
BOOTSTRAP := static/vendor/bootstrap
APPS := $(patsubst %/apps.py,%,$(wildcard */apps.py))
CSS_SOURCES := 'templates/**/*.html' 'static/js/**/*.js' $(foreach app,$(APPS),'$(app)/**/*.py') 'lib/**/*.py' \
	'$(VENV)/lib/python3*/site-packages/crispy_bootstrap5/templates/**/*.html' \
	'$(VENV)/lib/python3*/site-packages/django/forms/templates/**/*.html' \
	'$(VENV)/lib/python3*/site-packages/django_filters/templates/**/*.html'

css: install
	@test -x $(PURGECSS) || npm install --no-save --no-audit --no-fund --prefix var/purgecss purgecss@$(PURGECSS_VERSION)
	rm -rf var/purgecss/out
	$(PURGECSS) --css $(BOOTSTRAP)/bootstrap.min.css --content $(CSS_SOURCES) --output var/purgecss/out \
	  --safelist show collapsed alert-success alert-info alert-warning alert-danger
	mv var/purgecss/out/bootstrap.min.css $(BOOTSTRAP)/bootstrap.used.min.css

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

clean:
	rm -rf $(VENV) var staticfiles
