"""Checking nothing is never a pass, and language codes are read as users write them."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from qa.config import load_settings
from qa.errors import InputError

REPO = Path(__file__).resolve().parent.parent


def qa(*args: str, cwd: Path = REPO) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "qa", *args], capture_output=True, text=True, timeout=120, cwd=cwd,
                          env=dict(os.environ))


@pytest.mark.parametrize("output_format", ["text", "json", "sarif", "github"])
def test_english_files_declared_spanish_are_an_error_not_a_pass(tmp_path, output_format):
    (tmp_path / "es").mkdir()
    (tmp_path / "en").mkdir()
    (tmp_path / "es" / "a.md").write_text("El plan se aprobó el martes.\n", encoding="utf-8")
    (tmp_path / "en" / "a.md").write_text("---\nlang: es\n---\n\nThe plan was approved on Tuesday.\n",
                                          encoding="utf-8")
    done = qa("check", "--engine", "none", "--format", output_format, "--", str(tmp_path))
    assert done.returncode == 2
    assert (f"qa: error: {tmp_path / 'en' / 'a.md'}: front matter says lang: es, but the file's name or folder "
            "says en") in done.stderr.splitlines()


def test_a_declared_language_the_text_contradicts_is_an_error(tmp_path):
    (tmp_path / "nota.md").write_text("---\nlang: es\n---\n\nThe government approved the new water plan on "
                                      "Tuesday after a long debate in parliament.\n", encoding="utf-8")
    (tmp_path / "otra.md").write_text("---\nlang: es\n---\n\nEl Gobierno aprobó el martes el nuevo plan del "
                                      "agua tras un largo debate.\n", encoding="utf-8")
    done = qa("check", "--engine", "none", "--", str(tmp_path))
    assert done.returncode == 2
    assert f"qa: error: {tmp_path / 'nota.md'}: front matter says lang: es, but the text is written in en" in (
        done.stderr.splitlines())
    assert "otra.md" not in done.stderr


def test_only_sources_is_nothing_to_check(tmp_path):
    (tmp_path / "es").mkdir()
    (tmp_path / "es" / "a.md").write_text("El plan se aprobó el martes.\n", encoding="utf-8")
    done = qa("check", "--engine", "none", "--format", "json", "--", str(tmp_path))
    assert done.returncode == 2
    assert "nothing to check: no en article among 1 file(s) read as es-en" in done.stderr


@pytest.mark.parametrize(("written", "read"), [("ES", "es"), ("es-ES", "es"), ("en_GB", "en"), (" En ", "en")])
def test_language_codes_are_normalised(tmp_path, written, read):
    settings, _ = load_settings(tmp_path, {"src_lang": written})
    assert settings.src_lang == read
    (tmp_path / "qa.toml").write_text(f'tgt_lang = "{written}"\n', encoding="utf-8")
    assert load_settings(tmp_path, {})[0].tgt_lang == read


@pytest.mark.parametrize("written", ["xx", "e", "english", "", "12"])
def test_unknown_language_codes_are_refused(tmp_path, written):
    with pytest.raises(InputError, match="must be a language code"):
        load_settings(tmp_path, {"tgt_lang": written})
    done = qa("check", "--engine", "none", "--src-lang", written or "''", "--", "corpora")
    assert done.returncode == 2 and "must be a language code" in done.stderr


def test_upper_case_codes_find_what_lower_case_codes_find():
    lower = qa("check", "--engine", "none", "--format", "json", "-q", "--", "corpora")
    upper = qa("check", "--engine", "none", "--format", "json", "-q", "--src-lang", "ES", "--tgt-lang", "EN", "--",
               "corpora")
    assert upper.returncode == lower.returncode == 1
    assert upper.stdout == lower.stdout
