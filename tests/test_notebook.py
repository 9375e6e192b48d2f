"""notebooks/explore_flags.ipynb: saved without outputs, and runs top to bottom in a real Jupyter
kernel running this interpreter."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import EVAL, REPO, SHARED, need

NOTEBOOK = REPO / "notebooks" / "explore_flags.ipynb"
KERNEL = "qa-test-python"


def _code_cells(document: dict) -> list[dict]:
    return [cell for cell in document["cells"] if cell["cell_type"] == "code"]


def test_notebook_is_saved_without_outputs():
    document = json.loads(NOTEBOOK.read_text(encoding="utf-8"))
    assert _code_cells(document)
    for cell in _code_cells(document):
        assert cell["outputs"] == [], cell["source"]
        assert cell["execution_count"] is None, cell["source"]


def test_the_data_classes_import_no_renderer_yet_show_themselves_after_import_qa():
    """qa.results never imports qa.report (the renderers import the data classes); qa.report
    registers the views in qa.views, and any import of qa.results goes through ``import qa``."""
    import ast

    tree = ast.parse((REPO / "qa" / "results.py").read_text(encoding="utf-8"))
    imported = {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)} | {
        alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names}
    assert "qa.views" in imported and not [name for name in imported if name and name.startswith("qa.report")]
    shown = subprocess.run(
        [sys.executable, "-c", "from qa.results import Report; print(Report(())._repr_html_())"],
        capture_output=True, text=True, check=True,
    ).stdout
    assert "0 flagged" in shown and "<" in shown
    from qa.errors import QAError
    from qa.views import view

    with pytest.raises(QAError, match="no 'chart' view is registered: import qa.report first"):
        view("chart")


@pytest.fixture
def kernel_name(tmp_path, monkeypatch) -> str:
    """A kernelspec naming this interpreter, found first through JUPYTER_PATH, so the notebook
    runs in this venv whatever other python3 kernels the machine has."""
    for module in ("nbclient", "nbformat", "ipykernel", "matplotlib", "pandas"):
        need(importlib.util.find_spec(module) is not None, f"{module} is not installed (pip install 'newsroom-qa[notebook]')")
    folder = tmp_path / "jupyter" / "kernels" / KERNEL
    folder.mkdir(parents=True)
    spec = {
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "qa test kernel",
        "language": "python",
    }
    (folder / "kernel.json").write_text(json.dumps(spec), encoding="utf-8")
    monkeypatch.setenv("JUPYTER_PATH", str(tmp_path / "jupyter"))
    return KERNEL


@pytest.mark.slow
def test_notebook_runs_top_to_bottom(kernel_name):
    import nbformat
    from nbclient import NotebookClient

    notebook = nbformat.read(NOTEBOOK, as_version=4)
    notebook.cells.append(nbformat.v4.new_code_cell("import sys; print(sys.executable)"))
    client = NotebookClient(
        notebook, kernel_name=kernel_name, timeout=300,
        resources={"metadata": {"path": str(NOTEBOOK.parent)}},
    )
    client.execute()  # raises CellExecutionError on the first cell that fails

    outputs = [output for cell in _code_cells(notebook) for output in cell["outputs"]]
    assert not [output for output in outputs if output["output_type"] == "error"]
    said = "".join(output.get("text", "") for output in outputs if output["output_type"] == "stream")
    assert "IProgress not found" not in said  # the extra brings ipywidgets for the progress bars
    assert notebook.cells[-1]["outputs"][0]["text"].strip() == sys.executable
    images = [output for output in outputs if "image/png" in output.get("data", {})]
    # The signal plot, and the precision/recall curve when the labelled data is there.
    assert len(images) >= (2 if (EVAL / "bio-mqm-es-en.talp_upc_run1.jsonl").is_file() else 1)
    html = [output["data"]["text/html"] for output in outputs if "text/html" in output.get("data", {})]
    assert any("<mark " in page for page in html), "the flagged passages are shown highlighted"


# The README's way to run the notebook without a browser and keep what it shows: the run, with
# its outputs, is written beside it as explore_flags-executed.ipynb; the committed notebook stays
# saved without outputs (--inplace would fill it in).
EXECUTE = ["execute", "--output=explore_flags-executed"]


@pytest.mark.slow
def test_jupyter_execute_as_the_readme_says_keeps_the_outputs(kernel_name, tmp_path):
    """Run on a copy laid out as the repository (corpora/ and ../shared beside it), so nothing is
    written into the checkout."""
    checkout = tmp_path / "repo"
    (checkout / "notebooks").mkdir(parents=True)
    (checkout / "corpora").symlink_to(REPO / "corpora")
    if SHARED.is_dir():
        (tmp_path / "shared").symlink_to(SHARED)
    copy = checkout / "notebooks" / NOTEBOOK.name
    copy.write_bytes(NOTEBOOK.read_bytes())
    jupyter = str(Path(sys.executable).with_name("jupyter"))
    done = subprocess.run([jupyter, *EXECUTE, f"--kernel_name={kernel_name}", "notebooks/explore_flags.ipynb"],
                          capture_output=True, text=True, timeout=900, cwd=checkout, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    assert json.loads(copy.read_text(encoding="utf-8")) == json.loads(NOTEBOOK.read_text(encoding="utf-8"))
    executed = json.loads((checkout / "notebooks" / "explore_flags-executed.ipynb").read_text(encoding="utf-8"))
    cells = [cell for cell in _code_cells(executed) if "".join(cell["source"]).strip()]
    assert cells and all(cell["outputs"] or cell["execution_count"] for cell in cells)
    assert sum(bool(cell["outputs"]) for cell in cells) >= len(cells) // 2
    data = [output.get("data", {}) for cell in cells for output in cell["outputs"]]
    html = ["".join(shown["text/html"]) for shown in data if "text/html" in shown]  # saved as a list of lines
    assert any("<mark " in page for page in html), "the flagged passages are kept, highlighted"
    assert any("image/png" in shown for shown in data), "and the plots"
