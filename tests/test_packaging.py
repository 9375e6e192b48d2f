"""The distribution as pip builds it: the wheel carries the licence its metadata names."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent


def test_the_wheel_carries_the_mit_licence(tmp_path):
    with zipfile.ZipFile(_wheel(tmp_path)) as archive:
        names = archive.namelist()
        licence = next(name for name in names if name.endswith(".dist-info/licenses/LICENSE"))
        metadata = archive.read(next(name for name in names if name.endswith(".dist-info/METADATA"))).decode()
        assert archive.read(licence).decode() == (REPO / "LICENSE").read_text(encoding="utf-8")
    assert "License-Expression: MIT" in metadata.splitlines()
    assert (REPO / "LICENSE").read_text(encoding="utf-8").startswith("MIT License\n")


def test_every_install_line_names_the_distribution_pyproject_builds():
    import re
    import tomllib

    name = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]["name"]
    assert name != "qa"  # taken on PyPI by an unrelated project
    texts = {path: path.read_text(encoding="utf-8") for pattern in ("README.md", "examples/*", "notebooks/*.ipynb",
                                                                   "qa/**/*.py", "tests/*.py", "benchmarks/*.py")
             for path in REPO.glob(pattern) if path.is_file()}
    installs = [(path, line) for path, text in texts.items() for line in re.findall(r"pip install [^\n`]*", text)]
    named = [(path, line) for path, line in installs if re.search(r"\bqa\b|newsroom-qa", line)]
    assert named, "no install line found"
    for path, line in named:
        assert re.search(rf"['\"]?{re.escape(name)}(\[|==|['\"\s]|$)", line), f"{path}: {line}"


def test_the_notebook_extra_can_open_and_run_the_notebook():
    import tomllib

    extra = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]["optional-dependencies"]
    names = {requirement.split(">")[0].split("=")[0].split("[")[0].strip() for requirement in extra["notebook"]}
    # A kernel, a front end to open it, a runner without a browser, progress bars, and the
    # notebook's own imports.
    assert {"ipykernel", "notebook", "nbclient", "ipywidgets", "pandas", "matplotlib"} <= names


def _wheel(folder: Path) -> Path:
    built = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(folder), str(REPO)],
                           capture_output=True, text=True, timeout=300)
    assert built.returncode == 0, built.stderr
    (wheel,) = folder.glob("*.whl")
    return wheel


@pytest.mark.slow
def test_the_wheel_without_extras_installs_no_torch_and_flags_the_corpus_as_the_dev_install(
        tmp_path, apertium_available):
    import json

    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=120)
    python = venv / "bin" / "python"
    installed = subprocess.run([str(python), "-m", "pip", "install", "-q", str(_wheel(tmp_path / "wheel"))],
                               capture_output=True, text=True, timeout=1200)
    assert installed.returncode == 0, installed.stderr
    assert subprocess.run([str(python), "-c", "import torch"], capture_output=True).returncode != 0

    def flags(qa: list[str]) -> list[tuple]:
        done = subprocess.run([*qa, "check", "corpora/", "--engine", "apertium", "--format", "json", "--no-cache", "-q"],
                              capture_output=True, text=True, timeout=600, cwd=REPO)
        assert done.returncode == 1, done.stderr
        return [(a["path"], s["line"], s["severity"]) for a in json.loads(done.stdout)["articles"]
                for s in a["segments"] if s["flagged"]]

    light = flags([str(venv / "bin" / "qa")])
    assert len(light) == 12 and light == flags([sys.executable, "-m", "qa"])
    marian = subprocess.run([str(venv / "bin" / "qa"), "translate", "--engine", "marian", "--model", str(tmp_path),
                             "Hola"], capture_output=True, text=True, timeout=120)
    assert marian.returncode == 3 and len(marian.stderr.strip().splitlines()) == 1
    assert "needs PyTorch" in marian.stderr and "newsroom-qa[marian]" in marian.stderr
