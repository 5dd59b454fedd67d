# Two commands do all the set-up on a fresh machine:
#   make run    runs the embedded default model (offline, CPU) and prints the results table
#   make test   runs the test suite
# Each installs what it needs into .venv on first use.

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test test-all bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[reference,test]'
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/vfr-bench run $(ARGS)

test: $(STAMP)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# Tests marked slow run too.
test-all: $(STAMP)
	$(BIN)/python -m pytest --run-slow $(PYTEST_ARGS)

bench: $(STAMP)
	$(BIN)/python scripts/bench_runner_overhead.py
	$(BIN)/python scripts/bench_reference.py

clean:
	rm -rf $(VENV) *.egg-info .pytest_cache
