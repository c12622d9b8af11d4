# The two commands a developer needs are `make run` and `make test`; both set themselves up.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: setup lock run test test-fast test-burst lint fmt events workers openapi infra bench load clean clean-data vendor chromium

setup: $(STAMP)

# Installs exactly the pinned, hash-checked packages of requirements-dev.lock (`make lock`
# refreshes it from pyproject.toml; a unit test fails when it is behind), then the project itself
# without dependencies; again whenever pyproject.toml or the lock changes. A fresh clone needs
# nothing else. uv installs the ~120 packages in seconds where pip took about a minute of every
# fresh `make test`; pip only brings uv itself into the virtualenv. Bytecode is compiled at
# install (uv does not by default): where PYTHONDONTWRITEBYTECODE is set, as on CI, every
# process the suite starts would otherwise compile botocore, aiohttp and pydantic from source.
$(STAMP): pyproject.toml requirements-dev.lock | $(BIN)/uv
	$(BIN)/uv pip install --quiet --compile-bytecode --python $(BIN)/python \
	  --require-hashes -r requirements-dev.lock
	$(BIN)/uv pip install --quiet --compile-bytecode --python $(BIN)/python --no-deps -e .
	touch $@

# Compiles requirements.lock (what the service runs on; the image installs it) and
# requirements-dev.lock (that and the dev tools) again from pyproject.toml, at the newest
# versions it allows, with the hashes of every file: tests/lockfile.py.
lock: | $(BIN)/uv
	$(BIN)/python -m tests.lockfile $(BIN)/uv

$(BIN)/uv:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet 'uv>=0.9,<1'

# make runs the command itself (no shell), passes SIGTERM on to it but not SIGINT; the runner
# watches its make, so signalling make alone stops everything too (local/parent_make.py).
# Accounts, videos and queued work are kept in .videoshare/ between runs (saved at a clean stop);
# `make clean-data` forgets them.
# `make run SCALE=transcoder=2,notifier=2` starts several processes of a worker (local/scale.py).
# Exported, not prefixed to the command: the command must stay shell-free (see above).
run: export VIDEOSHARE_SCALE := $(or $(SCALE),$(VIDEOSHARE_SCALE))
run: setup
	$(BIN)/videoshare run

clean-data:
	rm -rf .videoshare

# Two workers: much of the suite waits on processes it started, so two cores do twice the
# work. Tests that share a stack stay on one worker (tests/conftest.py); TEST_WORKERS=0 runs
# everything in this one process.
TEST_WORKERS ?= 2

test: setup chromium
	@$(BIN)/python -m compileall -q src  # our own modules too, once, for every process started
	$(BIN)/pytest -n $(TEST_WORKERS)

# The fast tier, in seconds and without the emulator: pure unit tests, every use case against
# the in-memory fakes, and the fake half of the contract suite (its real half needs the emulator).
test-fast: setup
	$(BIN)/pytest -q -m "not integration and not e2e and not browser" tests/unit tests/usecases tests/contract

# The resilience burst at issue 4's full figure: 2,000 events (and 200 of them twice) into two
# indexer processes, every effect exactly once. `make test` sends 400, at a fifth of the cost.
test-burst: setup
	VIDEOSHARE_TEST_BURST_EVENTS=2000 $(BIN)/pytest tests/resilience/test_burst.py

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

# The load test (bench/load/): locust, headless, against a `make run` it starts (or the one at
# VIDEOSHARE_API_URL), people rising in equal steps (LOAD_STEPS) over LOAD_MINUTES; finds the
# knee and what saturates first; writes bench/results/load.md. A smoke run:
# `make load LOAD_MINUTES=2 LOAD_STEPS=2,4,8`; `SCALE=transcoder=2` as for `make run`.
LOAD_MINUTES ?= 10
LOAD_STEPS ?= 2,4,8,12,16,24
load: export LOAD_MINUTES := $(LOAD_MINUTES)
load: export LOAD_STEPS := $(LOAD_STEPS)
load: export VIDEOSHARE_SCALE := $(or $(SCALE),$(VIDEOSHARE_SCALE))
load: setup
	$(BIN)/python -m bench.load.run

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .grimp_cache
