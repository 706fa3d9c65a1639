# The two commands in the README:
#   make demo  - create .venv, install Squall, start the demo target on 127.0.0.1, run the quickstart
#   make test  - install the dev tools (Python and the npm CDK CLI), lint, type-check, run every test (CI)
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin

.PHONY: demo test lint bench clean chromium

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: $(BIN)/python pyproject.toml constraints.txt
	$(BIN)/pip install --quiet -c constraints.txt -e .
	touch $@

$(VENV)/.dev-installed: $(VENV)/.installed
	$(BIN)/pip install --quiet -c constraints.txt -e '.[dev]'
	touch $@

# The AWS CDK command line (npx cdk synth / deploy), pinned in package-lock.json.
node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --silent
	touch $@

demo: $(VENV)/.installed
	$(BIN)/squall demo

lint: $(VENV)/.dev-installed
	$(BIN)/ruff check .
	$(BIN)/mypy

# Debian's Chromium, for the HTML report's browser test (Playwright drives it; it downloads nothing).
chromium:
	@command -v chromium >/dev/null || (apt-get update -qq && apt-get install -y -qq chromium >/dev/null)

test: lint node_modules/.installed chromium
	$(BIN)/python -m pytest -q

bench: $(VENV)/.installed
	@command -v nginx >/dev/null || test -x /usr/sbin/nginx || (apt-get update -qq && apt-get install -y -qq nginx-light)
	@command -v taskset >/dev/null || (apt-get update -qq && apt-get install -y -qq util-linux)
	$(BIN)/python bench/run_bench.py

clean:
	rm -rf $(VENV) squall-runs .pytest_cache .mypy_cache .ruff_cache
