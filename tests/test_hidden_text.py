"""A garble a pull request hides from qa (issue 26, part 5), checked through `qa check` with no
engine: reversed by a right-to-left override, or put in raw HTML blocks of a Markdown file,
which Jekyll and Hugo show on the page."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

FRONT = "---\ntitle: {title}\ntranslationKey: hidden\n---\n\n"

SPANISH_HTML = FRONT.format(title="Reunión") + """\
El consejo se reunió el lunes en Rabat.

<p>El Ministerio de Hacienda se reunió el martes.</p>

<div class="nota">
El Ministerio de Agricultura pidió más agua.
</div>

<details>
<summary>Más detalles</summary>
El Ministerio de Economía presentó el plan.
</details>

<table>
<tr><td>El Ministerio de Industria firmó el acuerdo.</td></tr>
</table>

<!-- qa: ignore -->
<p>El Ministerio de Cultura abrió el museo.</p>

<script>var nota = "El Ministerio de Turismo";</script>
"""
ENGLISH_HTML = FRONT.format(title="Meeting") + """\
The council met on Monday in Rabat.

<p>The Ministry of Finance of the Ministry of Finance met on Tuesday.</p>

<div class="note">
The Ministry of Agriculture of the Ministry of Agriculture asked for more water.
</div>

<details>
<summary>More details</summary>
The Ministry of Economy of the Ministry of Economy presented the plan.
</details>

<table>
<tr><td>The Ministry of Industry of the Ministry of Industry signed the agreement.</td></tr>
</table>

<!-- qa: ignore -->
<p>The Ministry of Culture of the Ministry of Culture opened the museum.</p>

<script>var note = "The Ministry of Tourism of the Ministry of Tourism";</script>
"""


def check(folder: Path, *arguments: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "qa", "check", "--engine", "none", *arguments, "--", str(folder)],
                          capture_output=True, text=True, timeout=120, env=dict(os.environ), cwd=folder)


def test_a_garble_in_raw_html_blocks_is_flagged_at_its_line(tmp_path):
    (tmp_path / "nota.es.md").write_text(SPANISH_HTML, encoding="utf-8")
    (tmp_path / "nota.en.md").write_text(ENGLISH_HTML, encoding="utf-8")
    done = check(tmp_path, "--format", "json")
    assert done.returncode == 1, done.stderr  # errors fail the check (before: nothing flagged, exit 0)
    [article] = json.loads(done.stdout)["articles"]
    segments = {segment["line"]: segment for segment in article["segments"]}
    # the <p>, the <div>'s text, the <details>'s text, the <td>
    names = {8: "Finance", 11: "Agriculture", 16: "Economy", 20: "Industry"}
    assert sorted(line for line, segment in segments.items() if segment["flagged"]) == sorted(names)
    text = (tmp_path / "nota.en.md").read_text(encoding="utf-8")
    for line, name in names.items():
        segment = segments[line]
        assert segment["severity"] == "error" and segment["reasons"][0]["signal"] == "circular_name"
        start, end = segment["highlight"]
        assert text[start:end] == f"The Ministry of {name} of the Ministry of {name}"
    assert (segments[8]["column"], segments[20]["column"]) == (4, 9)  # inside <p> and <td>
    # "<!-- qa: ignore -->", an HTML block itself, still accepts the <p> under it.
    assert segments[24]["reasons"][0]["signal"] == "circular_name" and not segments[24]["flagged"]
    # A script's text is no article text.
    assert not any("Tourism" in (segment["text"] or "") for segment in article["segments"])


def test_a_reversed_circular_name_is_a_warning(tmp_path):
    """Stored reversed between U+202E and U+202C, shown by a browser as "Finance of the Ministry
    of Finance": the override itself is flagged (before: nothing, exit 0)."""
    (tmp_path / "nota.es.md").write_text(FRONT.format(title="Reunión")
                                         + "El Ministerio de Hacienda se reunió el lunes.\n", encoding="utf-8")
    english = "The Ministry of Finance \u202eecnaniF fo yrtsiniM eht fo\u202c met on Monday."
    (tmp_path / "nota.en.md").write_text(FRONT.format(title="Meeting") + english + "\n", encoding="utf-8")
    done = check(tmp_path, "--format", "json", "--fail-on", "warning")
    assert done.returncode == 1, done.stderr
    [segment] = [s for s in json.loads(done.stdout)["articles"][0]["segments"] if s["flagged"]]
    assert segment["severity"] == "warning"
    [reason] = segment["reasons"]
    assert reason["signal"] == "bidi_control"
    assert reason["explanation"].startswith("hidden right-to-left override character U+202E reverses how the text")
    text = (tmp_path / "nota.en.md").read_text(encoding="utf-8")
    start, end = segment["highlight"]
    assert text[start:end] == "\u202eecnaniF fo yrtsiniM eht fo\u202c"  # from the override to its end
