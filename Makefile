# Two commands: `make run` and `make test`. Everything else here serves them.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
export FLASK_APP := wsgi
export DARI_CONFIG ?= development

PO := $(wildcard app/translations/*/LC_MESSAGES/messages.po)
MO := $(PO:.po=.mo)

# Tests run in parallel, one pytest-xdist worker per core (each with its own database); PYTEST_WORKERS=0
# runs them in one process, which is easier to read when debugging.
PYTEST_WORKERS ?= auto
PYTEST := $(BIN)/python -m pytest -n $(PYTEST_WORKERS)

.PHONY: run test test-fast test-browser lint lock check-wsgi install install-dev translations extract-messages \
	migrate content-check clean

run: install translations
	@mkdir -p instance
	$(BIN)/flask db upgrade
	$(BIN)/flask demo
	$(BIN)/flask run --host 127.0.0.1 --port 5000

# The whole suite: unit, browser and load-style tests.
test: install-dev translations node_modules/.installed
	$(PYTEST) $(PYTEST_ARGS)

# Everything but the browser and load-style (`slow`) tests: the loop to run while editing.
test-fast: install-dev translations
	$(PYTEST) -m "not browser and not slow" $(PYTEST_ARGS)

# Only the real-browser tests (Chromium through Playwright, axe-core on every page).
test-browser: install-dev translations node_modules/.installed
	$(PYTEST) -m browser $(PYTEST_ARGS)

# Style and types: ruff's linter and formatter (checking only) and mypy, all set in pyproject.toml.
lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

# Recompile the lock files from requirements*.in, keeping every version already pinned unless the .in
# file asks for another; `make lock UPGRADE=1` moves everything to the newest versions instead.
lock: install-dev
	CUSTOM_COMPILE_COMMAND="make lock" $(BIN)/pip-compile $(if $(UPGRADE),--upgrade) requirements.in -o requirements.txt
	CUSTOM_COMPILE_COMMAND="make lock" $(BIN)/pip-compile $(if $(UPGRADE),--upgrade) requirements-dev.in -o requirements-dev.txt

# The production server (gunicorn, see README "Production") can load the app with the locked packages.
check-wsgi: install
	$(BIN)/gunicorn --check-config wsgi:app

# The pinned Nu HTML Checker (vnu.jar) for tests/test_html_valid.py; it runs on the system's Java.
node_modules/.installed: package.json package-lock.json
	@if command -v npm >/dev/null; then npm ci --no-audit --no-fund --ignore-scripts && touch $@; \
	else echo "npm not found: tests/test_html_valid.py will be skipped"; fi

install: $(VENV)/.runtime
install-dev: $(VENV)/.dev

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# The lock files carry hashes, so pip installs in --require-hashes mode: a changed file is refused.
$(VENV)/.runtime: requirements.txt | $(BIN)/python
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --require-hashes -r requirements.txt
	@touch $@

$(VENV)/.dev: requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --require-hashes -r requirements-dev.txt
	@touch $@ $(VENV)/.runtime

translations: $(MO)

%.mo: %.po | $(VENV)/.runtime
	$(BIN)/pybabel compile --use-fuzzy -i $< -o $@ 2>/dev/null || $(BIN)/pybabel compile -i $< -o $@

# Developer helpers: refresh the catalogue after changing UI strings, and make a migration.
extract-messages: install
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext --sort-by-file --no-wrap -o app/translations/messages.pot .
	$(BIN)/pybabel update -i app/translations/messages.pot -d app/translations --no-wrap --ignore-obsolete --no-fuzzy-matching

content-check: install
	$(BIN)/flask content check

migrate: install
	$(BIN)/flask db migrate -m "$(m)"

clean:
	rm -rf $(VENV) instance/dari.db* .pytest_cache
