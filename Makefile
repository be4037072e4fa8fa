# Everything the project needs is installed by these targets into .venv; a fresh machine
# needs only python3 and make.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
DEMO_DIR ?= demo-output

.PHONY: demo test fuzz bench install dev lint clean docs docs-serve

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

## make test: ruff, mypy, import-linter (the layers), the docs site (mkdocs build --strict) and pytest
test: $(VENV)/.dev-installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy giftbalance
	$(BIN)/lint-imports
	$(BIN)/mkdocs build --strict --site-dir site
	$(BIN)/pytest -q

## make fuzz: the property tests with fresh random examples (FUZZ_EXAMPLES, default 1000)
fuzz: $(VENV)/.dev-installed
	HYPOTHESIS_PROFILE=fuzz $(BIN)/pytest -q -m hypothesis

## make bench: performance figures (written into docs/*-bench.md; see docs/performance.md)
bench: $(VENV)/.bench-installed
	$(BIN)/python bench/run.py

## make docs: build the documentation site into site/ (strict: a broken link fails)
docs: $(VENV)/.dev-installed
	$(BIN)/mkdocs build --strict

## make docs-serve: serve the documentation on http://127.0.0.1:8000, rebuilt on every change
docs-serve: $(VENV)/.dev-installed
	$(BIN)/mkdocs serve -a 127.0.0.1:8000

lint: $(VENV)/.dev-installed
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

clean:
	rm -rf $(VENV) build dist *.egg-info $(DEMO_DIR) site
