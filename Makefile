# The two commands a developer needs are `make run` and `make test`; both set themselves up.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: setup run test test-fast lint fmt events workers openapi infra bench clean vendor chromium

setup: $(STAMP)

# Re-installs whenever pyproject.toml changes; a fresh clone needs nothing else. uv installs
# the project and its ~120 packages in seconds where pip took about a minute of every fresh
# `make test`; pip only brings uv itself into the virtualenv. Bytecode is compiled at install
# (uv does not by default): where PYTHONDONTWRITEBYTECODE is set, as on CI, every process the
# suite starts would otherwise compile botocore, aiohttp and pydantic again from source.
$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet 'uv>=0.9,<1'
	$(BIN)/uv pip install --quiet --compile-bytecode --python $(BIN)/python -e '.[dev]'
	touch $@

# make runs the command itself (no shell), passes SIGTERM on to it but not SIGINT; the runner
# watches its make, so signalling make alone stops everything too (local/parent_make.py).
run: setup
	$(BIN)/videoshare run

# Two workers: much of the suite waits on processes it started, so two cores do twice the
# work. Tests that share a stack stay on one worker (tests/conftest.py); TEST_WORKERS=0 runs
# everything in this one process.
TEST_WORKERS ?= 2

test: setup chromium
	@$(BIN)/python -m compileall -q src  # our own modules too, once, for every process started
	$(BIN)/pytest -n $(TEST_WORKERS) --dist loadgroup

# The fast tier, in seconds and without the emulator: pure unit tests, every use case against
# the in-memory fakes, and the fake half of the contract suite (its real half needs the emulator).
test-fast: setup
	$(BIN)/pytest -q -m "not integration and not e2e and not browser" tests/unit tests/usecases tests/contract

# The browser tests drive Debian's chromium; installed once, quietly, when it is missing.
chromium:
	@test -x /usr/bin/chromium || { echo "installing chromium for the browser tests…"; \
	  apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive \
	  apt-get install -y -qq chromium >/dev/null; }

# Refreshes the web app's vendored ES modules from npm at the versions pinned in
# src/videoshare/web/vendoring.py (needs npm; the results are committed, so nothing else does).
vendor: setup
	$(BIN)/python -m videoshare.web.vendoring

# lint-imports: the layer contracts in pyproject.toml (tests/unit/test_import_contracts.py runs
# them too, so `make test` fails on a broken contract as well).
lint: setup
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/mypy
	$(BIN)/lint-imports --no-logo

fmt: setup
	$(BIN)/ruff format src tests bench
	$(BIN)/ruff check --fix src tests bench

# Regenerates the event catalog (events/) from the pydantic models.
events: setup
	$(BIN)/videoshare events export

# Regenerates the worker catalog (workers/: queues, what each takes and emits, knobs, scaling).
workers: setup
	$(BIN)/videoshare workers export

# Regenerates the HTTP contract (api/openapi.yaml) from the routes and pydantic models.
openapi: setup
	$(BIN)/videoshare openapi export

# Regenerates the AWS deployment (infra/cloudformation.yaml, the root, and infra/stacks/*.yaml) from the topology; docs/DEPLOY.md.
infra: setup
	$(BIN)/videoshare infra export

# Benchmarks: ratios against a baseline measured in the same run; tables and JSON in bench/results/.
# `make bench ONLY=transcode` runs one.
bench: setup
	$(BIN)/python -m bench $(ONLY)

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .grimp_cache
