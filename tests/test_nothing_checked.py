"""Checking nothing is never a pass, and language codes are read as users write them."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from qa.config import load_settings
from qa.errors import InputError
from qa.signals.alignment import gutted
from tests.conftest import git

REPO = Path(__file__).resolve().parent.parent
SPANISH = ("El Gobierno aprobó el martes el nuevo plan del agua tras un largo debate en el Parlamento.\n\n"
           "La oposición votó en contra y anunció un recurso ante el tribunal.\n")
# The second paragraph is left in Spanish: a garble the checks that need no model find.
ENGLISH = ("The government approved the new water plan on Tuesday after a long debate in Parliament.\n\n"
           "La oposición votó en contra y anunció un recurso ante el tribunal.\n")


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
    assert not [line for line in done.stderr.splitlines() if "otra.md" in line and line.startswith("qa: error")]


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


SPANISH_BODY = " ".join(f"El ayuntamiento aprobó el plan número {k} para las calles del centro." for k in range(1, 31))


@pytest.mark.parametrize("english", [
    "---\ntitle: The plan\n---\n",  # front matter and no body
    "The council approved plan number 1 for the streets of the centre.\n",  # 29 of 30 sentences gone
])
def test_an_empty_or_gutted_translation_is_an_error(tmp_path, english):
    (tmp_path / "es").mkdir()
    (tmp_path / "en").mkdir()
    (tmp_path / "es" / "a.md").write_text(SPANISH_BODY + "\n", encoding="utf-8")
    (tmp_path / "en" / "a.md").write_text(english, encoding="utf-8")
    done = qa("check", "--engine", "none", "--fail-on", "error", "--format", "json", "--", str(tmp_path))
    assert done.returncode == 1, done.stderr

    segments = json.loads(done.stdout)["articles"][0]["segments"]
    errors = [s for s in segments if s["severity"] == "error"]
    assert len(errors) == 1  # one verdict for the article, not one per missing sentence
    assert errors[0]["reasons"][0]["signal"] == "gutted"
    assert "lacks" in errors[0]["reasons"][0]["explanation"] and "of the 30 sentences" in errors[0]["reasons"][0]["explanation"]


def test_a_translation_missing_a_few_sentences_is_no_error(tmp_path):
    (tmp_path / "es").mkdir()
    (tmp_path / "en").mkdir()
    (tmp_path / "es" / "a.md").write_text(SPANISH_BODY + "\n", encoding="utf-8")
    english = " ".join(f"The council approved plan number {k} for the streets of the centre." for k in range(1, 26))
    (tmp_path / "en" / "a.md").write_text(english + "\n", encoding="utf-8")
    done = qa("check", "--engine", "none", "--fail-on", "error", "--", str(tmp_path))
    assert done.returncode == 0, done.stdout


def test_gutted_weighs_the_share_missing():

    assert gutted(0, 30, "es", "en") is None
    assert gutted(14, 30, "es", "en").garble == 0
    assert gutted(15, 30, "es", "en").garble == 0.9
    assert gutted(2, 2, "es", "en").garble == 0  # too short to tell a summary from a gutting


EN_STORY = "---\ntitle: The new bridge opens\nlang: en\n---\n\nThe bridge over the river opened on Monday.\n"
ES_STORY = "---\ntitle: Abre el nuevo puente\nlang: es\n---\n\nEl puente sobre el río abrió el lunes.\n"


@pytest.mark.parametrize("layout", ["file alone", "en folder alone", "keys differ"])
def test_a_translation_without_a_source_is_said_per_file_and_counted(tmp_path, layout):
    if layout == "file alone":
        (tmp_path / "bridge.en.md").write_text(EN_STORY, encoding="utf-8")
        target, paths = tmp_path / "bridge.en.md", [str(tmp_path / "bridge.en.md")]
    elif layout == "en folder alone":
        (tmp_path / "en").mkdir()
        (tmp_path / "en" / "bridge.md").write_text(EN_STORY, encoding="utf-8")
        target, paths = tmp_path / "en" / "bridge.md", [str(tmp_path / "en")]
    else:
        (tmp_path / "puente.es.md").write_text(ES_STORY, encoding="utf-8")
        (tmp_path / "bridge.en.md").write_text(EN_STORY, encoding="utf-8")
        target, paths = tmp_path / "bridge.en.md", [str(tmp_path)]
    result = qa("check", *paths, "--engine", "none", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    said = [line for line in result.stderr.splitlines() if "no es source found" in line]
    assert len(said) == 1 and said[0].endswith(f"{target.relative_to(tmp_path)}: no es source found; "
                                               "only the checks that need no source ran")
    assert "(1 without a source: only the checks that need none)" in result.stdout.splitlines()[-1]
    if layout == "keys differ":  # and the source that found no translation is named too
        assert f"{tmp_path / 'puente.es.md'}: no en translation found; not checked" in result.stderr \
            or "puente.es.md: no en translation found; not checked" in result.stderr
    quiet = qa("check", *paths, "--engine", "none", "-q", cwd=tmp_path)
    assert "no es source found" not in quiet.stderr  # a note, silenced by -q; the summary still counts it
    assert "1 without a source" in quiet.stdout


# --- the pre-commit hook names only the staged files (issue 28) -----------------------------


def run_hook(repo: Path, *extra: str) -> subprocess.CompletedProcess:
    """Run qa as pre-commit runs the hook: entry, args, then the staged files its patterns match."""
    (hook,) = yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    staged = git(repo, "diff", "--cached", "--name-only").split()
    files = [name for name in staged if re.search(hook["files"], name) and not re.search(hook["exclude"], name)]
    command = [*hook["entry"].split()[1:], *extra, *hook["args"], *files]
    return qa(*command, cwd=repo)


@pytest.fixture
def newsroom(tmp_path, git_identity):
    """A content repository holding one article and its translation, committed."""
    for lang, text in (("es", SPANISH), ("en", ENGLISH)):
        (tmp_path / "content" / lang).mkdir(parents=True)
        (tmp_path / "content" / lang / "agua.md").write_text(text, encoding="utf-8")
    git(tmp_path, "init", "-q")
    git(tmp_path, "add", ".")
    git(tmp_path, "commit", "-q", "-m", "first articles")
    return tmp_path


@pytest.mark.parametrize("touched", ["es", "en"])
def test_a_commit_touching_one_side_checks_the_whole_pair(newsroom, touched):
    """Committing only the Spanish original (or only the translation) checks the pair, with the
    other side read from the working tree, as --changed-since does; it is not "nothing to check"."""
    page = newsroom / "content" / touched / "agua.md"
    page.write_text(page.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    git(newsroom, "add", str(page))
    done = run_hook(newsroom, "--format", "json")
    assert done.returncode == 1, done.stderr
    (article,) = json.loads(done.stdout)["articles"]
    assert Path(article["source_path"]).resolve() == (newsroom / "content" / "es" / "agua.md").resolve()
    assert Path(article["path"]).resolve() == (newsroom / "content" / "en" / "agua.md").resolve()
    assert any(segment["flagged"] for segment in article["segments"])
    assert "nothing to check" not in done.stderr and "no es source found" not in done.stderr


def test_a_new_original_without_a_translation_yet_is_noted_not_refused(newsroom):
    (newsroom / "content" / "es" / "nuevo.md").write_text(SPANISH.replace("agua", "transporte"), encoding="utf-8")
    git(newsroom, "add", "content/es/nuevo.md")
    done = run_hook(newsroom)
    assert done.returncode == 0, done.stderr
    noted = qa("check", "--engine", "none", "--", "content/es/nuevo.md", cwd=newsroom)
    assert noted.returncode == 0
    assert "content/es/nuevo.md: no en translation found; not checked" in noted.stderr


def test_a_named_source_whose_text_is_not_spanish_is_still_nothing_to_check(newsroom):
    """The language check stays: an English text filed as the Spanish original is not waved through."""
    (newsroom / "content" / "es" / "wrong.md").write_text(ENGLISH.split("\n\n")[0] + "\n", encoding="utf-8")
    done = qa("check", "--engine", "none", "--", "content/es/wrong.md", cwd=newsroom)
    assert done.returncode == 2
    assert "nothing to check: no en article among 1 file(s)" in done.stderr
