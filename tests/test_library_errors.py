"""A library call never passes silently over input it could not read (issue 28, trap 2): a path
that does not exist, or text given where a path belongs, raises a typed error; a file that cannot
be read beside good ones is a warning and an error of the report, whose return code then fails as
``qa check`` exits. Real files, real reading, engine none."""

from __future__ import annotations

import warnings
from pathlib import Path

import pytest

import qa
from qa.errors import InputError, InputWarning

SOURCE = "El pleno del ayuntamiento aprobó ayer el presupuesto de 2027 con doce votos a favor.\n"
TRANSLATION = "The city council approved the 2027 budget yesterday with twelve votes in favour.\n"


def newsroom(root: Path) -> Path:
    """One invented article in Spanish and its English translation, paired by folder."""
    for language, text in (("es", SOURCE), ("en", TRANSLATION)):
        (root / language).mkdir(parents=True)
        (root / language / "pleno.md").write_text(f"# {text}\n{text}", encoding="utf-8")
    return root


def test_a_path_that_does_not_exist_raises(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(InputError, match="no such file or folder: 'typo.md'") as raised:
        qa.check("typo.md", engine="none")
    assert "score_pairs" not in str(raised.value)
    with pytest.raises(InputError, match="no such file or folder"):
        qa.check(["typo.es.md", tmp_path / "typo.en.md"], engine="none")


@pytest.mark.parametrize("text", ["El pleno aprobó el presupuesto.", "Hola.\nHello."])
def test_text_given_for_a_path_is_told_to_use_score_pairs(tmp_path, monkeypatch, text):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(InputError, match=r"for sentences, use qa\.score_pairs"):
        qa.check(text, engine="none")


def test_an_unreadable_file_beside_good_ones_fails_the_reports_return_code(tmp_path, monkeypatch):
    root = newsroom(tmp_path / "news")
    (root / "es" / "roto.md").write_bytes(b"\x00\x01binary, not an article\x02")
    monkeypatch.chdir(tmp_path)
    with warnings.catch_warnings(record=True) as heard:
        warnings.simplefilter("always")
        report = qa.check([root, "missing.md"], engine="none")
    unreadable = [str(warning.message) for warning in heard if issubclass(warning.category, InputWarning)]
    assert sorted(unreadable) == sorted(str(error) for error in report.errors)
    assert len(unreadable) == 2 and any("roto.md" in line for line in unreadable)
    assert any("missing.md" in line for line in unreadable)
    assert [Path(article.path).name for article in report.articles] == ["pleno.md"]
    assert report.return_code("never") == 2 and report.return_code("error") == 2


def test_readable_input_gives_no_warning_and_a_passing_code(tmp_path, monkeypatch):
    root = newsroom(tmp_path / "news")
    monkeypatch.chdir(tmp_path)
    with warnings.catch_warnings():
        warnings.simplefilter("error", InputWarning)
        report = qa.check(root, engine="none")
    assert not report.errors and report.return_code("never") == 0
