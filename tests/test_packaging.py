"""The distribution as pip builds it: the wheel carries the licence its metadata names."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def test_the_wheel_carries_the_mit_licence(tmp_path):
    built = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q",
                            "-w", str(tmp_path), str(REPO)], capture_output=True, text=True, timeout=300)
    assert built.returncode == 0, built.stderr
    (wheel,) = tmp_path.glob("*.whl")
    with zipfile.ZipFile(wheel) as archive:
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
