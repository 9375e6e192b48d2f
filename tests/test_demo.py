"""`make demo`, the README's first command, on a machine that has no translation engine and no way
to install one: it still exits 0, shows the model-free flags and says in one line what it skipped."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
VENV = Path(sys.prefix)
# What make, scripts/demo and qa need from PATH; apertium, apt-get and sudo are left out.
TOOLS = ("make", "bash", "sh", "env", "id", "grep", "dirname", "git")


@pytest.fixture
def bare_path(tmp_path) -> str:
    """A PATH folder holding only TOOLS, linked to this machine's copies."""
    folder = tmp_path / "bin"
    folder.mkdir()
    for tool in TOOLS:
        found = shutil.which(tool)
        if found is None:
            pytest.skip(f"{tool} is not installed")
        (folder / tool).symlink_to(found)
    return str(folder)


def test_demo_installs_qa_without_extras_and_make_install_the_dev_extra(tmp_path):
    """make demo needs no torch, Playwright or mypy; make install (and test) keeps the dev extra,
    and its stamp counts as the demo's, so a demo after the tests installs nothing."""
    venv = tmp_path / "venv"

    def planned(target: str) -> list[str]:
        dry = subprocess.run(["make", "-n", "-s", "-C", str(REPO), target, f"VENV={venv}"],
                             check=True, capture_output=True, text=True, timeout=60)
        return dry.stdout.splitlines()

    def installs(lines: list[str]) -> list[str]:
        return [line for line in lines if " install " in line and "--upgrade pip" not in line]

    (demo,) = installs(planned("demo"))
    assert demo.endswith(" install --quiet -e .") and "[" not in demo and "torch" not in demo
    install = planned("install")
    (dev,) = installs(install)
    assert dev.endswith(" install --quiet -e '.[dev]'")
    assert f"touch {venv}/.qa-installed {venv}/.qa-demo-installed" in install


def test_demo_without_an_engine_runs_the_model_free_checks(bare_path):
    stamp = VENV / ".qa-demo-installed"
    # -o: take the running venv as installed, whatever its stamp says; nothing is reinstalled.
    demo = subprocess.run(
        ["make", "-s", "-C", str(REPO), "demo", f"VENV={VENV}", "-o", str(stamp)],
        check=False, capture_output=True, text=True, timeout=600,
        env={**os.environ, "PATH": bare_path},
    )
    assert demo.returncode == 0, demo.stderr
    direct = subprocess.run(
        [sys.executable, "-m", "qa", "check", "corpora/", "--engine", "none"],
        check=False, capture_output=True, text=True, timeout=600, cwd=REPO,
    )
    assert direct.returncode == 1  # the sample corpus has garbled passages
    assert demo.stdout == direct.stdout and "error" in demo.stdout
    explained = [line for line in demo.stderr.splitlines() if line.startswith("demo:")]
    assert len(explained) == 2
    assert "only the model-free checks ran" in explained[0]
    assert "apt-get install apertium-eng-spa" in explained[0]
    # The last line says how to run qa again, from PATH.
    assert explained[1] == f"demo: qa is {VENV}/bin/qa; to run it as plain 'qa', put it on PATH: source {VENV}/bin/activate"


@pytest.mark.slow
def test_demo_with_apertium_names_it_rather_than_leave_auto_to_pick_a_model_needing_torch(apertium_available):
    # A user setting the demo must not follow: with the engine left to qa, it would run model-free.
    settings = Path(os.environ["XDG_CONFIG_HOME"]) / "qa" / "qa.toml"
    settings.parent.mkdir(parents=True)
    settings.write_text('engine = "none"\n', encoding="utf-8")
    demo = subprocess.run(
        ["make", "-s", "-C", str(REPO), "demo", f"VENV={VENV}", "-o", str(VENV / ".qa-demo-installed")],
        check=False, capture_output=True, text=True, timeout=600,
    )
    assert demo.returncode == 0, demo.stderr
    direct = subprocess.run(
        [sys.executable, "-m", "qa", "check", "corpora/", "--engine", "apertium"],
        check=False, capture_output=True, text=True, timeout=600, cwd=REPO,
    )
    assert direct.returncode == 1 and demo.stdout == direct.stdout
    assert "engine apertium" in demo.stdout
    assert not [line for line in demo.stderr.splitlines() if "model-free" in line]
