# The two set-up commands of the README. Each creates .venv and installs what it needs.
#   make demo   run qa on the sample corpus in corpora/ (installs Apertium when it can; else
#               runs the model-free checks and says what was skipped)
#   make test   run the test suite
# And for CI: make test-kernels  the ct2 tests again under each CPU kernel CTranslate2 may pick.
VENV ?= .venv
PYTHON ?= python3
BIN := $(VENV)/bin
STAMP := $(VENV)/.qa-installed

.PHONY: demo test test-kernels install clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	# torch is pinned in pyproject.toml to the CPU build (2.13.0); see README.
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

install: $(STAMP)

demo: $(STAMP)
	bash scripts/demo $(BIN)/qa

test: $(STAMP)
	$(BIN)/ruff check qa tests benchmarks scripts
	$(BIN)/mypy
	$(BIN)/python -m pytest

test-kernels: $(STAMP)
	$(BIN)/python tests/ct2_kernels.py

clean:
	rm -rf $(VENV) .pytest_cache
