# Two commands on a fresh machine with Python 3.11: `make templates` and `make test`.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
TEST_STAMP := $(VENV)/.installed-test
BLUEPRINTS := $(wildcard blueprints/*.yaml)
# The outside scanners, checkov and cfripper (tests/test_outside_scanners.py), pin an old boto3, so they live
# in a virtual environment of their own.
SCAN_VENV := .venv-scan
SCAN_STAMP := $(SCAN_VENV)/.installed
CHECKOV := $(SCAN_VENV)/bin/checkov --framework cloudformation --skip-download --compact --quiet

MOTO_STAMP := $(VENV)/.installed-emulator
MOTO_PORT ?= 5000

.PHONY: templates test lint check scan bench schema docs moto clean

templates: $(STAMP)
	$(BIN)/blueprint build $(BLUEPRINTS)

test: $(TEST_STAMP) $(SCAN_STAMP)
	$(BIN)/ruff check generator tests
	$(BIN)/lint-imports
	$(BIN)/pytest -n auto
	$(MAKE) --no-print-directory scan

lint: $(TEST_STAMP)
	$(BIN)/ruff check generator tests
	$(BIN)/lint-imports

check: $(STAMP)
	$(BIN)/blueprint check $(BLUEPRINTS)

# The outside scanner on every generated template: zero failed checks, or the target fails.
scan: $(SCAN_STAMP)
	$(CHECKOV) -d output

# The local emulator: moto's server on 127.0.0.1:$(MOTO_PORT), patched for nested stacks, until Ctrl-C.
moto: $(MOTO_STAMP)
	$(BIN)/python -m generator.emulator --port $(MOTO_PORT)

# Cold and warm build times by phase, with peak memory: bench/report.md and bench/report.json.
bench: $(STAMP)
	$(BIN)/python -m bench.bench

schema: $(STAMP)
	$(BIN)/blueprint schema > schema/blueprint.schema.json

# The generated references: the blueprint format from the model, the audit from its rule classes
# (tests/test_docs.py fails while either is stale).
docs: $(STAMP)
	$(BIN)/blueprint schema --markdown > docs/blueprint.md
	$(BIN)/python -m generator.checks.audit.reference > docs/audit.md

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

# Reinstall only when the pins change.
# Byte-compiled once here, so that no run compiles our modules again (PYTHONDONTWRITEBYTECODE may be set).
$(STAMP): pyproject.toml constraints.txt | $(VENV)/bin/python
	$(BIN)/pip install --quiet -c constraints.txt -e .
	$(BIN)/python -m compileall -q generator
	touch $@

$(MOTO_STAMP): $(STAMP)
	$(BIN)/pip install --quiet -c constraints.txt -e '.[emulator]'
	touch $@

$(TEST_STAMP): $(STAMP)
	$(BIN)/pip install --quiet -c constraints.txt -e '.[test]'
	touch $@

$(SCAN_STAMP): constraints-scan.txt
	test -x $(SCAN_VENV)/bin/python || $(PYTHON) -m venv $(SCAN_VENV)
	$(SCAN_VENV)/bin/pip install --quiet --upgrade pip
	$(SCAN_VENV)/bin/pip install --quiet -c constraints-scan.txt checkov==3.3.30 cfripper==1.22.0
	touch $@

clean:
	rm -rf $(VENV) $(SCAN_VENV) .pytest_cache .ruff_cache
