# Two commands on a fresh machine with Python 3.11: `make templates` and `make test`.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
TEST_STAMP := $(VENV)/.installed-test
BLUEPRINTS := $(wildcard blueprints/*.yaml)

.PHONY: templates test lint check schema clean

templates: $(STAMP)
	$(BIN)/blueprint build $(BLUEPRINTS)

test: $(TEST_STAMP)
	$(BIN)/ruff check generator tests
	$(BIN)/pytest

lint: $(TEST_STAMP)
	$(BIN)/ruff check generator tests

check: $(STAMP)
	$(BIN)/blueprint check $(BLUEPRINTS)

schema: $(STAMP)
	$(BIN)/blueprint schema > schema/blueprint.schema.json

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

# Reinstall only when the pins change.
$(STAMP): pyproject.toml constraints.txt | $(VENV)/bin/python
	$(BIN)/pip install --quiet -c constraints.txt -e .
	touch $@

$(TEST_STAMP): $(STAMP)
	$(BIN)/pip install --quiet -c constraints.txt -e '.[test]'
	touch $@

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
