# Two commands matter on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app wsgi
PORT ?= 5000
EXAMPLE_PORT ?= 5001
export AFTERWORD_DEMO_SITE_ORIGIN ?= http://127.0.0.1:$(EXAMPLE_PORT)
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

# Mail is written to instance/mail/ (one file per delivery run), with links to this server. Beside it, on
# EXAMPLE_PORT, a plain static site (examples/static-site) whose posts embed their discussions from it; the demo
# registers that origin (docs/embed.md). Its pages load the script from port 5000: keep PORT at 5000 to try it.
run: seed-demo
	@echo "Serving on http://127.0.0.1:$(PORT)  (Ctrl-C stops it); mail goes to instance/mail/"
	@echo "The example static site embedding its discussions: http://127.0.0.1:$(EXAMPLE_PORT)/posts/first-snow.html"
	@$(BIN)/python -m http.server $(EXAMPLE_PORT) --bind 127.0.0.1 --directory examples/static-site >/dev/null 2>&1 & \
	trap "kill $$! 2>/dev/null" EXIT INT TERM; \
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
