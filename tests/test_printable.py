"""No article text or file name can forge a CI log line, reach the terminal as an escape
sequence or reverse how it displays: control, format and other invisible characters are shown
as ⟨U+XXXX⟩ in every human-readable output."""

from __future__ import annotations

import os
import subprocess
import sys

from qa.printable import printable, visible

REVERSED = "\u202eecnaniF fo yrtsiniM eht fo\u202c"
FORGED = "\n::error file=README.md::all good\x1b]0;owned\x07\x1b[2J"


def test_printable_shows_controls_and_invisible_characters_only():
    assert printable("El año, 5 €\u00a0— «bien» Café") == "El año, 5 €\u00a0— «bien» Café"
    assert printable("a\nb\tc\x1b[0m\x85") == "a⟨U+000A⟩b⟨U+0009⟩c⟨U+001B⟩[0m⟨U+0085⟩"
    assert printable("abc\u202edef\u200b") == "abc⟨U+202E⟩def⟨U+200B⟩"
    # Default-ignorable marks that are not format characters: they too hide inside a word.
    assert printable("Fi\u034fna\ufe0fn\u17b4c\u180be\u2028") == "Fi⟨U+034F⟩na⟨U+FE0F⟩n⟨U+17B4⟩c⟨U+180B⟩e⟨U+2028⟩"


def test_visible_keeps_tabs_and_line_ends_for_a_page():
    assert visible("a\tb\r\nc\u202e2202\u202c\x1b") == "a\tb\r\nc⟨U+202E⟩2202⟨U+202C⟩⟨U+001B⟩"


def test_the_text_report_shows_a_reversed_passage_and_file_name(tmp_path, monkeypatch):
    """The RLO attack through `qa check --format text`: the quoted passage and the file name
    show the override instead of obeying it."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "en").mkdir()
    (tmp_path / "es").mkdir()
    name = "a\u202edm.txt.md"
    (tmp_path / "es" / name).write_text("El Ministerio de Hacienda se reunió el lunes.\n", encoding="utf-8")
    (tmp_path / "en" / name).write_text(f"The Ministry of Finance {REVERSED} met on Monday.\n", encoding="utf-8")
    done = subprocess.run([sys.executable, "-m", "qa", "check", "--engine", "none", "--", "."],
                          capture_output=True, text=True, timeout=120, env=dict(os.environ))
    assert done.returncode == 0, done.stderr  # a warning; the default fail-on is error
    assert "en/a⟨U+202E⟩dm.txt.md:1:1: warning" in done.stdout
    assert "hidden right-to-left override character U+202E reverses how the text displays" in done.stdout
    assert f"> The Ministry of Finance ⟨U+202E⟩{REVERSED[1:-1]}⟨U+202C⟩ met on Monday." in done.stdout
    assert "\u202e" not in done.stdout + done.stderr


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
