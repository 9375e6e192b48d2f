# The two set-up commands of the README. Each creates .venv and installs what it needs.
#   make demo   run qa on the sample corpus in corpora/
#   make test   run the test suite
VENV ?= .venv
PYTHON ?= python3
BIN := $(VENV)/bin
STAMP := $(VENV)/.qa-installed

.PHONY: demo test install clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	# torch is pinned in pyproject.toml to the CPU build (2.13.0); see README.
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

install: $(STAMP)

demo: $(STAMP)
	# Exit code 1 means passages were flagged, which is what the sample corpus is for.
	$(BIN)/qa check corpora/ || [ $$? -eq 1 ]

test: $(STAMP)
	$(BIN)/python -m pytest

clean:
	rm -rf $(VENV) .pytest_cache
