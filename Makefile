# Two commands do all the set-up on a fresh machine:
#   make run    runs the embedded default model (offline, CPU) and prints the results table
#   make test   runs the test suite
# Each installs what it needs into .venv on first use.

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test test-all lint bench clean

# The editable install silences one setuptools notice, by its message alone ("Editable installation": the
# adapters and suites install under vfr_bench through a package-dir mapping); every other warning still shows.
# torch first, pinned: an unpinned torch (asked for by transformers) would pull a multi-GB CUDA build.
# On a GPU machine, set TORCH to the CUDA build that fits its driver (make test TORCH='torch==X.Y.Z').
TORCH ?= torch==2.13.0

$(STAMP): pyproject.toml Makefile
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet '$(TORCH)'
	PYTHONWARNINGS='ignore:Editable installation' $(BIN)/python -m pip install --quiet -e '.[builtin,latency,qwen,metrics,data,report,ray,test]'
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/vfr-bench run $(ARGS)

# Lint (ruff), format check and type check (mypy), then the tests.
test: lint
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# Tests marked slow run too.
test-all: lint
	$(BIN)/python -m pytest --run-slow $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

bench: $(STAMP)
	$(BIN)/python scripts/bench_runner_overhead.py
	$(BIN)/python scripts/bench_training_free.py
	$(BIN)/python scripts/bench_noise_memory.py

clean:
	rm -rf $(VENV) *.egg-info .pytest_cache
