# litlab: `make train` sets up and runs the default experiment; `make test` sets up and tests.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: setup train test test-fast lint format bench mutants clean

setup: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $@

train: setup  ## the default experiment: CNN on scikit-learn's 8x8 digits (offline)
	$(BIN)/python train.py

test: setup lint  ## everything CI runs: ruff, then all tests (slow ones included)
	$(BIN)/python -m pytest -n 2 --durations=15

test-fast: setup  ## skip the slow real-data accuracy tests
	$(BIN)/python -m pytest -n 2 -m "not slow"

lint: setup  ## ruff, and the import layers written in pyproject.toml
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

format: setup
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

bench: setup  ## every benchmark, one table of ratios (bench/run_all.py; 5-13 min on 2 cores)
	$(BIN)/python bench/run_all.py

mutants: setup  ## mutation score of the losses, metrics and data code ([tool.mutmut]; about 20 min on 2 cores)
	$(BIN)/python tests/mutation_score.py

clean:
	rm -rf outputs multirun .pytest_cache .ruff_cache mutants
