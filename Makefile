# The two commands: `make run` and `make test`.  Each does all its own set-up.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: run test lint typecheck unit bench clean help

help:
	@echo "make run   - set up, create demo users, serve on http://127.0.0.1:8000"
	@echo "make test  - set up and run every check and test"
	@echo "make bench - run the benchmarks and the 60-s soak (installs Debian's wrk when missing)"

$(STAMP): pyproject.toml
	@echo "==> creating virtualenv in $(VENV) and installing ticketbooth (about a minute)"
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade pip
	@$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[server,dev]'
	@touch $(STAMP)

run: $(STAMP)
	@$(BIN)/ticketbooth demo
	@echo "==> serving on http://127.0.0.1:8000 (sign-in and sign-up page at /, mails with their links in this log, API docs at /docs; Ctrl-C stops)"
	@TICKETBOOTH_REGISTRATION=$${TICKETBOOTH_REGISTRATION:-open} $(BIN)/ticketbooth serve

lint: $(STAMP)
	@echo "==> ruff"
	@$(BIN)/ruff check src tests bench examples
	@$(BIN)/ruff format --check src tests bench examples

typecheck: $(STAMP)
	@echo "==> mypy"
	@$(BIN)/mypy

NODE_DEPS := tests/interop/node_modules/.package-lock.json

$(NODE_DEPS): tests/interop/package.json tests/interop/package-lock.json
	@echo "==> npm: installing the interop tests' Node packages"
	@cd tests/interop && npm ci --no-audit --no-fund --silent

# Debian's Chromium for the browser tests: Playwright drives it, no browser is downloaded.
CHROMIUM := /usr/bin/chromium
SUDO     := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

$(CHROMIUM):
	@echo "==> apt-get: installing Debian's chromium for the browser tests (a few minutes)"
	@$(SUDO) apt-get update -qq
	@$(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null

# pytest-xdist: two workers (the HTTP suites run once per engine), each test module on
# one worker so its servers start once; pytest-cov combines the workers' coverage.
XDIST ?= -n 2 --dist loadscope

unit: $(STAMP) $(NODE_DEPS) $(CHROMIUM)
	@echo "==> pytest (under coverage; tokens/ must stay at 100% of branches)"
	@$(BIN)/coverage erase
	@$(BIN)/pytest $(XDIST) --cov --cov-report= $(PYTEST_ARGS)
	@$(BIN)/coverage report --include='*/ticketbooth/tokens/*' --fail-under=100 --skip-covered -m

test: lint typecheck unit
	@echo "==> smoke: installed console script"
	@$(BIN)/ticketbooth --help >/dev/null

bench: $(STAMP)
	@command -v wrk >/dev/null || (echo "==> apt-get: installing wrk" && $(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq wrk >/dev/null)
	@$(BIN)/python bench/verify.py
	@$(BIN)/python bench/http.py
	@$(BIN)/python bench/login.py
	@$(BIN)/python bench/refresh.py
	@$(BIN)/python bench/sessions_vs_jwt.py
	@$(BIN)/python bench/load.py
	@$(BIN)/python bench/frameworks.py
	@if command -v valgrind >/dev/null; then $(BIN)/python bench/framework_instructions.py; else echo "==> valgrind missing: bench/framework_instructions.py skipped"; fi
	@$(BIN)/python bench/admin.py
	@$(BIN)/python bench/soak.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
