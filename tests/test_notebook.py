"""notebooks/explore_flags.ipynb: saved without outputs, and runs top to bottom in a real Jupyter
kernel running this interpreter."""

from __future__ import annotations

import importlib.util
import json
import sys

import pytest
from conftest import EVAL, REPO, need

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
