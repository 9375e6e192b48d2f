"""Invisible characters, compatibility forms and look-alike letters hide no garble: the checks
read folded text and point at the original."""

from __future__ import annotations

import unicodedata
from pathlib import Path

import pytest
from conftest import REPO

import qa
from qa.corpus.markdown import read_markdown
from qa.flag import judge, load_flagger
from qa.report.json import render_json
from qa.signals import compute_signals, registry
from qa.signals.base import Segment
from qa.signals.folding import HIDDEN, fold

CIRCLE = "The Ministry of Finance of the Ministry of Finance met on Monday."
NAME = "The Ministry of Finance of the Ministry of Finance"
# The issue's five, and the format characters folded before it.
HIDDEN_IN_A_WORD = ["\u034f", "\ufe0f", "\u17b4", "\u180b", "\x1b", "\u200b", "\u00ad", "\u200d", "\u2060", "\u202e"]


def verdict(text: str):
    flagger = load_flagger().for_engine(None, "es-en")
    signals = compute_signals(Segment(None, text, "es", "en"))
    return signals, judge(signals, flagger)


@pytest.mark.parametrize("hidden", HIDDEN_IN_A_WORD, ids=lambda char: f"U+{ord(char):04X}")
def test_a_hidden_character_inside_a_word_hides_no_circular_name(hidden):
    text = CIRCLE.replace("Finance", f"Fi{hidden}nance", 1)
    signals, result = verdict(text)
    assert result.severity == "error"
    assert result.reasons[0].signal == "circular_name"
    start, end = signals["circular_name"].span
    assert text[start:end] == NAME.replace("Finance", f"Fi{hidden}nance", 1)  # the original text


def test_the_issue_characters_in_a_markdown_pair_are_flagged_as_errors(tmp_path):
    """The attack as a pull request would make it: one pair of files per hidden character."""
    for number, hidden in enumerate(["\u034f", "\ufe0f", "\u17b4", "\u180b", "\x1b"]):
        (tmp_path / f"n{number}.es.md").write_text("El Ministerio de Hacienda se reunió el lunes.\n", encoding="utf-8")
        (tmp_path / f"n{number}.en.md").write_text(CIRCLE.replace("Finance", f"Fi{hidden}nance", 1) + "\n",
                                                   encoding="utf-8")
    report = qa.check(str(tmp_path), engine=None, cache=False)
    flagged = {Path(article.path).name: segment for article, segment in report.flagged}
    assert sorted(flagged) == [f"n{number}.en.md" for number in range(5)]
    assert all(segment.result.severity == "error" and segment.result.reasons[0].signal == "circular_name"
               for segment in flagged.values())


@pytest.mark.parametrize("written", [
    "The Ministry of Ｆｉｎａｎｃｅ of the Ministry of Ｆｉｎａｎｃｅ",  # full-width letters
    "The Ministry of 𝐅𝐢𝐧𝐚𝐧𝐜𝐞 of the Ministry of Finance",  # mathematical bold
    "The Ministry of Finance of the Ministry of Finance",  # a ligature
    "The M\u0456nistry of Finance of the Ministry of Finance",  # a Cyrillic і
])
def test_compatibility_forms_and_look_alikes_hide_no_circular_name(written):
    text = f"{written} met on Monday."
    signals, result = verdict(text)
    assert result.severity == "error"
    start, end = signals["circular_name"].span
    assert text[start:end] == written


def test_superscripts_subscripts_and_fractions_are_kept():
    for text in ("Un piso de 50 m² en la 2.ª planta.", "El 1.º de mayo, ½ litro de H₂O."):
        assert fold(text).text == text


def test_folding_keeps_other_scripts_and_maps_every_character_back():
    text = "Москва и\u200b Madrid; Cafe\u0301 ﬁnal\ufe0f \x1b[0m ＡＢ\u00a0x"
    folded = fold(text)
    assert folded.text == "Москва и Madrid; Café final [0m AB x"
    assert len(folded.starts) == len(folded.ends) == len(folded.text)
    for char, start, end in zip(folded.text, folded.starts, folded.ends, strict=True):
        written = HIDDEN.sub("", text[start:end])
        assert char in unicodedata.normalize("NFKC", written)  # each character from what it stands for
    e_acute = folded.text.index("é")
    assert text[folded.starts[e_acute] : folded.ends[e_acute]] == "e\u0301"  # the whole cluster


def test_hidden_is_unicodes_default_ignorable_set_and_the_controls():
    """regex's Default_Ignorable_Code_Point against ranges of DerivedCoreProperties.txt, with
    format characters and C0/C1 controls but tab and line ends."""
    hidden = [0x00AD, 0x034F, 0x061C, 0x115F, 0x1160, 0x17B4, 0x17B5, 0x3164, 0xFEFF, 0xFFA0, 0xE0001, 0xE007F,
              *range(0x180B, 0x1810), *range(0x200B, 0x2010), *range(0x202A, 0x202F), *range(0x2060, 0x2070),
              *range(0xFE00, 0xFE10), *range(0xE0100, 0xE01F0), *range(0x00, 0x09), 0x0B, 0x0C,
              *range(0x0E, 0x20), *range(0x7F, 0xA0)]
    assert all(HIDDEN.fullmatch(chr(code)) for code in hidden)
    assert not any(HIDDEN.match(char) for char in "\t\n\r aZ0éñ\u00a0\u2009\u0301\u05d0")


def test_text_without_such_characters_is_scored_exactly_as_before():
    """Every English sentence of corpora/ with its Spanish source's first sentence: folding
    changes none of them, and their signals are those of the unfolded text."""
    articles = [read_markdown(path) for path in sorted((REPO / "corpora").glob("*/*.md"))]
    sentences = [sentence.text for article in articles for _, sentence in article.sentences()]
    assert len(sentences) > 100
    for text in sentences:
        assert fold(text).text == text
    source = "El ministerio de Hacienda se reunió."
    for text in sentences[::5]:
        segment = Segment(source, text, "es", "en")
        raw = {name: function(segment) for name, function in registry().items()}
        assert compute_signals(segment) == {name: signal for name, signal in raw.items() if signal is not None}


def test_corpora_reports_are_byte_identical_without_folding(monkeypatch, tmp_path):
    """The JSON report of corpora/ with folding and with the checks reading the raw text."""
    monkeypatch.chdir(tmp_path)
    folded = render_json(qa.check(str(REPO / "corpora"), engine=None, cache=False))
    monkeypatch.setattr("qa.signals.folding.folded_segment", lambda segment: (segment, None))
    raw = render_json(qa.check(str(REPO / "corpora"), engine=None, cache=False))
    assert folded == raw and '"flagged": true' in raw
