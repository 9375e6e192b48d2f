"""The signals on real text: the project's labelled corpus (every garble fires its signal, no clean
sentence fires any), and clean human translations from WMT newstest2013 in ../shared/eval (each
signal fires strongly on under 2% of sentences, in both directions)."""

from __future__ import annotations

import json
from functools import cache

import pytest
import yaml

from qa.corpus.markdown import read_markdown
from qa.signals import intrinsic, names, numbers, untranslated
from qa.signals.base import Segment
from tests.conftest import EVAL, REPO, need

CORPUS = REPO / "corpora"
NEWSTEST = EVAL / "newstest2013-articles.jsonl"
SIGNALS = {spec.name: spec.function for module in (intrinsic, numbers, untranslated, names) for spec in module.SPECS}
STRONG = 0.5
MAX_FALSE_POSITIVE_RATE = 0.02
KIND_TO_SIGNAL = {
    "repetition": "repetition",
    "circular-name": "circular_name",
    "oscillation": "oscillation",
    "untranslated": "untranslated",
    "wrong-number": "numbers",
    "omission": "length_ratio",
}


def strong_signals(segment: Segment) -> dict[str, float]:
    """The signals that fire with garble >= 0.5 on ``segment``, with their garble."""
    fired = {}
    for name, function in SIGNALS.items():
        signal = function(segment)
        if signal is not None and signal.garble >= STRONG:
            fired[name] = signal.garble
    return fired


# --- the project's corpus -------------------------------------------------------------------------


@cache
def corpus_labels() -> dict:
    return yaml.safe_load((CORPUS / "labels.yaml").read_text(encoding="utf-8"))


@cache
def corpus_pairs() -> tuple[tuple[str, str, str, int, int], ...]:
    """(article, Spanish sentence, English sentence, start, end of the English one in its file)
    for every body, headline and subtitle sentence, paired by position."""
    pairs = []
    for english_path in sorted((CORPUS / "en").glob("*.md")):
        spanish = read_markdown(CORPUS / "es" / english_path.name)
        english = read_markdown(english_path)
        es_sentences = [sentence for _, sentence in spanish.sentences()]
        en_sentences = [sentence for _, sentence in english.sentences()]
        assert len(es_sentences) == len(en_sentences), english_path.name
        for es, en in zip(es_sentences, en_sentences, strict=True):
            pairs.append((english_path.stem, es.text, en.text, en.start, en.end))
    return tuple(pairs)


def corpus_pair_of(label: dict) -> tuple[str, str]:
    """The (Spanish, English) pair holding a label's English text (which may carry markup)."""
    article = label["article"]
    file_text = (CORPUS / label["file"]).read_text(encoding="utf-8")
    offset = file_text.index(label["text"])
    for name, es, en, start, end in corpus_pairs():
        if name == article and start <= offset < end:
            return es, en
    raise AssertionError(f"no sentence holds {label['text']!r}")


@pytest.mark.parametrize("label", corpus_labels()["garbled"], ids=lambda label: label["kind"])
def test_each_corpus_garble_fires_its_signal(label):
    signal_name = KIND_TO_SIGNAL[label["kind"]]
    segment = Segment(label["source"], label["text"], "es", "en")
    signal = SIGNALS[signal_name](segment)
    assert signal is not None and signal.garble >= STRONG, (label["text"], signal)


@pytest.mark.parametrize("label", corpus_labels()["clean_tricky"], ids=lambda label: label["text"][:40])
def test_no_signal_fires_on_tricky_clean_sentences(label):
    source, target = corpus_pair_of(label)
    assert strong_signals(Segment(source, target, "es", "en")) == {}
    # The plain text read from the file, and the label's own text with its Markdown markup.
    assert strong_signals(Segment(source, label["text"], "es", "en")) == {}


def test_no_signal_fires_on_any_clean_corpus_sentence():
    garbled = {label["text"] for label in corpus_labels()["garbled"]}
    clean = [(es, en) for _, es, en, _, _ in corpus_pairs() if en not in garbled]
    assert len(clean) > 50
    fired = {en: f for es, en in clean if (f := strong_signals(Segment(es, en, "es", "en")))}
    assert fired == {}


# --- clean human translations: WMT newstest2013 ---------------------------------------------------


@cache
def newstest_pairs() -> tuple[tuple[str, str], ...]:
    """(Spanish, English) sentence pairs of every article, headlines included."""
    pairs = []
    for line in NEWSTEST.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        record = json.loads(line)
        es, en = record["es"], record["en"]
        pairs.append((es["headline"], en["headline"]))
        for es_paragraph, en_paragraph in zip(es["paragraphs"], en["paragraphs"], strict=True):
            pairs.extend(zip(es_paragraph, en_paragraph, strict=True))
    return tuple(pairs)


def strong_rates(segments: list[Segment], signal_names: list[str]) -> dict[str, float]:
    counts = dict.fromkeys(signal_names, 0)
    for segment in segments:
        for name in signal_names:
            signal = SIGNALS[name](segment)
            if signal is not None and signal.garble >= STRONG:
                counts[name] += 1
    return {name: count / len(segments) for name, count in counts.items()}


@pytest.mark.eval
def test_signals_rarely_fire_on_clean_spanish_to_english():
    need(NEWSTEST.is_file(), f"{NEWSTEST} is absent")
    segments = [Segment(es, en, "es", "en") for es, en in newstest_pairs()]
    assert len(segments) > 2000
    rates = strong_rates(segments, list(SIGNALS))
    print("\nes->en strong-firing rates on newstest2013:", {k: f"{v:.2%}" for k, v in rates.items()})
    assert all(rate < MAX_FALSE_POSITIVE_RATE for rate in rates.values()), rates


@pytest.mark.eval
def test_signals_rarely_fire_on_clean_english_to_spanish():
    """The same articles the other way round: Spanish targets of English sources."""
    need(NEWSTEST.is_file(), f"{NEWSTEST} is absent")
    segments = [Segment(en, es, "en", "es") for es, en in newstest_pairs()]
    rates = strong_rates(segments, list(SIGNALS))
    print("\nen->es strong-firing rates on newstest2013:", {k: f"{v:.2%}" for k, v in rates.items()})
    assert all(rate < MAX_FALSE_POSITIVE_RATE for rate in rates.values()), rates


@pytest.mark.eval
@pytest.mark.parametrize(("src_lang", "tgt_lang"), [("es", "en"), ("en", "es")])
def test_untranslated_finds_sentences_left_in_the_source_language(src_lang, tgt_lang):
    """Recall, each way: a source sentence copied as its own translation, and a translation whose
    second half was left in the source language."""
    need(NEWSTEST.is_file(), f"{NEWSTEST} is absent")
    sample = newstest_pairs()[::10]
    whole = mixed = 0
    for es, en in sample:
        source, target = (es, en) if src_lang == "es" else (en, es)
        whole += untranslated.untranslated(Segment(source, source, src_lang, tgt_lang)).garble >= STRONG
        target_words, source_words = target.split(), source.split()
        half = " ".join(target_words[: len(target_words) // 2] + source_words[len(source_words) // 2 :])
        mixed += untranslated.untranslated(Segment(source, half, src_lang, tgt_lang)).garble >= STRONG
    whole_rate, mixed_rate = whole / len(sample), mixed / len(sample)
    print(f"\n{src_lang}->{tgt_lang} untranslated recall: whole {whole_rate:.1%}, half {mixed_rate:.1%}")
    assert whole_rate > 0.9
    assert mixed_rate > 0.7
