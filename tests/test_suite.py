"""The suite's own set-up: no test reads the developer's user-level settings; the slow marks that
`make test-fast` skips name real tests, and `make test` still runs them all."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import REPO, SLOW_MODULES, SLOW_TESTS
from platformdirs import user_config_dir


def test_the_user_settings_folder_is_an_empty_temporary_one(tmp_path):
    folder = Path(user_config_dir("qa"))
    assert not folder.is_relative_to(Path.home() / ".config")
    assert not (folder / "qa.toml").exists()
    # A child process (the CLI tests run qa in subprocesses) sees the same folder.
    child = subprocess.run(
        [sys.executable, "-c", "from platformdirs import user_config_dir; print(user_config_dir('qa'))"],
        capture_output=True, text=True, check=True, env=os.environ.copy(),
    )
    assert child.stdout.strip() == str(folder)


def test_the_slow_marks_name_existing_tests_and_the_marker_is_registered():
    import tomllib

    markers = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["pytest"]["ini_options"]
    assert any(marker.startswith("slow:") for marker in markers["markers"])
    for module in SLOW_MODULES:
        assert (REPO / "tests" / f"{module}.py").is_file(), module
    for name in SLOW_TESTS:
        module, _, test = name.partition("::")
        assert f"def {test}(" in (REPO / "tests" / f"{module}.py").read_text(encoding="utf-8"), name


@pytest.mark.parametrize(("target", "selection"), [("test-fast", ' -m "not slow" -q -n 2'), ("test", "")])
def test_make_test_fast_skips_the_slow_tests_and_make_test_runs_everything(target, selection):
    # -o: whatever the install stamp says, nothing is installed, only the plan printed.
    dry = subprocess.run(["make", "-n", "-s", "-C", str(REPO), target, "-o", ".venv/.qa-installed", "VENV=.venv"],
                         capture_output=True, text=True, check=True, timeout=60).stdout.splitlines()
    (pytest_line,) = [line for line in dry if " -m pytest" in line]
    assert pytest_line.split(" -m pytest", 1)[1] == selection
    assert any(line.startswith(".venv/bin/ruff check qa tests") for line in dry)
