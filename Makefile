# The two set-up commands of the README. Each creates .venv and installs what it needs.
#   make demo   install qa without extras (no torch) and run it on the sample corpus in corpora/
#               (installs Apertium when it can; else runs the model-free checks and says what was
#               skipped)
#   make test   run the test suite (the full suite, as CI does)
# And while developing: make test-fast  ruff and the tests not marked slow (pytest -m "not slow";
#               the marks are in tests/conftest.py) over two processes: under 3 minutes on 2 cores.
# And for CI: make test-kernels  the ct2 tests again under each CPU kernel CTranslate2 may pick.
VENV ?= .venv
PYTHON ?= python3
BIN := $(VENV)/bin
STAMP := $(VENV)/.qa-installed
# The demo needs qa alone: no extras, so no torch, Playwright or mypy. The dev install includes it.
DEMO_STAMP := $(VENV)/.qa-demo-installed

.PHONY: demo test test-fast test-kernels install clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	# torch is pinned in pyproject.toml to the CPU build (2.13.0); see README.
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@ $(DEMO_STAMP)

$(DEMO_STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e .
	touch $@

install: $(STAMP)

demo: $(DEMO_STAMP)
	bash scripts/demo $(BIN)/qa

test: $(STAMP)
	$(BIN)/ruff check qa tests benchmarks scripts
	$(BIN)/mypy
	$(BIN)/python -m pytest

test-fast: $(STAMP)
	$(BIN)/ruff check qa tests benchmarks scripts
	$(BIN)/python -m pytest -m "not slow" -q -n 2

test-kernels: $(STAMP)
	$(BIN)/python tests/ct2_kernels.py

clean:
	rm -rf $(VENV) .pytest_cache
