"""No article text or file name can forge a CI log line or reach the terminal as an escape
sequence: control and format characters are shown escaped in every human-readable output."""

from __future__ import annotations

import os
import subprocess
import sys

from qa.printable import printable

FORGED = "\n::error file=README.md::all good\x1b]0;owned\x07\x1b[2J"


def test_printable_escapes_controls_and_format_characters_only():
    assert printable("El año, 5 €\u00a0— «bien»") == "El año, 5 €\u00a0— «bien»"
    assert printable("a\nb\tc\x1b[0m\x85") == "a\\x0ab\\x09c\\x1b[0m\\x85"
    assert printable("abc\u202edef\u200b") == "abc\\u202edef\\u200b"


def test_no_output_line_starts_a_workflow_command_and_no_escape_is_raw(tmp_path):
    folder = tmp_path / f"notas{FORGED.splitlines()[1][:10]}"
    folder.mkdir()
    (folder / "ok.es.md").write_text("La Dirección General de Estados Unidos se reunió el lunes.\n", encoding="utf-8")
    name = f"ok.en{FORGED}.md".replace("/", "_")
    article = folder / "x.en.md"
    article.write_text(f"The United States General Department for the United States met on Monday.{FORGED}\n",
                       encoding="utf-8")
    (folder / name).write_text("The United States General Department for the United States met.\n", encoding="utf-8")
    for output_format in ("text", "github"):
        done = subprocess.run([sys.executable, "-m", "qa", "check", "--engine", "none", "--format", output_format,
                               "--", str(folder), str(folder / "missing\n::error::forged.md")],
                              capture_output=True, text=True, timeout=120, env=dict(os.environ))
        assert done.returncode == 2, done.stderr  # the missing file is an input error; the rest is checked
        assert "United States" in done.stdout
        own = [line for line in done.stdout.splitlines() if line.startswith("::")]
        assert all(line.startswith(("::error file=", "::warning file=", "::notice file=")) for line in own)
        assert not any("all good" in line and line.startswith("::error file=README.md") for line in own)
        for stream in (done.stdout, done.stderr):
            assert "\x1b" not in stream and "\x07" not in stream
            assert not any(line.startswith("::error::forged") for line in stream.splitlines())
