# Two commands matter on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app wsgi
PORT ?= 5000
AXE := tests/e2e/axe

.PHONY: install install-dev axe run test test-fast lint format db-upgrade seed-demo clean

# What the site needs to run (`make run` waits for nothing more)...
install: $(VENV)/.installed

$(VENV)/.installed: requirements.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	touch $@

# ...and what the tests and the linters need on top.
install-dev: $(VENV)/.installed-dev

$(VENV)/.installed-dev: $(VENV)/.installed requirements-dev.txt
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	touch $@

# axe-core for the accessibility tests, from the lock; without npm they skip here (and fail under CI).
axe: $(AXE)/node_modules/axe-core/axe.min.js

$(AXE)/node_modules/axe-core/axe.min.js: $(AXE)/package.json $(AXE)/package-lock.json
	@if command -v npm >/dev/null 2>&1; then \
		echo "npm ci --prefix $(AXE) --no-audit --no-fund"; \
		npm ci --prefix $(AXE) --no-audit --no-fund && touch $@; \
	else \
		echo "npm not found: the accessibility tests will skip (install Node.js and npm to run them)"; \
	fi

db-upgrade: install
	$(FLASK) db upgrade

seed-demo: db-upgrade
	$(FLASK) seed-demo

# Mail is written to instance/mail/ (one file per delivery run), with links to this server.
run: seed-demo
	@echo "Serving on http://127.0.0.1:$(PORT)  (Ctrl-C stops it); mail goes to instance/mail/"
	AFTERWORD_BASE_URL=$${AFTERWORD_BASE_URL:-http://127.0.0.1:$(PORT)} $(FLASK) run --host 127.0.0.1 --port $(PORT)

test: install-dev axe
	$(BIN)/python -m pytest

test-fast: install-dev
	$(BIN)/python -m pytest -m "not e2e"

# Style, bugs, types and layers; CI runs this before the tests and fails on any finding.
LINTED := app tests bench migrations wsgi.py gunicorn.conf.py
lint: install-dev
	$(BIN)/ruff check $(LINTED)
	$(BIN)/ruff format --check $(LINTED)
	$(BIN)/mypy
	$(BIN)/lint-imports --no-logo

# Apply ruff's safe fixes and its formatting.
format: install-dev
	$(BIN)/ruff check --fix $(LINTED)
	$(BIN)/ruff format $(LINTED)

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .import_linter_cache .grimp_cache $(AXE)/node_modules
