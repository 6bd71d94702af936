# The two commands: `make run` serves the API on BIND (127.0.0.1:5000); `make test` runs the whole suite.
PYTHON ?= $(shell command -v python3.11 2>/dev/null || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
PIP := $(BIN)/python -m pip --disable-pip-version-check -q
# Lock files are compiled for Python 3.11 on Linux; every wheel is checked against its sha256.
PIP_COMPILE := $(BIN)/pip-compile --quiet --generate-hashes --allow-unsafe --strip-extras \
	--no-emit-index-url --no-emit-find-links
export FLASK_APP := wsgi

# Coverage only on the whole suite: its floor (fail_under in pyproject.toml) would fail any subset.
COV_ARGS ?= $(if $(PYTEST_ARGS),,--cov --cov-report=term:skip-covered)
# make test runs the suite in one process per core (pytest-xdist): serially it took 16 min on this 2-core VM, 10 in
# two. TEST_JOBS=0 runs it in this process (one test's output, a debugger).
TEST_JOBS ?= auto

.PHONY: run test fuzz typecheck install install-dev lock lint format migrate seed clean messages messages-compile openapi

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.runtime: requirements.lock | $(BIN)/python
	$(PIP) install --require-hashes -r requirements.lock
	touch $@

$(VENV)/.dev: requirements-dev.lock | $(BIN)/python
	$(PIP) install --require-hashes -r requirements-dev.lock
	touch $@ $(VENV)/.runtime

install: $(VENV)/.runtime
install-dev: $(VENV)/.dev

# Recompile the lock files after editing requirements*.txt (keeps other pins; PIP_COMPILE_ARGS=--upgrade moves all).
lock: install-dev
	$(PIP_COMPILE) $(PIP_COMPILE_ARGS) -o requirements.lock requirements.txt
	$(PIP_COMPILE) $(PIP_COMPILE_ARGS) -o requirements-dev.lock requirements-dev.txt

migrate: install
	$(BIN)/flask db upgrade

seed: migrate
	$(BIN)/flask seed-demo

# make run serves BIND; links it hands out (upload forms, downloads, QR codes) start with PUBLIC_BASE_URL, which
# follows BIND unless set. The seed ends with the court client's credentials and the login table.
run: export BIND ?= 127.0.0.1:5000
run: export PUBLIC_BASE_URL ?= http://$(BIND)
run: seed
	$(BIN)/gunicorn -c gunicorn.conf.py wsgi:app

test: install-dev
	$(BIN)/ruff check --quiet .
	$(BIN)/ruff format --check --quiet .
	$(BIN)/mypy
	$(BIN)/python -m pytest -n $(TEST_JOBS) $(COV_ARGS) $(PYTEST_ARGS)

# The property-based API test (tests/fuzz: Schemathesis over /api/openapi.json) with many more examples per
# operation and caller than make test's bounded run, plus the coverage phase; CI runs it on PostgreSQL. One test per
# operation and caller, spread over one process per core like make test (each with its own database).
FUZZ_EXAMPLES ?= 100
FUZZ_PHASES ?= examples,coverage,fuzzing
fuzz: install-dev
	FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) FUZZ_PHASES=$(FUZZ_PHASES) $(BIN)/python -m pytest -n $(TEST_JOBS) -p no:cacheprovider \
		-q tests/fuzz

typecheck: install-dev
	$(BIN)/mypy

lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install-dev
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# The message catalogue (docs/i18n.md): `make messages` extracts every user-facing text (error texts by reason,
# marked and gettext texts) into translations/messages.pot and merges it into each language's .po; translate,
# then `make messages-compile` writes the .mo files (committed; tests/i18n checks they match the .po files).
messages: install-dev
	PYTHONPATH=. $(BIN)/pybabel extract -F babel.cfg --sort-by-file --no-wrap --project microcourt -o translations/messages.pot .
	$(BIN)/pybabel update -i translations/messages.pot -d translations -D messages --no-wrap --no-fuzzy-matching --ignore-obsolete

messages-compile: install-dev
	$(BIN)/pybabel compile -d translations -D messages --statistics

# The committed OpenAPI document (docs/openapi.json, docs/versioning.md): rewrite it after a contract change, review
# the diff and add a CHANGELOG.md line; tests/api/test_versioning.py fails while it differs from the generated one.
openapi: install-dev
	PYTHONPATH=. $(BIN)/python -m miniprogram_api.published

clean:
	rm -rf $(VENV) .mypy_cache .hypothesis .coverage htmlcov instance/microcourt.db* instance/blobs

# The mini-program's typed client (clients/miniprogram, docs/clients.md): npm ci from its lock (offline when the npm
# cache holds it), then node --test against the app served on 127.0.0.1. clients-types regenerates its TypeScript
# types from the published OpenAPI document (a test fails while they are stale).
.PHONY: clients-test clients-types clients-npm
clients-npm:
	cd clients/miniprogram && (npm ci --offline --no-audit --no-fund || npm ci --no-audit --no-fund)

clients-test: install-dev clients-npm
	cd clients/miniprogram && node_modules/.bin/tsc -p tsconfig.json
	$(BIN)/python -m tests.clients.miniprogram_server

clients-types: install-dev clients-npm
	tmp=$$(mktemp --suffix=.json) && $(BIN)/python -m tests.clients.miniprogram_server --dump-openapi $$tmp && \
	clients/miniprogram/node_modules/.bin/openapi-typescript $$tmp -o clients/miniprogram/types/api.d.ts; \
	status=$$?; rm -f $$tmp; exit $$status

# Screenshots of the main pages into docs/screenshots/ (a throw-away database with the demo data and sample cases;
# needs Debian's chromium and fonts-noto-cjk). See docs/pages.md.
.PHONY: screenshots
screenshots: install-dev
	$(BIN)/python -m tests.browser.screenshots

# The TRTC web SDK the H5 video room loads (web/vendor/trtc, docs/pages.md): the UMD build from the npm registry.
TRTC_SDK_VERSION ?= 5.17.1
.PHONY: vendor-trtc
vendor-trtc:
	rm -rf .trtc-pack && mkdir .trtc-pack
	cd .trtc-pack && npm pack trtc-sdk-v5@$(TRTC_SDK_VERSION) && tar xzf trtc-sdk-v5-$(TRTC_SDK_VERSION).tgz
	cp .trtc-pack/package/trtc.js web/vendor/trtc/trtc.js
	rm -rf .trtc-pack
	sha256sum web/vendor/trtc/trtc.js
