# Everything the project needs is installed by these targets into .venv; a fresh machine
# needs only python3 and make.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
DEMO_DIR ?= demo-output

.PHONY: demo test fuzz bench install dev lint clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.dev-installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@ $(VENV)/.installed

$(VENV)/.bench-installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[dev,bench]'
	touch $@ $(VENV)/.installed $(VENV)/.dev-installed

install: $(VENV)/.installed

dev: $(VENV)/.dev-installed

## make demo: load examples/ into a throwaway database and print this week's report
demo: $(VENV)/.installed
	PATH="$(CURDIR)/$(BIN):$$PATH" bash examples/demo.sh "$(DEMO_DIR)"

## make test: ruff, mypy and pytest
test: $(VENV)/.dev-installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy giftbalance
	$(BIN)/pytest -q

## make fuzz: the property tests with fresh random examples (FUZZ_EXAMPLES, default 1000)
fuzz: $(VENV)/.dev-installed
	HYPOTHESIS_PROFILE=fuzz $(BIN)/pytest -q -m hypothesis

## make bench: performance figures (see README, "Performance")
bench: $(VENV)/.bench-installed
	$(BIN)/python bench/run.py

lint: $(VENV)/.dev-installed
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

clean:
	rm -rf $(VENV) build dist *.egg-info $(DEMO_DIR)
