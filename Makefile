# Moltnet for Python — the two commands that matter: `make run` and `make test`.
VENV := .venv
PY := $(VENV)/bin/python
RUNTIME := $(VENV)/.runtime-installed
DEV := $(VENV)/.dev-installed

.PHONY: run test test-sqlite test-postgres lint bench install clean

# The runtime set serves a network; the development set adds tests, benchmarks and tooling.
$(RUNTIME): requirements.txt pyproject.toml
	@test -x $(PY) || $$(scripts/find-python.sh) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -r requirements.txt
	$(PY) -m pip install -q --no-deps -e .
	@touch $(RUNTIME)

$(DEV): $(RUNTIME) requirements-dev.txt
	$(PY) -m pip install -q -r requirements-dev.txt
	@touch $(DEV)

install: $(RUNTIME)

## Set up and start a network on the embedded default (SQLite, in-memory channel layer) on :8787.
run: $(RUNTIME)
	@test -f Moltnet || $(VENV)/bin/moltnet init
	$(VENV)/bin/moltnet start

## Set up and run the whole test suite: SQLite first, then every in-process test again on a real Postgres 15.
test: $(DEV)
	@scripts/system-deps.sh
	$(VENV)/bin/lint-imports
	$(PY) -m pytest
	MOLTNET_TEST_DB=postgres $(PY) -m pytest -m "not live and not browser"

## Style (ruff) and the one-way import contracts in pyproject.toml (import-linter).
lint: $(DEV)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/lint-imports

## Benchmark ours against the Go server (MOLTNET_GO_BIN=path/to/moltnet-go; without it, ours only), ~25 min
## on 2 cores, ending with a summary table; BENCH_ARGS=--quick for a smoke test, --rounds N, --only NAME.
bench: $(DEV)
	MOLTNET_GO_BIN="$(MOLTNET_GO_BIN)" $(PY) bench/suite.py $(BENCH_ARGS)

clean:
	rm -rf $(VENV) .pytest_cache
